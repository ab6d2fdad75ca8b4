//! `planet-bq run | once | backfill | init | check`: the live pipeline's commands.

use crate::bigquery::{BigQuery, BigQueryConfig};
use crate::cli::{BackfillArgs, LiveArgs, OnceArgs, RunArgs};
use crate::live::engine::{Engine, NativeEngine, WasmEngine};
use crate::live::metrics::Metrics;
use crate::live::pipeline::Pipeline;
use crate::live::schedule::{system_now, JobSchedule, Scheduler, SystemClock};
use crate::live::sink::{DryRunSink, LocalSink, Rows, Sink, WriteReport};
use crate::live::source::{InfluxAuth, InfluxConfig, InfluxSource};
use crate::live::state::{self, Backfill, StateStore};
use crate::live::{window_end, Job, JobWindow, WindowLengths};
use crate::secret::Secret;
use anyhow::{anyhow, bail, Context, Result};
use planet_core::{Profile, Timestamp};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::watch;

/// Where rows go, chosen by the flags.
#[derive(Debug)]
pub enum AnySink {
    /// BigQuery (or its emulator).
    BigQuery(Box<BigQuery>),
    /// NDJSON files.
    Local(LocalSink),
    /// Nowhere.
    DryRun(DryRunSink),
}

impl Sink for AnySink {
    async fn write(&self, window: &JobWindow, rows: &Rows) -> Result<WriteReport> {
        match self {
            AnySink::BigQuery(s) => s.write(window, rows).await,
            AnySink::Local(s) => s.write(window, rows).await,
            AnySink::DryRun(s) => s.write(window, rows).await,
        }
    }

    fn describe(&self, job: Job) -> String {
        match self {
            AnySink::BigQuery(s) => s.describe(job),
            AnySink::Local(s) => s.describe(job),
            AnySink::DryRun(s) => s.describe(job),
        }
    }
}

fn read_secret_file(path: &Path, what: &str) -> Result<Secret> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the {what} file {}", path.display()))?;
    Ok(Secret::new(text.trim_end_matches(['\n', '\r'])))
}

fn duration_std(d: planet_core::Duration, flag: &str) -> Result<std::time::Duration> {
    u64::try_from(d.0).map(std::time::Duration::from_nanos).map_err(|_| anyhow!("{flag} must not be negative"))
}

/// The InfluxDB source of the flags.
pub fn influx_config(args: &LiveArgs) -> Result<InfluxConfig> {
    let mut password = args.influxdb_password.clone();
    if let Some(path) = &args.influxdb_password_file {
        password = read_secret_file(path, "InfluxDB password")?;
    }
    let mut token = args.influxdb_token.clone();
    if let Some(path) = &args.influxdb_token_file {
        token = read_secret_file(path, "InfluxDB token")?;
    }
    let auth = if !token.is_empty() {
        InfluxAuth::Token(token)
    } else if !args.influxdb_username.is_empty() || !password.is_empty() {
        InfluxAuth::Basic { username: args.influxdb_username.clone(), password }
    } else {
        InfluxAuth::None
    };
    let url = args.influxdb_addr.trim_end_matches('/').to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("--influxdb-addr {url:?} must start with http:// or https://");
    }
    Ok(InfluxConfig {
        url,
        database: args.influxdb_database.clone(),
        retention_policy: args.influxdb_retention_policy.clone(),
        auth,
        mode: args.influxdb_query_mode,
        slice: Some(args.influxdb_query_slice).filter(|s| s.0 > 0),
        request_timeout: std::time::Duration::from_secs(args.influxdb_timeout_second.max(1)),
        retries: args.retries,
        retry_delay: duration_std(args.retry_delay, "--retry-delay")?,
        chunk_size: args.influxdb_chunk_size.max(1),
        extra_roots: match &args.influxdb_ca_cert {
            Some(path) => read_ca_certificates(path)?,
            None => Vec::new(),
        },
    })
}

/// The certificates of a PEM file of certificate authorities (`--influxdb-ca-cert`).
fn read_ca_certificates(path: &Path) -> Result<Vec<reqwest::Certificate>> {
    let pem = std::fs::read(path).with_context(|| format!("reading --influxdb-ca-cert {}", path.display()))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem)
        .with_context(|| format!("--influxdb-ca-cert {}: not a PEM file of certificates", path.display()))?;
    if certificates.is_empty() {
        bail!("--influxdb-ca-cert {}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it", path.display());
    }
    Ok(certificates)
}

