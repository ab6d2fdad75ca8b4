//! The wasm engine: planet-bq's core compiled to a plain WebAssembly module (`host-wasm/abi`,
//! C-ABI exports, no imports) and run by wasmtime with a memory limit and a time limit.
//!
//! The module travels inside the binary when the build found it (the Makefile builds it first
//! and points `PLANET_BQ_WASM_ABI` at it, see build.rs), or is read from `--wasm-module PATH`
//! (`PLANET_BQ_WASM_MODULE`), or from `planet_wasm_abi.wasm` beside the executable.
//!
//! Cranelift needs a couple of seconds to compile the module, far more than a small analysis
//! takes, so the machine code is kept in wasmtime's on-disk cache ([`CodeCache`]): only the
//! first run after an upgrade pays for compiling. The cache is keyed by the module's bytes, the
//! compiler settings and wasmtime's version, so a stale entry is never used.

use super::EngineOutput;
use anyhow::{anyhow, bail, Context, Result};
use planet_core::{Analysis, AnalysisStats, Duration, Options, ParseIssue, Window, WindowEnds};
use serde::Deserialize;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use wasmtime::{Cache, CacheConfig, Config, Instance, Memory, Module, ResourceLimiter, Store, Trap, TypedFunc};

include!(concat!(env!("OUT_DIR"), "/embedded_wasm.rs"));

/// File name of the module when it sits beside the executable.
pub const MODULE_FILE_NAME: &str = "planet_wasm_abi.wasm";

/// How often the epoch advances; the time limit is counted in these ticks.
const TICK: std::time::Duration = std::time::Duration::from_millis(100);

/// Guest buffer for input chunks; larger chunks are passed in pieces (chunks may be cut anywhere).
const GUEST_CHUNK: u32 = 1 << 20;

/// The module built into this binary, if the build found one.
pub fn embedded_module() -> Option<&'static [u8]> {
    EMBEDDED_MODULE
}

/// Bounds of a guest.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest linear memory the guest may grow to, in bytes.
    pub max_memory_bytes: u64,
    /// Longest time one analysis may run, from its start to the end of `finish`.
    pub timeout: Duration,
}

/// Where the module's machine code is kept between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CodeCache {
    /// wasmtime's default cache directory (`~/.cache/wasmtime` on Linux).
    #[default]
    Default,
    /// This directory (created when missing; must be absolute).
    Dir(PathBuf),
    /// No cache: compile at every start.
    Off,
}

/// A compiled module, ready to instantiate one guest per analysis.
#[derive(Debug)]
pub struct Runtime {
    engine: wasmtime::Engine,
    module: Module,
    limits: Limits,
    /// Where the module came from, for messages.
    source: String,
    /// The code cache in use, if it could be opened.
    cache: Option<Cache>,
}

impl Runtime {
    /// Loads the module from `path`, else the built-in one, else the file beside the executable.
    pub fn load(path: Option<&Path>, limits: Limits, cache: &CodeCache) -> Result<Runtime> {
        let (bytes, source): (Cow<'static, [u8]>, String) = match (path, embedded_module()) {
            (Some(path), _) => (
                std::fs::read(path)
                    .with_context(|| format!("reading the WebAssembly module {}", path.display()))?
                    .into(),
                path.display().to_string(),
            ),
            (None, Some(bytes)) => (bytes.into(), "built into planet-bq".to_string()),
            (None, None) => {
                let beside = beside_executable();
                match beside.as_deref().filter(|p| p.is_file()) {
                    Some(path) => (
                        std::fs::read(path)
                            .with_context(|| format!("reading the WebAssembly module {}", path.display()))?
                            .into(),
                        path.display().to_string(),
                    ),
                    None => bail!(
                        "--engine wasm needs the WebAssembly module, and this planet-bq was built without it: \
                         build with `make build` (which builds the module first), put {MODULE_FILE_NAME} beside \
                         the executable, or give --wasm-module PATH (PLANET_BQ_WASM_MODULE)"
                    ),
                }
            }
        };
        Runtime::from_bytes(&bytes, source, limits, cache)
    }

