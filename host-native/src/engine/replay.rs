//! A mergeable session of the wasm engine: the inputs are kept and replayed into one guest
//! session at the end.
//!
//! A guest session cannot hand its state to another one, so merging two wasm sessions is just
//! taking the other one's inputs. With the default push-down queries an answer holds one row per
//! group, so this stays small; `raw` query mode keeps every point of the window in memory with
//! this engine.

use super::wasm::Runtime;
use super::EngineOutput;
use anyhow::Result;
use planet_core::Options;
use std::sync::Arc;

/// Whole inputs of a wasm analysis, replayed into a guest session by [`Recorded::finish`].
#[derive(Debug)]
pub struct Recorded {
    runtime: Arc<Runtime>,
    options: Options,
    /// Whole inputs, in the order they were given.
    inputs: Vec<(String, Vec<u8>)>,
    /// The input being pushed.
    current: Option<(String, Vec<u8>)>,
}

impl Recorded {
    /// An empty recording for `runtime` with these options.
    pub fn new(runtime: Arc<Runtime>, options: Options) -> Recorded {
        Recorded { runtime, options, inputs: Vec::new(), current: None }
    }

    /// Starts an input.
    pub fn begin_input(&mut self, name: &str) {
        self.end_input();
        self.current = Some((name.to_string(), Vec::new()));
    }

    /// Keeps a chunk of the current input.
    pub fn push(&mut self, chunk: &[u8]) {
        match self.current.as_mut() {
            Some((_, bytes)) => bytes.extend_from_slice(chunk),
            None => self.current = Some(("input".to_string(), chunk.to_vec())),
        }
    }

    /// Ends the current input.
    pub fn end_input(&mut self) {
        if let Some(input) = self.current.take() {
            self.inputs.push(input);
        }
    }

    /// Takes the other recording's inputs after this one's.
    pub fn merge(&mut self, mut other: Recorded) {
        other.end_input();
        self.end_input();
        self.inputs.append(&mut other.inputs);
    }

    /// Replays every input into one guest session.
    pub fn finish(mut self) -> Result<EngineOutput> {
        self.end_input();
        let mut session = self.runtime.session(&self.options)?;
        for (name, bytes) in &self.inputs {
            session.begin_input(name)?;
            session.push(bytes)?;
            session.end_input()?;
        }
        session.finish()
    }
}
