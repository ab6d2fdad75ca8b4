//! Command-line definition (clap). Flag names and defaults follow the original Go tool.

use crate::job::JobSelection;
use crate::secret::Secret;
use crate::source::influxdb::QueryMode;
use clap::{Args, Parser, Subcommand, ValueEnum};
use planet_core::{defaults, Duration, Format, Precision, Timestamp};
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
    /// `/query` JSON (whole or chunked) and CSV answers, InfluxDB 2.x annotated CSV, and
    /// Prometheus HTTP API answers; the format of each file is detected from its first line.
    /// Several files are merged. `--profile planet-exporter` reads planet-exporter's own metrics
    /// (Prometheus remote_write into InfluxDB, Telegraf, Prometheus answers).
    Analyze(AnalyzeArgs),
    /// The service: runs the traffic and dependency jobs on their cron schedules (the default
    /// when no subcommand is given, as the original was invoked).
    Run(RunArgs),
    /// One window of one or both jobs, then exit (non-zero on any failure): for a Kubernetes
    /// CronJob or a systemd timer.
    Once(OnceArgs),
    /// Every window the schedule would have produced in a range, in order, resumable.
    Backfill(BackfillArgs),
    /// Create the BigQuery dataset and both tables (partitioned, clustered) when missing;
    /// report existing tables whose schema differs.
    Init(LiveArgs),
    /// Check that InfluxDB and the destination are reachable and as expected; non-zero exit if not.
    Check(LiveArgs),
    /// planet-federator's job: every 30 s, planet-exporter's metrics from Prometheus evaluated
    /// as its PromQL does, written into InfluxDB as the ingress, egress, unknown, upstream and
    /// downstream points it writes (same flags and defaults; `--once`, `--from/--to`).
    Federate(crate::commands::federate::FederateArgs),
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell).
    Completions(crate::commands::completions::CompletionsArgs),
    /// Print the man page (roff) of planet-bq or of one subcommand, or write them all.
    Man(crate::commands::man::ManArgs),
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
    #[arg(long, value_name = "RFC3339", conflicts_with = "all_windows")]
    pub at: Option<Timestamp>,

    /// Every window the schedule produces within the data, in one pass: hourly traffic windows
    /// and daily dependency windows (ending at --dependency-hour), from the first ending after
    /// the oldest point to the first ending after the newest. Each window's rows are those of
    /// `--at` that window's end; --out files hold them all, by inventory_date. Memory grows with
    /// groups x hours of data; not with the planet-exporter profile.
    #[arg(long)]
    pub all_windows: bool,

    /// Hour of the day (UTC) at which the daily dependency windows of --all-windows end, as the
    /// service's dependency schedule (30 0 11 * * * ends them at 11:00).
    #[arg(long, default_value_t = defaults::DEPENDENCY_HOUR, value_name = "HOUR", requires = "all_windows",
          value_parser = clap::value_parser!(u8).range(0..=23))]
    pub dependency_hour: u8,

    /// Traffic window length (Go syntax with days: 90m, 1h30m, 7d), greater than zero.
    #[arg(long, default_value = defaults::TRAFFIC_WINDOW_TEXT, value_name = "DURATION", value_parser = positive_duration)]
    pub traffic_window: Duration,

    /// Dependency window length, greater than zero.
    #[arg(long, default_value = defaults::DEPENDENCY_WINDOW_TEXT, value_name = "DURATION", value_parser = positive_duration)]
    pub dependency_window: Duration,

    /// Input format: auto, lp, csv, annotated-csv, json, prometheus-json.
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

    /// Schema profile: a name (planet-federator, planet-exporter, contiv-svcstats) or a JSON
    /// file describing one.
    #[arg(long, default_value = defaults::PROFILE, value_name = "NAME|FILE")]
    pub profile: String,

    /// The IP-to-hostgroup inventory (`--inventory`, `--inventory-format`).
    #[command(flatten)]
    pub inventory: crate::inventory::InventoryArgs,

    /// Print the per-line warnings of skipped lines (default: the first 10 and a count).
    #[arg(long)]
    pub all_warnings: bool,

    /// Longest line read, in bytes (default 64 MiB). A longer line is reported with its file
    /// and line number and skipped without being held in memory; the next lines are read.
    #[arg(long, default_value_t = defaults::MAX_LINE_BYTES, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_line_bytes: u64,

    /// What-if: keep only traffic points above this bandwidth in bit/s, as planet-federator
    /// keeps pairs above 1000 (pre-aggregated rows are dropped when their max is at or below).
    #[arg(long, value_name = "BPS", help_heading = "What-if", value_parser = finite_number)]
    pub min_bandwidth: Option<f64>,

    /// What-if: drop dependency rows whose port fully matches this regular expression (regex-lite
    /// syntax: no Unicode classes; the federator's list: 22|53|111|8301|8300|8500|3025|3022|51666|9100|19100|5666|25|8600|11910|11560).
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

    /// Threads reading the inputs (default: the available cores; 1 reads them one after the
    /// other on one thread). A plain line-protocol or `influx -format csv` file is cut at line
    /// boundaries into one slice per thread; other inputs are read one per thread (gzip is one
    /// stream, JSON and annotated CSV are not cut). The output is the same for any number.
    /// Native engine only: --engine wasm reads on one thread.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,

    /// Smallest slice a file is cut into for --threads (tests use small ones).
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES", hide = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub min_slice_bytes: u64,

    /// Where the analysis runs (--engine native|wasm) and the wasm engine's limits.
    #[command(flatten)]
    pub engine: crate::engine::EngineArgs,
}

