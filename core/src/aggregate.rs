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

use crate::exact_sum::ExactSum;
use crate::point::{AggregateValues, PointView};
use crate::profile::{DependencyRule, Profile, TrafficRule};
use crate::rows::{nullable, truncate, DependencyRow, TrafficRow};
use crate::time::{Duration, Timestamp, HOUR};
use crate::whatif::{Histogram, Percentiles, WhatIf};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// Aggregate of one group's values: mergeable in any order with identical results.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    /// Number of values.
    pub count: u64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Exact sum of the values.
    pub sum: ExactSum,
    /// A mean given as such by a pre-aggregated input without SUM/COUNT; used only while the
    /// partial holds nothing else, because a mean cannot be merged without its count.
    pub given_mean: Option<f64>,
    /// Earliest time seen (ns).
    pub first: i64,
    /// Latest time seen (ns).
    pub last: i64,
    /// Distribution of the values, kept only for the `percentiles` what-if option; `None` as
    /// soon as a pre-aggregated row (which has no distribution) is merged in.
    pub histogram: Option<Histogram>,
}

impl Partial {
    fn of_value(value: f64, time: i64) -> Partial {
        let mut sum = ExactSum::new();
        sum.add(value);
        Partial { count: 1, min: value, max: value, sum, given_mean: None, first: time, last: time, histogram: None }
    }

    fn with_histogram(mut self, wanted: bool) -> Partial {
        if wanted {
            let mut h = Histogram::default();
            h.add(self.min);
            self.histogram = Some(h);
        }
        self
    }

    fn add_value(&mut self, value: f64, time: i64) {
        self.count += 1;
        // f64::min/max ignore NaN, as InfluxDB's comparisons do not select it.
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.sum.add(value);
        self.given_mean = None;
        if let Some(h) = self.histogram.as_mut() {
            h.add(value);
        }
        self.first = self.first.min(time);
        self.last = self.last.max(time);
    }

    /// Merges another partial of the same group.
    pub fn merge(&mut self, other: &Partial) {
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum.merge(&other.sum);
        self.given_mean = None;
        self.histogram = match (self.histogram.take(), &other.histogram) {
            (Some(mut mine), Some(theirs)) => {
                mine.merge(theirs);
                Some(mine)
            }
            _ => None,
        };
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
    }

    /// From a pre-aggregated row; `None` when it lacks MIN, MAX or both of SUM+COUNT and MEAN.
    fn of_aggregate(values: &AggregateValues, time: i64) -> Option<Partial> {
        let (min, max) = (values.min?, values.max?);
        let mut sum = ExactSum::new();
        let (count, given_mean) = match (values.sum, values.count, values.mean) {
            (Some(s), Some(c), _) => {
                sum.add(s);
                (c as u64, None)
            }
            (_, Some(c), Some(m)) => {
                sum.add(m * c);
                (c as u64, None)
            }
            (_, None, Some(m)) => {
                sum.add(m);
                (1, Some(m))
            }
            _ => return None,
        };
        if count == 0 {
            return None;
        }
        Some(Partial { count, min, max, sum, given_mean, first: time, last: time, histogram: None })
    }

    /// The mean as InfluxDB's MEAN gives it: sum / count.
    pub fn mean(&self) -> f64 {
        self.given_mean.unwrap_or_else(|| self.sum.value() / self.count as f64)
    }
}

fn merge_into(slot: &mut Option<Partial>, other: &Partial) {
    match slot {
        Some(p) => p.merge(other),
        None => *slot = Some(other.clone()),
    }
}

/// Which points count: an explicit window, or one that ends at the hour after the newest point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSpec {
    /// Window end (`inventory_date`); `None` for the next whole hour after the newest point.
    pub at: Option<Timestamp>,
    /// Length of the traffic window.
    pub traffic_window: Duration,
    /// Length of the dependency window.
    pub dependency_window: Duration,
}

/// The windows actually used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Window end, exclusive; also `inventory_date`.
    pub end: Timestamp,
    /// Traffic window start, inclusive.
    pub traffic_start: Timestamp,
    /// Dependency window start, inclusive.
    pub dependency_start: Timestamp,
}

impl Window {
    /// The windows ending at `end`.
    pub fn ending_at(end: Timestamp, spec: &WindowSpec) -> Window {
        Window {
            end,
            traffic_start: Timestamp(end.0.saturating_sub(spec.traffic_window.0)),
            dependency_start: Timestamp(end.0.saturating_sub(spec.dependency_window.0)),
        }
    }
}

/// Counters of what the aggregator saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Raw points of the profile's measurements.
    pub points: u64,
    /// Pre-aggregated rows of the profile's measurements.
    pub aggregate_rows: u64,
    /// Points and rows of measurements the profile does not use.
    pub other_measurements: u64,
    /// Points left out because their local hostgroup tag (`service`) is empty or absent.
    pub without_local_hostgroup: u64,
    /// Traffic points without a numeric value in the traffic field.
    pub without_traffic_value: u64,
    /// Points outside an explicit window.
    pub outside_window: u64,
    /// Traffic points (and pre-aggregated rows) left out by the `min_bandwidth` what-if option.
    #[serde(default)]
    pub below_min_bandwidth: u64,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.points += o.points;
        self.aggregate_rows += o.aggregate_rows;
        self.other_measurements += o.other_measurements;
        self.without_local_hostgroup += o.without_local_hostgroup;
        self.without_traffic_value += o.without_traffic_value;
        self.outside_window += o.outside_window;
        self.below_min_bandwidth += o.below_min_bandwidth;
    }
}

