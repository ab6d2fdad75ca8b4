//! `planet-bq federate`: a drop-in for planet-federator. On each tick of its cron schedule it
//! reads planet-exporter's raw samples of the tick's ranges from Prometheus, lets the core
//! evaluate planet-federator's queries on them (`planet_core::federate`) and writes the points
//! into InfluxDB (`influx_writer`). `--once` does the tick of now, `--from/--to` every tick of
//! a range (tests, backfills).

use crate::influx_writer::{WriteApi, Writer, WriterConfig};
use crate::schedule::{system_now, Clock, JobSchedule, SystemClock};
use crate::secret::Secret;
use crate::source::prometheus::{PrometheusAuth, PrometheusConfig, PrometheusFetch, PrometheusSource};
use anyhow::{bail, Context, Result};
use clap::Args;
use planet_core::federate::{lookback, Federator};
use planet_core::{Duration, Profile, Timestamp};
use std::path::PathBuf;
use std::str::FromStr;

/// Options of `planet-bq federate`: planet-federator's flags and defaults (single-dash
/// spellings such as `-cron-job-schedule` are accepted), and what planet-bq adds.
#[derive(Debug, Clone, Args)]
pub struct FederateArgs {
    /// Cron schedule of the ticks: 6 fields, seconds first (planet-federator's default), in UTC.
    #[arg(long, default_value = "*/30 * * * * *", value_name = "CRON")]
    pub cron_job_schedule: String,

    /// Timeout of one tick (Prometheus reads and InfluxDB writes), in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub cron_job_timeout_second: u64,

    /// Added to every tick (`-1h5m`: write the points of 1h5m ago, stamped with that time).
    #[arg(long, default_value = "0s", value_name = "DURATION", allow_hyphen_values = true)]
    pub cron_job_time_offset: Duration,

    /// Log flags (planet-federator's).
    #[command(flatten)]
    pub log: crate::logging::LogArgs,

    /// Prometheus holding planet-exporter's metrics.
    #[arg(long, env = "PROMETHEUS_URL", default_value = "http://127.0.0.1:9090/", value_name = "URL")]
    pub prometheus_addr: String,

    /// Timeout of one HTTP request to Prometheus, in seconds.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub prometheus_timeout_second: u64,

    /// InfluxDB to write the points into.
    #[arg(long, env = "INFLUXDB_URL", default_value = "http://127.0.0.1:8086", value_name = "URL")]
    pub influxdb_addr: String,

    /// v2 (`/api/v2/write`: token, org, bucket; InfluxDB 1.8+, 2.x, 3.x: what planet-federator
    /// uses) or v1 (`/write`: database, retention policy, user and password; every 1.x).
    #[arg(long, value_enum, default_value = "v2", value_name = "API")]
    pub influxdb_write_api: WriteApi,

    /// InfluxDB token (v2). Prefer INFLUXDB_TOKEN or --influxdb-token-file: a flag's value is
    /// visible to every user in `ps`.
    #[arg(long, env = "INFLUXDB_TOKEN", hide_env_values = true, default_value = "", value_name = "TOKEN")]
    pub influxdb_token: Secret,

    /// File holding the InfluxDB token (trailing newline ignored).
    #[arg(long, value_name = "FILE")]
    pub influxdb_token_file: Option<PathBuf>,

    /// InfluxDB organization (v2).
    #[arg(long, env = "INFLUXDB_ORG", default_value = "mothership", value_name = "ORG")]
    pub influxdb_org: String,

    /// InfluxDB bucket (v2).
    #[arg(long, default_value = "mothership", value_name = "BUCKET")]
    pub influxdb_bucket: String,

    /// Database (v1).
    #[arg(long, env = "INFLUXDB_DATABASE", default_value = "mothership", value_name = "NAME")]
    pub influxdb_database: String,