/// A window length or a time limit: a duration greater than zero.
pub fn positive_duration(text: &str) -> Result<Duration, String> {
    let duration: Duration = text.parse().map_err(|e: planet_core::Error| e.to_string())?;
    if duration.0 <= 0 {
        return Err(format!("{text:?} must be greater than zero"));
    }
    Ok(duration)
}

/// A number that is not NaN nor infinite.
fn finite_number(text: &str) -> Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number"))?;
    if !value.is_finite() {
        return Err(format!("{text:?} must be a finite number"));
    }
    Ok(value)
}

/// `FROM=TO` of `--rename`.
fn parse_rename(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(from, to)| (from.to_string(), to.to_string()))
        .ok_or_else(|| format!("expected FROM=TO, got {text:?}"))
}

/// Log encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Options shared by `run`, `once`, `backfill`, `init` and `check`. Names and defaults of the
/// original's flags are kept; Go's single-dash spelling (`-influxdb-addr=...`) is accepted too.
#[derive(Debug, Clone, Args)]
pub struct LiveArgs {
    /// Cron schedule of the traffic job: 6 fields, seconds first (Quartz style), in UTC.
    #[arg(long, default_value = "30 0 * * * *", value_name = "CRON")]
    pub cron_job_schedule_traffic: String,

    /// Cron schedule of the dependency job.
    #[arg(long, default_value = "30 0 11 * * *", value_name = "CRON")]
    pub cron_job_schedule_dependency: String,

    /// Timeout of one window of a job, in seconds (queries, analysis and writes).
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub cron_job_timeout_second: u64,

    /// Added to a job's tick before flooring to the hour to get the window end (`-1h5m`
    /// processes the data of 1h5m ago). Unlike the original, it moves the window itself.
    #[arg(long, default_value = "0s", value_name = "DURATION", allow_hyphen_values = true)]
    pub cron_job_time_offset: Duration,

    /// Log flags.
    #[command(flatten)]
    pub log: crate::logging::LogArgs,

    /// Where the measurements come from, and the Prometheus flags.
    #[command(flatten)]
    pub prometheus: crate::source::prometheus::PrometheusArgs,

    /// InfluxDB base URL (http or https).
    #[arg(long, env = "INFLUXDB_URL", default_value = "http://127.0.0.1:8086", value_name = "URL")]
    pub influxdb_addr: String,

    /// PEM file of certificate authorities to trust for an https InfluxDB besides the system's
    /// (for a server certificate signed by a private CA).
    #[arg(long, env = "INFLUXDB_CA_CERT", value_name = "FILE")]
    pub influxdb_ca_cert: Option<PathBuf>,

    /// InfluxDB user (HTTP Basic auth).
    #[arg(long, env = "INFLUXDB_USERNAME", default_value = "", value_name = "USER")]
    pub influxdb_username: String,

    /// InfluxDB password. Prefer the INFLUXDB_PASSWORD variable or --influxdb-password-file:
    /// a flag's value is visible to every user in `ps`.
    #[arg(long, env = "INFLUXDB_PASSWORD", hide_env_values = true, default_value = "", value_name = "PASSWORD")]
    pub influxdb_password: Secret,

    /// File holding the InfluxDB password (trailing newline ignored).
    #[arg(long, value_name = "FILE")]
    pub influxdb_password_file: Option<PathBuf>,

    /// InfluxDB token, sent as `Authorization: Token ...` (InfluxDB 2.x/3.x v1 API; 1.8+ takes
    /// `user:password`). Prefer INFLUXDB_TOKEN or --influxdb-token-file over the flag.
    #[arg(long, env = "INFLUXDB_TOKEN", hide_env_values = true, default_value = "", value_name = "TOKEN")]
    pub influxdb_token: Secret,

