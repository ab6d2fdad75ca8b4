// The analysis worker: reads the files from their streams in chunks into the streaming Analyzer
// of the core (WebAssembly) with every window kept (`allWindows`), so the page stays responsive,
// a file is never held whole in memory, and a later change of window or of a what-if filter that
// acts on rows is answered from the kept bucket partials without reading the files again.
//
// A large plain-text file is read by several Workers at once (slices.js): this one reads its
// first slice, a Worker per later slice reads the rest, and their analyses are merged here in
// file order; the merged analysis is the one kept, so what-ifs are answered as after one Worker.
//
// Protocol (one request at a time; the page terminates the worker to cancel a read, which ends
// its slice Workers too):
//   page -> worker  { id, sets: [{ key, files: File[], options }], series: boolean,
//                     workers: number (Workers reading one file at most), minSliceBytes: number }
//   worker -> page  { id, type: "progress", loaded, total, file }
//                   { id, type: "result", results: { [key]: Analysis }, timings: { [key]: ms },
//                     how: { [key]: "partials" | "read" }, reread: { [key]: string[] },
//                     series?: { ends, pairs, edges } | null, seriesFollows: boolean, fileReads,
//                     slices: { [key]: number } (the slices the set's files were read in),
//                     phases: { [key]: { firstMs, waitMs, mergeMs, stateBytes } } (sliced files:
//                     reading first slices, then waiting for later ones, merging, bytes merged) }
//                   { id, type: "series", series: { ends, pairs, edges }, seriesMs } (after a
//                     result with seriesFollows: the time views, once the tables can be drawn)
//                   { id, type: "error", message, set }
import init, { Analyzer, sliceFormat } from "./pkg/planet_wasm.js";
import { planSlices, readLaterSlices, SliceFailed } from "./slices.js";
import { edgePresence, pairSeries } from "./timeseries.js";

/** Progress messages at most this often (ms): enough for a smooth bar, cheap for the page. */
const PROGRESS_EVERY_MS = 50;
/** The what-if options that act on rows: the kept partials answer them (`needsReread` says when not). */
const FILTER_KEYS = ["minBandwidth", "excludePorts", "excludeAddresses", "hideEmptyRemote", "rename", "percentiles"];

let ready = null;
/** The compiled core, handed to the slice Workers so that they do not fetch and compile it again. */
let coreModule = null;
/** How the current request reads large files: { workers, minSliceBytes }. */
let slicing = { workers: 1, minSliceBytes: Infinity };
/** Files opened for reading by this worker, ever: the page shows that a what-if read nothing. */
let fileReads = 0;
/** Per set key: { readKey, all (AllWindows), readErrors, seriesKey }. */
const held = new Map();

function split(options) {
  const filters = {};
  const read = {};
  for (const [k, v] of Object.entries(options)) {
    if (FILTER_KEYS.includes(k)) filters[k] = v;
    else if (k !== "at") read[k] = v;
  }
  return { filters, read };
}

function readKeyOf(files, read) {
  return JSON.stringify([files.map((f) => [f.name, f.size, f.lastModified]), read]);
}

/** A window end the partials can answer: empty (the newest window) or a whole hour. */
function onTheHour(at) {
  if (!at) return true;
  const t = Date.parse(at);
  return Number.isFinite(t) && t % 3_600_000 === 0;
}

