//! The same point read twice counts once, as InfluxDB stores it once.
//!
//! InfluxDB keeps one point per series and time: a second write replaces the first. Exports
//! overlap (two `influx_inspect export` runs over neighbouring ranges, a file given twice), so
//! a traffic group remembers the raw points it counted, by time and series, and a point seen
//! again is left out when its value is the same, or replaces the earlier one ("last" is input
//! order, as InfluxDB's last write) and the group's buckets are counted again from what it
//! remembers. The series of a point within its group is a 64-bit signature of the tags the
//! group does not key on (0 for the planet-federator measurements, whose every tag is a group
//! column).
//!
//! Memory: 16 bytes per raw traffic point the buckets hold (24 once a group has points of a
//! series other than 0), i.e. per point of the traffic window
//! (the open window's pruned buckets drop theirs). Dependencies need nothing: a dependency row is
//! a presence, which a duplicate does not change. Pre-aggregated rows cannot be told apart.

use super::hasher::FxHasher;
use std::collections::VecDeque;
use std::hash::Hasher;

/// One raw point a group counted.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct SeenPoint {
    pub(super) time: i64,
    pub(super) series: u64,
    pub(super) value: f64,
}

/// A point of series 0, the only series of a group whose every tag is a group column.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct TimedValue {
    time: i64,
    value: f64,
}

/// What [`Seen`] needs of the points it keeps.
trait Entry: Copy {
    fn key(&self) -> (i64, u64);
    fn value(&self) -> f64;
    fn set_value(&mut self, value: f64);
}

impl Entry for SeenPoint {
    fn key(&self) -> (i64, u64) {
        (self.time, self.series)
    }
    fn value(&self) -> f64 {
        self.value
    }
    fn set_value(&mut self, value: f64) {
        self.value = value;
    }
}

impl Entry for TimedValue {
    fn key(&self) -> (i64, u64) {
        (self.time, 0)
    }
    fn value(&self) -> f64 {
        self.value
    }
    fn set_value(&mut self, value: f64) {
        self.value = value;
    }
}

/// What [`Seen::record`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A point not seen before: count it.
    New,
    /// The same point with the same value: leave it out.
    Again,
    /// The same point with another value, which replaced the earlier one: count the group again.
    Replaced,
}

/// The raw points of one group, sorted by time and series: without the series while every
/// point is of series 0 (16 bytes a point instead of 24). A deque, so that a point older than
/// all the others is put in front without moving them: exports that go back in time (newest
/// first) give every point so, and a list would move all of a group's points for each.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) enum Seen {
    Plain(VecDeque<TimedValue>),
    Keyed(VecDeque<SeenPoint>),
}

impl Default for Seen {
    fn default() -> Self {
        Seen::Plain(VecDeque::new())
    }
}

/// Room for one more point, doubling from one: most groups hold a few points, and the
/// deque's own growth starts at four.
fn reserve_one<E>(points: &mut VecDeque<E>) {
    if points.len() == points.capacity() {
        points.reserve_exact(points.capacity().max(1));
    }
}

fn record_in<E: Entry>(points: &mut VecDeque<E>, point: E) -> Outcome {
    // Exports give each series in time order (appending) or newest first (prepending).
    if points.back().is_none_or(|last| last.key() < point.key()) {
        reserve_one(points);
        points.push_back(point);
        return Outcome::New;
    }
    if points.front().is_some_and(|first| point.key() < first.key()) {
        reserve_one(points);
        points.push_front(point);
        return Outcome::New;
    }
    match points.binary_search_by(|p| p.key().cmp(&point.key())) {
        Ok(i) if points[i].value().to_bits() == point.value().to_bits() => Outcome::Again,
        Ok(i) => {
            points[i].set_value(point.value());
            Outcome::Replaced
        }
        Err(i) => {
            reserve_one(points);
            points.insert(i, point);
            Outcome::New
        }
    }
}