    /// File holding the InfluxDB token.
    #[arg(long, value_name = "FILE")]
    pub influxdb_token_file: Option<PathBuf>,

    /// InfluxDB 2.x/3.x organization (name): with a token, `check` looks up the DBRP mapping of
    /// the database in it.
    #[arg(long, env = "INFLUXDB_ORG", default_value = "", value_name = "ORG")]
    pub influxdb_org: String,

    /// InfluxDB database (bucket through a DBRP mapping on 2.x/3.x).
    #[arg(long, env = "INFLUXDB_DATABASE", default_value = "mothership", value_name = "NAME")]
    pub influxdb_database: String,

    /// Retention policy (default: the database's default one).
    #[arg(long, env = "INFLUXDB_RETENTION_POLICY", default_value = "", value_name = "NAME")]
    pub influxdb_retention_policy: String,

    /// pushdown: InfluxDB computes MIN/MAX/SUM/COUNT per group; raw: fetch every point.
    #[arg(long, value_enum, default_value = "pushdown", value_name = "MODE")]
    pub influxdb_query_mode: QueryMode,

    /// Cut windows longer than this into slices, one query each (0s: never).
    #[arg(long, default_value = "0s", value_name = "DURATION")]
    pub influxdb_query_slice: Duration,

    /// Timeout of one InfluxDB request, in seconds.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub influxdb_timeout_second: u64,

    /// Rows per chunk of InfluxDB's chunked answers.
    #[arg(long, default_value_t = 10_000, value_name = "ROWS")]
    pub influxdb_chunk_size: usize,

    /// Retries of a transient failure (refused connection, 5xx, timeout, cut answer) of one
    /// request to InfluxDB or BigQuery, with exponential backoff.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub retries: usize,

    /// First retry delay (doubles each retry, up to 30 s).
    #[arg(long, default_value = "1s", value_name = "DURATION")]
    pub retry_delay: Duration,

    /// Queries of one window sent to InfluxDB or Prometheus at once (one per measurement or
    /// slice); their answers are parsed on as many threads and merged in query order, so the
    /// rows are the same for any value. 1: one query at a time, as planet-federator-influxdb-to-bq.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub query_concurrency: u64,

    /// BigQuery project. Without it rows go to --out DIR.
    #[arg(long, value_name = "ID")]
    pub bq_project_id: Option<String>,

    /// BigQuery dataset.
    #[arg(long, value_name = "ID")]
    pub bq_dataset_id: Option<String>,

    /// Traffic table.
    #[arg(long, default_value = "planet_exporter_traffic", value_name = "ID")]
    pub bq_traffic_table_id: String,

    /// Dependency table.
    #[arg(long, default_value = "planet_exporter_dependency", value_name = "ID")]
    pub bq_dependency_table_id: String,

    /// Root URL of a BigQuery emulator (`http://127.0.0.1:9050`; `/bigquery/v2` is added);
    /// no credentials are used then. BIGQUERY_EMULATOR_HOST=host:port does the same.
    #[arg(long, env = "BIGQUERY_EMULATOR_HOST", value_name = "URL")]
    pub bq_endpoint: Option<String>,

    /// Location of the dataset `init` creates (US, EU, ...).
    #[arg(long, value_name = "LOCATION")]
    pub bq_location: Option<String>,

    /// How rows reach BigQuery: load (one load job per window and table: free, all rows or
    /// none, refused by BigQuery when repeated), storage-write (Storage Write API: one PENDING
    /// stream per window, committed at once) or insert-all (legacy streaming inserts).
    #[arg(long, value_enum, default_value = "load", value_name = "METHOD")]
    pub bq_write_method: crate::sink::bigquery::WriteMethod,

    /// gRPC address of an emulator's Storage Write API (`http://127.0.0.1:9060`), for
    /// --bq-write-method storage-write; default: Google's endpoint.
    #[arg(long, value_name = "URL")]
    pub bq_storage_endpoint: Option<String>,

    /// Most rows per insertAll request (--bq-write-method insert-all).
    #[arg(long, default_value_t = 2000, value_name = "ROWS")]
    pub bq_insert_batch_rows: usize,

    /// Write NDJSON files here (`<table>-<window end>.ndjson`) instead of BigQuery.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Query and aggregate, print the rows that would be written (NDJSON), write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// State file: last completed window per job, incomplete windows, backfill progress.
    /// Default: $STATE_DIRECTORY, $XDG_STATE_HOME/planet-bq or ~/.local/state/planet-bq,
    /// file planet-bq-state.json.
    #[arg(long, env = "PLANET_BQ_STATE_FILE", value_name = "FILE")]
    pub state_file: Option<PathBuf>,

