// The two tables and the baseline comparison, rendered from the page's state.

import { formatBandwidth } from "./model.js";
import { $, COLUMNS, ROW_LIMIT, state } from "./state.js";

function matchesFilter(row) {
  const f = state.filter;
  if (!f) return true;
  return row.local_hostgroup.toLowerCase().includes(f) || row.remote_hostgroup.toLowerCase().includes(f);
}

function isBandwidth(column) {
  return column.startsWith("traffic_bandwidth_bits_");
}

function sortRows(rows, sort) {
  if (!sort) return rows;
  const { column, descending } = sort;
  const cmp = (a, b) => {
    const x = a[column];
    const y = b[column];
    if (x === y) return 0;
    if (x == null) return -1;
    if (y == null) return 1;
    return x < y ? -1 : 1;
  };
  return [...rows].sort((a, b) => (descending ? -cmp(a, b) : cmp(a, b)));
}

export function renderTables() {
  const r = state.current;
  if (!r) return;
  const percentiles = r.traffic.length > 0 && COLUMNS.percentiles[0] in r.traffic[0];
  const trafficColumns = percentiles ? [...COLUMNS.traffic, ...COLUMNS.percentiles] : COLUMNS.traffic;
  const extraTraffic = state.comparison ? [{ name: "vs_baseline", title: "vs baseline (avg)" }] : [];
  const extraDependency = state.comparison ? [{ name: "vs_baseline", title: "vs baseline" }] : [];
  renderTable("traffic", trafficColumns, extraTraffic, r.traffic, (row, col) => {
    const c = state.comparison.byKey.get(state.comparison.key(row));
    if (!c || c.change === "added") return { text: "new", cls: "added" };
    if (c.ratio == null) return { text: "" };
    const pct = (c.ratio * 100).toFixed(1);
    return { text: `${c.ratio >= 0 ? "+" : ""}${pct}%`, cls: c.ratio > 0 ? "up" : c.ratio < 0 ? "down" : "" };
  });
  const addedIds = new Set((state.comparison?.added ?? []).map((e) => e.id));
  renderTable("dependency", COLUMNS.dependency, extraDependency, r.dependency, (row) => {
    const up = row.dependency_direction === "upstream";
    const id = JSON.stringify([
      up ? row.local_hostgroup : row.remote_hostgroup,
      up ? row.remote_hostgroup : row.local_hostgroup,
      (up ? row.remote_hostgroup_address_port : row.local_hostgroup_address_port) ?? "",
      row.protocol ?? "",
    ]);
    return addedIds.has(id) ? { text: "new", cls: "added" } : { text: "" };
  });
}

function renderTable(name, columns, extra, allRows, extraCell) {
  const table = $(`${name}-table`);
  const sort = state.sort[name];
  const head = document.createElement("tr");
  for (const column of columns) {
    const th = document.createElement("th");
    th.scope = "col";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = column.replaceAll("_", " ");
    button.title = `Sort by ${column}`;
    if (sort?.column === column) {
      th.setAttribute("aria-sort", sort.descending ? "descending" : "ascending");
      button.textContent += sort.descending ? " ▼" : " ▲";
    }
    button.addEventListener("click", () => {
      const descending = sort?.column === column ? !sort.descending : isBandwidth(column);
      state.sort[name] = { column, descending };
      renderTables();
    });
    th.append(button);
    if (isBandwidth(column)) th.className = "num";
    head.append(th);
  }
  for (const e of extra) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = e.title;
    head.append(th);
  }
  table.tHead.replaceChildren(head);

  const rows = sortRows(allRows.filter(matchesFilter), sort);
  const shown = rows.slice(0, state.limit[name]);
  const fragment = document.createDocumentFragment();
  shown.forEach((row, i) => {
    const tr = document.createElement("tr");
    tr.dataset.row = String(i);
    for (const column of columns) {
      const td = document.createElement("td");
      td.dataset.col = column;
      const value = row[column];
      if (value === null || value === undefined) {
        td.dataset.null = "true";
        td.className = "null";
        td.textContent = "null";
      } else if (typeof value === "number") {
        td.dataset.value = String(value);
        td.className = "num";
        td.textContent = isBandwidth(column) ? formatBandwidth(value) : String(value);
        td.title = `${value} bit/s`;
      } else {
        td.dataset.value = value;
        if (value === "") {
          td.className = "empty";
          td.textContent = '""';
        } else {
          td.textContent = value;
        }
      }
      tr.append(td);
    }
    for (const e of extra) {
      const td = document.createElement("td");
      td.dataset.col = e.name;
      const cell = extraCell(row, e.name);
      td.textContent = cell.text;
      if (cell.cls) td.className = cell.cls;
      tr.append(td);
    }
    fragment.append(tr);
  });
  table.tBodies[0].replaceChildren(fragment);
  const count = $(`${name}-count`);
  count.textContent =
    rows.length === allRows.length ? `${allRows.length} rows` : `${rows.length} of ${allRows.length} rows`;
  const more = $(`${name}-more`);
  more.hidden = rows.length <= shown.length;
  more.textContent = `Showing ${shown.length} of ${rows.length}: show all`;
}

export function renderComparison() {
  const c = state.comparison;
  $("comparison").hidden = !c;
  $("graph-legend").hidden = !c;
  if (!c) return;
  $("comparison-summary").textContent = `${c.added.length} added · ${c.removed.length} removed dependencies`;
  const depColumns = ["change", "caller", "service", "port", "protocol"];
  const depRows = [
    ...c.added.map((e) => ({ change: "added", caller: e.source, service: e.target, port: e.port, protocol: e.protocol })),
    ...c.removed.map((e) => ({
      change: "removed",
      caller: e.source,
      service: e.target,
      port: e.port,
      protocol: e.protocol,
    })),
  ];
  fillSimpleTable($("dependency-changes"), depColumns, depRows, (row, col) =>
    col === "change" ? row.change : row[col],
  );
  const trafficColumns = ["change", "traffic_direction", "local_hostgroup", "remote_hostgroup", "baseline_avg", "current_avg", "delta"];
  const trafficRows = [...c.traffic].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta)).slice(0, ROW_LIMIT);
  fillSimpleTable($("traffic-changes"), trafficColumns, trafficRows, (row, col) => {
    if (["baseline_avg", "current_avg", "delta"].includes(col)) {
      const v = row[col];
      if (v == null) return "";
      return (col === "delta" && v > 0 ? "+" : "") + formatBandwidth(v);
    }
    return row[col];
  });
}

function fillSimpleTable(table, columns, rows, text) {
  const head = document.createElement("tr");
  for (const c of columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = c.replaceAll("_", " ");
    head.append(th);
  }
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(
    ...rows.map((row, i) => {
      const tr = document.createElement("tr");
      tr.dataset.row = String(i);
      if (row.change) tr.className = row.change;
      for (const c of columns) {
        const td = document.createElement("td");
        td.dataset.col = c;
        const v = row[c];
        if (v != null) td.dataset.value = String(v);
        td.textContent = text(row, c) ?? "";
        if (typeof v === "number") {
          td.className = "num";
          td.title = `${v} bit/s`;
        }
        tr.append(td);
      }
      return tr;
    }),
  );
}
