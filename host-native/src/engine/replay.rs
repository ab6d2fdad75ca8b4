//! The analysis engine behind the pipeline: answers of InfluxDB go in, table rows come out.
//!
//! The pipeline only sees these traits, so another engine (the core compiled to wasm and run
//! by wasmtime, say) plugs in without touching the source, the sinks or the scheduler.

use anyhow::Result;
use planet_core::{Analyzer, Options, Tables};
use std::any::Any;

/// Makes analyses.
pub trait Engine: Send + Sync + std::fmt::Debug {
    /// A new, empty analysis with these options.
    fn start(&self, options: &Options) -> Box<dyn Analysis>;
}

/// One analysis in progress: inputs streamed in chunks, then the tables.
pub trait Analysis: Send + std::fmt::Debug {
    /// Starts an input (one query answer); `name` appears in errors.
    fn begin_input(&mut self, name: &str);
    /// Feeds a chunk (cut anywhere) of the current input.
    fn push(&mut self, chunk: &[u8]) -> Result<()>;
    /// Ends the current input; reports what can only be checked at its end (a cut answer).
    fn end_input(&mut self) -> Result<()>;
    /// Merges an analysis of the same engine and options into this one (a retried query is
    /// analysed apart and merged only once whole, so a failed attempt leaves nothing behind).
    fn merge(&mut self, other: Box<dyn Analysis>) -> Result<()>;
    /// The tables.
    fn finish(self: Box<Self>) -> Result<Tables>;
    /// For [`Analysis::merge`] between analyses of the same engine.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

/// The native engine: planet-core's streaming [`Analyzer`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NativeEngine;

#[derive(Debug)]
struct NativeAnalysis(Analyzer);

impl Engine for NativeEngine {
    fn start(&self, options: &Options) -> Box<dyn Analysis> {
        Box::new(NativeAnalysis(Analyzer::new(options.clone())))
    }
}

impl Analysis for NativeAnalysis {
    fn begin_input(&mut self, name: &str) {
        self.0.begin_input(name);
    }

    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        Ok(self.0.push(chunk)?)
    }

    fn end_input(&mut self) -> Result<()> {
        Ok(self.0.end_input()?)
    }

    fn merge(&mut self, other: Box<dyn Analysis>) -> Result<()> {
        match other.into_any().downcast::<NativeAnalysis>() {
            Ok(other) => Ok(self.0.merge(other.0)?),
            Err(_) => anyhow::bail!("cannot merge analyses of different engines"),
        }
    }

    fn finish(self: Box<Self>) -> Result<Tables> {
        Ok(self.0.finish()?.into_tables())
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// The core compiled to WebAssembly and run by wasmtime (`--engine wasm`).
///
/// A guest session cannot hand its state to another one, so an analysis keeps the InfluxDB
/// answers it is given and replays them into one guest session when the tables are asked for;
/// [`Analysis::merge`] is then just taking the other analysis's answers. With the default
/// push-down queries an answer holds one row per group, so this stays small; `raw` query mode
/// keeps every point of the window in memory with this engine.
#[derive(Debug, Clone)]
pub struct WasmEngine(crate::engine::Engine);

impl WasmEngine {
    /// Wraps a loaded engine (normally [`crate::engine::Engine::Wasm`]).
    pub fn new(engine: crate::engine::Engine) -> WasmEngine {
        WasmEngine(engine)
    }
}

#[derive(Debug)]
struct WasmAnalysis {
    engine: crate::engine::Engine,
    options: Options,
    /// Whole inputs, in the order they were given.
    inputs: Vec<(String, Vec<u8>)>,
    /// The input being pushed.
    current: Option<(String, Vec<u8>)>,
}

impl Engine for WasmEngine {
    fn start(&self, options: &Options) -> Box<dyn Analysis> {
        Box::new(WasmAnalysis { engine: self.0.clone(), options: options.clone(), inputs: Vec::new(), current: None })
    }
}

impl Analysis for WasmAnalysis {
    fn begin_input(&mut self, name: &str) {
        if let Some(input) = self.current.take() {
            self.inputs.push(input);
        }
        self.current = Some((name.to_string(), Vec::new()));
    }

    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        match self.current.as_mut() {
            Some((_, bytes)) => bytes.extend_from_slice(chunk),
            None => self.current = Some(("input".to_string(), chunk.to_vec())),
        }
        Ok(())
    }

    fn end_input(&mut self) -> Result<()> {
        if let Some(input) = self.current.take() {
            self.inputs.push(input);
        }
        Ok(())
    }

    fn merge(&mut self, other: Box<dyn Analysis>) -> Result<()> {
        match other.into_any().downcast::<WasmAnalysis>() {
            Ok(mut other) => {
                other.end_input()?;
                self.end_input()?;
                self.inputs.append(&mut other.inputs);
                Ok(())
            }
            Err(_) => anyhow::bail!("cannot merge analyses of different engines"),
        }
    }

    fn finish(mut self: Box<Self>) -> Result<Tables> {
        self.end_input()?;
        let mut session = crate::engine::Session::new(&self.engine, self.options.clone())?;
        for (name, bytes) in &self.inputs {
            session.read_input(name, bytes.as_slice())?;
        }
        Ok(session.finish()?.analysis.into_tables())
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}
