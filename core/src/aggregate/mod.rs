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

mod every_window;
mod group_key;
mod hasher;
mod merge;
mod partial;
mod stats;
mod tables;
mod window;

pub use every_window::WindowEnds;
pub(crate) use group_key::SeriesHandle;
pub(crate) use hasher::FxBuild;
pub use partial::Partial;
pub use stats::Stats;
pub use tables::Tables;
pub use window::{Window, WindowSpec};

use crate::exporter::ExporterState;
use crate::point::{AggregateValues, PointView};
use crate::profile::Profile;
use crate::time::{Timestamp, HOUR};
use crate::whatif::WhatIf;
use group_key::{dependency_tags, push_key_part, start_key, traffic_tags, DependencyGroup, TrafficGroup};
use hasher::GroupIndex;
use partial::merge_into;

/// Groups points and pre-aggregated rows into the two tables.
#[derive(Debug, Clone)]
pub struct Aggregator {
    profile: Profile,
    spec: WindowSpec,
    traffic_index: GroupIndex,
    traffic: Vec<TrafficGroup>,
    dependency_index: GroupIndex,
    dependency: Vec<DependencyGroup>,
    newest: Option<i64>,
    key: Vec<u8>,
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
            traffic: Vec::new(),
            dependency_index: GroupIndex::default(),
            dependency: Vec::new(),
            newest: None,
            key: Vec::new(),
            stats: Stats::default(),
            what_if: WhatIf::default(),
            every_window: false,
            oldest: None,
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
        if self.every_window {
            return every_window::split_bucket(time, self.spec.traffic_window);
        }
        if self.spec.at.is_some() {
            return 0;
        }
        let shift = self.spec.traffic_window.0.rem_euclid(HOUR);
        time.saturating_add(shift).div_euclid(HOUR)
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
        known: &mut Option<usize>,
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
        if !self.what_if.keeps_bandwidth(aggregated.as_ref().map_or(value, |p| p.max)) {
            self.stats.below_min_bandwidth += 1;
            return;
        }
        let index = match *known {
            Some(i) => i,
            None => {
                start_key(&mut self.key, rule);
                for name in tag_names {
                    push_key_part(&mut self.key, point.tag(name).unwrap_or(""));
                }
                let i = match self.traffic_index.get(self.key.as_slice()) {
                    Some(&i) => i,
                    None => {
                        let tags = tag_names.map(|name| point.tag(name).unwrap_or("").to_string());
                        self.traffic.push(TrafficGroup { rule, tags, buckets: Vec::new(), aggregated: None });
                        self.traffic_index.insert(self.key.as_slice().into(), self.traffic.len() - 1);
                        self.traffic.len() - 1
                    }
                };
                *known = Some(i);
                i
            }
        };
        match aggregated {
            Some(partial) => merge_into(&mut self.traffic[index].aggregated, &partial),
            None => {
                let bucket = self.bucket_of(time);
                let horizon = self.prune_horizon();
                let percentiles = self.what_if.percentiles;
                let group = &mut self.traffic[index];
                if let Some((_, p)) = group.buckets.iter_mut().rev().find(|(b, _)| *b == bucket) {
                    p.add_value(value, time);
                } else if bucket >= horizon {
                    group.buckets.retain(|(b, _)| *b >= horizon);
                    group.buckets.push((bucket, Partial::of_value(value, time).with_histogram(percentiles)));
                }
            }
        }
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
                start_key(&mut self.key, rule);
                for name in names {
                    push_key_part(&mut self.key, value(name));
                }
                let i = match self.dependency_index.get(self.key.as_slice()) {
                    Some(&i) => i,
                    None => {
                        let tags = names.iter().map(|&n| value(n).to_string()).collect();
                        self.dependency.push(DependencyGroup {
                            rule,
                            tags,
                            in_window: 0,
                            last: None,
                            aggregated: false,
                            buckets: Vec::new(),
                        });
                        self.dependency_index.insert(self.key.as_slice().into(), self.dependency.len() - 1);
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
