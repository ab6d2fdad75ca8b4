//! Where the analysis runs: the core linked into this binary (`native`), or the same core
//! compiled to WebAssembly and run by wasmtime in a sandbox (`wasm`). Both give the same bytes.
//!
//! Commands take [`EngineArgs`] (flattened into their flags), turn them into an [`Engine`] once
//! with [`EngineArgs::load`] (which compiles the module, so a long-running command reuses it),
//! then run each analysis as a [`Session`] or in one call with [`analyze_with`]. The live
//! pipeline uses [`Session::mergeable`]: a retried query is analysed apart and merged only once
//! whole, so a failed attempt leaves nothing behind.

mod replay;
#[cfg(feature = "wasm-engine")]
pub mod wasm;
#[cfg(not(feature = "wasm-engine"))]
#[path = "wasm_absent.rs"]
pub mod wasm;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use planet_core::rows::{Encoding, TableTexts};
use planet_core::{Analysis, Analyzer, Duration, Options, Tables};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

/// Chunk size for reading inputs: large enough to amortize calls, small enough to stream.
pub const CHUNK: usize = 1 << 20;

/// The engine named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum EngineKind {
    /// The core linked into this binary.
    #[default]
    Native,
    /// The core compiled to WebAssembly, run by wasmtime with bounded memory and time.
    Wasm,
}

/// Flags choosing and bounding the engine; `#[command(flatten)]` them into a command's flags.
#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// Where the analysis runs: native (the core linked in) or wasm (the same core compiled to
    /// WebAssembly, run by wasmtime in a sandbox). Both give byte-identical tables.
    #[arg(long, value_enum, default_value = "native", value_name = "ENGINE")]
    pub engine: EngineKind,

    /// The WebAssembly module for --engine wasm. Default: the one built into this binary, else
    /// planet_wasm_abi.wasm beside it.
    #[arg(long, env = "PLANET_BQ_WASM_MODULE", value_name = "PATH")]
    pub wasm_module: Option<PathBuf>,

    /// Memory limit of the wasm engine, in MiB (at most 4096, wasm32's address space).
    #[arg(long, default_value_t = 2048, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub wasm_max_memory: u64,

    /// Time limit of the wasm engine for one analysis (Go syntax: 30m, 1h), greater than zero.
    #[arg(long, default_value = "1h", value_name = "DURATION", value_parser = crate::cli::positive_duration)]
    pub wasm_timeout: Duration,

    /// Directory where the wasm engine keeps the module compiled to machine code, so
    /// only the first start pays the seconds of compiling it. Default: wasmtime's cache
    /// directory (~/.cache/wasmtime). It must be writable only by trusted users: its contents
    /// are run as code.
    #[arg(long, env = "PLANET_BQ_WASM_CACHE", value_name = "DIR", conflicts_with = "no_wasm_cache")]
    pub wasm_cache: Option<PathBuf>,

    /// Compile the wasm engine's module at every start instead of caching its machine code.
    #[arg(long)]
    pub no_wasm_cache: bool,
}

impl Default for EngineArgs {
    fn default() -> Self {
        EngineArgs {
            engine: EngineKind::Native,
            wasm_module: None,
            wasm_max_memory: 2048,
            wasm_timeout: Duration(3_600 * 1_000_000_000),
            wasm_cache: None,
            no_wasm_cache: false,
        }
    }
}

impl EngineArgs {
    /// The engine ready to run analyses; for wasm, loads and compiles the module once.
    pub fn load(&self) -> Result<Engine> {
        Ok(match self.engine {
            EngineKind::Native => Engine::Native,
            EngineKind::Wasm => {
                let limits =
                    wasm::Limits { max_memory_bytes: self.wasm_max_memory * 1024 * 1024, timeout: self.wasm_timeout };
                let cache = match (&self.wasm_cache, self.no_wasm_cache) {
                    (_, true) => wasm::CodeCache::Off,
                    (Some(dir), false) => wasm::CodeCache::Dir(
                        std::path::absolute(dir)
                            .with_context(|| format!("--wasm-cache {}: not a usable path", dir.display()))?,
                    ),
                    (None, false) => wasm::CodeCache::Default,
                };
                Engine::Wasm(Arc::new(wasm::Runtime::load(self.wasm_module.as_deref(), limits, &cache)?))
            }
        })
    }
}

/// A loaded engine; cheap to clone and share between analyses.
#[derive(Debug, Clone)]
pub enum Engine {
    /// The core linked in.
    Native,
    /// The core in wasmtime.
    Wasm(Arc<wasm::Runtime>),
}

