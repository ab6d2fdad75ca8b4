// The what-if page: files in, a worker computes, tables, a graph and the time views come out.
//
// The worker reads the files once with every window kept (the core's bucket partials), so
// moving the window or changing a what-if filter that acts on rows recomputes from the partials;
// what acts on the points (a minimum bandwidth, turning percentiles on) or a change of files,
// format, profile or window lengths reads the files again. Either way the rows are exactly what
// `planet-bq analyze` gives with the same flags.
import initCore, { defaults as coreDefaults, tables as coreTables } from "./pkg/planet_wasm.js";
import { focusFirstMatch, focusNode, graphPng, graphSvgText, renderGraph, searchGraph } from "./graph.js";
import {
  buildOptions,
  cliFlags,
  columnNames,
  compare,
  edgeLabel,
  formDefaults,
  graphModel,
  parseRename,
  toCsv,
  toDot,
  toGraphJson,
} from "./model.js";
import { DEFAULT_MIN_SLICE_BYTES } from "./slices.js";
import { $, COLUMNS, state } from "./state.js";
import { renderComparison, renderTables, wireVirtualScroll } from "./tables.js";
import { renderChart, renderTimeViews, showSliderLabel, sliderEnd } from "./timeviews.js";
import { viewFromHash, viewToHash } from "./view-url.js";

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
      profile: $("profile").value,
      minBandwidth: $("min-bandwidth").value.trim(),
      excludePortsOn: $("exclude-ports-on").checked,
      excludePorts: $("exclude-ports").value.trim(),
      excludeAddressesOn: $("exclude-addresses-on").checked,
      excludeAddresses: $("exclude-addresses").value.trim(),
      hideEmptyRemote: $("hide-empty-remote").checked,
      rename,
      percentiles: $("percentiles").checked,
      inventory: state.inventory?.text ?? "",
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