self.onmessage = async (event) => {
  const { id, sets, series } = event.data;
  slicing = { workers: event.data.workers ?? 1, minSliceBytes: event.data.minSliceBytes ?? Infinity };
  try {
    ready ??= (async () => {
      coreModule = await WebAssembly.compileStreaming(fetch(new URL("./pkg/planet_wasm_bg.wasm", import.meta.url)));
      await init({ module_or_path: coreModule });
    })();
    await ready;
  } catch (e) {
    self.postMessage({ id, type: "error", message: `could not load the WebAssembly core: ${e.message ?? e}` });
    return;
  }
  for (const key of [...held.keys()]) {
    if (!sets.some((s) => s.key === key)) forget(key);
  }
  const progress = { loaded: 0, lastPost: 0, total: 0 };
  const results = {};
  const timings = {};
  const how = {};
  const reread = {};
  const slices = {};
  const phases = {};
  /** undefined: the page keeps its time views; null: there are none for these files. */
  let seriesOut;
  /** Computes the time views' series, when they change: sent in a message of their own. */
  let seriesJob = null;
  for (const set of sets) {
    const started = performance.now();
    const { filters, read } = split(set.options);
    const readKey = readKeyOf(set.files, read);
    let h = held.get(set.key);
    reread[set.key] = [];
    progress.slices = 0;
    progress.phases = { firstMs: 0, waitMs: 0, mergeMs: 0, stateBytes: 0 };
    try {
      let result;
      if (!onTheHour(set.options.at)) {
        // An end within an hour is no window of the schedule: analyze it as the CLI would.
        progress.total += set.files.reduce((m, f) => m + f.size, 0);
        result = await readOnce(id, set, progress);
        how[set.key] = "read";
        reread[set.key] = ["a window end within an hour is no window of the schedule"];
        // Kept windows of the same read still draw the time views, if the filters allow.
        if (h && (h.readKey !== readKey || h.all.needsReread(filters).length > 0)) {
          forget(set.key);
          h = undefined;
        }
      } else {
        if (h && h.readKey === readKey) {
          reread[set.key] = [...h.all.needsReread(filters)].map((name) => `${name} acts on the points`);
        } else if (h) {
          reread[set.key] = ["other files or read options"];
        }
        if (!h || h.readKey !== readKey || reread[set.key].length > 0) {
          progress.total += set.files.reduce((m, f) => m + f.size, 0);
          forget(set.key);
          how[set.key] = "read";
          try {
            h = { readKey, ...(await readAll(id, set, progress)), seriesKey: null };
            held.set(set.key, h);
          } catch (e) {
            // Some exports cannot keep every window (raw exporter metrics, a span of years):
            // the one window asked for is still analyzed, without the time views.
            h = undefined;
            reread[set.key] = [`no time views: ${e.message ?? e}`];
            progress.total += set.files.reduce((m, f) => m + f.size, 0);
            result = await readOnce(id, set, progress);
          }
        } else {
          how[set.key] = "partials";
        }
        if (h) {
          const ends = h.all.ends();
          const end = set.options.at || ends.traffic[ends.traffic.length - 1];
          result = end ? h.all.windowRows(end, filters) : h.all.allRows(filters);
          result.warnings = h.readErrors.concat(result.warnings);
        }
      }
      results[set.key] = result;
      if (series && set.key === "current") {
        if (!h) {
          seriesOut = null;
        } else if (h.seriesKey !== JSON.stringify(filters)) {
          // The time views follow the row filters; a window move leaves them as they are. They
          // are computed after the result is sent, so that the tables and graph come first.
          const kept = h;
          seriesJob = () => {
            const ends = kept.all.ends();
            const all = kept.all.allRows(filters);
            const out = {
              ends,
              pairs: pairSeries(all.traffic, ends.traffic),
              edges: edgePresence(all.dependency, ends.dependency),
            };
            kept.seriesKey = JSON.stringify(filters);
            return out;
          };
        }
      }
    } catch (e) {
      self.postMessage({ id, type: "error", set: set.key, message: e.message ?? String(e) });
      return;
    }
    timings[set.key] = performance.now() - started;
    slices[set.key] = progress.slices;
    phases[set.key] = progress.phases;
  }
  if (progress.total > 0) self.postMessage({ id, type: "progress", loaded: progress.total, total: progress.total, file: "" });
  self.postMessage({ id, type: "result", results, timings, how, reread, series: seriesOut, seriesFollows: seriesJob !== null, fileReads, slices, phases });
  if (seriesJob) {
    const started = performance.now();
    try {
      const series = seriesJob();
      self.postMessage({ id, type: "series", series, seriesMs: performance.now() - started });
    } catch (e) {
      self.postMessage({ id, type: "error", set: "current", message: e.message ?? String(e) });
    }
  }
};

function forget(key) {
  const h = held.get(key);
  if (h) h.all.free();
  held.delete(key);
}

/** Counts bytes read (here or by slice Workers) and posts progress at most every PROGRESS_EVERY_MS. */
function advance(id, progress, bytes, name) {
  progress.loaded += bytes;
  const now = performance.now();
  if (now - progress.lastPost >= PROGRESS_EVERY_MS) {
    progress.lastPost = now;
    self.postMessage({ id, type: "progress", loaded: progress.loaded, total: progress.total, file: name });
  }
}

