//! Push-down: Prometheus evaluates each of the job's stages (its PromQL built from the profile
//! by `planet_core::pushdown`) with `/api/v1/query_range` from the window's first tick to its
//! last, less the evaluation offset, with the tick as step; the core turns each answer into
//! the planet-federator points it stands for, which the profile's rules aggregate as they
//! aggregate planet-federator's points in InfluxDB. A window's ticks are asked in runs of
//! `--prometheus-query-slice` (at most 10,000 ticks: Prometheus answers at most 11,000 points
//! per series).

use super::{seconds_text, PrometheusSource};
use crate::engine::{Engine, Session};
use crate::http::{describe, RequestError};
use crate::job::{Job, JobWindow};
use crate::source::Fetched;
use anyhow::{Context, Result};
use planet_core::profile::StageTable;
use planet_core::pushdown::{federator_points, queries, rules_only, tick_runs};
use planet_core::{Format, Options, Precision};
use std::time::Instant;

/// Ticks of one `query_range` at most.
const MAX_TICKS: i64 = 10_000;

const NS_PER_MS: i64 = 1_000_000;

impl PrometheusSource {
    /// The job's stages evaluated by Prometheus over the window, as planet-federator points.
    pub(super) async fn fetch_pushdown(
        &self,
        window: &JobWindow,
        engine: &Engine,
        options: &Options,
    ) -> Result<Fetched> {
        let (spec, _) = super::prometheus_metrics(&options.profile)?;
        let stages = queries(&options.profile)?;
        let table = match window.job {
            Job::Traffic => StageTable::Traffic,
            Job::Dependency => StageTable::Dependency,
        };
        // The answers become `/query` JSON of planet-federator's points, for the rules alone.
        let rules = Options {
            profile: rules_only(&options.profile),
            format: Format::Json,
            precision: Precision::Ns,
            ..options.clone()
        };
        let mut session = Session::mergeable(engine, rules);
        let tick_ms = spec.tick.0 / NS_PER_MS;
        let offset_ms = spec.offset.0 / NS_PER_MS;
        let max_ticks = (self.config.slice.0 / spec.tick.0.max(1)).clamp(1, MAX_TICKS);
        let runs = tick_runs(spec, window.start, window.end, max_ticks);
        let (mut queries_sent, mut bytes, mut retries, mut parse_seconds) = (0u64, 0u64, 0u64, 0f64);
        for stage in stages.iter().filter(|s| s.table == table) {
            for &(first, last) in &runs {
                let params = [
                    ("query", stage.promql.clone()),
                    ("start", seconds_text(first.0 / NS_PER_MS - offset_ms)),
                    ("end", seconds_text(last.0 / NS_PER_MS - offset_ms)),
                    ("step", seconds_text(tick_ms)),
                ];
                let attempt = || async { self.range_answer(&params).await };
                let body = self.config.retry().run_counted("Prometheus query", &mut retries, attempt).await?;
                queries_sent += 1;
                bytes += body.len() as u64;
                let started = Instant::now();
                let (points, _) = federator_points(&options.profile, stage.stage, &body, window.start, window.end)
                    .with_context(|| format!("{}: query_range of {} from {}", self.where_(), stage.promql, first))?;
                session.begin_input("prometheus query_range answer")?;
                session.push(points.as_bytes())?;
                session.end_input()?;
                parse_seconds += started.elapsed().as_secs_f64();
            }
        }
        Ok(Fetched { session, queries: queries_sent, bytes, retries, parse_seconds })
    }

    /// One `query_range` answer, whole; no retry here.
    async fn range_answer(&self, params: &[(&str, String)]) -> Result<Vec<u8>, RequestError> {
        let response = self.api("/api/v1/query_range", params).await?;
        let body = response.bytes().await.map_err(|e| RequestError {
            transient: true,
            message: format!("{}: the answer was cut short: {}", self.where_(), describe(&e)),
        })?;
        Ok(body.to_vec())
    }
}
