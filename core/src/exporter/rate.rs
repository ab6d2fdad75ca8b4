//! `irate` stages: per series and tick the last two samples; at the end the rates, summed by
//! group, scaled, summed again, and kept above the threshold, tick by tick.

use super::emit::EmittedPoint;
use super::matchers::Labels;
use super::ticks::{LastTwo, NS_PER_MS};
use crate::aggregate::FxBuild;
use crate::profile::Stage;
use std::collections::{BTreeMap, HashMap};

/// One series of an `irate` stage.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct RateSeries {
    pub(crate) stage: usize,
    /// All its labels, sorted: the order Prometheus iterates series in, hence summation order.
    labels: Labels,
    /// The values of the stage's `by` labels.
    by: Vec<String>,
    /// Tick (ms) to the last two samples in its range.
    ticks: BTreeMap<i64, LastTwo>,
}

impl RateSeries {
    pub(crate) fn new(stage: usize, labels: Labels, by: Vec<String>) -> RateSeries {
        RateSeries { stage, labels, by, ticks: BTreeMap::new() }
    }

    pub(crate) fn add(&mut self, tick: i64, time: i64, value: f64) {
        self.ticks.entry(tick).or_default().add(time, value);
    }

    /// Drops ticks before `from` (ms), which can no longer be in the window.
    pub(crate) fn prune_before(&mut self, from: i64) {
        if self.ticks.first_key_value().is_some_and(|(t, _)| *t < from) {
            self.ticks = self.ticks.split_off(&from);
        }
    }

    pub(crate) fn merge(&mut self, other: &RateSeries) {
        for (tick, two) in &other.ticks {
            self.ticks.entry(*tick).or_default().merge(two);
        }
    }
}

/// Sums in first-seen order, as PromQL's `sum by` does (plain float additions, Prometheus 2.x),
/// of groups known by their index.
#[derive(Default)]
struct OrderedSums {
    order: Vec<usize>,
    sums: Vec<f64>,
    positions: HashMap<usize, usize, FxBuild>,
}

impl OrderedSums {
    fn add(&mut self, group: usize, value: f64) {
        match self.positions.get(&group) {
            Some(&i) => self.sums[i] += value,
            None => {
                self.positions.insert(group, self.order.len());
                self.order.push(group);
                self.sums.push(value);
            }
        }
    }
}

/// Numbers distinct keys in first-seen order.
struct Numbering<'a> {
    ids: HashMap<Vec<&'a str>, usize, FxBuild>,
    keys: Vec<Vec<&'a str>>,
}

impl<'a> Numbering<'a> {
    fn new() -> Self {
        Numbering { ids: HashMap::default(), keys: Vec::new() }
    }

    fn id(&mut self, key: Vec<&'a str>) -> usize {
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        self.keys.push(key.clone());
        self.ids.insert(key, self.keys.len() - 1);
        self.keys.len() - 1
    }
}

/// Emits the stage's points for ticks in `[from, end)` (ns).
pub(crate) fn emit(
    stage: &Stage,
    index: usize,
    series: &[RateSeries],
    (from, end): (i64, i64),
    sink: &mut dyn FnMut(&EmittedPoint<'_>, i64),
) {
    let mut mine: Vec<&RateSeries> = series.iter().filter(|s| s.stage == index).collect();
    mine.sort_by(|a, b| a.labels.cmp(&b.labels));
    // Group numbers: first level by `by`, second by `then_by` (or the first level again).
    let positions: Option<Vec<usize>> =
        stage.then_by.as_ref().map(|then| then.iter().filter_map(|l| stage.by.iter().position(|b| b == l)).collect());
    let mut inner_ids = Numbering::new();
    let mut outer_ids = Numbering::new();
    let mut outer_of_inner: Vec<usize> = Vec::new();
    let series_inner: Vec<usize> = mine
        .iter()
        .map(|s| {
            let id = inner_ids.id(s.by.iter().map(String::as_str).collect());
            if id == outer_of_inner.len() {
                let key: Vec<&str> = match &positions {
                    Some(p) => p.iter().map(|&i| s.by[i].as_str()).collect(),
                    None => s.by.iter().map(String::as_str).collect(),
                };
                outer_of_inner.push(outer_ids.id(key));
            }
            id
        })
        .collect();
    // Tick -> first-level sums, series visited in label order.
    let mut inner: BTreeMap<i64, OrderedSums> = BTreeMap::new();
    for (s, &group) in mine.iter().zip(&series_inner) {
        for (tick, two) in &s.ticks {
            let at = tick.saturating_mul(NS_PER_MS);
            if at < from || at >= end {
                continue;
            }
            if let Some(rate) = two.irate() {
                inner.entry(*tick).or_default().add(group, rate);
            }
        }
    }
    let labels = stage.then_by.as_ref().unwrap_or(&stage.by);
    let outer_values: Vec<Vec<String>> =
        outer_ids.keys.iter().map(|k| k.iter().map(|v| v.to_string()).collect()).collect();
    for (tick, sums) in inner {
        let mut outer = OrderedSums::default();
        for (group, value) in sums.order.into_iter().zip(sums.sums) {
            outer.add(outer_of_inner[group], value * stage.scale);
        }
        for (group, value) in outer.order.into_iter().zip(outer.sums) {
            if stage.threshold.is_some_and(|t| value <= t) || value.is_nan() {
                continue;
            }
            if let Some(point) = EmittedPoint::new(&stage.emit, labels, &outer_values[group], value) {
                sink(&point, tick.saturating_mul(NS_PER_MS));
            }
        }
    }
}
