// The what-if page: files in, a worker computes, tables and a graph come out.
//
// Recomputing after a change of window or what-if parameter re-reads the files in the worker
// rather than keeping partials at a finer grain: the files stay on disk (the page holds only
// File handles), re-reading runs at the parser's speed (BENCHMARKS.md, "Web page"), and every
// parameter (including min bandwidth, which filters points, and percentiles, which need the
// distribution) is then exactly what `planet-bq analyze` does with the same flags.
import cytoscape from "./vendor/cytoscape.esm.min.js";
import initCore, { defaults as coreDefaults, tables as coreTables } from "./pkg/planet_wasm.js";
import {
  buildOptions,
  cliFlags,
  columnNames,
  compare,
  edgeLabel,
  edgeWidth,
  formDefaults,
  formatBandwidth,
  graphModel,
  parseRename,
  toCsv,
  toDot,
  toGraphJson,
} from "./model.js";

/** Rows rendered at first; more on request, so that a huge table does not block the page. */
const ROW_LIMIT = 1000;
/** Graphs larger than this get a cheap layout (the force-directed one grows quadratically). */
const FORCE_LAYOUT_MAX_NODES = 25;

const $ = (id) => document.getElementById(id);

/** Column names of the tables, from the core once it is loaded (`init`). */
let COLUMNS = { traffic: [], dependency: [], percentiles: [] };

const state = {
  exportFiles: [],
  baselineFiles: [],
  current: null,
  baseline: null,
  comparison: null,
  graph: null,
  worker: null,
  requestId: 0,
  sort: { traffic: null, dependency: null },
  limit: { traffic: ROW_LIMIT, dependency: ROW_LIMIT },
  filter: "",
  focus: null,
  cy: null,
  timings: {},
};

// ---------------------------------------------------------------------------------------------
// Inputs

function formValues() {
  const { rename, error } = parseRename($("rename").value);
  return {
    error,
    form: {
      at: $("at").value.trim(),
      trafficWindow: $("traffic-window").value.trim(),
      dependencyWindow: $("dependency-window").value.trim(),
      format: $("format").value,
      minBandwidth: $("min-bandwidth").value.trim(),
      excludePortsOn: $("exclude-ports-on").checked,
      excludePorts: $("exclude-ports").value.trim(),
      excludeAddressesOn: $("exclude-addresses-on").checked,
      excludeAddresses: $("exclude-addresses").value.trim(),
      hideEmptyRemote: $("hide-empty-remote").checked,
      rename,
      percentiles: $("percentiles").checked,
    },
  };
}

function setFiles(kind, files) {
  const list = [...files];
  if (kind === "export") state.exportFiles = list;
  else state.baselineFiles = list;
  renderFileList(kind === "export" ? $("export-list") : $("baseline-list"), list);
  $("clear-baseline").hidden = state.baselineFiles.length === 0;
  recompute();
}

