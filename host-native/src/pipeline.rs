//! One window of one job: read the source, analyse, write to the sink, record — with a
//! timeout, state and metrics. Generic over the [`Source`] and the [`Sink`].

use crate::engine::Engine;
use crate::job::{Job, JobWindow, WindowLengths};
use crate::metrics::Metrics;
use crate::schedule::{system_now, Runner};
use crate::sink::{Rows, Sink, WriteReport};
use crate::source::Source;
use crate::state::{Incomplete, StateStore};
use anyhow::{anyhow, Context, Result};
use planet_core::{Options, Profile};
use std::time::Instant;

/// What one window run did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WindowReport {
    /// Rows computed from InfluxDB's answers.
    pub rows: u64,
    /// What the sink did.
    pub write: WriteReport,
    /// Queries sent.
    pub queries: u64,
    /// Bytes of answers.
    pub bytes: u64,
    /// Seconds waiting for InfluxDB (the whole fetch minus the engine's share).
    pub influx_seconds: f64,
    /// Seconds in the engine: parsing and aggregating answers as they stream in, then
    /// building the rows.
    pub core_seconds: f64,
    /// Seconds writing.
    pub sink_seconds: f64,
    /// Seconds in all.
    pub seconds: f64,
}

/// The pipeline of one source, one engine and one sink.
#[derive(Debug)]
pub struct Pipeline<S, K> {
    /// Where measurements come from.
    pub source: S,
    /// Where rows go.
    pub sink: K,
    /// Where the analysis runs.
    pub engine: Engine,
    /// Schema profile.
    pub profile: Profile,
    /// The inventory of `--inventory`, read when the command started.
    pub inventory: Option<planet_core::Inventory>,
    /// `run`: read the inventory again before each window.
    pub inventory_reload: Option<crate::inventory::Reload>,
    /// Window lengths.
    pub lengths: WindowLengths,
    /// Per-window timeout (`--cron-job-timeout-second`).
    pub timeout: std::time::Duration,
    /// Metrics.
    pub metrics: Metrics,
    /// The state file; None for a dry run, which records nothing.
    pub state: Option<StateStore>,
}

impl<S: Source, K: Sink> Pipeline<S, K> {
    /// The options of the analysis of a window: explicit bounds, strict (any error in an
    /// answer fails the window rather than being skipped).
    fn options(&self, window: &JobWindow) -> Options {
        Options {
            at: Some(window.end),
            traffic_window: self.lengths.traffic,
            dependency_window: self.lengths.dependency,
            // What the source's answers are.
            format: self.source.format(),
            precision: self.source.precision(),
            strict: true,
            profile: self.profile.clone(),
            inventory: self.inventory.clone(),
            // The service writes the reference tables: no what-if filter applies.
            what_if: Default::default(),
            ..Options::default()
        }
    }

