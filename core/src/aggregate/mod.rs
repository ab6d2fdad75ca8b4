//! Grouping and mergeable partial aggregates.
//!
//! Every group keeps (min, max, exact sum, count) plus the first and last time seen, so the
//! results of several files, several time slices, or pre-aggregated InfluxDB answers merge into
//! the same rows. Memory grows with the number of groups, never with the number of points.
//!
//! Windows: with an explicit `at`, points outside `[at - window, at)` are dropped as they come.
//! Without one, `at` is the next whole hour after the newest point, unknown until the input
//! ends; traffic groups then keep hourly buckets aligned so that `at - window` falls on a bucket
//! boundary whatever hour `at` turns out to be, and buckets that can no longer reach the window
//! are pruned as newer points arrive. Dependencies only need the last time seen, since every
//! point is before such an `at`.

mod chunked;
mod dedup;
mod every_window;
mod group_key;
mod hasher;
mod interner;
mod merge;
mod partial;
mod stats;
mod tables;
mod window;

pub use every_window::WindowEnds;
pub(crate) use group_key::{traffic_tags, SeriesHandle};
pub(crate) use hasher::FxBuild;
pub(crate) use merge::AggregatorParts;
pub use partial::Partial;
pub use stats::Stats;
pub use tables::Tables;
pub use window::{Window, WindowSpec};

use crate::exporter::ExporterState;
use crate::point::{AggregateValues, PointView};
use crate::profile::Profile;
use crate::time::{Timestamp, HOUR};
use crate::whatif::WhatIf;
use chunked::Chunked;
use dedup::{series_signature, Outcome, SeenPoint};
use group_key::{dependency_tags, DependencyGroup, DependencyKey, TrafficGroup, TrafficKey};
use hasher::GroupIndex;
use interner::Interner;
use partial::merge_into;

/// [`Aggregator::bucket_of`] for a window spec.
fn bucket_in(spec: &WindowSpec, every_window: bool, time: i64) -> i64 {
    if every_window {
        return every_window::split_bucket(time, spec.traffic_window);
    }
    if spec.at.is_some() {
        return 0;
    }
    let shift = spec.traffic_window.0.rem_euclid(HOUR);
    time.saturating_add(shift).div_euclid(HOUR)
}

/// Groups points and pre-aggregated rows into the two tables.
#[derive(Debug, Clone)]
pub struct Aggregator {
    profile: Profile,
    spec: WindowSpec,
    traffic_index: GroupIndex<TrafficKey>,
    traffic: Chunked<TrafficGroup>,
    dependency_index: GroupIndex<DependencyKey>,
    dependency: Chunked<DependencyGroup>,
    /// The tag values of every group's key.
    interner: Interner,
    newest: Option<i64>,
    stats: Stats,
    what_if: WhatIf,
    /// The profile's metric stages, when it reads raw exporter metrics.
    exporter: Option<ExporterState>,
    /// Every-window mode: no window is dropped or pruned; traffic and dependency groups keep
    /// buckets that every scheduled window is a union of (see `every_window.rs`).
    every_window: bool,
    /// The oldest point or row time seen, in ns.
    oldest: Option<i64>,
}

impl Aggregator {
    /// An empty aggregator for a profile and window.
    pub fn new(profile: Profile, spec: WindowSpec) -> Aggregator {
        let exporter = profile.metrics.clone().map(|m| ExporterState::new(m, spec));
        Aggregator {
            exporter,
            profile,
            spec,
            traffic_index: GroupIndex::default(),
            traffic: Chunked::default(),
            dependency_index: GroupIndex::default(),
            dependency: Chunked::default(),
            interner: Interner::default(),
            newest: None,
            stats: Stats::default(),
            what_if: WhatIf::default(),
            every_window: false,
            oldest: None,
        }
    }

    /// Sets the inventory that resolves the profile's address labels; call before observing.
    pub fn set_inventory(&mut self, inventory: Option<std::sync::Arc<crate::inventory::Inventory>>) {
        if let Some(exporter) = self.exporter.as_mut() {
            exporter.set_inventory(inventory);
        }
    }