function renderFileList(ul, files) {
  ul.replaceChildren(
    ...files.map((f) => {
      const li = document.createElement("li");
      li.textContent = f.name;
      const size = document.createElement("span");
      size.className = "size";
      size.textContent = formatBytes(f.size);
      li.append(size);
      return li;
    }),
  );
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function updateCli(options) {
  const names = state.exportFiles.map((f) => f.name).join(" ") || "FILE…";
  $("cli-command").textContent = ["planet-bq analyze", names, ...cliFlags(options)].join(" ");
}

// ---------------------------------------------------------------------------------------------
// Computation

function setStatus(text) {
  $("status").textContent = text;
}

function showErrors(lines) {
  const box = $("error");
  if (lines.length === 0) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  box.replaceChildren(
    ...lines.map((l) => {
      const p = document.createElement("p");
      p.textContent = l;
      return p;
    }),
  );
}

function warningLines(result, label) {
  if (!result) return [];
  const lines = result.warnings.slice(0, 20).map((w) => {
    const where = w.line ? `${w.input}, line ${w.line}` : w.input;
    return `${label}${where}: ${w.message}${w.quote ? ` — "${w.quote}"` : ""}`;
  });
  const skipped = result.stats.skippedLines;
  if (skipped > lines.length) lines.push(`${label}${skipped} malformed line(s) skipped in all`);
  return lines;
}

function recompute() {
  const { form, error } = formValues();
  const options = buildOptions(form);
  updateCli(options);
  if (error) {
    showErrors([error]);
    setStatus("check the parameters");
    return;
  }
  if (state.exportFiles.length === 0) {
    setStatus("waiting for files");
    return;
  }
  if (state.worker) state.worker.terminate();
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  state.worker = worker;
  const id = ++state.requestId;
  const sets = [{ key: "current", files: state.exportFiles, options }];
  if (state.baselineFiles.length > 0) {
    // The baseline is an earlier period: the same window lengths and filters, its own end.
    const { at: _at, ...baselineOptions } = options;
    sets.push({ key: "baseline", files: state.baselineFiles, options: baselineOptions });
  }
  const started = performance.now();
  setStatus("reading 0%");
  $("progress").value = 0;
  worker.onmessage = async (event) => {
    const msg = event.data;
    if (msg.id !== state.requestId) return;
    if (msg.type === "progress") {
      const fraction = msg.total > 0 ? msg.loaded / msg.total : 1;
      $("progress").value = fraction;
      setStatus(`reading ${Math.floor(fraction * 100)}%${msg.file ? ` · ${msg.file}` : ""}`);
    } else if (msg.type === "error") {
      showErrors([`${msg.set === "baseline" ? "baseline: " : ""}${msg.message}`]);
      setStatus("error");
      worker.terminate();
      state.worker = null;
    } else if (msg.type === "result") {
      worker.terminate();
      state.worker = null;
      state.current = msg.results.current;
      state.baseline = msg.results.baseline ?? null;
      state.timings = { ...msg.timings, total: performance.now() - started };
      showErrors([...warningLines(state.current, ""), ...warningLines(state.baseline, "baseline: ")]);
      if (!(await render(() => id === state.requestId))) return;
      state.timings.rendered = performance.now() - started;
      // A counter that automation can wait on, since "ready" may already be showing.
      document.body.dataset.computations = String(Number(document.body.dataset.computations ?? 0) + 1);
      setStatus("ready");
    }
  };
  worker.onerror = (e) => {
    showErrors([`the analysis worker failed: ${e.message ?? "unknown error"}`]);
    setStatus("error");
  };
  worker.postMessage({ id, sets });
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** Lets the browser paint and handle input between two pieces of rendering work. */
function yieldToBrowser() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function render(isCurrent) {
  const r = state.current;
  const w = r.window;
  $("window-used").textContent = w
    ? `traffic [${w.trafficStart}, ${w.end}) · dependency [${w.dependencyStart}, ${w.end})`
    : "no point of the planet-federator measurements in these files";
  state.comparison = state.baseline ? compare(r, state.baseline) : null;
  state.graph = graphModel(r.dependency, r.traffic);
  if (state.comparison) {
    for (const e of state.graph.edges) {
      if (state.comparison.added.some((a) => a.id === e.id)) e.status = "added";
    }
    const nodes = new Set(state.graph.nodes.map((n) => n.id));
    for (const e of state.comparison.removed) {
      for (const n of [e.source, e.target]) {
        if (!nodes.has(n)) {
          nodes.add(n);
          state.graph.nodes.push({ id: n, label: n === "" ? "(empty)" : n, removed: true });
        }
      }
      state.graph.edges.push({ ...e, label: edgeLabel(e), bandwidth_bps: 0, status: "removed" });
    }
  }
  state.limit = { traffic: ROW_LIMIT, dependency: ROW_LIMIT };
  const t0 = performance.now();
  renderTables();
  renderComparison();
  const t1 = performance.now();
  // The graph is drawn in a task of its own, so tables show first and input is handled between.
  await yieldToBrowser();
  if (!isCurrent()) return false;
  renderGraph();
  state.timings.tablesMs = t1 - t0;
  state.timings.graphMs = performance.now() - t1;
  for (const id of [
    "download-traffic-ndjson",
    "download-traffic-csv",
    "download-dependency-ndjson",
    "download-dependency-csv",
    "download-graph-json",
    "download-graph-dot",
    "graph-reset",
  ]) {
    $(id).disabled = false;
  }
  return true;
}

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

function renderTables() {
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

function renderComparison() {
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

// ---------------------------------------------------------------------------------------------
// Graph

const GRAPH_STYLE = [
  {
    selector: "node",
    style: {
      shape: "round-rectangle",
      "background-color": "#eef2f7",
      "border-color": "#5b6b82",
      "border-width": 1,
      label: "data(label)",
      "font-size": 11,
      "font-family": "system-ui, sans-serif",
      color: "#1f2937",
      "text-valign": "center",
      "text-halign": "center",
      width: "label",
      height: 22,
      padding: "6px",
    },
  },
  {
    selector: "edge",
    style: {
      width: "data(width)",
      "line-color": "#7c8da6",
      "target-arrow-color": "#7c8da6",
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
      label: "data(label)",
      "font-size": 9,
      color: "#475569",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.85,
      "text-background-padding": "1px",
      "text-rotation": "autorotate",
      // Labels too small to read are not drawn, which keeps large graphs fast.
      "min-zoomed-font-size": 7,
    },
  },
  { selector: "edge.added", style: { "line-color": "#1a7f37", "target-arrow-color": "#1a7f37" } },
  {
    selector: "edge.removed",
    style: { "line-color": "#cf222e", "target-arrow-color": "#cf222e", "line-style": "dashed" },
  },
  { selector: "node.removed", style: { "border-color": "#cf222e", "border-style": "dashed" } },
  { selector: "node.focus", style: { "background-color": "#2563eb", color: "#ffffff", "border-color": "#1e40af" } },
  { selector: "node.upstream", style: { "background-color": "#dbeafe", "border-color": "#2563eb" } },
  { selector: "node.downstream", style: { "background-color": "#fef3c7", "border-color": "#b45309" } },
  { selector: ".faded", style: { opacity: 0.15 } },
];

function renderGraph() {
  const g = state.graph;
  const elements = [
    ...g.nodes.map((n) => ({ group: "nodes", data: { id: nodeId(n.id), name: n.id, label: n.label }, classes: n.removed ? "removed" : "" })),
    ...g.edges.map((e, i) => ({
      group: "edges",
      data: {
        id: `e${i}`,
        source: nodeId(e.source),
        target: nodeId(e.target),
        label: e.label,
        width: edgeWidth(e.bandwidth_bps),
        bandwidth: e.bandwidth_bps,
      },
      classes: e.status ?? "",
    })),
  ];
  if (state.cy) state.cy.destroy();
  const big = g.nodes.length > FORCE_LAYOUT_MAX_NODES;
  const cy = cytoscape({
    container: $("graph"),
    elements,
    style: GRAPH_STYLE,
    wheelSensitivity: 0.3,
    textureOnViewport: big,
    hideEdgesOnViewport: big,
    layout: big
      ? { name: "circle", animate: false, padding: 12, sort: (a, b) => (a.id() < b.id() ? -1 : 1) }
      : { name: "cose", animate: false, padding: 16, nodeRepulsion: () => 8000, idealEdgeLength: () => 70 },
  });
  cy.on("tap", "node", (event) => focusNode(event.target.data("name")));
  cy.on("tap", (event) => {
    if (event.target === cy) focusNode(null);
  });
  state.cy = cy;
  const select = $("graph-focus-select");
  const first = select.options[0];
  select.replaceChildren(
    first,
    ...g.nodes.map((n) => {
      const option = document.createElement("option");
      option.value = nodeId(n.id);
      option.textContent = n.label;
      return option;
    }),
  );
  select.disabled = g.nodes.length === 0;
  // Tests and automation read the graph library's model from here.
  window.planetGraph = cy;
  focusNode(null);
}

function nodeId(name) {
  return `n:${name}`;
}

function focusNode(name) {
  const cy = state.cy;
  if (!cy) return;
  cy.elements().removeClass("faded focus upstream downstream");
  state.focus = name;
  $("graph-focus-select").value = name === null ? "" : nodeId(name);
  if (name === null) {
    $("graph-focus").textContent = "";
    return;
  }
  const node = cy.getElementById(nodeId(name));
  const outgoing = node.outgoers();
  const incoming = node.incomers();
  cy.elements().addClass("faded");
  node.removeClass("faded").addClass("focus");
  outgoing.removeClass("faded");
  incoming.removeClass("faded");
  outgoing.nodes().addClass("upstream");
  incoming.nodes().addClass("downstream");
  const names = (c) => [...new Set(c.nodes().map((n) => n.data("label")))].sort().join(", ") || "none";
  $("graph-focus").textContent = `${node.data("label")} depends on (upstreams): ${names(outgoing)} · used by (downstreams): ${names(incoming)}`;
}

// ---------------------------------------------------------------------------------------------
// Downloads

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function comparisonCsv() {
  const c = state.comparison;
  const rows = [
    ...c.added.map((e) => ({ kind: "dependency", change: "added", source: e.source, target: e.target, port: e.port, protocol: e.protocol })),
    ...c.removed.map((e) => ({ kind: "dependency", change: "removed", source: e.source, target: e.target, port: e.port, protocol: e.protocol })),
    ...c.traffic.map((t) => ({
      kind: `traffic ${t.traffic_direction}`,
      change: t.change,
      source: t.local_hostgroup,
      target: t.remote_hostgroup,
      baseline_avg: t.baseline_avg,
      current_avg: t.current_avg,
      delta: t.delta,
    })),
  ];
  return toCsv(["kind", "change", "source", "target", "port", "protocol", "baseline_avg", "current_avg", "delta"], rows);
}

// ---------------------------------------------------------------------------------------------
// Wiring

function wireDrop(zone, kind) {
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer?.files?.length) setFiles(kind, e.dataTransfer.files);
  });
}

async function init() {
  // The core (WebAssembly) gives the defaults and the columns; the worker runs the analyses.
  try {
    await initCore();
  } catch (e) {
    setStatus(`could not load the WebAssembly core: ${e.message ?? e}`);
    return;
  }
  COLUMNS = columnNames(coreTables());
  const d = formDefaults(coreDefaults());
  $("traffic-window").value = d.trafficWindow;
  $("dependency-window").value = d.dependencyWindow;
  $("exclude-ports").value = d.excludePorts;
  $("exclude-addresses").value = d.excludeAddresses;
  $("min-bandwidth").placeholder = d.minBandwidthHint;
  $("export-files").addEventListener("change", (e) => setFiles("export", e.target.files));
  $("baseline-files").addEventListener("change", (e) => setFiles("baseline", e.target.files));
  $("clear-baseline").addEventListener("click", () => {
    $("baseline-files").value = "";
    setFiles("baseline", []);
  });
  wireDrop($("drop-zone"), "export");
  wireDrop($("baseline-drop"), "baseline");
  // Text fields recompute when committed (Enter or leaving the field), not on every key.
  for (const id of ["at", "traffic-window", "dependency-window", "min-bandwidth", "exclude-ports", "exclude-addresses", "rename"]) {
    $(id).addEventListener("change", recompute);
  }
  for (const id of ["format", "exclude-ports-on", "exclude-addresses-on", "hide-empty-remote", "percentiles"]) {
    $(id).addEventListener("change", recompute);
  }
  $("hostgroup-filter").addEventListener("input", (e) => {
    state.filter = e.target.value.trim().toLowerCase();
    state.limit = { traffic: ROW_LIMIT, dependency: ROW_LIMIT };
    renderTables();
  });
  for (const name of ["traffic", "dependency"]) {
    $(`${name}-more`).addEventListener("click", () => {
      state.limit[name] = Infinity;
      renderTables();
    });
  }
  $("download-traffic-ndjson").addEventListener("click", () =>
    download("traffic.ndjson", state.current.trafficNdjson, "application/x-ndjson"),
  );
  $("download-dependency-ndjson").addEventListener("click", () =>
    download("dependency.ndjson", state.current.dependencyNdjson, "application/x-ndjson"),
  );
  $("download-traffic-csv").addEventListener("click", () => download("traffic.csv", state.current.trafficCsv, "text/csv"));
  $("download-dependency-csv").addEventListener("click", () =>
    download("dependency.csv", state.current.dependencyCsv, "text/csv"),
  );
  $("download-graph-json").addEventListener("click", () => download("graph.json", toGraphJson(state.graph), "application/json"));
  $("download-graph-dot").addEventListener("click", () => download("graph.dot", toDot(state.graph), "text/vnd.graphviz"));
  $("download-comparison-csv").addEventListener("click", () => download("changes.csv", comparisonCsv(), "text/csv"));
  $("graph-focus-select").addEventListener("change", (e) => {
    const id = e.target.value;
    focusNode(id === "" ? null : id.slice(2));
  });
  $("graph-reset").addEventListener("click", () => {
    focusNode(null);
    state.cy?.fit(undefined, 12);
  });
  updateCli(buildOptions(formValues().form));
  // For benchmarks and tests: how long the last computation took.
  window.planetTimings = () => state.timings;
  setStatus("waiting for files");
}

init();
