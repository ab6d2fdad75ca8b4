//! `irate` stages: per series and tick the last two samples; at the end the rates, summed by
//! group, scaled, summed again, and kept above the threshold, tick by tick.

use super::emit::EmittedPoint;
use super::matchers::Labels;
use super::ticks::{LastTwo, NS_PER_MS};
use crate::aggregate::FxBuild;
use crate::profile::Stage;
use std::collections::{BTreeMap, HashMap};

/// One series of an `irate` stage.
#[derive(Debug, Clone)]
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

/// Sums in first-seen order, as PromQL's `sum by` does (plain float additions, Prometheus 2.x).
#[derive(Default)]
struct OrderedSums {
    keys: Vec<Vec<String>>,
    sums: Vec<f64>,
    positions: HashMap<Vec<String>, usize, FxBuild>,
}

impl OrderedSums {
    fn add(&mut self, key: Vec<String>, value: f64) {
        match self.positions.get(&key) {
            Some(&i) => self.sums[i] += value,
            None => {
                self.positions.insert(key.clone(), self.keys.len());
                self.keys.push(key);
                self.sums.push(value);
            }
        }
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
    // Tick -> first-level sums, series visited in label order.
    let mut inner: BTreeMap<i64, OrderedSums> = BTreeMap::new();
    for s in &mine {
        for (tick, two) in &s.ticks {
            let at = tick.saturating_mul(NS_PER_MS);
            if at < from || at >= end {
                continue;
            }
            if let Some(rate) = two.irate() {
                inner.entry(*tick).or_default().add(s.by.clone(), rate);
            }
        }
    }
    let positions: Option<Vec<usize>> =
        stage.then_by.as_ref().map(|then| then.iter().filter_map(|l| stage.by.iter().position(|b| b == l)).collect());
    let labels = stage.then_by.as_ref().unwrap_or(&stage.by);
    for (tick, sums) in inner {
        let scaled = sums.keys.into_iter().zip(sums.sums).map(|(k, v)| (k, v * stage.scale));
        let outer = match &positions {
            None => {
                let (keys, sums) = scaled.unzip();
                OrderedSums { keys, sums, positions: HashMap::default() }
            }
            Some(positions) => {
                let mut o = OrderedSums::default();
                for (k, v) in scaled {
                    o.add(positions.iter().map(|&p| k[p].clone()).collect(), v);
                }
                o
            }
        };
        for (values, value) in outer.keys.iter().zip(outer.sums) {
            if stage.threshold.is_some_and(|t| value <= t) || value.is_nan() {
                continue;
            }
            if let Some(point) = EmittedPoint::new(&stage.emit, labels, values, value) {
                sink(&point, tick.saturating_mul(NS_PER_MS));
            }
        }
    }
}