#[derive(Debug, Clone)]
struct TrafficGroup {
    rule: usize,
    tags: [String; 4],
    /// Raw points by bucket; with an explicit window one bucket (0) holds them all.
    buckets: Vec<(i64, Partial)>,
    /// Pre-aggregated rows, already windowed by the query that produced them.
    aggregated: Option<Partial>,
}

#[derive(Debug, Clone)]
struct DependencyGroup {
    rule: usize,
    /// Tag values in the order of [`dependency_tags`].
    tags: Vec<String>,
    /// Raw points inside an explicit window.
    in_window: u64,
    /// Latest raw point time (for the open window).
    last: Option<i64>,
    /// A pre-aggregated row with a positive count was seen.
    aggregated: bool,
}

fn traffic_tags(r: &TrafficRule) -> [&str; 4] {
    [&r.local_hostgroup, &r.local_hostgroup_address, &r.remote_hostgroup, &r.remote_hostgroup_address]
}

/// protocol, process, local, local address, local port, remote, remote address, remote port;
/// absent port tags read as empty and become NULL.
fn dependency_tags(r: &DependencyRule) -> [Option<&str>; 8] {
    [
        Some(&r.protocol),
        Some(&r.local_hostgroup_process_name),
        Some(&r.local_hostgroup),
        Some(&r.local_hostgroup_address),
        r.local_hostgroup_address_port.as_deref(),
        Some(&r.remote_hostgroup),
        Some(&r.remote_hostgroup_address),
        r.remote_hostgroup_address_port.as_deref(),
    ]
}

/// Appends one value to a group key, length-prefixed so no tag value can fake a boundary.
fn push_key_part(key: &mut Vec<u8>, value: &str) {
    key.extend_from_slice(&(value.len() as u64).to_le_bytes());
    key.extend_from_slice(value.as_bytes());
}

/// Starts a group key with the rule's index.
fn start_key(key: &mut Vec<u8>, rule: usize) {
    key.clear();
    key.extend_from_slice(&(rule as u64).to_le_bytes());
}

/// What an aggregator concluded about one series (a measurement and its tag values), kept by a
/// parser that recognises the series again (line protocol's series key), so that later points
/// of the series skip the tag lookups and the group key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SeriesHandle {
    /// Not looked at yet.
    #[default]
    Unresolved,
    /// A measurement the profile does not use.
    Other,
    /// A traffic series; `excluded` when its local hostgroup is empty; `group` once known.
    Traffic { rule: usize, excluded: bool, group: Option<usize> },
    /// A dependency series, as above.
    Dependency { rule: usize, excluded: bool, group: Option<usize> },
}

impl SeriesHandle {
    /// Whether observing a point with this handle may still read the point's tags.
    pub(crate) fn needs_tags(&self) -> bool {
        matches!(
            self,
            SeriesHandle::Unresolved
                | SeriesHandle::Traffic { excluded: false, group: None, .. }
                | SeriesHandle::Dependency { excluded: false, group: None, .. }
        )
    }
}

/// FxHash, the hasher of rustc: group keys are hashed once per point, and SipHash was a
/// visible part of the time per point. Deterministic too (no random seed in the core).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

type GroupIndex = HashMap<Box<[u8]>, usize, FxBuild>;

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
}

impl Aggregator {
    /// An empty aggregator for a profile and window.
    pub fn new(profile: Profile, spec: WindowSpec) -> Aggregator {
        Aggregator {
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
        }
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
        self.traffic.len() + self.dependency.len()
    }

    /// The newest point or row time seen, in ns.
    pub fn newest(&self) -> Option<i64> {
        self.newest
    }

    /// Which traffic bucket a time falls in when the window end is still open: buckets are
    /// hours shifted so that `at - traffic_window` is a boundary for any whole-hour `at`.
    fn bucket_of(&self, time: i64) -> i64 {
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
        if *handle == SeriesHandle::Unresolved {
            *handle = self.resolve(point);
        }
        match handle {
            SeriesHandle::Unresolved | SeriesHandle::Other => self.stats.other_measurements += 1,
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
        }
    }

