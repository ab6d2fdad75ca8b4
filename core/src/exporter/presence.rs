//! Presence stages (`max(max_over_time(...))`): a group is present at a tick when one of its
//! series has a sample in that tick's range. Only the latest tick of the group's two most
//! recent hours is kept: the window ends on a whole hour (or ticks past an explicit end were
//! never kept), so the latest tick before the end is in one of them.

use super::emit::EmittedPoint;
use super::ticks::NS_PER_MS;
use crate::profile::Stage;

const HOUR_MS: i64 = 3_600_000;

/// One group of a presence stage.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct PresenceGroup {
    pub(crate) stage: usize,
    /// The values of the stage's `by` labels.
    pub(crate) by: Vec<String>,
    /// (hour, latest tick in that hour), the most recent hour first.
    recent: [Option<(i64, i64)>; 2],
}

impl PresenceGroup {
    pub(crate) fn new(stage: usize, by: Vec<String>) -> PresenceGroup {
        PresenceGroup { stage, by, recent: [None, None] }
    }

    /// The group is present at `tick` (ms).
    pub(crate) fn seen_at(&mut self, tick: i64) {
        let hour = tick.div_euclid(HOUR_MS);
        match self.recent {
            [Some((h, t)), _] if h == hour => self.recent[0] = Some((h, t.max(tick))),
            [_, Some((h, t))] if h == hour => self.recent[1] = Some((h, t.max(tick))),
            [None, _] => self.recent[0] = Some((hour, tick)),
            [Some((h, _)), _] if hour > h => self.recent = [Some((hour, tick)), self.recent[0]],
            [Some(_), None] => self.recent[1] = Some((hour, tick)),
            [Some(_), Some((h, _))] if hour > h => self.recent[1] = Some((hour, tick)),
            _ => {}
        }
    }

    pub(crate) fn merge(&mut self, other: &PresenceGroup) {
        for (_, tick) in other.recent.into_iter().flatten() {
            self.seen_at(tick);
        }
    }

    /// The latest tick (ns) before `end` (ns), if any.
    fn latest_before(&self, end: i64) -> Option<i64> {
        self.recent.iter().flatten().map(|(_, t)| t.saturating_mul(NS_PER_MS)).filter(|t| *t < end).max()
    }
}

/// Emits one point per group present at a tick in `[from, end)` (ns), at its latest such tick:
/// the dependency table only asks whether a group was present in the window.
pub(crate) fn emit(
    stage: &Stage,
    index: usize,
    groups: &[PresenceGroup],
    (from, end): (i64, i64),
    sink: &mut dyn FnMut(&EmittedPoint<'_>, i64),
) {
    for g in groups.iter().filter(|g| g.stage == index) {
        let Some(tick) = g.latest_before(end).filter(|t| *t >= from) else { continue };
        if let Some(point) = EmittedPoint::new(&stage.emit, &stage.by, &g.by, 1.0) {
            sink(&point, tick);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_tick_before_the_end_survives_newer_hours() {
        let mut g = PresenceGroup::new(0, Vec::new());
        for tick in [HOUR_MS + 30_000, 10 * HOUR_MS, 3 * HOUR_MS - 30_000, 2 * HOUR_MS + 60_000, 30_000] {
            g.seen_at(tick);
        }
        // Hours 10 and 2 are the two most recent; before 3h the latest is 3h - 30s (hour 2).
        assert_eq!(g.latest_before(3 * HOUR_MS * NS_PER_MS), Some((3 * HOUR_MS - 30_000) * NS_PER_MS));
        assert_eq!(g.latest_before(11 * HOUR_MS * NS_PER_MS), Some(10 * HOUR_MS * NS_PER_MS));
    }
}