/// The BigQuery settings of the flags, when a project is given.
pub fn bigquery_config(args: &LiveArgs) -> Result<Option<BigQueryConfig>> {
    let Some(project) = args.bq_project_id.clone().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let Some(dataset) = args.bq_dataset_id.clone().filter(|d| !d.is_empty()) else {
        bail!("--bq-dataset-id is required with --bq-project-id");
    };
    let endpoint = args.bq_endpoint.as_deref().filter(|e| !e.is_empty()).map(|e| {
        if e.contains("://") {
            e.trim_end_matches('/').to_string()
        } else {
            // BIGQUERY_EMULATOR_HOST is host:port.
            format!("http://{}", e.trim_end_matches('/'))
        }
    });
    Ok(Some(BigQueryConfig {
        project,
        dataset,
        traffic_table: args.bq_traffic_table_id.clone(),
        dependency_table: args.bq_dependency_table_id.clone(),
        endpoint,
        location: args.bq_location.clone(),
        batch_rows: args.bq_insert_batch_rows.clamp(1, 50_000),
        batch_bytes: 5 << 20,
        retries: args.retries,
        retry_delay: duration_std(args.retry_delay, "--retry-delay")?,
    }))
}

fn profile(args: &LiveArgs) -> Result<Profile> {
    if Path::new(&args.profile).is_file() {
        let text =
            std::fs::read_to_string(&args.profile).with_context(|| format!("reading profile {}", args.profile))?;
        Ok(Profile::from_json(&text).with_context(|| format!("in profile {}", args.profile))?)
    } else {
        Ok(Profile::by_name(&args.profile)?)
    }
}

async fn sink(args: &LiveArgs) -> Result<AnySink> {
    if args.dry_run {
        return Ok(AnySink::DryRun(DryRunSink));
    }
    match (bigquery_config(args)?, &args.out) {
        (Some(_), Some(_)) => bail!("give either --bq-project-id (BigQuery) or --out DIR (local files), not both"),
        (Some(config), None) => Ok(AnySink::BigQuery(Box::new(BigQuery::connect(config).await?))),
        (None, Some(dir)) => Ok(AnySink::Local(LocalSink { dir: dir.clone() })),
        (None, None) => bail!(
            "no destination: give --bq-project-id and --bq-dataset-id (BigQuery), --out DIR (local NDJSON files), or --dry-run"
        ),
    }
}

fn lengths(args: &LiveArgs) -> Result<WindowLengths> {
    if args.traffic_window.0 <= 0 || args.dependency_window.0 <= 0 {
        bail!("--traffic-window and --dependency-window must be positive");
    }
    Ok(WindowLengths { traffic: args.traffic_window, dependency: args.dependency_window })
}

fn schedule(args: &LiveArgs, job: Job) -> Result<JobSchedule> {
    let expression = match job {
        Job::Traffic => &args.cron_job_schedule_traffic,
        Job::Dependency => &args.cron_job_schedule_dependency,
    };
    JobSchedule::parse(job, expression, args.cron_job_time_offset)
}

async fn pipeline(args: &LiveArgs, metrics: Metrics) -> Result<Pipeline<InfluxSource, AnySink>> {
    let profile = profile(args)?;
    let lengths = lengths(args)?;
    for job in Job::ALL {
        schedule(args, job)?;
    }
    let source = InfluxSource::new(influx_config(args)?)?;
    let sink = sink(args).await?;
    let state = if args.dry_run {
        None
    } else {
        let path = args.state_file.clone().unwrap_or_else(state::default_path);
        Some(StateStore::open(&path)?)
    };
    let engine: Arc<dyn Engine> = match args.engine.load()? {
        crate::engine::Engine::Native => Arc::new(NativeEngine),
        wasm => Arc::new(WasmEngine::new(wasm)),
    };
    Ok(Pipeline {
        source,
        sink,
        engine,
        profile,
        lengths,
        timeout: std::time::Duration::from_secs(args.cron_job_timeout_second.max(1)),
        metrics,
        state,
    })
}

