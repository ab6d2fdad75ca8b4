//! `planet-bq run`: the scheduler, until a signal.

use super::setup::{pipeline, schedule};
use crate::cli::{LiveArgs, RunArgs};
use crate::job::Job;
use crate::metrics::Metrics;
use crate::schedule::{Scheduler, SystemClock};
use crate::sink::Sink;
use anyhow::Result;
use tokio::sync::watch;

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
    if args.inventory.inventory.is_some() {
        let retry = crate::http::Retry { retries: args.retries, delay: args.retry_delay_std()? };
        pipeline.inventory_reload = Some(crate::inventory::Reload { args: args.inventory.clone(), retry });
    }
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
        crate::temp_files::remove_all_and_exit(130);
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

/// Resolves at SIGINT or SIGTERM.
pub(crate) async fn wait_for_signal() {
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
