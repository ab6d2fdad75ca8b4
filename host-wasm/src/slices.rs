//! One input read in slices by several analyzers, each in its own Worker (its own WebAssembly
//! memory), merged in input order as `planet-bq analyze --threads` merges its threads'.
//!
//! A later slice's analyzer ends with `endSlice`, which gives its state as bytes
//! (`planet_core::analyzer::SliceState`); the first slice's analyzer takes them back with
//! `mergeSlice`, in order, exactly as the core's in-process `merge_slice` would.
//!
//! ```js
//! const later = new Analyzer(options);              // in another Worker
//! later.beginSlice(file.name, "csv", [header]);
//! later.push(bytesAfterTheCut);
//! const state = later.endSlice();                   // Uint8Array, transferable
//! first.mergeSlice(state);                          // in the first slice's Worker
//! ```

use crate::{js_error, options_from, Analyzer};
use planet_core::analyzer::{input_format, SliceState};
use planet_core::Format;
use wasm_bindgen::prelude::*;

/// The format of an input that may be cut (`sliceFormat` in the TypeScript types).
#[wasm_bindgen(js_name = sliceFormat, skip_typescript)]
pub fn slice_format(head: &[u8], options: JsValue) -> Result<Option<String>, JsValue> {
    let options = options_from(&options)?;
    Ok(match input_format(head, &options) {
        Some(Format::LineProtocol) => Some("line-protocol".into()),
        Some(Format::Csv) => Some("csv".into()),
        _ => None,
    })
}

#[wasm_bindgen]
impl Analyzer {
    /// Starts a later slice of input `name`, which begins right after a line ending: `format`
    /// as `sliceFormat` gave it for the input's start, `context` the lines before the cut the
    /// format needs (for `csv`, the header line in force at the cut; none for line protocol).
    #[wasm_bindgen(js_name = beginSlice)]
    pub fn begin_slice(&mut self, name: &str, format: &str, context: Vec<String>) -> Result<(), JsValue> {
        let format: Format = format.parse().map_err(js_error)?;
        let context: Vec<&str> = context.iter().map(String::as_str).collect();
        self.core()?.begin_slice(name, format, &context);
        Ok(())
    }

    /// Ends a slice started with `beginSlice` and returns its state as bytes for `mergeSlice`
    /// (an error `push` threw travels in it); the analyzer cannot be used afterwards.
    #[wasm_bindgen(js_name = endSlice)]
    pub fn end_slice(&mut self) -> Result<Vec<u8>, JsValue> {
        let analyzer = self.inner.take().ok_or_else(|| js_error("this analyzer is already finished"))?;
        let pushed = self.push_error.take().map_or(Ok(()), Err);
        Ok(analyzer.end_slice(pushed).to_bytes())
    }

    /// Merges the next slice of the current input from its `endSlice` bytes, in input order.
    /// Throws the slice's error (strict mode) with its line number in the whole input.
    #[wasm_bindgen(js_name = mergeSlice)]
    pub fn merge_slice(&mut self, state: &[u8]) -> Result<(), JsValue> {
        let slice = SliceState::from_bytes(state).map_err(js_error)?;
        self.core()?.merge_slice_state(slice).map_err(js_error)
    }
}