/**
 * A file whose read stopped part-way (the browser could not read it, a slice Worker failed):
 * the analyzer holds its first `kept` bytes and nothing after them.
 */
class ReadStopped extends Error {
  constructor(kept, reason) {
    super(reason);
    this.kept = kept;
  }
}

/** An exception in words, with its kind when it says something (`NotReadableError: …`). */
function describe(e) {
  return `${e?.name && e.name !== "Error" ? `${e.name}: ` : ""}${e?.message ?? e}`;
}

/**
 * Pushes the bytes of `blob` (a file or its first slice) into the analyzer's current input;
 * `at.kept` counts the bytes pushed.
 */
async function pushAll(id, analyzer, blob, name, progress, at) {
  const reader = blob.stream().getReader();
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (e) {
      throw new ReadStopped(at.kept, describe(e));
    }
    if (chunk.done) break;
    analyzer.push(chunk.value);
    at.kept += chunk.value.length;
    advance(id, progress, chunk.value.length, name);
  }
}

/**
 * Feeds every file of a set to `analyzer` (made with `options`), posting progress; returns the
 * files it could not read. A large plain-text file is read in slices by several Workers.
 */
async function feed(id, analyzer, options, files, progress) {
  const readErrors = [];
  for (const file of files) {
    analyzer.beginInput(file.name);
    fileReads++;
    let later = null;
    const at = { kept: 0 };
    try {
      const plan = await planSlices(file, options, slicing.workers, slicing.minSliceBytes, sliceFormat);
      if (plan) {
        later = readLaterSlices(file, plan, options, coreModule, (n) => advance(id, progress, n, file.name));
        const started = performance.now();
        await pushAll(id, analyzer, file.slice(0, plan.bounds[1]), file.name, progress, at);
        const firstDone = performance.now();
        let mergeMs = 0;
        // In file order, each as soon as it is there: the merge is the one of `analyze --threads`.
        for (const state of later.states) {
          let bytes;
          try {
            bytes = await state;
          } catch (e) {
            // Every slice before it is merged, nothing of it: the file's bytes before its start.
            throw e instanceof SliceFailed ? new ReadStopped(e.start, e.message) : e;
          }
          const merging = performance.now();
          analyzer.mergeSlice(bytes);
          mergeMs += performance.now() - merging;
          progress.phases.stateBytes += bytes.length;
        }
        progress.phases.firstMs += firstDone - started;
        progress.phases.waitMs += performance.now() - firstDone - mergeMs;
        progress.phases.mergeMs += mergeMs;
        progress.slices += plan.bounds.length - 1;
      } else {
        await pushAll(id, analyzer, file, file.name, progress, at);
        progress.slices += 1;
      }
      analyzer.endInput();
    } catch (e) {
      // A file that cannot be read (or, in strict mode, is malformed) is reported; the
      // other files still count. Its later slices, if any, are not merged, as one Worker
      // would not have read past the error. A read that stopped part-way says how far it got
      // and that the tables are incomplete, never passing the part for the whole.
      later?.stop();
      const message =
        e instanceof ReadStopped
          ? `not read past byte ${e.kept} of ${file.size}: ${e.message}; the tables hold only the part before: they are incomplete`
          : (e.message ?? String(e));
      readErrors.push({ input: file.name, line: 0, message, quote: "" });
    }
  }
  return readErrors;
}

/** Reads a set keeping every window's partials. */
async function readAll(id, set, progress) {
  const { at: _at, ...options } = set.options;
  const analyzerOptions = { ...options, allWindows: true };
  const analyzer = new Analyzer(analyzerOptions);
  const readErrors = await feed(id, analyzer, analyzerOptions, set.files, progress);
  return { all: analyzer.finishAllWindows(), readErrors };
}

/** Reads a set for one window only (as `planet-bq analyze --at`). */
async function readOnce(id, set, progress) {
  const analyzer = new Analyzer(set.options);
  const readErrors = await feed(id, analyzer, set.options, set.files, progress);
  const result = analyzer.finish();
  result.warnings = readErrors.concat(result.warnings);
  return result;
}