    /// Compiles a module, or takes its machine code from the cache; refuses one that imports
    /// anything (the guest gets memory, nothing else).
    pub fn from_bytes(bytes: &[u8], source: String, limits: Limits, cache: &CodeCache) -> Result<Runtime> {
        let started = std::time::Instant::now();
        let mut config = Config::new();
        config.epoch_interruption(true);
        let cache = open_cache(cache);
        config.cache(cache.clone());
        let engine = wasmtime::Engine::new(&config).map_err(anyhow::Error::from)?;
        let module = Module::new(&engine, bytes)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compiling the WebAssembly module ({source})"))?;
        if let Some(import) = module.imports().next() {
            bail!(
                "the WebAssembly module ({source}) imports {}::{}; planet-bq's module imports nothing",
                import.module(),
                import.name()
            );
        }
        start_ticker(&engine);
        let runtime = Runtime { engine, module, limits, source, cache };
        tracing::debug!(
            module = %runtime.source,
            cache = %runtime.cache.as_ref().map_or("off".to_string(), |c| c.directory().display().to_string()),
            from_cache = runtime.loaded_from_cache(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "WebAssembly module ready"
        );
        Ok(runtime)
    }

    /// Whether the module's machine code came from the cache rather than from compiling it.
    pub fn loaded_from_cache(&self) -> bool {
        self.cache.as_ref().is_some_and(|c| c.cache_hits() > 0)
    }

    /// Where the module came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Names of what the module imports (empty for planet-bq's module).
    pub fn imports(&self) -> Vec<String> {
        self.module.imports().map(|i| format!("{}::{}", i.module(), i.name())).collect()
    }

    /// A fresh guest running one analysis with these options.
    pub fn session(&self, options: &Options) -> Result<Session> {
        Session::start(self, options)
    }
}

/// Opens the code cache; one that cannot be opened (no home directory, a read-only disk) only
/// costs the compilation, so it is a warning, not an error.
fn open_cache(choice: &CodeCache) -> Option<Cache> {
    let mut config = CacheConfig::new();
    match choice {
        CodeCache::Off => return None,
        CodeCache::Default => {}
        CodeCache::Dir(dir) => {
            config.with_directory(dir);
        }
    }
    let opened = Cache::new(config).map_err(|e| format!("{e:#}")).and_then(|cache| {
        // wasmtime writes entries later and drops its write errors: probe the directory now.
        let dir = cache.directory();
        let probe = dir.join(format!(".planet-bq-probe-{}", std::process::id()));
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&probe, b""))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let _ = std::fs::remove_file(&probe);
        Ok(cache)
    });
    match opened {
        Ok(cache) => Some(cache),
        Err(error) => {
            let message = "cannot use the WebAssembly code cache; compiling the module instead";
            if tracing::dispatcher::has_been_set() {
                tracing::warn!(error = %error, "{message}");
            } else {
                // `analyze` logs nothing through tracing: its warnings go to standard error.
                eprintln!("warning: {message}: {error}");
            }
            None
        }
    }
}

/// The executable's directory joined with [`MODULE_FILE_NAME`].
fn beside_executable() -> Option<PathBuf> {
    Some(std::env::current_exe().ok()?.parent()?.join(MODULE_FILE_NAME))
}

/// Advances the engine's epoch every [`TICK`] until the engine is dropped.
fn start_ticker(engine: &wasmtime::Engine) {
    let weak = engine.weak();
    std::thread::spawn(move || loop {
        std::thread::sleep(TICK);
        match weak.upgrade() {
            Some(engine) => engine.increment_epoch(),
            None => break,
        }
    });
}

/// The store's data: the memory limit, and whether the guest ran into it.
#[derive(Debug)]
struct Guard {
    max_memory_bytes: usize,
    /// The size the guest asked for when it was refused.
    refused: Option<usize>,
}

impl ResourceLimiter for Guard {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max_memory_bytes {
            self.refused = Some(desired);
            // An error (not `Ok(false)`) traps right at the growth, instead of letting the
            // guest's allocator abort later with a less telling trap.
            return Err(wasmtime::format_err!("memory limit of the wasm engine exceeded"));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// The exports of the module (see `host-wasm/abi/src/lib.rs` for the protocol).
struct Exports {
    alloc: TypedFunc<u32, u32>,
    free: TypedFunc<(u32, u32), ()>,
    new: TypedFunc<(u32, u32), u32>,
    begin_input: TypedFunc<(u32, u32, u32), u32>,
    push: TypedFunc<(u32, u32, u32), u32>,
    end_input: TypedFunc<u32, u32>,
    finish: TypedFunc<u32, u32>,
    output_ptr: TypedFunc<u32, u32>,
    output_len: TypedFunc<u32, u32>,
}

impl std::fmt::Debug for Exports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exports").finish_non_exhaustive()
    }
}

/// What the guest sends with the tables.
#[derive(Debug, Deserialize)]
struct Envelope {
    window: Option<Window>,
    warnings: Vec<ParseIssue>,
    stats: AnalysisStats,
    /// Present with the all-windows option (absent from modules older than it).
    #[serde(default)]
    windows: Option<WindowEnds>,
}

