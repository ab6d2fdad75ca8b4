//! `planet-wasm-abi`: planet-bq's analysis core as a plain WebAssembly module for wasmtime.
//!
//! Plain C-ABI exports and no imports at all (no wasm-bindgen, no WASI), so the native host
//! can run the core in a sandbox with nothing but memory to give it. Build it on its own
//! (`cargo build -p planet-wasm-abi --target wasm32-unknown-unknown`) so that no other crate's
//! exports or features leak into it.
//!
//! The protocol, all integers are `u32` (wasm32 pointers and lengths):
//! - `planet_alloc(len) -> ptr` and `planet_free(ptr, len)`: buffers the host writes into.
//! - `planet_analyzer_new(options_ptr, options_len) -> handle`: the core's `Options` as JSON,
//!   the profile included (a built-in one's name or a whole profile); handle 0 means an error.
//! - `planet_analyzer_begin_input(handle, name_ptr, name_len)`, `planet_analyzer_push(handle,
//!   ptr, len)`, `planet_analyzer_end_input(handle)` and `planet_analyzer_finish(handle)` return
//!   0 for success and 1 for an error; `finish` releases the handle, `planet_analyzer_drop` too.
//! - After each call, `planet_output_ptr(i)` / `planet_output_len(i)` give its outputs: on an
//!   error, output 0 is the message (UTF-8, the CLI's text); after `finish`, output 0 is the JSON
//!   envelope `{"window", "warnings", "stats"}` (and `"windows"`, every window's ends, with the
//!   `allWindows` option, whose rows then follow one another in the tables), output 1 the traffic NDJSON and output 2 the
//!   dependency NDJSON, byte for byte what `planet-bq analyze --out` writes.

use planet_core::rows::{Encoding, TableTexts};
use planet_core::{AnalysisStats, Analyzer, Options, ParseIssue, Window, WindowEnds};
use serde::Serialize;
use std::cell::RefCell;

/// Status returned by the calls: success.
const OK: u32 = 0;
/// Status returned by the calls: failure, the message is output 0.
const FAILED: u32 = 1;

/// Everything of an analysis except the two tables, which travel as NDJSON.
#[derive(Debug, Serialize)]
struct Envelope<'a> {
    window: &'a Option<Window>,
    warnings: &'a [ParseIssue],
    stats: &'a AnalysisStats,
    /// The ends of every window with the `allWindows` option, whose rows follow one another.
    #[serde(skip_serializing_if = "Option::is_none")]
    windows: &'a Option<WindowEnds>,
}

/// The guest's state. The module is single-threaded (wasm32 without atomics), so a thread-local
/// is one plain global there, and separate per test thread natively.
#[derive(Debug, Default)]
struct State {
    /// Analyzers by handle - 1; `None` once finished or dropped.
    analyzers: Vec<Option<Analyzer>>,
    /// Outputs of the last call.
    outputs: [Vec<u8>; 3],
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Runs one call: clears the outputs, and turns an error into status 1 with its message.
fn call(f: impl FnOnce(&mut State) -> Result<(), String>) -> u32 {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.outputs = Default::default();
        match f(&mut state) {
            Ok(()) => OK,
            Err(message) => {
                state.outputs = [message.into_bytes(), Vec::new(), Vec::new()];
                FAILED
            }
        }
    })
}

fn analyzer(state: &mut State, handle: u32) -> Result<&mut Analyzer, String> {
    let index = (handle as usize).checked_sub(1).ok_or("invalid analyzer handle 0")?;
    state.analyzers.get_mut(index).and_then(Option::as_mut).ok_or_else(|| format!("invalid analyzer handle {handle}"))
}

/// The bytes the host wrote at `ptr`.
///
/// # Safety
/// `ptr..ptr+len` must be readable guest memory (the host got it from `planet_alloc`).
unsafe fn slice<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: the caller guarantees the range is valid.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Allocates `len` bytes for the host to write into (never null: an empty buffer is dangling).
#[no_mangle]
pub extern "C" fn planet_alloc(len: usize) -> *mut u8 {
    let mut buffer = std::mem::ManuallyDrop::new(Vec::<u8>::with_capacity(len));
    buffer.as_mut_ptr()
}

