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
        let analysis = self.0.finish()?;
        Ok(Tables { window: analysis.window, traffic: analysis.traffic, dependency: analysis.dependency })
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}
