//! Logs of the service: tracing to standard error, as text (optionally without timestamps or
//! colors) or JSON lines. Standard output stays free for `--dry-run` rows and `check` reports.

use crate::cli::{LiveArgs, LogFormat};
use anyhow::{bail, Result};
use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// The progress bar shown by `backfill`, if any: log lines are printed above it.
static PROGRESS: OnceLock<Mutex<Option<indicatif::ProgressBar>>> = OnceLock::new();

/// Sets (or clears) the progress bar that log lines must not garble.
pub fn set_progress_bar(bar: Option<indicatif::ProgressBar>) {
    let slot = PROGRESS.get_or_init(|| Mutex::new(None));
    if let Ok(mut s) = slot.lock() {
        *s = bar;
    }
}

/// Standard error, written with the progress bar (if any) suspended.
#[derive(Debug, Clone, Copy)]
struct StderrAroundProgress;

/// One log line's writer.
#[derive(Debug)]
struct LineWriter(Vec<u8>);

impl std::io::Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        let bytes = std::mem::take(&mut self.0);
        let write = || {
            use std::io::Write;
            let _ = std::io::stderr().lock().write_all(&bytes);
        };
        let bar = PROGRESS.get().and_then(|m| m.lock().ok().and_then(|b| b.clone()));
        match bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

impl<'a> MakeWriter<'a> for StderrAroundProgress {
    type Writer = LineWriter;
    fn make_writer(&'a self) -> Self::Writer {
        LineWriter(Vec::with_capacity(256))
    }
}

/// The log flags of the live commands and `federate` (the Go tools' names and defaults).
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// Log level: trace, debug, info, warn, error.
    #[arg(long, default_value = "info", value_name = "LEVEL")]
    pub log_level: String,

    /// Leave timestamps out of log lines (journald adds its own).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value = "false", value_name = "BOOL")]
    pub log_disable_timestamp: bool,

    /// No colors in log lines (they are off anyway when stderr is not a terminal).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value = "false", value_name = "BOOL")]
    pub log_disable_colors: bool,

    /// Log encoding: text or json.
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub log_format: LogFormat,
}

impl LogArgs {
    /// Installs the subscriber these flags describe.
    pub fn init(&self) -> Result<()> {
        init_with(&self.log_level, self.log_format, self.log_disable_timestamp, self.log_disable_colors)
    }
}

/// Installs the subscriber for the live commands.
pub fn init(args: &LiveArgs) -> Result<()> {
    args.log.init()
}

/// Installs the subscriber: a level (logrus names accepted), an encoding, and whether to leave
/// timestamps and colors out.
pub fn init_with(level: &str, format: LogFormat, disable_timestamp: bool, disable_colors: bool) -> Result<()> {
    let level = match level.to_ascii_lowercase().as_str() {
        "trace" => "trace",
        "debug" => "debug",
        "info" => "info",
        "warn" | "warning" => "warn",
        // logrus levels of the original.
        "error" | "fatal" | "panic" => "error",
        other => bail!("invalid --log-level {other:?}: expected trace, debug, info, warn or error"),
    };
    // Our own events at the chosen level; the HTTP stack only when it warns.
    let filter = EnvFilter::new(format!("warn,planet_bq={level}"));
    let colors = !disable_colors && std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(StderrAroundProgress)
        .with_ansi(colors)
        .with_target(false);
    let result = match (format, disable_timestamp) {
        (LogFormat::Json, false) => builder.json().flatten_event(true).try_init(),
        (LogFormat::Json, true) => builder.json().flatten_event(true).without_time().try_init(),
        (LogFormat::Text, false) => builder.try_init(),
        (LogFormat::Text, true) => builder.without_time().try_init(),
    };
    // Already installed (tests): keep the first.
    let _ = result;
    Ok(())
}