/// Frees a buffer from [`planet_alloc`].
///
/// # Safety
/// `ptr` and `len` must come from one call of [`planet_alloc`], freed once.
#[no_mangle]
pub unsafe extern "C" fn planet_free(ptr: *mut u8, len: usize) {
    // SAFETY: the caller guarantees this is a buffer from `planet_alloc` with this capacity.
    drop(unsafe { Vec::from_raw_parts(ptr, 0, len) });
}

/// Creates an analyzer from the JSON options; returns its handle, or 0 with the error in output 0.
///
/// # Safety
/// `ptr..ptr+len` must be readable guest memory.
#[no_mangle]
pub unsafe extern "C" fn planet_analyzer_new(ptr: *const u8, len: usize) -> u32 {
    // SAFETY: forwarded from the caller.
    let bytes = unsafe { slice(ptr, len) };
    let mut handle = 0;
    call(|state| {
        let options: Options = serde_json::from_slice(bytes).map_err(|e| format!("invalid options: {e}"))?;
        state.analyzers.push(Some(Analyzer::new(options)));
        handle = state.analyzers.len() as u32;
        Ok(())
    });
    handle
}

/// Starts a new input whose name errors quote.
///
/// # Safety
/// `ptr..ptr+len` must be readable guest memory.
#[no_mangle]
pub unsafe extern "C" fn planet_analyzer_begin_input(handle: u32, ptr: *const u8, len: usize) -> u32 {
    // SAFETY: forwarded from the caller.
    let name = String::from_utf8_lossy(unsafe { slice(ptr, len) }).into_owned();
    call(|state| {
        analyzer(state, handle)?.begin_input(&name);
        Ok(())
    })
}

/// Feeds a chunk of the current input, cut anywhere.
///
/// # Safety
/// `ptr..ptr+len` must be readable guest memory.
#[no_mangle]
pub unsafe extern "C" fn planet_analyzer_push(handle: u32, ptr: *const u8, len: usize) -> u32 {
    // SAFETY: forwarded from the caller.
    let chunk = unsafe { slice(ptr, len) };
    call(|state| analyzer(state, handle)?.push(chunk).map_err(|e| e.to_string()))
}

/// Ends the current input.
#[no_mangle]
pub extern "C" fn planet_analyzer_end_input(handle: u32) -> u32 {
    call(|state| analyzer(state, handle)?.end_input().map_err(|e| e.to_string()))
}

/// Ends the analysis and releases the handle; outputs 0, 1, 2 are the envelope and the tables.
#[no_mangle]
pub extern "C" fn planet_analyzer_finish(handle: u32) -> u32 {
    call(|state| {
        analyzer(state, handle)?;
        let slot = state.analyzers.get_mut(handle as usize - 1).and_then(Option::take);
        let analysis = slot.ok_or("invalid analyzer handle")?.finish().map_err(|e| e.to_string())?;
        let envelope = Envelope {
            window: &analysis.window,
            warnings: &analysis.warnings,
            stats: &analysis.stats,
            windows: &analysis.windows,
        };
        let envelope = serde_json::to_vec(&envelope).map_err(|e| e.to_string())?;
        let TableTexts { traffic, dependency } = analysis.render(Encoding::Ndjson);
        state.outputs = [envelope, traffic.into_bytes(), dependency.into_bytes()];
        Ok(())
    })
}

/// Releases an analyzer without finishing it (after an error).
#[no_mangle]
pub extern "C" fn planet_analyzer_drop(handle: u32) {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        if let Some(slot) = (handle as usize).checked_sub(1).and_then(|i| state.analyzers.get_mut(i)) {
            *slot = None;
        }
    });
}

/// Address of output `index` of the last call (0, 1 or 2).
#[no_mangle]
pub extern "C" fn planet_output_ptr(index: u32) -> *const u8 {
    STATE.with(|state| state.borrow().outputs.get(index as usize).map_or(std::ptr::null(), |o| o.as_ptr()))
}