    /// Retention policy (v1; default: the database's default one).
    #[arg(long, env = "INFLUXDB_RETENTION_POLICY", default_value = "", value_name = "NAME")]
    pub influxdb_retention_policy: String,

    /// User (v1, HTTP Basic auth); the password comes from INFLUXDB_PASSWORD or
    /// --influxdb-password-file, never from a flag.
    #[arg(long, env = "INFLUXDB_USERNAME", default_value = "", value_name = "USER")]
    pub influxdb_username: String,

    /// File holding the InfluxDB password (v1).
    #[arg(long, value_name = "FILE")]
    pub influxdb_password_file: Option<PathBuf>,

    /// Points per write request.
    #[arg(long, default_value_t = 20, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub influxdb_batch_size: u64,

    /// Most points kept for a later attempt while InfluxDB refuses writes; beyond it the
    /// oldest are dropped, with an error that says how many.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    pub max_pending_points: usize,

    /// Retries of a transient failure (refused connection, timeout, 429, 5xx) of one request.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub retries: usize,

    /// First retry delay (doubles each retry, up to 30 s).
    #[arg(long, default_value = "1s", value_name = "DURATION")]
    pub retry_delay: Duration,

    /// One tick, now (plus the time offset), then exit; non-zero if its points are not all written.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub once: bool,

    /// Every tick of the schedule from this time (RFC3339, inclusive; before the time offset)...
    #[arg(long, value_name = "RFC3339", requires = "to")]
    pub from: Option<Timestamp>,

    /// ...to this one (exclusive), then exit.
    #[arg(long, value_name = "RFC3339", requires = "from")]
    pub to: Option<Timestamp>,
}

/// Ticks of one `--from/--to` run at most (a year of 30-second ticks).
const MAX_RANGE_TICKS: usize = 1_100_000;

fn std_duration(d: Duration, flag: &str) -> Result<std::time::Duration> {
    u64::try_from(d.0).map(std::time::Duration::from_nanos).map_err(|_| anyhow::anyhow!("{flag} must not be negative"))
}

fn read_secret_file(path: &std::path::Path, what: &str) -> Result<Secret> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the {what} file {}", path.display()))?;
    Ok(Secret::new(text.trim_end_matches(['\n', '\r'])))
}

fn writer_config(args: &FederateArgs) -> Result<WriterConfig> {
    let token = match &args.influxdb_token_file {
        Some(path) => read_secret_file(path, "InfluxDB token")?,
        None => args.influxdb_token.clone(),
    };
    let password = match &args.influxdb_password_file {
        Some(path) => read_secret_file(path, "InfluxDB password")?,
        None => Secret::new(std::env::var("INFLUXDB_PASSWORD").unwrap_or_default()),
    };
    Ok(WriterConfig {
        url: args.influxdb_addr.trim_end_matches('/').to_string(),
        api: args.influxdb_write_api,
        token,
        org: args.influxdb_org.clone(),
        bucket: args.influxdb_bucket.clone(),
        database: args.influxdb_database.clone(),
        retention_policy: args.influxdb_retention_policy.clone(),
        username: args.influxdb_username.clone(),
        password,
        batch_size: usize::try_from(args.influxdb_batch_size).unwrap_or(usize::MAX),
        retries: args.retries,
        retry_delay: std_duration(args.retry_delay, "--retry-delay")?,
        timeout: std::time::Duration::from_secs(args.cron_job_timeout_second.max(1)),
        max_pending_points: args.max_pending_points,
    })
}

fn prometheus(args: &FederateArgs) -> Result<PrometheusSource> {
    let url = args.prometheus_addr.trim_end_matches('/').to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("--prometheus-addr {url:?} must start with http:// or https://");
    }
    PrometheusSource::new(PrometheusConfig {
        url,
        auth: PrometheusAuth::None,
        slice: Duration(3_600_000_000_000),
        request_timeout: std::time::Duration::from_secs(args.prometheus_timeout_second.max(1)),
        retries: args.retries,
        retry_delay: std_duration(args.retry_delay, "--retry-delay")?,
        // federate reads the raw samples of one tick; the core evaluates them.
        fetch: PrometheusFetch::Raw,
        // One tick is one request (fetch_samples); nothing to run side by side.
        concurrency: 1,
    })
}