impl Seen {
    pub(super) fn record(&mut self, point: SeenPoint) -> Outcome {
        match self {
            Seen::Plain(points) if point.series == 0 => {
                record_in(points, TimedValue { time: point.time, value: point.value })
            }
            Seen::Plain(points) => {
                let keyed = points.iter().map(|p| SeenPoint { time: p.time, series: 0, value: p.value }).collect();
                *self = Seen::Keyed(keyed);
                self.record(point)
            }
            Seen::Keyed(points) => record_in(points, point),
        }
    }

    /// Forgets the points `keep` says no bucket holds any more.
    pub(super) fn retain(&mut self, keep: impl Fn(i64) -> bool) {
        match self {
            Seen::Plain(points) => points.retain(|p| keep(p.time)),
            Seen::Keyed(points) => points.retain(|p| keep(p.time)),
        }
    }

    /// The points, sorted by time and series.
    pub(super) fn points(&self) -> Vec<SeenPoint> {
        match self {
            Seen::Plain(points) => {
                points.iter().map(|p| SeenPoint { time: p.time, series: 0, value: p.value }).collect()
            }
            Seen::Keyed(points) => points.iter().copied().collect(),
        }
    }

    /// Takes in a later aggregator's points of the same group (its values win, as a later
    /// write); returns how many points were in both: duplicates, as one pass counts them, and
    /// when not 0 the buckets must be counted again. The same as recording each of them, in
    /// one walk over both sorted lists: a slice of older points (exports going back in time)
    /// would otherwise insert each of its points at the front, one shift of the list per point.
    pub(super) fn merge(&mut self, later: Seen) -> u64 {
        let theirs = later.points();
        if let Seen::Plain(mine) = self {
            if theirs.iter().all(|p| p.series == 0) {
                let theirs = theirs.into_iter().map(|p| TimedValue { time: p.time, value: p.value }).collect();
                return merge_sorted(mine, theirs);
            }
            // As `record` does at the first point of another series.
            *self = Seen::Keyed(self.points().into());
        }
        match self {
            Seen::Keyed(mine) => merge_sorted(mine, theirs),
            Seen::Plain(_) => 0,
        }
    }
}

/// Merges sorted `theirs` (distinct keys) into sorted `mine`, their values winning; returns how
/// many keys were in both.
fn merge_sorted<E: Entry>(mine: &mut VecDeque<E>, theirs: Vec<E>) -> u64 {
    let (Some(first), Some(last)) = (theirs.first(), theirs.last()) else { return 0 };
    if mine.back().is_none_or(|back| back.key() < first.key()) {
        mine.extend(theirs);
        return 0;
    }
    if mine.front().is_some_and(|front| last.key() < front.key()) {
        // An older slice merged into a newer one: in front, in order.
        mine.reserve(theirs.len());
        theirs.into_iter().rev().for_each(|e| mine.push_front(e));
        return 0;
    }
    let mut both = 0;
    let mut theirs = theirs.into_iter().peekable();
    let mut merged = VecDeque::with_capacity(mine.len() + theirs.len());
    let mut ours = std::mem::take(mine).into_iter().peekable();
    loop {
        match (ours.peek(), theirs.peek()) {
            (Some(a), Some(b)) if a.key() < b.key() => merged.extend(ours.next()),
            (Some(a), Some(b)) if a.key() == b.key() => {
                both += 1;
                ours.next();
                merged.extend(theirs.next());
            }
            (_, Some(_)) => merged.extend(theirs.next()),
            (Some(_), None) => merged.extend(ours.next()),
            (None, None) => break,
        }
    }
    *mine = merged;
    both
}