/** The inventory: one file, read whole (an inventory is small), or none. */
async function setInventory(files) {
  const file = [...files][0];
  state.inventory = file ? { name: file.name, size: file.size, text: await file.text() } : null;
  renderFileList($("inventory-list"), file ? [file] : []);
  $("clear-inventory").hidden = !file;
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
  $("cli-command").textContent = ["planet-bq analyze", names, ...cliFlags(options, state.inventory?.name)].join(" ");
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

// ---------------------------------------------------------------------------------------------
// The view in the URL (parameters only, never the data)

function currentView() {
  const { form } = formValues();
  return {
    form: { ...form, rename: undefined, renameText: $("rename").value },
    filter: state.filter,
    columnFilters: state.columnFilters,
    sort: state.sort,
    focus: state.focus,
    search: state.search,
    groupBy: state.groupBy,
    pair: state.pair ?? "",
  };
}

function writeUrl() {
  const hash = viewToHash(currentView());
  const url = `${location.pathname}${location.search}${hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, "", url);
}

/** Puts a view from the URL into the form and the page's state (before any file is loaded). */
function applyView(view) {
  const f = view.form;
  const text = { at: "at", trafficWindow: "traffic-window", dependencyWindow: "dependency-window", minBandwidth: "min-bandwidth" };
  for (const [key, id] of Object.entries(text)) if (f[key] != null) $(id).value = f[key];
  if (f.format != null && [...$("format").options].some((o) => o.value === f.format)) $("format").value = f.format;
  if (f.profile != null && [...$("profile").options].some((o) => o.value === f.profile)) $("profile").value = f.profile;
  if (f.excludePortsOn) {
    $("exclude-ports-on").checked = true;
    $("exclude-ports").value = f.excludePorts;
  }
  if (f.excludeAddressesOn) {
    $("exclude-addresses-on").checked = true;
    $("exclude-addresses").value = f.excludeAddresses;
  }
  if (f.hideEmptyRemote) $("hide-empty-remote").checked = true;
  if (f.percentiles) $("percentiles").checked = true;
  if (f.renameText != null) $("rename").value = f.renameText;
  state.filter = (view.filter ?? "").trim().toLowerCase();
  $("hostgroup-filter").value = view.filter ?? "";
  state.columnFilters = view.columnFilters;
  state.sort = view.sort;
  state.focus = view.focus ?? null;
  state.search = view.search ?? "";
  $("graph-search").value = state.search;
  state.groupBy = view.groupBy ?? "";
  $("graph-group").checked = state.groupBy !== "";
  if (state.groupBy) $("graph-group-sep").value = state.groupBy;
  state.pair = view.pair || null;
}

function recompute() {
  writeUrl();
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
  // The worker keeps the partials between requests; one still busy is cancelled (and forgets them).
  if (state.worker && state.workerBusy) {
    state.worker.terminate();
    state.worker = null;
  }
  const worker = state.worker ?? new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  state.worker = worker;
  state.workerBusy = true;
  const id = ++state.requestId;
  const sets = [{ key: "current", files: state.exportFiles, options }];
  if (state.baselineFiles.length > 0) {
    // The baseline is an earlier period: the same window lengths and filters, its own end.
    const { at: _at, ...baselineOptions } = options;
    sets.push({ key: "baseline", files: state.baselineFiles, options: baselineOptions });
  }
  const started = performance.now();
  setStatus("computing");
  // The time views' series may come in a message after the result.
  let seriesMsg = null;
  let seriesArrived = null;
  worker.onmessage = async (event) => {
    const msg = event.data;
    if (msg.id !== state.requestId) return;
    if (msg.type === "series") {
      seriesMsg = msg;
      seriesArrived?.();
    } else if (msg.type === "progress") {
      const fraction = msg.total > 0 ? msg.loaded / msg.total : 1;
      $("progress").value = fraction;
      setStatus(`reading ${Math.floor(fraction * 100)}%${msg.file ? ` · ${msg.file}` : ""}`);
    } else if (msg.type === "error") {
      showErrors([`${msg.set === "baseline" ? "baseline: " : ""}${msg.message}`]);
      setStatus("error");
      worker.terminate();
      state.worker = null;
      state.workerBusy = false;
    } else if (msg.type === "result") {
      state.workerBusy = false;
      state.current = msg.results.current;
      state.baseline = msg.results.baseline ?? null;
      if (msg.series !== undefined) state.series = msg.series;
      // A new worker (after a cancelled read) counts from zero again.
      if (worker !== state.countedWorker) {
        state.countedWorker = worker;
        state.fileReadsBefore = state.fileReads;
      }
      state.fileReads = state.fileReadsBefore + msg.fileReads;
      state.timings = {
        ...msg.timings,
        how: msg.how.current,
        slices: msg.slices.current,
        phases: msg.phases.current,
        total: performance.now() - started,
      };
      noteHow(msg, state.timings.total);
      showErrors([...warningLines(state.current, ""), ...warningLines(state.baseline, "baseline: ")]);
      if (!(await render(() => id === state.requestId, !msg.seriesFollows))) return;
      state.timings.rendered = performance.now() - started;
      if (msg.seriesFollows) {
        if (!seriesMsg) await new Promise((resolve) => (seriesArrived = resolve));
        if (id !== state.requestId) return;
        state.series = seriesMsg.series;
        state.timings.seriesMs = seriesMsg.seriesMs;
        const t = performance.now();
        renderTimeViews();
        state.timings.timeViewsMs = performance.now() - t;
      }
      state.timings.timeViewsDrawn = performance.now() - started;
      // A counter that automation can wait on, since "ready" may already be showing.
      document.body.dataset.computations = String(Number(document.body.dataset.computations ?? 0) + 1);
      setStatus("ready");
    }
  };
  worker.onerror = (e) => {
    showErrors([`the analysis worker failed: ${e.message ?? "unknown error"}`]);
    setStatus("error");
    worker.terminate();
    state.worker = null;
    state.workerBusy = false;
  };
  worker.postMessage({ id, sets, series: true, ...slicing() });
}

/**
 * How many Workers read one large file, and from which size a slice is worth one: every core
 * (`navigator.hardwareConcurrency`) and 16 MiB by default; `?workers=N` and
 * `?min-slice-bytes=B` in the page's address change them (benchmarks compare 1 and N Workers,
 * tests cut small files).
 */
function slicing() {
  const query = new URLSearchParams(location.search);
  const number = (key, fallback) => {
    const n = Number(query.get(key));
    return query.has(key) && Number.isFinite(n) && n >= 1 ? Math.floor(n) : fallback;
  };
  return {
    workers: number("workers", navigator.hardwareConcurrency || 1),
    minSliceBytes: number("min-slice-bytes", DEFAULT_MIN_SLICE_BYTES),
  };
}

/** Says whether the last computation came from the kept partials or read the files, and why. */
function noteHow(msg, ms) {
  const how = msg.how.current;
  const why = msg.reread.current ?? [];
  $("recompute-note").textContent =
    how === "partials"
      ? `recomputed from the kept windows in ${ms.toFixed(0)} ms, without reading the files`
      : `read the files in ${ms.toFixed(0)} ms${why.length > 0 ? ` (${why.join("; ")})` : ""}`;
  $("recompute-note").dataset.how = how;
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** Lets the browser paint and handle input between two pieces of rendering work. */
function yieldToBrowser() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Draws the tables, then the graph in a task of its own, then the time views unless their new
 * series are still to come (`timeViews` false).
 */
async function render(isCurrent, timeViews) {
  const r = state.current;
  const w = r.window;
  $("window-used").textContent = w
    ? `traffic [${w.trafficStart}, ${w.end}) · dependency [${w.dependencyStart}, ${w.end})`
    : `no point of the ${$("profile").value || state.defaultProfile} profile's measurements in these files`;
  const tm = performance.now();
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
  const t0 = performance.now();
  renderTables();
  renderComparison();
  const t1 = performance.now();
  // The graph is drawn in a task of its own, so tables show first and input is handled between.
  await yieldToBrowser();
  if (!isCurrent()) return false;
  const t2 = performance.now();
  renderGraph();
  const t3 = performance.now();
  if (timeViews) renderTimeViews();
  state.timings.modelMs = t0 - tm;
  state.timings.tablesMs = t1 - t0;
  state.timings.graphMs = t3 - t2;
  state.timings.timeViewsMs = performance.now() - t3;
  for (const id of [
    "download-traffic-ndjson",
    "download-traffic-csv",
    "download-dependency-ndjson",
    "download-dependency-csv",
    "download-graph-json",
    "download-graph-png",
    "download-graph-svg",
    "download-graph-dot",
    "graph-reset",
  ]) {
    $(id).disabled = false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Downloads

function download(name, content, type) {
  const url = URL.createObjectURL(content instanceof Blob ? content : new Blob([content], { type }));
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

/** The profile picker: the core's built-in profiles, its default first. */
function fillProfiles(d) {
  $("profile").replaceChildren(
    ...d.profiles.map((name) => {
      const option = document.createElement("option");
      option.value = name === d.profile ? "" : name;
      option.textContent = name === d.profile ? `${name} (default)` : name;
      return option;
    }),
  );
}

function wireDrop(zone, kind) {
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (!e.dataTransfer?.files?.length) return;
    if (kind === "inventory") setInventory(e.dataTransfer.files);
    else setFiles(kind, e.dataTransfer.files);
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
  Object.assign(COLUMNS, columnNames(coreTables()));
  const d = formDefaults(coreDefaults());
  state.defaultProfile = d.profile;
  fillProfiles(d);
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
  $("inventory-file").addEventListener("change", (e) => setInventory(e.target.files));
  $("clear-inventory").addEventListener("click", () => {
    $("inventory-file").value = "";
    setInventory([]);
  });
  wireDrop($("drop-zone"), "export");
  wireDrop($("baseline-drop"), "baseline");
  wireDrop($("inventory-drop"), "inventory");
  // Text fields recompute when committed (Enter or leaving the field), not on every key.
  for (const id of ["at", "traffic-window", "dependency-window", "min-bandwidth", "exclude-ports", "exclude-addresses", "rename"]) {
    $(id).addEventListener("change", recompute);
  }
  for (const id of ["format", "profile", "exclude-ports-on", "exclude-addresses-on", "hide-empty-remote", "percentiles"]) {
    $(id).addEventListener("change", recompute);
  }
  $("hostgroup-filter").addEventListener("input", (e) => {
    state.filter = e.target.value.trim().toLowerCase();
    renderTables();
    writeUrl();
  });
  wireVirtualScroll();
  document.addEventListener("planet:view", writeUrl);
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
  $("window-slider").addEventListener("input", showSliderLabel);
  $("window-slider").addEventListener("change", () => {
    $("at").value = sliderEnd();
    recompute();
  });
  $("pair-select").addEventListener("change", (e) => {
    state.pair = e.target.value;
    renderChart();
    writeUrl();
  });
  $("graph-search").addEventListener("input", (e) => {
    searchGraph(e.target.value);
    writeUrl();
  });
  $("graph-search").addEventListener("keydown", (e) => {
    if (e.key === "Enter") focusFirstMatch();
  });
  const regroup = () => {
    state.groupBy = $("graph-group").checked ? $("graph-group-sep").value : "";
    writeUrl();
    if (state.graph) renderGraph();
  };
  $("graph-group").addEventListener("change", regroup);
  $("graph-group-sep").addEventListener("change", regroup);
  $("download-graph-png").addEventListener("click", () => download("graph.png", graphPng(), "image/png"));
  $("download-graph-svg").addEventListener("click", () => download("graph.svg", graphSvgText(), "image/svg+xml"));
  applyView(viewFromHash(location.hash));
  updateCli(buildOptions(formValues().form));
  // For benchmarks and tests: how long the last computation took.
  window.planetTimings = () => state.timings;
  // For tests: how many files the worker(s) opened, and how often the graph was laid out.
  window.planetFileReads = () => state.fileReads;
  window.planetGraphLayouts = () => ({ ...state.graphLayouts });
  // For tests: what the time views drew.
  window.planetSeries = () => state.series;
  window.planetChart = () => state.chart;
  setStatus("waiting for files");
}

init();