/// Length of output `index` of the last call.
#[no_mangle]
pub extern "C" fn planet_output_len(index: u32) -> usize {
    STATE.with(|state| state.borrow().outputs.get(index as usize).map_or(0, Vec::len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(index: u32) -> String {
        // SAFETY: the pointer and length describe the live output buffer of this thread.
        String::from_utf8(unsafe { slice(planet_output_ptr(index), planet_output_len(index)) }.to_vec()).expect("utf-8")
    }

    fn new_analyzer(config: &str) -> u32 {
        // SAFETY: a live Rust slice.
        unsafe { planet_analyzer_new(config.as_ptr(), config.len()) }
    }

    #[test]
    fn a_pushed_input_comes_back_as_the_cli_ndjson() {
        let h = new_analyzer(r#"{"at":"2026-11-22T13:00:00Z"}"#);
        assert_ne!(h, 0, "{}", output(0));
        let name = "a.lp";
        let data = "ingress,service=api,remote_service=web bandwidth_bps=1500 1795349886000000000\n";
        let (head, tail) = data.split_at(30);
        // SAFETY: live Rust slices.
        unsafe {
            assert_eq!(planet_analyzer_begin_input(h, name.as_ptr(), name.len()), OK);
            assert_eq!(planet_analyzer_push(h, head.as_ptr(), head.len()), OK);
            assert_eq!(planet_analyzer_push(h, tail.as_ptr(), tail.len()), OK);
        }
        assert_eq!(planet_analyzer_finish(h), OK, "{}", output(0));
        assert_eq!(
            output(1),
            "{\"inventory_date\":\"2026-11-22T13:00:00Z\",\"traffic_direction\":\"ingress\",\"local_hostgroup\":\"api\",\
             \"local_hostgroup_address\":null,\"remote_hostgroup\":\"web\",\"remote_hostgroup_address\":null,\
             \"traffic_bandwidth_bits_min_1h\":1500,\"traffic_bandwidth_bits_max_1h\":1500,\
             \"traffic_bandwidth_bits_avg_1h\":1500}\n"
        );
        assert_eq!(output(2), "");
        let envelope: serde_json::Value = serde_json::from_str(&output(0)).expect("json");
        assert_eq!(envelope["window"]["traffic_start"], "2026-11-22T12:00:00Z");
        assert_eq!(envelope["stats"]["points"], 1);
        assert_eq!(planet_analyzer_finish(h), FAILED, "a finished handle is released");
    }

    #[test]
    fn a_strict_parse_error_carries_file_line_and_quote() {
        let h = new_analyzer(r#"{"strict":true}"#);
        let name = "bad.lp";
        let data = "ingress,service=api bandwidth_bps=1 1795349886000000000\nnot line protocol at all\n";
        // SAFETY: live Rust slices.
        let status = unsafe {
            planet_analyzer_begin_input(h, name.as_ptr(), name.len());
            planet_analyzer_push(h, data.as_ptr(), data.len())
        };
        assert_eq!(status, FAILED);
        let message = output(0);
        assert!(message.starts_with("bad.lp:2: "), "{message}");
        assert!(message.contains("not line protocol at all"), "{message}");
        planet_analyzer_drop(h);
    }

    #[test]
    fn bad_options_are_refused_with_the_reason() {
        assert_eq!(new_analyzer(r#"{"trafficWindow":"90"}"#), 0);
        assert!(output(0).contains("invalid duration"), "{}", output(0));
    }

    #[test]
    fn a_profile_is_named_or_given_inline_in_the_options() {
        assert_ne!(new_analyzer(r#"{"profile":"planet-federator"}"#), 0, "{}", output(0));
        assert_eq!(new_analyzer(r#"{"profile":"nope"}"#), 0);
        assert!(output(0).contains("unknown profile"), "{}", output(0));
    }

    #[test]
    fn alloc_and_free_round_trip() {
        let p = planet_alloc(64);
        assert!(!p.is_null());
        // SAFETY: the buffer was just allocated with this length.
        unsafe { planet_free(p, 64) };
    }
}
