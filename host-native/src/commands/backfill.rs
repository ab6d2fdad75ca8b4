//! `planet-bq backfill`: every window of a range, resumable.

use super::setup::{pipeline, schedule};
use crate::cli::BackfillArgs;
use crate::job::JobWindow;
use crate::metrics::Metrics;
use crate::state::Backfill;
use anyhow::{bail, Result};

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
