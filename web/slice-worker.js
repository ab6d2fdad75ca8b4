// A later slice of a large file, read by a Worker of its own (see slices.js): the analysis
// worker sends { file, start, end, format, context, options, coreModule }; this Worker reads
// bytes [start, end) of the file into an analyzer started with `beginSlice`, and answers
//   { type: "bytes", bytes }   as it reads (for the progress bar)
//   { type: "state", state }   the slice's analysis (`endSlice`), for `mergeSlice`, transferred
//   { type: "error", message } when the core could not be loaded or the slice not read whole
// A malformed line is no error here: it travels in the state, as the first slice's would.
import init, { Analyzer } from "./pkg/planet_wasm.js";

/** Bytes read before a progress message: enough for a smooth bar, few messages. */
const PROGRESS_BYTES = 4 * 1024 * 1024;

self.onmessage = async ({ data }) => {
  const { file, start, end, format, context, options, coreModule } = data;
  let analyzer;
  try {
    // The compiled module comes from the analysis worker, so it is not fetched and compiled again.
    await init(coreModule ? { module_or_path: coreModule } : undefined);
    analyzer = new Analyzer(options);
    analyzer.beginSlice(file.name, format, context);
  } catch (e) {
    self.postMessage({ type: "error", message: `could not start a slice worker: ${e.message ?? e}` });
    return;
  }
  try {
    const reader = file.slice(start, end).stream().getReader();
    let unreported = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      try {
        analyzer.push(value);
      } catch (e) {
        // A core error (strict mode) is in the analyzer, and `endSlice` hands it to the merge.
        // Anything else (a trap, memory exhausted) is this Worker's failure: ending the slice
        // here would merge a part of it as if it were whole.
        if (!options.strict || e?.constructor !== Error) throw e;
        break;
      }
      unreported += value.length;
      if (unreported >= PROGRESS_BYTES) {
        self.postMessage({ type: "bytes", bytes: unreported });
        unreported = 0;
      }
    }
    if (unreported > 0) self.postMessage({ type: "bytes", bytes: unreported });
    const state = analyzer.endSlice();
    self.postMessage({ type: "state", state }, [state.buffer]);
  } catch (e) {
    // Reading stopped (the file changed or went away since it was chosen, a trap, no memory):
    // the message says why, and the analysis worker names the file and the bytes.
    self.postMessage({ type: "error", message: `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message ?? e}` });
  }
};