async fn start_metrics(args: &LiveArgs, metrics: &Metrics) -> Result<()> {
    if let Some(addr) = &args.metrics_listen {
        // `:9273` as Go programs write it.
        let addr = if addr.starts_with(':') { format!("0.0.0.0{addr}") } else { addr.clone() };
        let bound = metrics.serve(&addr).await?;
        tracing::info!(address = %bound, "serving Prometheus metrics at /metrics");
    }
    Ok(())
}

/// `planet-bq run`.
pub async fn run(args: RunArgs) -> Result<()> {
    let args = args.live;
    let metrics = Metrics::new();
    let mut pipeline = pipeline(&args, metrics.clone()).await?;
    start_metrics(&args, &metrics).await?;
    let scheduler = Scheduler {
        schedules: vec![schedule(&args, Job::Traffic)?, schedule(&args, Job::Dependency)?],
        lengths: pipeline.lengths,
        max_pending: args.catch_up_max_windows.max(1),
    };
    let last = pipeline.state.as_ref().map(|s| s.state().last_completed()).unwrap_or_default();
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!(
            "stopping: no new job starts; a running job finishes within its timeout (signal again to exit at once)"
        );
        let _ = tx.send(true);
        wait_for_signal().await;
        tracing::warn!(
            "second signal: exiting now; the running window stays incomplete and is completed by the next run"
        );
        std::process::exit(130);
    });
    tracing::info!(
        traffic = %args.cron_job_schedule_traffic,
        dependency = %args.cron_job_schedule_dependency,
        offset = %args.cron_job_time_offset,
        destination = %pipeline.sink.describe(Job::Traffic),
        "planet-bq started"
    );
    scheduler.run(&SystemClock, &mut pipeline, &last, rx).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `planet-bq once`.
