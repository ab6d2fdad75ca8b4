// The two tables and the baseline comparison, rendered from the page's state. The two result
// tables are virtual: only the rows in view (and a few around) are in the document, so a table of
// a million rows scrolls as lightly as one of ten.

import { formatBandwidth } from "./model.js";
import { $, COLUMNS, ROW_LIMIT, state } from "./state.js";
import { rowFilter } from "./table-filter.js";

/** Rows rendered above and below the ones in view, so a quick scroll shows no gap. */
const OVERSCAN = 12;
/** Until a row has been measured. */
const DEFAULT_ROW_HEIGHT = 26;

/** Per table: the rows after filters and sort, and how to draw them. */
const views = { traffic: null, dependency: null };

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
  renderHead(name, table, columns, extra);
  const filters = rowFilter(state.columnFilters[name]);
  const rows = sortRows(allRows.filter((r) => matchesFilter(r) && filters(r)), state.sort[name]);
  views[name] = { columns, extra, rows, extraCell, total: allRows.length };
  const count = $(`${name}-count`);
  count.textContent =
    rows.length === allRows.length ? `${allRows.length} rows` : `${rows.length} of ${allRows.length} rows`;
  table.parentElement.scrollTop = 0;
  renderRows(name);
}

/** The header: sort buttons, then a filter box per column (kept while the columns stay). */
function renderHead(name, table, columns, extra) {
  const sort = state.sort[name];
  const head = document.createElement("tr");
  head.className = "names";
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
      document.dispatchEvent(new CustomEvent("planet:view"));
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
  const key = JSON.stringify([columns, extra.map((e) => e.name)]);
  const oldFilters = table.tHead.querySelector("tr.filters");
  if (oldFilters && oldFilters.dataset.key === key) {
    // Only the names row changes: moving the filter row would take the focus from its box.
    table.tHead.rows[0].replaceWith(head);
    return;
  }
  const filters = document.createElement("tr");
  filters.className = "filters";
  filters.dataset.key = key;
  for (const column of columns) {
    const th = document.createElement("th");
    const input = document.createElement("input");
    input.type = "search";
    input.className = "column-filter";
    input.dataset.col = column;
    input.placeholder = isBandwidth(column) ? ">1e6" : "filter";
    input.title = "Contains text; =exact, !not, null, or >, <, >=, <=, =, != a number";
    input.setAttribute("aria-label", `Filter ${column}`);
    input.spellcheck = false;
    input.value = state.columnFilters[name][column] ?? "";
    input.addEventListener("input", () => {
      if (input.value === "") delete state.columnFilters[name][column];
      else state.columnFilters[name][column] = input.value;
      renderTables();
      document.dispatchEvent(new CustomEvent("planet:view"));
    });
    th.append(input);
    filters.append(th);
  }
  for (const _ of extra) filters.append(document.createElement("th"));
  table.tHead.replaceChildren(head, filters);
}

/** The rows in view of a table's scroll box, between two spacers that keep the scroll height. */
function renderRows(name) {
  const view = views[name];
  if (!view) return;
  const table = $(`${name}-table`);
  const wrap = table.parentElement;
  const rowHeight = Number(wrap.dataset.rowHeight) || DEFAULT_ROW_HEIGHT;
  const headHeight = table.tHead.offsetHeight;
  const inView = Math.ceil(Math.max(wrap.clientHeight, parseFloat(getComputedStyle(wrap).maxHeight) || 460) / rowHeight);
  const first = Math.max(0, Math.floor(Math.max(0, wrap.scrollTop - headHeight) / rowHeight) - OVERSCAN);
  const last = Math.min(view.rows.length, first + inView + 2 * OVERSCAN);
  const fragment = document.createDocumentFragment();
  fragment.append(spacer(first * rowHeight, view));
  for (let i = first; i < last; i++) fragment.append(rowElement(view, view.rows[i], i));
  fragment.append(spacer((view.rows.length - last) * rowHeight, view));
  table.tBodies[0].replaceChildren(fragment);
  const measured = table.tBodies[0].querySelector("tr[data-row]");
  if (measured && !wrap.dataset.rowHeight) {
    wrap.dataset.rowHeight = String(measured.getBoundingClientRect().height || DEFAULT_ROW_HEIGHT);
    if (Number(wrap.dataset.rowHeight) !== rowHeight) renderRows(name);
  }
}

function spacer(height, view) {
  const tr = document.createElement("tr");
  tr.className = "spacer";
  tr.setAttribute("aria-hidden", "true");
  const td = document.createElement("td");
  td.colSpan = view.columns.length + view.extra.length;
  td.style.height = `${height}px`;
  tr.append(td);
  return tr;
}

function rowElement(view, row, i) {
  const tr = document.createElement("tr");
  tr.dataset.row = String(i);
  for (const column of view.columns) {
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
        td.title = value;
      }
    }
    tr.append(td);
  }
  for (const e of view.extra) {
    const td = document.createElement("td");
    td.dataset.col = e.name;
    const cell = view.extraCell(row, e.name);
    td.textContent = cell.text;
    if (cell.cls) td.className = cell.cls;
    tr.append(td);
  }
  return tr;
}

/** Redraws the rows in view when a table scrolls (once per frame). */
export function wireVirtualScroll() {
  for (const name of ["traffic", "dependency"]) {
    const wrap = $(`${name}-table`).parentElement;
    let pending = false;
    wrap.addEventListener("scroll", () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        renderRows(name);
      });
    });
  }
}

/** How many rows a table holds after its filters (for tests and the count line). */
export function visibleRowCount(name) {
  return views[name]?.rows.length ?? 0;
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
