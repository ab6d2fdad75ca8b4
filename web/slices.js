// One large file read by several Workers at once, as `planet-bq analyze --threads` reads it on
// several threads: a plain line-protocol or `influx -format csv` file is cut at line boundaries,
// the first slice is read by the analysis worker itself and every later slice by a Worker of its
// own (slice-worker.js, its own WebAssembly memory), which hands back its analysis as bytes
// (`Analyzer.endSlice`); the analysis worker merges them in file order (`Analyzer.mergeSlice`),
// so the tables, warnings, line numbers and counts are those of one Worker.
//
// Planning only reads a few blocks of the file (`Blob.slice`), never the whole of it.

/** Slices smaller than this are not worth a Worker (start, module instantiation): as the CLI. */
export const DEFAULT_MIN_SLICE_BYTES = 16 * 1024 * 1024;
/** Bytes read at a time while looking for a line ending or a CSV header. */
const BLOCK_BYTES = 64 * 1024;

const NEWLINE = 10;
const CSV_HEADER_STARTS = [new TextEncoder().encode("\nname,"), new TextEncoder().encode('\n"name",')];

async function bytesOf(file, start, end) {
  return new Uint8Array(await file.slice(start, end).arrayBuffer());
}

/**
 * Where to cut `file` for `workers` Workers: `{ format, bounds }` with `bounds` the slice edges
 * (0, each cut just after a line ending, the file's size), or null to read it whole: one
 * Worker, a file under two slices' worth, or a format that cannot be cut (`sliceFormat`, the
 * core's decision: compressed, JSON, annotated CSV, not text).
 */
export async function planSlices(file, options, workers, minSliceBytes, sliceFormat) {
  if (workers < 2 || options.strict) return null;
  const slices = Math.min(workers, Math.floor(file.size / Math.max(1, minSliceBytes)));
  if (slices < 2) return null;
  const format = sliceFormat(await bytesOf(file, 0, BLOCK_BYTES), options);
  if (!format) return null;
  const bounds = [0];
  for (let k = 1; k < slices; k++) {
    const target = Math.max(Math.floor((file.size / slices) * k), bounds[bounds.length - 1]);
    const cut = await lineEndAfter(file, target);
    if (cut !== null && cut < file.size && cut > bounds[bounds.length - 1]) bounds.push(cut);
  }
  bounds.push(file.size);
  return bounds.length > 2 ? { format, bounds } : null;
}

/** The offset just after the first line ending at or after `from`; null when there is none. */
async function lineEndAfter(file, from) {
  for (let at = from; at < file.size; at += BLOCK_BYTES) {
    const i = (await bytesOf(file, at, at + BLOCK_BYTES)).indexOf(NEWLINE);
    if (i >= 0) return at + i + 1;
  }
  return null;
}

/** The last start of `pattern` in `bytes`, or -1. */
function lastIndexOf(bytes, pattern) {
  outer: for (let i = bytes.length - pattern.length; i >= 0; i--) {
    for (let j = 0; j < pattern.length; j++) {
      if (bytes[i + j] !== pattern[j]) continue outer;
    }
    return i;
  }
  return -1;
}

function startsWith(bytes, pattern) {
  return pattern.every((b, i) => bytes[i] === b);
}

/** The line that starts at `start`, without its line ending (as text, invalid UTF-8 replaced). */
async function lineAt(file, start) {
  const end = await lineEndAfter(file, start);
  const bytes = await bytesOf(file, start, end === null ? file.size : end - 1);
  const text = new TextDecoder().decode(bytes);
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

/**
 * The last `influx -format csv` header (first cell `name`) that starts before `end`, or null:
 * what a CSV slice starting at `end` needs to read its rows (`Analyzer.beginSlice`'s context).
 */
export async function csvHeaderBefore(file, end) {
  let hi = end;
  for (;;) {
    const lo = Math.max(0, hi - BLOCK_BYTES);
    const block = await bytesOf(file, lo, hi);
    const found = Math.max(...CSV_HEADER_STARTS.map((p) => lastIndexOf(block, p)));
    if (found >= 0) return lineAt(file, lo + found + 1);
    if (lo === 0) {
      const bom = block[0] === 0xef && block[1] === 0xbb && block[2] === 0xbf ? 3 : 0;
      const first = block.subarray(bom);
      const header = CSV_HEADER_STARTS.some((p) => startsWith(first, p.subarray(1)));
      return header ? lineAt(file, bom) : null;
    }
    // Blocks overlap by more than a pattern's length, so a header start across two is found.
    hi = lo + 8;
  }
}

/** A later slice that was not read whole: bytes [start, end) of the file, and why. */
export class SliceFailed extends Error {
  constructor(start, end, reason) {
    super(`its bytes ${start}–${end}, read by another Worker, could not be read (${reason})`);
    this.start = start;
    this.end = end;
  }
}

/**
 * Reads the later slices of `file` (per `plan`) in Workers of their own, all at once; returns
 * one promise per later slice, in file order, of its state as bytes for `Analyzer.mergeSlice`,
 * and `stop()`, which ends the Workers still reading. `onBytes(n)` is called as they read. A
 * slice not read whole (its Worker could not start, the file could not be read, the Worker
 * stopped) rejects with a `SliceFailed`: it is never merged in part.
 */
export function readLaterSlices(file, plan, options, coreModule, onBytes) {
  const workers = [];
  const states = [];
  for (let k = 1; k + 1 < plan.bounds.length; k++) {
    const [start, end] = [plan.bounds[k], plan.bounds[k + 1]];
    const worker = new Worker(new URL("./slice-worker.js", import.meta.url), { type: "module" });
    workers.push(worker);
    let fail;
    states.push(
      new Promise((resolve, reject) => {
        fail = (reason) => reject(new SliceFailed(start, end, reason));
        worker.onmessage = ({ data }) => {
          if (data.type === "bytes") onBytes(data.bytes);
          else if (data.type === "state") resolve(data.state);
          else fail(data.message);
        };
        // A script that did not load or threw outside the handler: an Event without a message.
        worker.onerror = (e) => fail(`its Worker stopped: ${e.message || "slice-worker.js did not load or failed"}`);
        worker.onmessageerror = () => fail("its analysis could not be received");
      }).finally(() => worker.terminate()),
    );
    const context = plan.format === "csv" ? csvHeaderBefore(file, start).then((h) => (h === null ? [] : [h])) : [];
    Promise.resolve(context).then(
      (context) => worker.postMessage({ file, start, end, format: plan.format, context, options, coreModule }),
      (e) => fail(`the CSV header before it could not be read: ${e.message ?? e}`),
    );
  }
  // A slice nobody waits for any more (the first slice failed) must not report an unhandled rejection.
  for (const s of states) s.catch(() => {});
  return { states, stop: () => workers.forEach((w) => w.terminate()) };
}