/// What one tick needs.
struct Federation {
    profile: Profile,
    metrics: Vec<String>,
    prometheus: PrometheusSource,
    writer: Writer,
    timeout: std::time::Duration,
}

impl Federation {
    /// The points of `tick`: the samples of `[tick - lookback, tick - offset]` from Prometheus,
    /// evaluated by the core, as line-protocol lines.
    async fn points(&self, tick: Timestamp) -> Result<Vec<String>> {
        let offset = self.profile.metrics.as_ref().map_or(0, |m| m.offset.0);
        let from = Timestamp(tick.0.saturating_sub(lookback(&self.profile).0));
        let to = Timestamp(tick.0.saturating_sub(offset));
        let answers = self.prometheus.fetch_samples(&self.metrics, from, to).await?;
        let mut federator = Federator::new(self.profile.clone(), tick)?;
        for answer in &answers {
            federator.begin_input("prometheus answer");
            federator.push(answer)?;
        }
        let points = federator.finish()?;
        Ok(points.lines.lines().map(str::to_string).collect())
    }

    /// One tick: its points computed and written (with the points earlier ticks could not
    /// write); a line in the log. Errors when the points could not be computed.
    async fn tick(&mut self, tick: Timestamp) -> Result<()> {
        let started = std::time::Instant::now();
        let lines = match tokio::time::timeout(self.timeout, self.points(tick)).await {
            Ok(result) => result.with_context(|| format!("tick {tick}"))?,
            Err(_) => bail!("tick {tick}: reading Prometheus took longer than --cron-job-timeout-second"),
        };
        let points = lines.len();
        let summary = match tokio::time::timeout(self.timeout, self.writer.write(lines)).await {
            Ok(summary) => summary,
            Err(_) => {
                tracing::error!(%tick, "writing to InfluxDB took longer than --cron-job-timeout-second; unwritten points are kept");
                Default::default()
            }
        };
        tracing::info!(
            %tick,
            points,
            written = summary.written,
            pending = self.writer.pending(),
            refused = summary.refused,
            dropped = summary.dropped,
            seconds = format!("{:.3}", started.elapsed().as_secs_f64()),
            "federated"
        );
        Ok(())
    }

    /// Last chance for the pending points: at the end of `--once` or a range (with the
    /// retries), or on a stop signal (one attempt per batch, within --cron-job-timeout-second,
    /// so the process ends within the service manager's stop timeout). Errors when points are
    /// left, naming how many and their ticks; with `replay_offset` (the time offset, when the
    /// ticks were the schedule's: not for `--once`), the `--from/--to` command that writes them
    /// again.
    async fn flush(&mut self, replay_offset: Option<i64>) -> Result<()> {
        if self.writer.pending() > 0 {
            let before = self.writer.pending();
            match tokio::time::timeout(self.timeout, self.writer.write(Vec::new())).await {
                Ok(summary) => tracing::info!(
                    written = summary.written,
                    refused = summary.refused,
                    pending = self.writer.pending(),
                    "flushed the pending points"
                ),
                Err(_) => tracing::error!(
                    pending = before,
                    "writing the pending points took longer than --cron-job-timeout-second"
                ),
            }
        }
        let lost = self.writer.pending();
        match (lost_ticks(self.writer.pending_lines()), replay_offset) {
            _ if lost == 0 => Ok(()),
            (None, _) => bail!("{lost} point(s) could not be written to InfluxDB and are lost"),
            (Some((first, last)), None) => {
                bail!("{lost} point(s) could not be written to InfluxDB and are lost: the ticks stamped {first} to {last}")
            }
            (Some((first, last)), Some(offset)) => {
                // `--from/--to` take ticks before the time offset; `--to` is exclusive.
                let from = Timestamp(first.0.saturating_sub(offset));
                let to = Timestamp(last.0.saturating_sub(offset).saturating_add(1_000_000_000));
                bail!(
                    "{lost} point(s) could not be written to InfluxDB and are lost: the ticks stamped {first} to {last}; \
                     `planet-bq federate --from {from} --to {to}` with the same other flags writes them again"
                )
            }
        }
    }
}

