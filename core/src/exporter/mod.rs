//! Raw exporter metrics (Prometheus series) evaluated as planet-federator's PromQL evaluates
//! them, on its tick grid, into the points of the profile's traffic and dependency rules.
//!
//! A profile's `metrics` section ([`crate::profile::MetricsSpec`]) lists stages. Samples of a
//! stage's metric come here instead of the rules; [`ExporterState::emit`] then hands the
//! federator's points (one per group and tick) to the normal aggregation, so the rows are what
//! planet-federator followed by planet-federator-influxdb-to-bq would write.
//!
//! Memory, whatever the input order (inputs are grouped by series, not time ordered):
//! - an `irate` series keeps, per tick of the traffic window it has samples for, its last two
//!   samples in that tick's range: at most `traffic window / tick + 2` entries of two samples
//!   (a sample serves `range / tick + 1` ticks at most: 2 with a 30 s range). Without an
//!   explicit `at`, ticks that can no longer fall in the window (older than the window ending at
//!   the hour after the newest sample) are dropped as newer samples arrive;
//! - a `max_over_time` (presence) group keeps only its latest tick in each of its two most
//!   recent hours, never the dependency window's samples;
//! - every distinct series seen (accepted or not) keeps one index entry.

mod emit;
mod matchers;
mod presence;
mod rate;
mod ticks;

use crate::aggregate::{FxBuild, WindowSpec};
use crate::inventory::Inventory;
use crate::point::PointView;
use crate::profile::{MetricsSpec, StageFunction, StageTable};
use crate::time::Timestamp;
pub(crate) use emit::EmittedPoint;
use matchers::{group_label, label, CompiledMatcher, Labels};
use presence::PresenceGroup;
use rate::RateSeries;
use std::collections::HashMap;
use std::sync::Arc;
use ticks::{Grid, NS_PER_MS};

/// What the index knows of one series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Slot {
    /// Left out by the stage's matchers.
    Rejected,
    /// An `irate` series.
    Rate(usize),
    /// A series of a presence group.
    Presence(usize),
}

/// The stages' state: series, groups, and the newest sample time.
#[derive(Debug, Clone)]
pub(crate) struct ExporterState {
    spec: MetricsSpec,
    /// Resolves the stages' address labels ([`crate::profile::InventoryLookup`]).
    inventory: Option<Arc<Inventory>>,
    matchers: Vec<Vec<CompiledMatcher>>,
    window: WindowSpec,
    grid: Grid,
    newest: Option<i64>,
    index: HashMap<Box<[u8]>, Slot, FxBuild>,
    rate: Vec<RateSeries>,
    group_index: HashMap<Box<[u8]>, usize, FxBuild>,
    presence: Vec<PresenceGroup>,
    key: Vec<u8>,
    /// The current sample's labels: their text, and (name start, value start, end) of each.
    text: String,
    spans: Vec<(usize, usize, usize)>,
}

/// What [`ExporterState::merge`] takes of another state: its series and groups without the
/// spec, which the merging state has too. The index is a list in the order the other state's
/// map gave it, so that a merge from a deserialized copy (another Worker's slice) visits the
/// series in the order the merge of the state itself would.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct ExporterParts {
    newest: Option<i64>,
    index: Vec<(Box<[u8]>, Slot)>,
    rate: Vec<RateSeries>,
    presence: Vec<PresenceGroup>,
}

fn push_part(key: &mut Vec<u8>, text: &str) {
    key.extend_from_slice(&(text.len() as u64).to_le_bytes());
    key.extend_from_slice(text.as_bytes());
}

impl ExporterState {
    pub(crate) fn new(spec: MetricsSpec, window: WindowSpec) -> ExporterState {
        let matchers = spec.stages.iter().map(|s| s.matchers.iter().map(CompiledMatcher::new).collect()).collect();
        let grid = Grid { step: spec.tick.0 / NS_PER_MS, offset: spec.offset.0 / NS_PER_MS, phase: 0 };
        ExporterState {
            spec,
            inventory: None,
            matchers,
            window,
            grid,
            newest: None,
            index: HashMap::default(),
            rate: Vec::new(),
            group_index: HashMap::default(),
            presence: Vec::new(),
            key: Vec::new(),
            text: String::new(),
            spans: Vec::new(),
        }
    }

    /// Puts ticks on `phase + k * tick` (ms) instead of the epoch-aligned grid; call before
    /// any sample is observed.
    pub(crate) fn set_phase(&mut self, phase: i64) {
        self.grid.phase = phase;
    }

    /// Sets the inventory that resolves the stages' address labels; call before observing.
    pub(crate) fn set_inventory(&mut self, inventory: Option<Arc<Inventory>>) {
        self.inventory = inventory;
    }

    /// The newest sample time of the stages' metrics, in ns.
    pub(crate) fn newest(&self) -> Option<i64> {
        self.newest
    }

    /// Series and groups held.
    pub(crate) fn size(&self) -> usize {
        self.rate.len() + self.presence.len()
    }

