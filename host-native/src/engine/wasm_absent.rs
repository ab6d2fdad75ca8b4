//! The wasm engine's stand-in in a build without the `wasm-engine` feature (the static binary
//! of the container image leaves wasmtime out: it is most of the build time). The types are
//! those of the real module, so the rest of planet-bq is the same; `--engine wasm` is refused
//! with a message that says why.

use super::EngineOutput;
use anyhow::{bail, Result};
use planet_core::{Duration, Options};
use std::path::{Path, PathBuf};

/// Bounds of a guest.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest linear memory the guest may grow to, in bytes.
    pub max_memory_bytes: u64,
    /// Longest time one analysis may run.
    pub timeout: Duration,
}

/// Where the module's machine code would be kept between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CodeCache {
    /// wasmtime's default cache directory.
    #[default]
    Default,
    /// This directory.
    Dir(PathBuf),
    /// No cache.
    Off,
}

/// No runtime can exist in this build: the type has no values.
#[derive(Debug)]
pub enum Runtime {}

impl Runtime {
    /// Refuses: this build has no WebAssembly runtime.
    pub fn load(_path: Option<&Path>, _limits: Limits, _cache: &CodeCache) -> Result<Runtime> {
        bail!(
            "--engine wasm is not available: this planet-bq was built without the `wasm-engine` feature \
             (the static binary of the container image leaves wasmtime out); use --engine native, or a build \
             with default features (`make build`, the .deb)"
        )
    }

    /// Never called: there is no runtime.
    pub fn session(&self, _options: &Options) -> Result<Session> {
        match *self {}
    }
}

/// No guest session can exist in this build.
#[derive(Debug)]
pub enum Session {}

impl Session {
    /// Never called.
    pub fn begin_input(&mut self, _name: &str) -> Result<()> {
        match *self {}
    }

    /// Never called.
    pub fn push(&mut self, _chunk: &[u8]) -> Result<()> {
        match *self {}
    }

    /// Never called.
    pub fn end_input(&mut self) -> Result<()> {
        match *self {}
    }

    /// Never called.
    pub fn finish(self) -> Result<EngineOutput> {
        match self {}
    }
}