/// The first and last timestamps of line-protocol points (the ticks they were stamped with).
fn lost_ticks<'a>(lines: impl Iterator<Item = &'a str>) -> Option<(Timestamp, Timestamp)> {
    lines
        .filter_map(|line| line.rsplit(' ').next().and_then(|t| t.parse::<i64>().ok()))
        .fold(None, |range, t| match range {
            None => Some((t, t)),
            Some((lo, hi)) => Some((lo.min(t), hi.max(t))),
        })
        .map(|(lo, hi)| (Timestamp(lo), Timestamp(hi)))
}

/// Resolves at the first SIGTERM (systemd's and Kubernetes' stop) or SIGINT, with its name. The
/// handlers are installed by this call, before the first tick, so an early signal is not the
/// default immediate exit.
fn stop_signal() -> Result<tokio::task::JoinHandle<&'static str>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
        let mut int = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
        Ok(tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            }
        }))
    }
    #[cfg(not(unix))]
    {
        Ok(tokio::spawn(async {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }))
    }
}

/// The ticks of a 6-field cron expression, seconds first (robfig/cron with seconds, as
/// planet-federator reads it), in UTC.
fn schedule(expression: &str) -> Result<JobSchedule> {
    let fields = expression.split_whitespace().count();
    if fields != 6 {
        bail!(
            "invalid --cron-job-schedule {expression:?}: expected 6 fields (seconds minutes hours day-of-month month day-of-week), found {fields}"
        );
    }
    let cron =
        cron::Schedule::from_str(expression).with_context(|| format!("invalid --cron-job-schedule {expression:?}"))?;
    // The job only names the schedule in the scheduler's messages, which federate does not use.
    Ok(JobSchedule { job: crate::job::Job::Traffic, cron, offset: Duration(0) })
}

/// Installs the log subscriber of `federate`.
fn init_logging(args: &FederateArgs) -> Result<()> {
    args.log.init()
}