/// The result of an analysis with its two tables as NDJSON, as the engine wrote them.
#[derive(Debug, Clone)]
pub struct EngineOutput {
    /// The analysis (for a wasm engine, rows read back from its NDJSON).
    pub analysis: Analysis,
    /// The traffic table, one JSON object per line (what `--out` writes).
    pub traffic_ndjson: String,
    /// The dependency table, one JSON object per line.
    pub dependency_ndjson: String,
}

/// One analysis in progress on an engine: inputs in chunks cut anywhere, then the tables.
#[derive(Debug)]
pub enum Session {
    /// On the core linked in.
    Native(Box<Analyzer>),
    /// In a wasmtime guest.
    Wasm(Box<wasm::Session>),
    /// For a wasmtime guest, inputs kept and replayed at the end so that sessions merge.
    Replay(Box<replay::Recorded>),
}

impl Session {
    /// Starts an analysis with these options.
    pub fn new(engine: &Engine, options: Options) -> Result<Session> {
        Ok(match engine {
            Engine::Native => Session::Native(Box::new(Analyzer::new(options))),
            Engine::Wasm(runtime) => Session::Wasm(Box::new(runtime.session(&options)?)),
        })
    }

    /// Starts an analysis that [`Session::merge`] accepts.
    pub fn mergeable(engine: &Engine, options: Options) -> Session {
        match engine {
            Engine::Native => Session::Native(Box::new(Analyzer::new(options))),
            Engine::Wasm(runtime) => Session::Replay(Box::new(replay::Recorded::new(runtime.clone(), options))),
        }
    }

    /// Merges a session of the same engine and options, started with [`Session::mergeable`].
    pub fn merge(&mut self, other: Session) -> Result<()> {
        match (self, other) {
            (Session::Native(analyzer), Session::Native(other)) => analyzer.merge(*other)?,
            (Session::Replay(recorded), Session::Replay(other)) => recorded.merge(*other),
            _ => anyhow::bail!("cannot merge analyses of different engines"),
        }
        Ok(())
    }

    /// Starts a new input whose name errors quote.
    pub fn begin_input(&mut self, name: &str) -> Result<()> {
        match self {
            Session::Native(analyzer) => analyzer.begin_input(name),
            Session::Wasm(session) => session.begin_input(name)?,
            Session::Replay(recorded) => recorded.begin_input(name),
        }
        Ok(())
    }

    /// Feeds a chunk of the current input.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        match self {
            Session::Native(analyzer) => analyzer.push(chunk)?,
            Session::Wasm(session) => session.push(chunk)?,
            Session::Replay(recorded) => recorded.push(chunk),
        }
        Ok(())
    }

    /// Ends the current input.
    pub fn end_input(&mut self) -> Result<()> {
        match self {
            Session::Native(analyzer) => analyzer.end_input()?,
            Session::Wasm(session) => session.end_input()?,
            Session::Replay(recorded) => recorded.end_input(),
        }
        Ok(())
    }

    /// Reads one whole input, named for errors, in [`CHUNK`]-sized pieces.
    pub fn read_input(&mut self, name: &str, mut reader: impl Read) -> Result<()> {
        self.begin_input(name)?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = reader.read(&mut buf).with_context(|| format!("reading {name}"))?;
            if n == 0 {
                break;
            }
            self.push(&buf[..n])?;
        }
        self.end_input()
    }

    /// Ends the analysis.
    pub fn finish(self) -> Result<EngineOutput> {
        match self {
            Session::Native(analyzer) => {
                let analysis = analyzer.finish()?;
                let TableTexts { traffic, dependency } = analysis.render(Encoding::Ndjson);
                Ok(EngineOutput { analysis, traffic_ndjson: traffic, dependency_ndjson: dependency })
            }
            Session::Wasm(session) => session.finish(),
            Session::Replay(recorded) => recorded.finish(),
        }
    }

    /// Ends the analysis with the rows only (what the live pipeline writes).
    pub fn finish_tables(self) -> Result<Tables> {
        match self {
            Session::Native(analyzer) => Ok(analyzer.finish()?.into_tables()),
            other => Ok(other.finish()?.analysis.into_tables()),
        }
    }
}

/// Runs one analysis of named readers (files, standard input, HTTP bodies) on an engine.
pub fn analyze_with<R: Read>(
    engine: &Engine,
    options: Options,
    inputs: impl IntoIterator<Item = (String, R)>,
) -> Result<EngineOutput> {
    let mut session = Session::new(engine, options)?;
    for (name, reader) in inputs {
        session.read_input(&name, reader)?;
    }
    session.finish()
}
