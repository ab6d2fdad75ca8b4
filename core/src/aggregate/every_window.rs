//! Every window of the schedule from one pass: which windows, their buckets, their rows.
//!
//! The schedule's windows end on whole hours: a traffic window every hour, a dependency window
//! every day at one hour of the day. A window `[end - length, end)` starts on a whole hour
//! minus the length's remainder past whole hours (30 min for `90m`). Splitting every hour at
//! that point makes both a window's start and its end bucket boundaries, so each window is
//! exactly a run of consecutive buckets: at most two per hour, whatever the length.

use super::window::Window;
use super::Aggregator;
use crate::time::{Duration, Timestamp, HOUR};
use crate::whatif::WhatIf;
use serde::{Deserialize, Serialize};

/// The bucket of `time` for windows of `length`: hour `h` gives buckets `2h` (before the
/// split point) and `2h + 1` (from it); a length of whole hours uses `2h` only.
pub(super) fn split_bucket(time: i64, length: Duration) -> i64 {
    let remainder = length.0.rem_euclid(HOUR);
    let hour = time.div_euclid(HOUR);
    let late = remainder != 0 && time.rem_euclid(HOUR) >= HOUR - remainder;
    hour.saturating_mul(2).saturating_add(i64::from(late))
}

/// The buckets of the window `[end - length, end)`.
fn buckets_of(end: Timestamp, length: Duration) -> std::ops::Range<i64> {
    split_bucket(end.0.saturating_sub(length.0), length)..split_bucket(end.0, length)
}

/// The ends of every window the schedule produces within the data: from the first scheduled
/// end after the oldest point to the first after the newest (the window that holds it), so
/// every point is in at least one window of each job whose length reaches an hour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowEnds {
    /// Hourly traffic window ends, ascending.
    pub traffic: Vec<Timestamp>,
    /// Daily dependency window ends (at the schedule's hour of day, UTC), ascending.
    pub dependency: Vec<Timestamp>,
}

const DAY: i64 = 24 * HOUR;

impl Aggregator {
    /// The window ends within the data, dependency windows ending at `dependency_hour` (UTC).
    /// `None` when the data spans more than `max_hours` hours (every window is computed, so a
    /// stray timestamp decades away would cost time and memory for nothing).
    pub fn window_ends(&self, dependency_hour: u8, max_hours: i64) -> Option<WindowEnds> {
        let (Some(oldest), Some(newest)) = (self.oldest, self.newest) else {
            return Some(WindowEnds::default());
        };
        let first = Timestamp(oldest).next_hour().0;
        let last = Timestamp(newest).next_hour().0;
        if (last / HOUR).saturating_sub(first / HOUR) > max_hours {
            return None;
        }
        let every = |from: i64, step: i64| {
            // Up to the first end at or after `last`: the window holding the newest point.
            std::iter::successors(Some(from), move |&t| if t >= last { None } else { t.checked_add(step) })
                .map(Timestamp)
                .collect::<Vec<_>>()
        };
        // The first scheduled day end at or after `first`.
        let offset = i64::from(dependency_hour % 24) * HOUR;
        let day = first.saturating_sub(offset).div_euclid(DAY).saturating_mul(DAY).saturating_add(offset);
        let first_day = if day < first { day.saturating_add(DAY) } else { day };
        Some(WindowEnds { traffic: every(first, HOUR), dependency: every(first_day, DAY) })
    }

    /// The traffic and dependency rows of the window ending at `end` (every-window mode), as an
    /// analysis with that explicit window gives them, with `what_if`'s row filters and renames.
    pub(crate) fn tables_ending_at(&self, end: Timestamp, what_if: &WhatIf) -> super::Tables {
        let window = Window::ending_at(end, &self.spec);
        let traffic = buckets_of(end, self.spec.traffic_window);
        let dependency = buckets_of(end, self.spec.dependency_window);
        let seen = |g: &super::group_key::DependencyGroup| {
            let from = g.buckets.partition_point(|b| *b < dependency.start);
            g.buckets.get(from).is_some_and(|b| *b < dependency.end)
        };
        self.rows_of(window, traffic, seen, what_if)
    }

    /// The what-if options points are observed with.
    pub(crate) fn what_if(&self) -> &WhatIf {
        &self.what_if
    }

    /// The window lengths.
    pub(crate) fn spec(&self) -> super::WindowSpec {
        self.spec
    }

    /// Whether the aggregator keeps every window's buckets.
    pub(crate) fn keeps_every_window(&self) -> bool {
        self.every_window
    }

    /// Whether the profile reads raw exporter metrics (whose ticks every-window mode does not keep).
    pub(crate) fn reads_exporter_metrics(&self) -> bool {
        self.exporter.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i64 = 60 * 1_000_000_000;

    #[test]
    fn whole_hour_windows_are_runs_of_hour_buckets() {
        let hour = Duration(HOUR);
        assert_eq!(split_bucket(0, hour), 0);
        assert_eq!(split_bucket(HOUR - 1, hour), 0);
        assert_eq!(split_bucket(HOUR, hour), 2);
        assert_eq!(buckets_of(Timestamp(3 * HOUR), hour), 4..6);
        assert_eq!(buckets_of(Timestamp(3 * HOUR), Duration(2 * HOUR)), 2..6);
    }

    #[test]
    fn a_window_of_ninety_minutes_starts_and_ends_on_a_bucket_boundary() {
        let length = Duration(90 * M);
        // Hour 1 splits at 1:30: [1:00, 1:30) is bucket 2, [1:30, 2:00) bucket 3.
        assert_eq!(split_bucket(HOUR + 29 * M, length), 2);
        assert_eq!(split_bucket(HOUR + 30 * M, length), 3);
        // The window ending 3:00 is [1:30, 3:00): buckets 3, 4, 5.
        assert_eq!(buckets_of(Timestamp(3 * HOUR), length), 3..6);
        assert_eq!(split_bucket(3 * HOUR - 1, length), 5);
        assert_eq!(split_bucket(HOUR + 30 * M - 1, length), 2, "just before the start is outside");
    }
}