pub async fn once(args: OnceArgs) -> Result<()> {
    let live = args.live;
    let mut pipeline = pipeline(&live, Metrics::new()).await?;
    let tick = args.at.unwrap_or_else(system_now);
    let end = window_end(tick, live.cron_job_time_offset);
    let mut failed = Vec::new();
    for job in args.job.jobs() {
        let window = pipeline.lengths.window(job, end);
        if let Err(e) = pipeline.run_window(window).await {
            failed.push(format!("{e:#}"));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        bail!("{}", failed.join("\n"))
    }
}

/// `planet-bq backfill`.
pub async fn backfill(args: BackfillArgs) -> Result<()> {
    let live = args.live;
    if args.from >= args.to {
        bail!("--from {} must be before --to {}", args.from, args.to);
    }
    let mut pipeline = pipeline(&live, Metrics::new()).await?;
    let mut windows: Vec<JobWindow> = Vec::new();
    for job in args.job.jobs() {
        let s = schedule(&live, job)?;
        let mut ends = s.window_ends_between(args.from, args.to);
        if let Some(state) = &pipeline.state {
            if let Some(b) = state.state().job(job).backfill {
                if !args.restart && b.from == args.from && b.to == args.to {
                    if let Some(done) = b.done_through {
                        let before = ends.len();
                        ends.retain(|e| *e > done);
                        tracing::info!(job = %job, skipped = before - ends.len(), done_through = %done, "resuming the backfill of this range (--restart to start over)");
                    }
                }
            }
        }
        windows.extend(ends.into_iter().map(|end| pipeline.lengths.window(job, end)));
    }
    windows.sort_by_key(|w| (w.end, w.job));
    if let Some(state) = &mut pipeline.state {
        state.update(|s| {
            for job in args.job.jobs() {
                let j = s.job_mut(job);
                let same = j.backfill.as_ref().is_some_and(|b| b.from == args.from && b.to == args.to);
                if !same || args.restart {
                    j.backfill = Some(Backfill { from: args.from, to: args.to, done_through: None });
                }
            }
        })?;
    }
    tracing::info!(windows = windows.len(), from = %args.from, to = %args.to, "backfill");
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(windows.len() as u64), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} windows, {elapsed} elapsed, about {eta} left {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let shown = !bar.is_hidden();
    if shown {
        crate::logging::set_progress_bar(Some(bar.clone()));
    }
    let mut result = Ok(());
    for window in windows {
        bar.set_message(window.to_string());
        match pipeline.run_window(window).await {
            Ok(_) => {
                if let Some(state) = &mut pipeline.state {
                    state.update(|s| {
                        if let Some(b) = s.job_mut(window.job).backfill.as_mut() {
                            b.done_through = Some(window.end);
                        }
                    })?;
                }
                bar.inc(1);
            }
            Err(e) => {
                result =
                    Err(e.context("backfill stopped at this window; run the same command again to resume from it"));
                break;
            }
        }
    }
    bar.finish_and_clear();
    crate::logging::set_progress_bar(None);
    result
}

/// `planet-bq init`.
pub async fn init(args: LiveArgs) -> Result<()> {
    let Some(config) = bigquery_config(&args)? else {
        bail!("init needs --bq-project-id and --bq-dataset-id");
    };
    let bq = BigQuery::connect(config).await?;
    let (problems, notes) = bq.init().await?;
    for n in &notes {
        println!("note: {n}");
    }
    for p in &problems {
        println!("problem: {p}");
    }
    if !problems.is_empty() {
        bail!("{} problem(s) with existing tables (left unchanged)", problems.len());
    }
    println!(
        "ok: dataset {} and tables {}, {} are ready",
        bq.config().dataset,
        bq.config().traffic_table,
        bq.config().dependency_table
    );
    Ok(())
}

/// `planet-bq check`.
pub async fn check(args: LiveArgs) -> Result<()> {
    let mut problems = Vec::new();
    let mut say = |ok: bool, text: String| {
        println!("{}: {text}", if ok { "ok" } else { "problem" });
        if !ok {
            problems.push(text);
        }
    };
    let profile = profile(&args)?;
    let source = InfluxSource::new(influx_config(&args)?)?;
    let url = source.config().url.clone();
    match source.ping().await {
        Ok(version) => {
            say(true, format!("InfluxDB at {url} answers (version {version})"));
            let db = source.config().database.clone();
            match source.query_json("SHOW MEASUREMENTS LIMIT 1").await {
                Err(e) => say(false, format!("database {db:?}: {e}")),
                Ok(_) => {
                    say(true, format!("database {db:?} is readable"));
                    let now = system_now();
                    let measurements: Vec<String> = profile
                        .traffic
                        .iter()
                        .map(|r| r.measurement.clone())
                        .chain(profile.dependency.iter().map(|r| r.measurement.clone()))
                        .collect();
                    for m in measurements {
                        let q = format!("SELECT * FROM \"{}\" ORDER BY time DESC LIMIT 1", m.replace('"', "\\\""));
                        match source.query_json(&q).await {
                            Err(e) => say(false, format!("measurement {m}: {e}")),
                            Ok(v) => match v.pointer("/results/0/series/0/values/0/0").and_then(|t| t.as_i64()) {
                                Some(t) => {
                                    let age = (now.0 - t) / 1_000_000_000;
                                    say(true, format!("measurement {m}: newest point {} ({age} s ago)", Timestamp(t)));
                                }
                                None => say(false, format!("measurement {m}: no point at all")),
                            },
                        }
                    }
                }
            }
        }
        Err(e) => say(false, format!("{e:#}")),
    }
    match bigquery_config(&args)? {
        Some(config) => match BigQuery::connect(config).await {
            Err(e) => say(false, format!("{e:#}")),
            Ok(bq) => match bq.check().await {
                Err(e) => say(false, format!("{e:#}")),
                Ok((p, notes)) => {
                    for n in notes {
                        println!("note: {n}");
                    }
                    if p.is_empty() {
                        say(
                            true,
                            format!(
                                "BigQuery dataset {}.{} and tables {}, {} have the expected schema",
                                bq.config().project,
                                bq.config().dataset,
                                bq.config().traffic_table,
                                bq.config().dependency_table
                            ),
                        );
                    }
                    for x in p {
                        say(false, x);
                    }
                }
            },
        },
        None => match &args.out {
            Some(dir) => {
                let probe = dir.join(".planet-bq-check");
                match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&probe, b"")) {
                    Ok(()) => {
                        let _ = std::fs::remove_file(&probe);
                        say(true, format!("output directory {} is writable", dir.display()));
                    }
                    Err(e) => say(false, format!("output directory {}: {e}", dir.display())),
                }
            }
            None => say(false, "no destination: give --bq-project-id and --bq-dataset-id, or --out DIR".to_string()),
        },
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("{} problem(s) found", problems.len())
    }
}