/// One analysis in one guest instance.
#[derive(Debug)]
pub struct Session {
    store: Store<Guard>,
    memory: Memory,
    exports: Exports,
    handle: u32,
    /// The guest buffer chunks are copied into.
    chunk_ptr: u32,
    limits: Limits,
}

impl Session {
    fn start(runtime: &Runtime, options: &Options) -> Result<Session> {
        let limits = runtime.limits;
        let guard =
            Guard { max_memory_bytes: usize::try_from(limits.max_memory_bytes).unwrap_or(usize::MAX), refused: None };
        let mut store = Store::new(&runtime.engine, guard);
        store.limiter(|guard| guard);
        let ticks = u64::try_from(limits.timeout.nanos()).unwrap_or(0).div_ceil(TICK.as_nanos() as u64);
        store.set_epoch_deadline(ticks);
        let instance = match Instance::new(&mut store, &runtime.module, &[]) {
            Ok(instance) => instance,
            Err(e) => return Err(guest_error(&store, &limits, e, "starting")),
        };
        let exports = exports(&instance, &mut store)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("the WebAssembly module ({}) is not planet-bq's C-ABI module", runtime.source))?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| anyhow!("the WebAssembly module ({}) exports no memory", runtime.source))?;
        let mut session = Session { store, memory, exports, handle: 0, chunk_ptr: 0, limits };
        session.chunk_ptr = session.call(|s| s.exports.alloc.call(&mut s.store, GUEST_CHUNK), "allocating")?;
        let config = serde_json::to_vec(options)?;
        let handle = session.with_bytes(&config, |s, ptr, len| s.exports.new.call(&mut s.store, (ptr, len)))?;
        if handle == 0 {
            bail!("{}", session.output(0)?);
        }
        session.handle = handle;
        Ok(session)
    }

    /// Starts a new input whose name errors quote.
    pub fn begin_input(&mut self, name: &str) -> Result<()> {
        let handle = self.handle;
        let status = self
            .with_bytes(name.as_bytes(), |s, ptr, len| s.exports.begin_input.call(&mut s.store, (handle, ptr, len)))?;
        self.check(status)
    }

    /// Feeds a chunk of the current input.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        for piece in chunk.chunks(GUEST_CHUNK as usize) {
            let (ptr, handle) = (self.chunk_ptr, self.handle);
            self.write(ptr, piece)?;
            let len = piece.len() as u32;
            let status = self.call(|s| s.exports.push.call(&mut s.store, (handle, ptr, len)), "reading input")?;
            self.check(status)?;
        }
        Ok(())
    }

    /// Ends the current input.
    pub fn end_input(&mut self) -> Result<()> {
        let handle = self.handle;
        let status = self.call(|s| s.exports.end_input.call(&mut s.store, handle), "reading input")?;
        self.check(status)
    }

    /// Ends the analysis: the tables as the guest wrote them, and read back into rows.
    pub fn finish(mut self) -> Result<EngineOutput> {
        let handle = self.handle;
        let status = self.call(|s| s.exports.finish.call(&mut s.store, handle), "building the tables")?;
        self.check(status)?;
        let envelope: Envelope = serde_json::from_str(&self.output(0)?).context("reading the wasm engine's result")?;
        let traffic_ndjson = self.output(1)?;
        let dependency_ndjson = self.output(2)?;
        let analysis = Analysis {
            window: envelope.window,
            traffic: rows(&traffic_ndjson)?,
            dependency: rows(&dependency_ndjson)?,
            traffic_percentiles: percentiles(&traffic_ndjson)?,
            warnings: envelope.warnings,
            stats: envelope.stats,
            windows: envelope.windows,
        };
        Ok(EngineOutput { analysis, traffic_ndjson, dependency_ndjson })
    }

    /// Runs a guest call, turning a trap into a clear error.
    fn call<T>(&mut self, f: impl FnOnce(&mut Session) -> wasmtime::Result<T>, what: &str) -> Result<T> {
        f(self).map_err(|e| guest_error(&self.store, &self.limits, e, what))
    }

    /// Copies `bytes` into a fresh guest buffer for the duration of `f`.
    fn with_bytes<T>(
        &mut self,
        bytes: &[u8],
        f: impl FnOnce(&mut Session, u32, u32) -> wasmtime::Result<T>,
    ) -> Result<T> {
        let len = u32::try_from(bytes.len()).context("a value too large for the wasm engine")?;
        let ptr = self.call(|s| s.exports.alloc.call(&mut s.store, len), "allocating")?;
        self.write(ptr, bytes)?;
        let result = self.call(|s| f(s, ptr, len), "analyzing")?;
        self.call(|s| s.exports.free.call(&mut s.store, (ptr, len)), "freeing")?;
        Ok(result)
    }

    fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<()> {
        self.memory
            .write(&mut self.store, ptr as usize, bytes)
            .map_err(|_| anyhow!("the wasm engine gave a buffer outside its memory"))
    }

    /// Output `index` of the last guest call, as text.
    fn output(&mut self, index: u32) -> Result<String> {
        let ptr = self.call(|s| s.exports.output_ptr.call(&mut s.store, index), "reading the result")? as usize;
        let len = self.call(|s| s.exports.output_len.call(&mut s.store, index), "reading the result")? as usize;
        let bytes = self
            .memory
            .data(&self.store)
            .get(ptr..ptr.saturating_add(len))
            .ok_or_else(|| anyhow!("the wasm engine returned a result outside its memory"))?;
        String::from_utf8(bytes.to_vec()).context("the wasm engine returned text that is not UTF-8")
    }

    /// Status 1 means the guest's error message (the core's, as the CLI prints it) is output 0.
    fn check(&mut self, status: u32) -> Result<()> {
        match status {
            0 => Ok(()),
            _ => Err(anyhow!("{}", self.output(0)?)),
        }
    }
}