    async fn work(&self, window: &JobWindow) -> Result<WindowReport> {
        let started = Instant::now();
        let options = self.options(window);
        let fetched = self.source.fetch(window, &self.engine, &options).await?;
        let influx_seconds = (started.elapsed().as_secs_f64() - fetched.parse_seconds).max(0.0);
        let parse_seconds = fetched.parse_seconds;
        let core_started = Instant::now();
        let tables = fetched.session.finish_tables().context("analysing the answers")?;
        let rows = match window.job {
            Job::Traffic => Rows::Traffic(tables.traffic),
            Job::Dependency => Rows::Dependency(tables.dependency),
        };
        let core_seconds = parse_seconds + core_started.elapsed().as_secs_f64();
        let sink_started = Instant::now();
        let write = if rows.is_empty() {
            WriteReport::default()
        } else {
            self.sink
                .write(window, &rows)
                .await
                .with_context(|| format!("writing to {}", self.sink.describe(window.job)))?
        };
        Ok(WindowReport {
            rows: rows.len() as u64,
            write,
            queries: fetched.queries,
            bytes: fetched.bytes,
            influx_seconds,
            core_seconds,
            sink_seconds: sink_started.elapsed().as_secs_f64(),
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Runs one window to completion or failure, within the timeout, and records the outcome.
    pub async fn run_window(&mut self, window: JobWindow) -> Result<WindowReport> {
        let started = Instant::now();
        let started_at = system_now();
        if let Some(reload) = &self.inventory_reload {
            reload.refresh(&mut self.inventory).await;
        }
        if let Some(state) = &mut self.state {
            let previous = state.state().job(window.job).incomplete.get(&window.end).cloned();
            if let Some(p) = previous {
                tracing::warn!(
                    job = %window.job,
                    window_end = %window.end,
                    earlier_attempt = %p.started_at,
                    earlier_error = p.error.as_deref().unwrap_or("none recorded: the process was stopped or killed"),
                    "window left incomplete by an earlier attempt; completing it now (rows already written are not written again)"
                );
            }
            state.update(|s| {
                s.job_mut(window.job).incomplete.insert(window.end, Incomplete { started_at, error: None });
            })?;
        }
        let outcome = match tokio::time::timeout(self.timeout, self.work(&window)).await {
            Ok(result) => result,
            Err(_) => Err(anyhow!(
                "the {} job did not finish within {} s (--cron-job-timeout-second); the window is incomplete and will be completed by the next run",
                window.job,
                self.timeout.as_secs()
            )),
        };
        let seconds = started.elapsed().as_secs_f64();
        match outcome {
            Ok(report) => {
                let now = system_now();
                if let Some(state) = &mut self.state {
                    state.update(|s| {
                        let j = s.job_mut(window.job);
                        j.incomplete.remove(&window.end);
                        if j.last_completed.is_none_or(|l| window.end > l) {
                            j.last_completed = Some(window.end);
                        }
                        j.last_completed_at = Some(now);
                    })?;
                }
                self.metrics.success(
                    window.job,
                    window.end.0 as f64 / 1e9,
                    now.0 as f64 / 1e9,
                    seconds,
                    report.rows,
                    report.write.written,
                );
                if report.rows == 0 {
                    tracing::info!(
                        job = %window.job,
                        window_start = %window.start,
                        window_end = %window.end,
                        queries = report.queries,
                        duration_seconds = seconds,
                        "window is empty: InfluxDB holds no matching point in it; nothing written"
                    );
                } else {
                    tracing::info!(
                        job = %window.job,
                        window_start = %window.start,
                        window_end = %window.end,
                        rows_read = report.rows,
                        rows_written = report.write.written,
                        rows_already_present = report.write.already_present,
                        queries = report.queries,
                        bytes_read = report.bytes,
                        influx_seconds = report.influx_seconds,
                        core_seconds = report.core_seconds,
                        sink_seconds = report.sink_seconds,
                        duration_seconds = seconds,
                        "window done"
                    );
                }
                Ok(report)
            }
            Err(e) => {
                let message = format!("{e:#}");
                if let Some(state) = &mut self.state {
                    let recorded = state.update(|s| {
                        if let Some(i) = s.job_mut(window.job).incomplete.get_mut(&window.end) {
                            i.error = Some(message.clone());
                        }
                    });
                    if let Err(se) = recorded {
                        tracing::error!(error = %format!("{se:#}"), "could not record the failure in the state file");
                    }
                }
                self.metrics.failure(window.job, seconds);
                tracing::error!(
                    job = %window.job,
                    window_start = %window.start,
                    window_end = %window.end,
                    duration_seconds = seconds,
                    error = %message,
                    "window failed"
                );
                Err(e.context(format!("{window} failed")))
            }
        }
    }
}

impl<S: Source, K: Sink> Runner for Pipeline<S, K> {
    async fn run(&mut self, window: JobWindow) -> Result<()> {
        self.run_window(window).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Session;
    use crate::finding::Finding;
    use crate::source::Fetched;
    use planet_core::{Format, Precision};
    use std::sync::Mutex;

    /// Answers every window with one fixed /query answer.
    struct FakeSource(&'static str);

    #[async_trait::async_trait]
    impl Source for FakeSource {
        fn format(&self) -> Format {
            Format::Json
        }

        fn precision(&self) -> Precision {
            Precision::Ns
        }

        async fn fetch(&self, _window: &JobWindow, engine: &Engine, options: &Options) -> Result<Fetched> {
            let mut session = Session::mergeable(engine, options.clone());
            session.begin_input("fake")?;
            session.push(self.0.as_bytes())?;
            session.end_input()?;
            Ok(Fetched { session, queries: 1, bytes: self.0.len() as u64, retries: 0, parse_seconds: 0.0 })
        }

        async fn check(&self, _profile: &Profile) -> Vec<Finding> {
            Vec::new()
        }
    }

    /// Fails the first `fail` writes, then keeps rows.
    #[derive(Default)]
    struct FakeSink {
        fail: Mutex<u32>,
        written: Mutex<Vec<String>>,
    }

    #[async_trait::async_trait]
    impl Sink for &FakeSink {
        async fn write(&self, _window: &JobWindow, rows: &Rows) -> Result<WriteReport> {
            {
                let mut fail = self.fail.lock().expect("lock");
                if *fail > 0 {
                    *fail -= 1;
                    anyhow::bail!("sink down");
                }
            }
            self.written.lock().expect("lock").push(rows.to_ndjson());
            Ok(WriteReport { written: rows.len() as u64, already_present: 0 })
        }

        fn describe(&self, _job: Job) -> String {
            "fake".into()
        }

        async fn check(&self) -> Vec<Finding> {
            Vec::new()
        }
    }

    const ANSWER: &str = r#"{"results":[{"statement_id":0,"series":[{"name":"ingress","tags":{"service":"api","address":"","remote_service":"web","remote_address":""},"columns":["time","min","max","sum","count"],"values":[[0,1.5,9.5,22,4]]}]}]}"#;

    /// A pipeline over the native engine with default windows, answering every query with `answer`.
    fn pipeline<'a>(
        answer: &'static str,
        sink: &'a FakeSink,
        state: Option<StateStore>,
    ) -> Pipeline<FakeSource, &'a FakeSink> {
        Pipeline {
            source: FakeSource(answer),
            sink,
            engine: Engine::Native,
            profile: Profile::planet_federator(),
            inventory: None,
            inventory_reload: None,
            lengths: WindowLengths::default(),
            timeout: std::time::Duration::from_secs(60),
            metrics: Metrics::new(),
            state,
        }
    }

    #[tokio::test]
    async fn a_failed_write_leaves_the_window_incomplete_and_a_rerun_completes_it() {
        let dir = std::env::temp_dir().join(format!("planet-bq-pipeline-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let sink = FakeSink { fail: Mutex::new(1), ..FakeSink::default() };
        let state = StateStore::open(&dir.join("state.json")).expect("state");
        let mut pipeline = pipeline(ANSWER, &sink, Some(state));
        let window = WindowLengths::default().window(Job::Traffic, "2026-11-22T13:00:00Z".parse().expect("valid"));
        let err = pipeline.run_window(window).await.expect_err("sink fails");
        assert!(format!("{err:#}").contains("sink down"), "{err:#}");
        let job = pipeline.state.as_ref().expect("state").state().job(Job::Traffic);
        assert_eq!(job.last_completed, None);
        assert_eq!(job.incomplete[&window.end].error.as_deref(), Some("writing to fake: sink down"));

        let report = pipeline.run_window(window).await.expect("second run works");
        assert_eq!(report.rows, 1);
        let job = pipeline.state.as_ref().expect("state").state().job(Job::Traffic);
        assert_eq!(job.last_completed, Some(window.end));
        assert!(job.incomplete.is_empty());
        let written = sink.written.lock().expect("lock");
        assert_eq!(written.len(), 1);
        assert!(written[0].contains("\"traffic_bandwidth_bits_avg_1h\":5"), "mean is sum/count: {}", written[0]);
        assert!(pipeline.metrics.encode().contains("planet_bq_job_failures_total{job=\"traffic\"} 1"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_statement_error_inside_a_200_fails_the_window() {
        let sink = FakeSink::default();
        let answer = r#"{"results":[{"statement_id":0,"error":"database not found: mothership"}]}"#;
        let mut pipeline = pipeline(answer, &sink, None);
        let window = WindowLengths::default().window(Job::Traffic, "2026-11-22T13:00:00Z".parse().expect("valid"));
        let err = pipeline.run_window(window).await.expect_err("fails");
        assert!(format!("{err:#}").contains("database not found"), "{err:#}");
        assert!(sink.written.lock().expect("lock").is_empty());
    }
}