/// `planet-bq federate`.
pub async fn federate(args: FederateArgs) -> Result<()> {
    init_logging(&args)?;
    let schedule = schedule(&args.cron_job_schedule)?;
    let profile = Profile::planet_exporter();
    let metrics: Vec<String> = {
        let mut names: Vec<String> =
            profile.metrics.iter().flat_map(|m| m.stages.iter().map(|s| s.metric.clone())).collect();
        names.sort_unstable();
        names.dedup();
        names
    };
    let mut federation = Federation {
        metrics,
        prometheus: prometheus(&args)?,
        writer: Writer::new(writer_config(&args)?)?,
        timeout: std::time::Duration::from_secs(args.cron_job_timeout_second.max(1)),
        profile,
    };
    let offset = args.cron_job_time_offset.0;
    let shifted = |t: Timestamp| Timestamp(t.0.saturating_add(offset));
    if args.once {
        federation.tick(shifted(system_now())).await?;
        return federation.flush(None).await;
    }
    if let (Some(from), Some(to)) = (args.from, args.to) {
        let ticks = schedule.ticks_between(from, to, MAX_RANGE_TICKS);
        let mut failed = 0usize;
        for t in &ticks {
            if let Err(e) = federation.tick(shifted(*t)).await {
                failed += 1;
                tracing::error!(error = %format!("{e:#}"), "tick failed");
            }
        }
        federation.flush(Some(offset)).await?;
        if failed > 0 {
            bail!("{failed} of {} tick(s) failed", ticks.len());
        }
        return Ok(());
    }
    // On SIGTERM or SIGINT: a tick in flight ends (it is bounded by --cron-job-timeout-second),
    // no new tick starts, the pending points get one last attempt, and the exit status says
    // whether any is lost (0: none; 1: the error names them).
    let mut stop = stop_signal()?;
    tracing::info!(schedule = %args.cron_job_schedule, "planet-bq federate started");
    let clock = SystemClock;
    let mut after = clock.now();
    let signal = loop {
        let Some(next) = schedule.next_tick_after(after) else {
            bail!("the schedule {:?} has no next tick", args.cron_job_schedule);
        };
        tokio::select! {
            _ = clock.sleep_until(next) => {}
            signal = &mut stop => break signal.unwrap_or("stop signal"),
        }
        if let Err(e) = federation.tick(shifted(next)).await {
            tracing::error!(error = %format!("{e:#}"), "tick failed");
        }
        if stop.is_finished() {
            break (&mut stop).await.unwrap_or("stop signal");
        }
        after = next;
    };
    let pending = federation.writer.pending();
    tracing::info!(signal, pending, "stopping: no new tick; one last attempt at the pending points");
    federation.writer.stop_retrying();
    federation.flush(Some(offset)).await?;
    tracing::info!("stopped: every point was written");
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;
    use std::ffi::OsString;

    fn parse(args: &[&str]) -> super::FederateArgs {
        let args = crate::args::normalize(args.iter().map(OsString::from));
        match Cli::parse_from(args).command {
            Command::Federate(a) => a,
            _ => panic!("federate expected"),
        }
    }

    #[test]
    fn the_lost_ticks_are_the_first_and_last_timestamps_of_the_pending_points() {
        let lines = [
            "egress,service=a bandwidth_bps=2000 1795182300000000000",
            "upstream,service=a service_dependency=1i 1795182270000000000",
            "egress,service=b bandwidth_bps=3000 1795182330000000000",
        ];
        let (first, last) = super::lost_ticks(lines.into_iter()).expect("three timestamps");
        assert_eq!(first.to_string(), "2026-11-20T13:44:30Z");
        assert_eq!(last.to_string(), "2026-11-20T13:45:30Z");
        assert_eq!(super::lost_ticks(std::iter::empty()), None);
    }

    #[test]
    fn the_defaults_are_planet_federators() {
        let a = parse(&["planet-bq", "federate"]);
        assert_eq!(a.cron_job_schedule, "*/30 * * * * *");
        assert_eq!(a.cron_job_timeout_second, 30);
        assert_eq!(a.cron_job_time_offset.0, 0);
        assert_eq!(a.influxdb_addr, "http://127.0.0.1:8086");
        assert_eq!((a.influxdb_org.as_str(), a.influxdb_bucket.as_str()), ("mothership", "mothership"));
        assert_eq!(a.influxdb_batch_size, 20);
        assert_eq!(a.prometheus_addr, "http://127.0.0.1:9090/");
        assert_eq!(a.log.log_level, "info");
    }

    #[test]
    fn the_go_units_single_dash_flags_are_read() {
        let a = parse(&[
            "planet-bq",
            "federate",
            "-cron-job-schedule",
            "*/10 * * * * *",
            "-cron-job-time-offset",
            "-1h5m",
            "-influxdb-addr=http://db:8086",
            "-influxdb-batch-size",
            "50",
            "-log-disable-timestamp",
            "-prometheus-addr",
            "http://prom:9090/",
        ]);
        assert_eq!(a.cron_job_schedule, "*/10 * * * * *");
        assert_eq!(a.cron_job_time_offset.0, -(3600 + 300) * 1_000_000_000);
        assert_eq!(a.influxdb_addr, "http://db:8086");
        assert_eq!(a.influxdb_batch_size, 50);
        assert!(a.log.log_disable_timestamp);
        assert_eq!(a.prometheus_addr, "http://prom:9090/");
    }
}
