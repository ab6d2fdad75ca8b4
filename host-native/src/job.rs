//! The jobs of the live pipeline and their windows: the pipeline runs one window at a time.
//!
//! A job tick at time `t` processes the window ending at `end = floor_to_hour(t + offset)`:
//! traffic `[end - 1h, end)`, dependency `[end - 7d, end)`, `inventory_date = end`. Queries
//! carry both bounds, so a window gives the same rows whenever it runs (catch-up, backfill,
//! re-run), unlike the original whose queries ended at the server's `now()`.

use planet_core::time::HOUR;
use planet_core::{defaults, Duration, Timestamp};
use std::fmt;

/// The two jobs of the original tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Job {
    /// Hourly traffic between service pairs (`ingress`, `egress`).
    Traffic,
    /// Daily service dependencies (`upstream`, `downstream`).
    Dependency,
}

impl Job {
    /// Both jobs, in the order `all` runs them.
    pub const ALL: [Job; 2] = [Job::Traffic, Job::Dependency];

    /// The job's name in logs, metrics and the state file.
    pub fn name(self) -> &'static str {
        match self {
            Job::Traffic => "traffic",
            Job::Dependency => "dependency",
        }
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which jobs a command runs: one, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JobSelection {
    /// The traffic job.
    Traffic,
    /// The dependency job.
    Dependency,
    /// Both jobs.
    All,
}

impl JobSelection {
    /// The selected jobs in the order they run.
    pub fn jobs(self) -> Vec<Job> {
        match self {
            JobSelection::Traffic => vec![Job::Traffic],
            JobSelection::Dependency => vec![Job::Dependency],
            JobSelection::All => Job::ALL.to_vec(),
        }
    }
}

/// The window of one job run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobWindow {
    /// Which job.
    pub job: Job,
    /// Window start, inclusive.
    pub start: Timestamp,
    /// Window end, exclusive; also the rows' `inventory_date`.
    pub end: Timestamp,
}

impl fmt::Display for JobWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}, {})", self.job, self.start, self.end)
    }
}

/// Window lengths of the two jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowLengths {
    /// Traffic window, default [`defaults::TRAFFIC_WINDOW`].
    pub traffic: Duration,
    /// Dependency window, default [`defaults::DEPENDENCY_WINDOW`].
    pub dependency: Duration,
}

impl Default for WindowLengths {
    fn default() -> Self {
        WindowLengths { traffic: defaults::TRAFFIC_WINDOW, dependency: defaults::DEPENDENCY_WINDOW }
    }
}

impl WindowLengths {
    /// The window of `job` ending at `end`.
    pub fn window(&self, job: Job, end: Timestamp) -> JobWindow {
        let length = match job {
            Job::Traffic => self.traffic,
            Job::Dependency => self.dependency,
        };
        JobWindow { job, start: Timestamp(end.0.saturating_sub(length.0)), end }
    }
}

/// The window end for a tick: `floor_to_hour(tick + offset)`.
pub fn window_end(tick: Timestamp, offset: Duration) -> Timestamp {
    Timestamp(tick.0.saturating_add(offset.0).div_euclid(HOUR).saturating_mul(HOUR))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    #[test]
    fn window_end_is_the_hour_floor_of_tick_plus_offset() {
        assert_eq!(window_end(ts("2026-11-22T13:00:30Z"), Duration(0)), ts("2026-11-22T13:00:00Z"));
        assert_eq!(window_end(ts("2026-11-22T13:59:59Z"), Duration(0)), ts("2026-11-22T13:00:00Z"));
        let minus_1h5m: Duration = "-1h5m".parse().expect("valid duration");
        assert_eq!(window_end(ts("2026-11-22T13:00:30Z"), minus_1h5m), ts("2026-11-22T11:00:00Z"));
    }

    #[test]
    fn traffic_and_dependency_windows_end_at_the_same_instant() {
        let lengths = WindowLengths::default();
        let end = ts("2026-11-22T11:00:00Z");
        assert_eq!(lengths.window(Job::Traffic, end).start, ts("2026-11-22T10:00:00Z"));
        assert_eq!(lengths.window(Job::Dependency, end).start, ts("2026-11-15T11:00:00Z"));
    }
}