    /// Takes a point if its measurement (or, for the wide shape, a field) is a stage's metric;
    /// returns how many samples it held (0: not the stages' business) and, when the point is
    /// one series of one stage, that series, for the parser to hand back with its next points.
    pub(crate) fn observe(&mut self, point: &impl PointView, time: i64) -> (u64, Option<(usize, Slot)>) {
        let measurement = point.measurement();
        let wide = self.spec.wide_measurement.as_deref() == Some(measurement);
        let mut taken = 0;
        let mut known = None;
        for stage in 0..self.spec.stages.len() {
            let metric = self.spec.stages[stage].metric.as_str();
            let value = if wide {
                point.field(metric).and_then(|v| v.as_f64())
            } else if measurement == metric {
                self.value_of(point)
            } else {
                continue;
            };
            taken += 1;
            if let Some(value) = value {
                let slot = self.slot_of(stage, point);
                self.sample_of(stage, slot, time, value);
                known = (!wide).then_some((stage, slot));
            }
        }
        (taken, known)
    }

    fn value_of(&self, point: &impl PointView) -> Option<f64> {
        self.spec.value_fields.iter().find_map(|f| point.field(f).and_then(|v| v.as_f64()))
    }

    /// A point of a series seen before (its stage and slot from [`ExporterState::observe`]):
    /// only its value is read.
    pub(crate) fn observe_known(&mut self, (stage, slot): (usize, Slot), point: &impl PointView, time: i64) -> u64 {
        if let Some(value) = self.value_of(point) {
            self.sample_of(stage, slot, time, value);
        }
        1
    }

    /// The series of a point: its labels read into one reused buffer, so that a known series
    /// costs no allocation.
    fn slot_of(&mut self, stage: usize, point: &impl PointView) -> Slot {
        let metric = self.spec.stages[stage].metric.as_str();
        let value_fields = &self.spec.value_fields;
        // A wide measurement's fields are named after the metrics; typeless answers (CSV, a
        // `/query` JSON) list them beside the tags, so they are not labels either.
        let stages = &self.spec.stages;
        let (text, spans) = (&mut self.text, &mut self.spans);
        text.clear();
        spans.clear();
        let mut push = |k: &str, v: &str| {
            let start = text.len();
            text.push_str(k);
            let middle = text.len();
            text.push_str(v);
            spans.push((start, middle, text.len()));
        };
        point.for_each_tag(&mut |k, v| {
            if !v.is_empty()
                && k != "__name__"
                && !value_fields.iter().any(|f| f == k)
                && !stages.iter().any(|s| s.metric == k)
            {
                push(k, v);
            }
        });
        push("__name__", metric);
        let pair = |&(s, m, e): &(usize, usize, usize)| (&text[s..m], &text[m..e]);
        spans.sort_by(|a, b| pair(a).cmp(&pair(b)));
        spans.dedup_by(|a, b| pair(a).0 == pair(b).0);
        self.key.clear();
        self.key.extend_from_slice(&(stage as u64).to_le_bytes());
        for span in spans.iter() {
            let (k, v) = pair(span);
            push_part(&mut self.key, k);
            push_part(&mut self.key, v);
        }
        match self.index.get(self.key.as_slice()) {
            Some(&slot) => slot,
            None => {
                let slot = self.new_series(stage);
                self.index.insert(self.key.as_slice().into(), slot);
                slot
            }
        }
    }

    fn sample_of(&mut self, stage: usize, slot: Slot, time: i64, value: f64) {
        self.newest = Some(self.newest.map_or(time, |n| n.max(time)));
        let ms = time.div_euclid(NS_PER_MS);
        let s = &self.spec.stages[stage];
        let (range, table) = (s.range.0 / NS_PER_MS, s.table);
        let (from, to) = self.tick_bounds(table);
        match slot {
            Slot::Rejected => {}
            Slot::Rate(i) => {
                let series = &mut self.rate[i];
                series.prune_before(from);
                for tick in self.grid.ticks_served(ms, range).filter(|t| *t >= from && *t < to) {
                    series.add(tick, ms, value);
                }
            }
            Slot::Presence(g) => {
                let group = &mut self.presence[g];
                for tick in self.grid.ticks_served(ms, range).filter(|t| *t >= from && *t < to) {
                    group.seen_at(tick);
                }
            }
        }
    }

    /// Ticks `[from, to)` that may still be in the table's window, in ms: the explicit window,
    /// or (end still open) from the window ending at the hour after the newest sample.
    fn tick_bounds(&self, table: StageTable) -> (i64, i64) {
        let length = match table {
            StageTable::Traffic => self.window.traffic_window.0,
            StageTable::Dependency => self.window.dependency_window.0,
        };
        match (self.window.at, self.newest) {
            (Some(at), _) => (ceil_ms(at.0.saturating_sub(length)), ceil_ms(at.0)),
            (None, Some(n)) => (Timestamp(n).next_hour().0.saturating_sub(length).div_euclid(NS_PER_MS), i64::MAX),
            (None, None) => (i64::MIN, i64::MAX),
        }
    }