/// The signature of a point's series within its group: the tags other than the group's,
/// combined in any order (tag order differs between formats). `value_field` is left out too:
/// `influx -format csv` cannot tell tags from fields, so its parser shows every column as a
/// tag, and a point written again with another value is the same series.
pub(super) fn series_signature(point: &impl crate::point::PointView, group_tags: &[&str], value_field: &str) -> u64 {
    let mut signature = 0u64;
    point.for_each_tag(&mut |key, value| {
        if key != value_field && !group_tags.contains(&key) {
            let mut h = FxHasher::default();
            h.write(key.as_bytes());
            h.write_usize(usize::MAX);
            h.write(value.as_bytes());
            signature = signature.wrapping_add(h.finish() | 1);
        }
    });
    signature
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(time: i64, series: u64, value: f64) -> SeenPoint {
        SeenPoint { time, series, value }
    }

    #[test]
    fn a_point_again_is_left_out_and_another_value_replaces_it() {
        let mut seen = Seen::default();
        assert_eq!(seen.record(p(10, 0, 1.0)), Outcome::New);
        assert_eq!(seen.record(p(20, 0, 2.0)), Outcome::New);
        assert_eq!(seen.record(p(10, 0, 1.0)), Outcome::Again);
        assert_eq!(seen.record(p(10, 0, 5.0)), Outcome::Replaced);
        assert_eq!(seen.record(p(10, 7, 5.0)), Outcome::New, "another series at the same time");
        assert_eq!(seen.record(p(15, 0, 3.0)), Outcome::New, "out of order, not seen");
        assert_eq!(seen.record(p(5, 0, 4.0)), Outcome::New, "older than all, not seen");
        assert_eq!(seen.record(p(5, 0, 4.0)), Outcome::Again, "the older one again");
        let values: Vec<(i64, f64)> = seen.points().iter().map(|p| (p.time, p.value)).collect();
        assert_eq!(values, vec![(5, 4.0), (10, 5.0), (10, 5.0), (15, 3.0), (20, 2.0)]);
    }

    /// Merging gives what recording the later points one by one gives, representation included.
    #[test]
    fn merging_equals_recording_each_later_point() {
        let cases: [(&[SeenPoint], &[SeenPoint]); 7] = [
            (&[p(10, 0, 1.0), p(20, 0, 2.0)], &[p(1, 0, 1.0), p(2, 0, 2.0)]),
            (&[p(10, 4, 1.0)], &[p(1, 4, 1.0), p(2, 0, 2.0)]),
            (&[p(10, 0, 1.0), p(30, 0, 3.0)], &[p(5, 0, 0.5), p(10, 0, 1.0), p(20, 0, 2.0), p(40, 0, 4.0)]),
            (&[p(10, 0, 1.0)], &[p(10, 3, 9.0), p(10, 0, 2.0)]),
            (&[p(10, 4, 1.0), p(20, 0, 2.0)], &[p(1, 0, 1.0), p(20, 0, 2.0), p(20, 4, 7.0)]),
            (&[], &[p(3, 0, 1.0)]),
            (&[p(3, 0, 1.0)], &[]),
        ];
        for (mine, theirs) in cases {
            let seen = |points: &[SeenPoint]| {
                let mut s = Seen::default();
                for &q in points {
                    s.record(q);
                }
                s
            };
            let mut merged = seen(mine);
            let both = merged.merge(seen(theirs));
            let mut recorded = seen(mine);
            let again = theirs.iter().filter(|&&q| recorded.record(q) != Outcome::New).count() as u64;
            assert_eq!((both, merged.points()), (again, recorded.points()), "{mine:?} + {theirs:?}");
            assert_eq!(matches!(merged, Seen::Keyed(_)), matches!(recorded, Seen::Keyed(_)));
        }
    }

    #[test]
    fn merging_reports_overlap_and_the_later_value_wins() {
        let mut a = Seen::default();
        a.record(p(10, 0, 1.0));
        let mut b = Seen::default();
        b.record(p(20, 0, 2.0));
        assert_eq!(a.clone().merge(b.clone()), 0);
        b.record(p(10, 0, 9.0));
        assert_eq!(a.merge(b), 1, "one point in both");
        assert_eq!(a.points(), vec![p(10, 0, 9.0), p(20, 0, 2.0)]);
    }
}