    /// Merges another aggregator built with the same profile and window.
    pub fn merge(&mut self, other: Aggregator) {
        self.stats.add(&other.stats);
        if let Some(n) = other.newest {
            self.note_time(n);
        }
        for g in other.traffic {
            start_key(&mut self.key, g.rule);
            g.tags.iter().for_each(|t| push_key_part(&mut self.key, t));
            match self.traffic_index.get(self.key.as_slice()) {
                Some(&i) => {
                    let mine = &mut self.traffic[i];
                    if let Some(p) = &g.aggregated {
                        merge_into(&mut mine.aggregated, p);
                    }
                    for (b, p) in &g.buckets {
                        match mine.buckets.iter_mut().find(|(mb, _)| mb == b) {
                            Some((_, mp)) => mp.merge(p),
                            None => mine.buckets.push((*b, p.clone())),
                        }
                    }
                }
                None => {
                    self.traffic_index.insert(self.key.as_slice().into(), self.traffic.len());
                    self.traffic.push(g);
                }
            }
        }
        for g in other.dependency {
            start_key(&mut self.key, g.rule);
            g.tags.iter().for_each(|t| push_key_part(&mut self.key, t));
            match self.dependency_index.get(self.key.as_slice()) {
                Some(&i) => {
                    let mine = &mut self.dependency[i];
                    mine.in_window += g.in_window;
                    mine.aggregated |= g.aggregated;
                    mine.last = match (mine.last, g.last) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                }
                None => {
                    self.dependency_index.insert(self.key.as_slice().into(), self.dependency.len());
                    self.dependency.push(g);
                }
            }
        }
    }

    /// The window the tables cover: the explicit one, or the one ending at the next whole hour
    /// after the newest point; `None` for an input without any point of the profile.
    pub fn window(&self) -> Option<Window> {
        let end = self.spec.at.or_else(|| self.newest.map(|n| Timestamp(n).next_hour()))?;
        Some(Window::ending_at(end, &self.spec))
    }

    /// The rows of both tables, sorted by their columns.
    pub fn tables(&self) -> Tables {
        let Some(window) = self.window() else {
            return Tables {
                window: None,
                traffic: Vec::new(),
                dependency: Vec::new(),
                traffic_percentiles: Vec::new(),
            };
        };
        let first_bucket = self.first_bucket(window.end);
        // Keyed by rule and (renamed) tags, so that hostgroups renamed to one name merge.
        let mut groups: BTreeMap<(usize, [String; 4]), Partial> = BTreeMap::new();
        for g in &self.traffic {
            let mut total = g.aggregated.clone();
            for (b, p) in &g.buckets {
                if *b >= first_bucket {
                    merge_into(&mut total, p);
                }
            }
            let Some(p) = total else { continue };
            let mut tags = g.tags.clone();
            for i in [0, 2] {
                tags[i] = self.what_if.renamed(&tags[i]).to_string();
            }
            if !self.what_if.keeps_traffic(&tags) {
                continue;
            }
            match groups.entry((g.rule, tags)) {
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(&p),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(p);
                }
            }
        }
        let mut traffic = Vec::with_capacity(groups.len());
        for ((rule, tags), p) in groups {
            let r = &self.profile.traffic[rule];
            let percentiles = p.histogram.as_ref().and_then(|h| Percentiles::of(h, p.min, p.max));
            let [local, local_address, remote, remote_address] = tags;
            let row = TrafficRow {
                inventory_date: window.end,
                traffic_direction: r.direction.clone(),
                local_hostgroup: local,
                local_hostgroup_address: nullable(&local_address),
                remote_hostgroup: remote,
                remote_hostgroup_address: nullable(&remote_address),
                traffic_bandwidth_bits_min_1h: truncate(p.min),
                traffic_bandwidth_bits_max_1h: truncate(p.max),
                traffic_bandwidth_bits_avg_1h: truncate(p.mean()),
            };
            traffic.push((row, percentiles));
        }
        let mut dependency = Vec::new();
        for g in &self.dependency {
            let present = g.aggregated
                || g.in_window > 0
                || (self.spec.at.is_none() && g.last.is_some_and(|l| l >= window.dependency_start.0));
            if !present {
                continue;
            }
            let r = &self.profile.dependency[g.rule];
            let t = &g.tags;
            dependency.push(DependencyRow {
                inventory_date: window.end,
                dependency_direction: r.direction.clone(),
                protocol: t[0].clone(),
                local_hostgroup_process_name: nullable(&t[1]),
                local_hostgroup: t[2].clone(),
                local_hostgroup_address: nullable(&t[3]),
                local_hostgroup_address_port: nullable(&t[4]),
                remote_hostgroup: t[5].clone(),
                remote_hostgroup_address: nullable(&t[6]),
                remote_hostgroup_address_port: nullable(&t[7]),
            });
        }
        traffic.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        dependency.sort_unstable();
        self.what_if.apply_to_dependencies(&mut dependency);
        let (traffic, mut traffic_percentiles): (Vec<_>, Vec<_>) = traffic.into_iter().unzip();
        if !self.what_if.percentiles {
            traffic_percentiles.clear();
        }
        Tables { window: Some(window), traffic, dependency, traffic_percentiles }
    }
}

/// The two tables of one window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    /// The window used; `None` when the input held no point to place one.
    pub window: Option<Window>,
    /// Hourly traffic rows, sorted.
    pub traffic: Vec<TrafficRow>,
    /// Daily dependency rows, sorted.
    pub dependency: Vec<DependencyRow>,
    /// Percentiles of each traffic row, in the same order, with the `percentiles` what-if
    /// option; empty otherwise.
    pub traffic_percentiles: Vec<Option<Percentiles>>,
}