fn exports(instance: &Instance, store: &mut Store<Guard>) -> wasmtime::Result<Exports> {
    Ok(Exports {
        alloc: instance.get_typed_func(&mut *store, "planet_alloc")?,
        free: instance.get_typed_func(&mut *store, "planet_free")?,
        new: instance.get_typed_func(&mut *store, "planet_analyzer_new")?,
        begin_input: instance.get_typed_func(&mut *store, "planet_analyzer_begin_input")?,
        push: instance.get_typed_func(&mut *store, "planet_analyzer_push")?,
        end_input: instance.get_typed_func(&mut *store, "planet_analyzer_end_input")?,
        finish: instance.get_typed_func(&mut *store, "planet_analyzer_finish")?,
        output_ptr: instance.get_typed_func(&mut *store, "planet_output_ptr")?,
        output_len: instance.get_typed_func(&mut *store, "planet_output_len")?,
    })
}

/// A trap as a message a user can act on: the limit that was hit, or what went wrong where.
fn guest_error(store: &Store<Guard>, limits: &Limits, error: wasmtime::Error, what: &str) -> anyhow::Error {
    if let Some(asked) = store.data().refused {
        return anyhow!(
            "the wasm engine ran out of memory: the analysis needed more than the limit of {} MiB (it asked for {} MiB); \
             raise --wasm-max-memory or use --engine native",
            limits.max_memory_bytes / (1024 * 1024),
            asked.div_ceil(1024 * 1024)
        );
    }
    if matches!(error.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
        return anyhow!(
            "the wasm engine stopped the analysis at its time limit of {} (--wasm-timeout); \
             raise it or use --engine native",
            limits.timeout
        );
    }
    anyhow::Error::from(error).context(format!("the wasm engine failed while {what}"))
}

/// Rows from NDJSON lines.
fn rows<R: serde::de::DeserializeOwned>(ndjson: &str) -> Result<Vec<R>> {
    ndjson
        .lines()
        .enumerate()
        .map(|(n, line)| {
            serde_json::from_str(line).with_context(|| format!("reading row {} of the wasm engine", n + 1))
        })
        .collect()
}

/// The percentile columns of the guest's traffic NDJSON (the `percentiles` what-if option),
/// one per row; empty when the rows have none.
fn percentiles(ndjson: &str) -> Result<Vec<Option<planet_core::whatif::Percentiles>>> {
    use planet_core::whatif::{Percentiles, PERCENTILE_COLUMNS};
    let mut out = Vec::new();
    for (n, line) in ndjson.lines().filter(|l| !l.is_empty()).enumerate() {
        let row: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("reading row {} of the wasm engine", n + 1))?;
        if row.get(PERCENTILE_COLUMNS[0]).is_none() {
            return Ok(Vec::new());
        }
        let [p50, p95, p99] = PERCENTILE_COLUMNS.map(|c| row.get(c).and_then(serde_json::Value::as_i64));
        out.push(match (p50, p95, p99) {
            (Some(p50), Some(p95), Some(p99)) => Some(Percentiles { p50, p95, p99 }),
            _ => None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
