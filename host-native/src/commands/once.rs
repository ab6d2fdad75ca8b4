//! `planet-bq once`: the window of one tick, now or `--at`.

use super::setup::pipeline;
use crate::cli::OnceArgs;
use crate::job::window_end;
use crate::metrics::Metrics;
use crate::schedule::system_now;
use anyhow::{bail, Result};

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