    /// `run`: most windows per job caught up after downtime or kept for retry.
    #[arg(long, default_value_t = 48, value_name = "N")]
    pub catch_up_max_windows: usize,

    /// Serve Prometheus metrics on this address (`127.0.0.1:9273`, `:9273`).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,

    /// Traffic window length, greater than zero.
    #[arg(long, default_value = defaults::TRAFFIC_WINDOW_TEXT, value_name = "DURATION", value_parser = positive_duration)]
    pub traffic_window: Duration,

    /// Dependency window length, greater than zero.
    #[arg(long, default_value = defaults::DEPENDENCY_WINDOW_TEXT, value_name = "DURATION", value_parser = positive_duration)]
    pub dependency_window: Duration,

    /// Schema profile: a name (planet-federator, planet-exporter, contiv-svcstats) or a JSON
    /// file describing one.
    #[arg(long, default_value = defaults::PROFILE, value_name = "NAME|FILE")]
    pub profile: String,

    /// The IP-to-hostgroup inventory (`--inventory`, `--inventory-format`).
    #[command(flatten)]
    pub inventory: crate::inventory::InventoryArgs,

    /// Where the analysis runs (`--engine native|wasm` and the wasm engine's bounds).
    #[command(flatten)]
    pub engine: crate::engine::EngineArgs,
}

impl LiveArgs {
    /// `--retry-delay` as a standard duration.
    pub fn retry_delay_std(&self) -> anyhow::Result<std::time::Duration> {
        u64::try_from(self.retry_delay.0)
            .map(std::time::Duration::from_nanos)
            .map_err(|_| anyhow::anyhow!("--retry-delay must not be negative"))
    }
}

/// Options of `planet-bq run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Shared options.
    #[command(flatten)]
    pub live: LiveArgs,
}

/// Options of `planet-bq once`.
#[derive(Debug, Clone, Args)]
pub struct OnceArgs {
    /// traffic, dependency or all.
    #[arg(value_enum, value_name = "JOB")]
    pub job: JobSelection,

    /// The tick time (RFC3339): the window ends at floor_to_hour(at + time offset). Default: now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<Timestamp>,

    /// Shared options.
    #[command(flatten)]
    pub live: LiveArgs,
}

/// Options of `planet-bq backfill`.
#[derive(Debug, Clone, Args)]
pub struct BackfillArgs {
    /// traffic, dependency or all.
    #[arg(value_enum, value_name = "JOB")]
    pub job: JobSelection,

    /// First tick time of the range (RFC3339, inclusive).
    #[arg(long, value_name = "RFC3339")]
    pub from: Timestamp,

    /// End of the range (RFC3339, exclusive).
    #[arg(long, value_name = "RFC3339")]
    pub to: Timestamp,

    /// Start over instead of resuming a backfill of the same range.
    #[arg(long)]
    pub restart: bool,

    /// Shared options.
    #[command(flatten)]
    pub live: LiveArgs,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_the_options_hides_secrets() {
        let cli = Cli::parse_from([
            "planet-bq",
            "once",
            "traffic",
            "--influxdb-password",
            "pa55-word-xyz",
            "--influxdb-token",
            "tok-en-xyz",
        ]);
        let text = format!("{cli:?}");
        assert!(!text.contains("pa55-word-xyz") && !text.contains("tok-en-xyz"), "{text}");
        assert!(text.contains("influxdb_password: \"***\""), "{text}");
    }

    #[test]
    fn defaults_are_those_of_the_original() {
        let Command::Run(args) = Cli::parse_from(["planet-bq", "run"]).command else { panic!("run expected") };
        let a = args.live;
        assert_eq!(a.cron_job_schedule_traffic, "30 0 * * * *");
        assert_eq!(a.cron_job_schedule_dependency, "30 0 11 * * *");
        assert_eq!(a.cron_job_timeout_second, 300);
        assert_eq!(a.cron_job_time_offset, Duration(0));
        assert_eq!(
            (a.log.log_level.as_str(), a.log.log_disable_timestamp, a.log.log_disable_colors),
            ("info", false, false)
        );
        assert_eq!(a.influxdb_database, "mothership");
        assert_eq!(a.bq_traffic_table_id, "planet_exporter_traffic");
        assert_eq!(a.bq_dependency_table_id, "planet_exporter_dependency");
        assert_eq!(a.bq_insert_batch_rows, 2000);
        assert_eq!(a.bq_write_method, crate::sink::bigquery::WriteMethod::Load);
    }
}
