//! planet-federator's own output: the points it writes into InfluxDB for one tick, as line
//! protocol, computed from raw exporter samples by a profile's metric stages.
//!
//! planet-federator evaluates its three PromQL queries once per tick `t` at `t - 15s` and writes
//! every resulting group as a point stamped `t`. The stages of a profile (the built-in
//! `planet-exporter`) are those queries; here they are evaluated for the one tick asked for,
//! whatever grid a schedule or a time offset puts it on, and the points are rendered as that
//! tool's client writes them (see [`crate::exporter`] for the evaluation). Inputs are any
//! format the core reads: Prometheus HTTP API answers, remote_write exports, Telegraf.
//!
//! ```
//! use planet_core::{federate::Federator, Profile, Timestamp};
//! let tick: Timestamp = "2026-11-22T12:00:30Z".parse().unwrap();
//! let mut federator = Federator::new(Profile::planet_exporter(), tick).unwrap();
//! // A sample of an upstream series in the 15 s range that ends at `tick - 15s`.
//! federator.push(b"planet_upstream,local_hostgroup=api,local_address=api.consul,remote_address=db.consul,\
//! remote_hostgroup=db,port=5432,process_name=api,protocol=tcp value=1 1795348805000000000\n").unwrap();
//! let tick_points = federator.finish().unwrap();
//! assert_eq!(
//!     tick_points.lines,
//!     "upstream,service=api,address=api.consul,upstream_service=db,upstream_address=db.consul,\
//! upstream_port=5432,process_name=api,protocol=tcp service_dependency=1i 1795348830000000000\n"
//! );
//! ```

use crate::analyzer::Analyzer;
use crate::error::{Error, Result};
use crate::options::Options;
use crate::profile::Profile;
use crate::time::{Duration, Timestamp};

const NS_PER_MS: i64 = 1_000_000;

/// The points of one tick.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickPoints {
    /// Line protocol, one point per line, each ending with a newline, sorted.
    pub lines: String,
    /// How many points.
    pub points: usize,
    /// Input lines skipped as malformed.
    pub skipped_lines: u64,
}

/// How far before a tick its evaluation reads samples: the stages' offset plus their longest
/// range (planet-exporter: `15s + 30s`). A source fetches `[tick - lookback, tick - offset]`.
pub fn lookback(profile: &Profile) -> Duration {
    let Some(m) = &profile.metrics else { return Duration(0) };
    Duration(m.offset.0 + m.stages.iter().map(|s| s.range.0).max().unwrap_or(0))
}

/// One tick's evaluation, fed with inputs in chunks like an [`Analyzer`].
#[derive(Debug)]
pub struct Federator {
    analyzer: Analyzer,
    tick: Timestamp,
    /// The tick in whole ms (Prometheus's resolution), as an exclusive window end in ns + 1.
    end: Timestamp,
}

impl Federator {
    /// The evaluation of `profile`'s metric stages at `tick`; an error when the profile has none.
    pub fn new(profile: Profile, tick: Timestamp) -> Result<Federator> {
        let Some(metrics) = &profile.metrics else {
            return Err(Error::Profile(format!(
                "profile {:?} has no metric stages: federate needs one that reads exporter metrics (planet-exporter)",
                profile.name
            )));
        };
        let step_ms = (metrics.tick.0 / NS_PER_MS).max(1);
        let tick_ms = tick.0.div_euclid(NS_PER_MS);
        // A window of one ns right after the tick holds exactly that tick, for every stage.
        let end = Timestamp(tick_ms.saturating_mul(NS_PER_MS).saturating_add(1));
        let options = Options {
            profile,
            at: Some(end),
            traffic_window: Duration(1),
            dependency_window: Duration(1),
            ..Options::default()
        };
        let mut analyzer = Analyzer::new(options);
        if let Some(exporter) = analyzer.aggregator_mut().exporter_mut() {
            exporter.set_phase(tick_ms.rem_euclid(step_ms));
        }
        Ok(Federator { analyzer, tick, end })
    }

    /// Starts a new input (its name appears in errors).
    pub fn begin_input(&mut self, name: &str) {
        self.analyzer.begin_input(name);
    }

    /// Feeds a chunk of the current input (cut anywhere).
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.analyzer.push(chunk)
    }

    /// The tick's points.
    pub fn finish(mut self) -> Result<TickPoints> {
        self.analyzer.end_inputs()?;
        let mut lines: Vec<String> = Vec::new();
        if let Some(exporter) = self.analyzer.aggregator().exporter() {
            let mut line = String::new();
            exporter.emit(self.end, &mut |point, _| {
                line.clear();
                if point.write_line(self.tick.0, &mut line) {
                    lines.push(line.clone());
                }
            });
        }
        lines.sort_unstable();
        let skipped_lines = self.analyzer.skipped_lines();
        Ok(TickPoints { points: lines.len(), lines: lines.concat(), skipped_lines })
    }
}

/// The points of `tick` from whole inputs given as `(name, bytes)`.
pub fn federate<'a>(
    profile: &Profile,
    inputs: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    tick: Timestamp,
) -> Result<TickPoints> {
    let mut federator = Federator::new(profile.clone(), tick)?;
    for (name, bytes) in inputs {
        federator.begin_input(name);
        federator.push(bytes)?;
    }
    federator.finish()
}

#[cfg(test)]
mod tests;