    fn new_series(&mut self, stage: usize) -> Slot {
        let text = &self.text;
        let mut labels: Labels =
            self.spans.iter().map(|&(s, m, e)| (text[s..m].to_string(), text[m..e].to_string())).collect();
        let s = &self.spec.stages[stage];
        if let Some(inventory) = &self.inventory {
            resolve(&mut labels, &s.inventory, inventory);
        }
        if !self.matchers[stage].iter().all(|m| m.accepts(&labels)) {
            return Slot::Rejected;
        }
        let by: Vec<String> =
            s.by.iter().map(|l| group_label(&labels, l, &self.spec.instance_labels).to_string()).collect();
        match s.function {
            StageFunction::Irate => {
                self.rate.push(RateSeries::new(stage, labels, by));
                Slot::Rate(self.rate.len() - 1)
            }
            StageFunction::MaxOverTime => Slot::Presence(self.presence_group(stage, by)),
        }
    }

    fn presence_group(&mut self, stage: usize, by: Vec<String>) -> usize {
        let mut key = (stage as u64).to_le_bytes().to_vec();
        by.iter().for_each(|v| push_part(&mut key, v));
        if let Some(&g) = self.group_index.get(key.as_slice()) {
            return g;
        }
        self.presence.push(PresenceGroup::new(stage, by));
        self.group_index.insert(key.into(), self.presence.len() - 1);
        self.presence.len() - 1
    }

    /// The series and groups, for [`ExporterState::merge`] here or in another Worker.
    pub(crate) fn into_parts(self) -> ExporterParts {
        ExporterParts {
            newest: self.newest,
            index: self.index.into_iter().collect(),
            rate: self.rate,
            presence: self.presence,
        }
    }

    /// Merges the state of another analysis of the same profile and window.
    pub(crate) fn merge(&mut self, other: ExporterParts) {
        if let Some(n) = other.newest {
            self.newest = Some(self.newest.map_or(n, |m| m.max(n)));
        }
        let groups: Vec<usize> = other
            .presence
            .into_iter()
            .map(|g| {
                let mine = self.presence_group(g.stage, g.by.clone());
                self.presence[mine].merge(&g);
                mine
            })
            .collect();
        let mut rate: Vec<Option<RateSeries>> = other.rate.into_iter().map(Some).collect();
        for (key, slot) in other.index {
            let theirs = match slot {
                Slot::Rejected => Slot::Rejected,
                Slot::Presence(g) => Slot::Presence(groups[g]),
                Slot::Rate(i) => {
                    let Some(series) = rate.get_mut(i).and_then(Option::take) else { continue };
                    match self.index.get(&key) {
                        Some(&Slot::Rate(mine)) => {
                            self.rate[mine].merge(&series);
                            continue;
                        }
                        _ => {
                            self.rate.push(series);
                            Slot::Rate(self.rate.len() - 1)
                        }
                    }
                }
            };
            self.index.entry(key).or_insert(theirs);
        }
    }

    /// Hands every point the stages give over the window ending at `end` to `sink`, with its
    /// time in ns.
    pub(crate) fn emit(&self, end: Timestamp, sink: &mut dyn FnMut(&EmittedPoint<'_>, i64)) {
        for (stage, s) in self.spec.stages.iter().enumerate() {
            let length = match s.table {
                StageTable::Traffic => self.window.traffic_window.0,
                StageTable::Dependency => self.window.dependency_window.0,
            };
            let from = end.0.saturating_sub(length);
            match s.function {
                StageFunction::Irate => rate::emit(s, stage, &self.rate, (from, end.0), sink),
                StageFunction::MaxOverTime => presence::emit(s, stage, &self.presence, (from, end.0), sink),
            }
        }
    }
}

/// Fills the hostgroup (and domain) labels of each lookup whose hostgroup is empty and whose
/// address the inventory knows; `labels` stays sorted by name.
fn resolve(labels: &mut Labels, lookups: &[crate::profile::InventoryLookup], inventory: &Inventory) {
    for lookup in lookups {
        if !label(labels, &lookup.hostgroup).is_empty() {
            continue;
        }
        let Some(host) = inventory.resolve(label(labels, &lookup.address)) else { continue };
        let (hostgroup, domain) = (host.hostgroup.clone(), host.domain.clone());
        set_label(labels, &lookup.hostgroup, hostgroup);
        if let Some(name) = &lookup.domain {
            if !domain.is_empty() {
                set_label(labels, name, domain);
            }
        }
    }
}

/// Sets a label, keeping the labels sorted; an empty value removes it (absent and empty are
/// the same to the matchers and groups).
fn set_label(labels: &mut Labels, name: &str, value: String) {
    match (labels.binary_search_by(|(k, _)| k.as_str().cmp(name)), value.is_empty()) {
        (Ok(i), false) => labels[i].1 = value,
        (Ok(i), true) => {
            labels.remove(i);
        }
        (Err(i), false) => labels.insert(i, (name.to_string(), value)),
        (Err(_), true) => {}
    }
}

/// The first ms at or after a time in ns.
fn ceil_ms(ns: i64) -> i64 {
    ns.div_euclid(NS_PER_MS) + i64::from(ns.rem_euclid(NS_PER_MS) != 0)
}

#[cfg(test)]
mod tests;