    /// Keeps the buckets of every window the schedule would produce instead of one window's
    /// points; call before observing anything, with a spec without `at`.
    pub fn keep_every_window(&mut self) {
        self.every_window = true;
        self.spec.at = None;
    }

    /// Sets the what-if parameters (see [`crate::whatif`]); call before observing anything.
    pub fn set_what_if(&mut self, what_if: WhatIf) {
        self.what_if = what_if;
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The profile's metric stages, when it has any.
    pub(crate) fn exporter(&self) -> Option<&ExporterState> {
        self.exporter.as_ref()
    }

    pub(crate) fn exporter_mut(&mut self) -> Option<&mut ExporterState> {
        self.exporter.as_mut()
    }

    /// Number of groups held (the memory that grows).
    pub fn group_count(&self) -> usize {
        self.traffic.len() + self.dependency.len() + self.exporter.as_ref().map_or(0, ExporterState::size)
    }

    /// The newest point or row time seen, in ns.
    pub fn newest(&self) -> Option<i64> {
        match (self.newest, self.exporter.as_ref().and_then(ExporterState::newest)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Which traffic bucket a time falls in when the window end is still open: buckets are
    /// hours shifted so that `at - traffic_window` is a boundary for any whole-hour `at`.
    fn bucket_of(&self, time: i64) -> i64 {
        bucket_in(&self.spec, self.every_window, time)
    }

    /// The first bucket inside the traffic window ending at `end`.
    fn first_bucket(&self, end: Timestamp) -> i64 {
        self.bucket_of(end.0.saturating_sub(self.spec.traffic_window.0))
    }

    fn note_time(&mut self, time: i64) {
        self.newest = Some(self.newest.map_or(time, |n| n.max(time)));
        self.oldest = Some(self.oldest.map_or(time, |n| n.min(time)));
    }

    /// Adds one raw point (all its fields at one time).
    pub fn observe_point(&mut self, point: &impl PointView, time: i64) {
        self.observe_point_tracked(point, time, &mut SeriesHandle::Unresolved);
    }

    /// What this aggregator makes of a series: its rule, and whether its local hostgroup is empty.
    fn resolve(&self, point: &impl PointView) -> SeriesHandle {
        let measurement = point.measurement();
        if let Some(rule) = self.profile.traffic.iter().position(|r| r.measurement == measurement) {
            let service = traffic_tags(&self.profile.traffic[rule])[0];
            let excluded = point.tag(service).unwrap_or("").is_empty();
            SeriesHandle::Traffic { rule, excluded, group: None }
        } else if let Some(rule) = self.profile.dependency.iter().position(|r| r.measurement == measurement) {
            let service = dependency_tags(&self.profile.dependency[rule])[2].unwrap_or("");
            let excluded = point.tag(service).unwrap_or("").is_empty();
            SeriesHandle::Dependency { rule, excluded, group: None }
        } else {
            SeriesHandle::Other
        }
    }

    /// Adds one raw point of a series whose handle the caller keeps: once the handle knows the
    /// group, the point's tags are not looked at again (see [`SeriesHandle::needs_tags`]).
    pub(crate) fn observe_point_tracked(&mut self, point: &impl PointView, time: i64, handle: &mut SeriesHandle) {
        if let Some(exporter) = self.exporter.as_mut() {
            match *handle {
                SeriesHandle::Exporter(Some(known)) => {
                    self.stats.points += exporter.observe_known(known, point, time);
                    return;
                }
                SeriesHandle::Unresolved | SeriesHandle::Exporter(None) => {
                    let (samples, known) = exporter.observe(point, time);
                    if samples > 0 {
                        self.stats.points += samples;
                        *handle = SeriesHandle::Exporter(known);
                        return;
                    }
                }
                _ => {}
            }
        }
        if matches!(handle, SeriesHandle::Unresolved | SeriesHandle::Exporter(_)) {
            *handle = self.resolve(point);
        }
        match handle {
            SeriesHandle::Unresolved | SeriesHandle::Exporter(_) | SeriesHandle::Other => {
                self.stats.other_measurements += 1
            }
            SeriesHandle::Traffic { rule, excluded, group } => {
                self.stats.points += 1;
                self.note_time(time);
                if *excluded {
                    self.stats.without_local_hostgroup += 1;
                } else {
                    self.observe_traffic(*rule, point, time, None, group);
                }
            }
            SeriesHandle::Dependency { rule, excluded, group } => {
                self.stats.points += 1;
                self.note_time(time);
                if *excluded {
                    self.stats.without_local_hostgroup += 1;
                } else {
                    self.observe_dependency(*rule, point, Some(time), false, group);
                }
            }
        }
    }

    /// Adds one pre-aggregated row (a series of a `GROUP BY` answer). Such rows were windowed
    /// by the query that produced them, so they are kept whatever their time.
    pub fn observe_aggregate(&mut self, point: &impl PointView, values: &AggregateValues, time: i64) {
        let measurement = point.measurement();
        if let Some(i) = self.profile.traffic.iter().position(|r| r.measurement == measurement) {
            self.stats.aggregate_rows += 1;
            self.note_time(time);
            match Partial::of_aggregate(values, time) {
                Some(partial) => self.observe_traffic(i, point, time, Some(partial), &mut None),
                None => self.stats.without_traffic_value += 1,
            }
        } else if let Some(i) = self.profile.dependency.iter().position(|r| r.measurement == measurement) {
            self.stats.aggregate_rows += 1;
            self.note_time(time);
            // COUNT(*) over an empty bucket is 0: no point, no dependency.
            if values.count.is_none_or(|c| c > 0.0) {
                self.observe_dependency(i, point, None, true, &mut None);
            }
        } else {
            self.stats.other_measurements += 1;
        }
    }

    /// `known`: the group of the point's series when already known (then its tags are not read);
    /// set to the group when found here.
    fn observe_traffic(
        &mut self,
        rule: usize,
        point: &impl PointView,
        time: i64,
        aggregated: Option<Partial>,
        known: &mut Option<(usize, u64)>,
    ) {
        let r = &self.profile.traffic[rule];
        let tag_names = traffic_tags(r);
        if known.is_none() && point.tag(tag_names[0]).unwrap_or("").is_empty() {
            self.stats.without_local_hostgroup += 1;
            return;
        }
        let value = match &aggregated {
            Some(_) => 0.0,
            None => match point.field(&r.field).and_then(|v| v.as_f64()) {
                Some(v) => v,
                None => {
                    self.stats.without_traffic_value += 1;
                    return;
                }
            },
        };
        if aggregated.is_none() {
            if let Some(at) = self.spec.at {
                if time < at.0.saturating_sub(self.spec.traffic_window.0) || time >= at.0 {
                    self.stats.outside_window += 1;
                    return;
                }
            }
        }
        if let Some(partial) = &aggregated {
            if !self.what_if.keeps_bandwidth(partial.max) {
                self.stats.below_min_bandwidth += 1;
                return;
            }
        }
        let (index, series) = match *known {
            Some(known) => known,
            None => {
                let mut key: TrafficKey = [rule as u32; 5];
                for (slot, name) in key[1..].iter_mut().zip(tag_names) {
                    *slot = self.interner.id(point.tag(name).unwrap_or(""));
                }
                let i = match self.traffic_index.get(&key) {
                    Some(&i) => i as usize,
                    None => {
                        let group =
                            TrafficGroup { key, buckets: Vec::new(), aggregated: None, seen: Default::default() };
                        self.traffic_index.insert(key, self.traffic.len() as u32);
                        self.traffic.push(group);
                        self.traffic.len() - 1
                    }
                };
                let series = series_signature(point, &tag_names, &r.field);
                *known = Some((i, series));
                (i, series)
            }
        };
        if aggregated.is_none() {
            match self.traffic[index].seen.record(SeenPoint { time, series, value }) {
                Outcome::New => {}
                Outcome::Again => {
                    self.stats.duplicates += 1;
                    return;
                }
                Outcome::Replaced => {
                    self.stats.duplicates += 1;
                    self.recount(index);
                    return;
                }
            }
            if !self.what_if.keeps_bandwidth(value) {
                self.stats.below_min_bandwidth += 1;
                return;
            }
        }
        match aggregated {
            Some(partial) => merge_into(&mut self.traffic[index].aggregated, partial),
            None => {
                let bucket = self.bucket_of(time);
                let horizon = self.prune_horizon();
                let percentiles = self.what_if.percentiles;
                let group = &mut self.traffic[index];
                if let Some((_, p)) = group.buckets.iter_mut().rev().find(|(b, _)| *b == bucket) {
                    p.add_value(value, time);
                } else if bucket >= horizon {
                    group.buckets.retain(|(b, _)| *b >= horizon);
                    let (spec, every) = (self.spec, self.every_window);
                    group.seen.retain(|t| bucket_in(&spec, every, t) >= horizon);
                    group.push_bucket(bucket, Partial::of_value(value, time).with_histogram(percentiles));
                }
            }
        }
    }

    /// Counts a traffic group's raw points again from the ones it remembers, after a point
    /// read again replaced an earlier value.
    fn recount(&mut self, index: usize) {
        let horizon = self.prune_horizon();
        let percentiles = self.what_if.percentiles;
        let group = &mut self.traffic[index];
        let mut buckets: Vec<(i64, Partial)> = Vec::new();
        for p in group.seen.points() {
            let bucket = bucket_in(&self.spec, self.every_window, p.time);
            if bucket < horizon || !self.what_if.keeps_bandwidth(p.value) {
                continue;
            }
            match buckets.iter_mut().find(|(b, _)| *b == bucket) {
                Some((_, partial)) => partial.add_value(p.value, p.time),
                None => buckets.push((bucket, Partial::of_value(p.value, p.time).with_histogram(percentiles))),
            }
        }
        group.buckets = buckets;
    }

    /// Buckets before this one can never be inside the final window (open window only).
    fn prune_horizon(&self) -> i64 {
        match (self.spec.at, self.newest) {
            _ if self.every_window => i64::MIN,
            (None, Some(newest)) => self.first_bucket(Timestamp(newest).next_hour()),
            _ => i64::MIN,
        }
    }

    /// `known` as in [`Aggregator::observe_traffic`].
    fn observe_dependency(
        &mut self,
        rule: usize,
        point: &impl PointView,
        time: Option<i64>,
        aggregated: bool,
        known: &mut Option<usize>,
    ) {
        let names = dependency_tags(&self.profile.dependency[rule]);
        if known.is_none() && point.tag(names[2].unwrap_or("")).unwrap_or("").is_empty() {
            self.stats.without_local_hostgroup += 1;
            return;
        }
        let mut in_window = false;
        if let (Some(t), Some(at)) = (time, self.spec.at) {
            if t < at.0.saturating_sub(self.spec.dependency_window.0) || t >= at.0 {
                self.stats.outside_window += 1;
                return;
            }
            in_window = true;
        }
        let index = match *known {
            Some(i) => i,
            None => {
                let value = |name: Option<&str>| name.and_then(|n| point.tag(n)).unwrap_or("");
                let mut key: DependencyKey = [rule as u32; 9];
                for (slot, name) in key[1..].iter_mut().zip(names) {
                    *slot = self.interner.id(value(name));
                }
                let i = match self.dependency_index.get(&key) {
                    Some(&i) => i as usize,
                    None => {
                        self.dependency.push(DependencyGroup {
                            key,
                            in_window: 0,
                            last: None,
                            aggregated: false,
                            buckets: Vec::new(),
                        });
                        self.dependency_index.insert(key, self.dependency.len() as u32 - 1);
                        self.dependency.len() - 1
                    }
                };
                *known = Some(i);
                i
            }
        };
        let group = &mut self.dependency[index];
        group.aggregated |= aggregated;
        group.in_window += u64::from(in_window);
        if let Some(t) = time {
            group.last = Some(group.last.map_or(t, |l| l.max(t)));
            if self.every_window {
                let bucket = every_window::split_bucket(t, self.spec.dependency_window);
                if let Err(at) = group.buckets.binary_search(&bucket) {
                    group.buckets.insert(at, bucket);
                }
            }
        }
    }
}
