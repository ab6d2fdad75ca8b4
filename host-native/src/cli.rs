//! Command-line definition (clap). Flag names and defaults follow the original Go tool.

use clap::{Args, Parser, Subcommand, ValueEnum};
use planet_core::{Duration, Format, Precision, Timestamp};
use std::path::PathBuf;

/// planet-bq: service-dependency tables from planet-federator data in InfluxDB.
///
/// Reads the measurements planet-federator writes (ingress, egress, upstream, downstream),
/// aggregates them into hourly traffic between service pairs and daily service dependencies,
/// and writes the two tables of planet-federator-influxdb-to-bq: to BigQuery, or locally.
#[derive(Debug, Parser)]
#[command(name = "planet-bq", version, about, long_about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute both tables from InfluxDB exports on disk, with no server anywhere.
    ///
    /// Reads line protocol (bare or from `influx_inspect export`), `influx -format csv|json`,
    /// `/query` JSON (whole or chunked) and CSV answers, and InfluxDB 2.x annotated CSV; the
    /// format of each file is detected from its first line. Several files are merged.
    Analyze(AnalyzeArgs),
}

/// Output encodings of table files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    /// One JSON object per row: exactly the rows inserted into BigQuery.
    Ndjson,
    /// RFC 4180 CSV with a header; NULL is an empty cell, an empty string is `""`.
    Csv,
}

/// Options of `planet-bq analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Export files to read (`-` for standard input).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Window end and inventory_date (RFC3339). Default: the start of the next whole hour
    /// after the newest point in the input.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<Timestamp>,

    /// Traffic window length (Go syntax with days: 90m, 1h30m, 7d).
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub traffic_window: Duration,

    /// Dependency window length.
    #[arg(long, default_value = "7d", value_name = "DURATION")]
    pub dependency_window: Duration,

    /// Input format: auto, lp, csv, annotated-csv, json.
    #[arg(long, default_value = "auto", value_name = "FORMAT")]
    pub format: Format,

    /// Unit of epoch integers without a stated unit: auto (by magnitude), ns, us, ms, s.
    #[arg(long, default_value = "auto", value_name = "UNIT")]
    pub precision: Precision,

    /// Stop at the first malformed line (default: skip it, count it, report at the end).
    #[arg(long)]
    pub strict: bool,

    /// Write DIR/traffic.ndjson and DIR/dependency.ndjson instead of printing the tables.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Encoding of the files written with --out.
    #[arg(long, value_enum, default_value = "ndjson", value_name = "FORMAT")]
    pub out_format: OutFormat,

    /// Schema profile: a name (planet-federator) or a JSON file describing one.
    #[arg(long, default_value = "planet-federator", value_name = "NAME|FILE")]
    pub profile: String,

    /// Print the per-line warnings of skipped lines (default: the first 10 and a count).
    #[arg(long)]
    pub all_warnings: bool,

    /// What-if: keep only traffic points above this bandwidth in bit/s, as planet-federator
    /// keeps pairs above 1000 (pre-aggregated rows are dropped when their max is at or below).
    #[arg(long, value_name = "BPS", help_heading = "What-if")]
    pub min_bandwidth: Option<f64>,

    /// What-if: drop dependency rows whose port fully matches this regular expression
    /// (the federator's list: 22|53|111|8301|8300|8500|3025|3022|51666|9100|19100|5666|25|8600|11910|11560).
    #[arg(long, value_name = "REGEX", help_heading = "What-if")]
    pub exclude_ports: Option<planet_core::whatif::Pattern>,

    /// What-if: drop rows of both tables whose remote address fully matches this regular expression.
    #[arg(long, value_name = "REGEX", help_heading = "What-if")]
    pub exclude_addresses: Option<planet_core::whatif::Pattern>,

    /// What-if: drop rows whose remote hostgroup is empty (after renaming).
    #[arg(long, help_heading = "What-if")]
    pub hide_empty_remote: bool,

    /// What-if: show hostgroup FROM as TO (repeatable); hostgroups renamed to one name merge.
    #[arg(long, value_name = "FROM=TO", value_parser = parse_rename, help_heading = "What-if")]
    pub rename: Vec<(String, String)>,

    /// What-if: add p50/p95/p99 bandwidth columns to the traffic table (not BigQuery columns).
    #[arg(long, help_heading = "What-if")]
    pub percentiles: bool,

    /// Where the analysis runs (--engine native|wasm) and the wasm engine's limits.
    #[command(flatten)]
    pub engine: crate::engine::EngineArgs,
}

/// `FROM=TO` of `--rename`.
fn parse_rename(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(from, to)| (from.to_string(), to.to_string()))
        .ok_or_else(|| format!("expected FROM=TO, got {text:?}"))
}
