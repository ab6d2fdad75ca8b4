// The analysis worker: reads the files from their streams in chunks and feeds the streaming
// Analyzer of the core (WebAssembly), so the page stays responsive and a file is never held
// whole in memory.
//
// Protocol (one request at a time; the page terminates the worker to cancel):
//   page -> worker  { id, sets: [{ key, files: File[], options }] }
//   worker -> page  { id, type: "progress", loaded, total, file }
//                   { id, type: "result", results: { [key]: Analysis }, timings: { [key]: ms } }
//                   { id, type: "error", message, set }
import init, { Analyzer } from "./pkg/planet_wasm.js";

/** Progress messages at most this often (ms): enough for a smooth bar, cheap for the page. */
const PROGRESS_EVERY_MS = 50;

let ready = null;

self.onmessage = async (event) => {
  const { id, sets } = event.data;
  try {
    ready ??= init();
    await ready;
  } catch (e) {
    self.postMessage({ id, type: "error", message: `could not load the WebAssembly core: ${e.message ?? e}` });
    return;
  }
  const total = sets.reduce((n, s) => n + s.files.reduce((m, f) => m + f.size, 0), 0);
  let loaded = 0;
  let lastPost = 0;
  const results = {};
  const timings = {};
  for (const set of sets) {
    const started = performance.now();
    let analyzer;
    try {
      analyzer = new Analyzer(set.options);
    } catch (e) {
      self.postMessage({ id, type: "error", set: set.key, message: e.message ?? String(e) });
      return;
    }
    const readErrors = [];
    for (const file of set.files) {
      analyzer.beginInput(file.name);
      try {
        const reader = file.stream().getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          analyzer.push(value);
          loaded += value.length;
          const now = performance.now();
          if (now - lastPost >= PROGRESS_EVERY_MS) {
            lastPost = now;
            self.postMessage({ id, type: "progress", loaded, total, file: file.name });
          }
        }
        analyzer.endInput();
      } catch (e) {
        // A file that cannot be read (or, in strict mode, is malformed) is reported; the
        // other files still count.
        readErrors.push({ input: file.name, line: 0, message: e.message ?? String(e), quote: "" });
      }
    }
    try {
      const result = analyzer.finish();
      result.warnings = readErrors.concat(result.warnings);
      results[set.key] = result;
    } catch (e) {
      self.postMessage({ id, type: "error", set: set.key, message: e.message ?? String(e) });
      return;
    }
    timings[set.key] = performance.now() - started;
  }
  self.postMessage({ id, type: "progress", loaded: total, total, file: "" });
  self.postMessage({ id, type: "result", results, timings });
};
