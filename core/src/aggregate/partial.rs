//! [`Partial`]: one group's min, max, exact sum and count, mergeable in any order.

use crate::exact_sum::ExactSum;
use crate::point::AggregateValues;
use crate::whatif::Histogram;

/// Aggregate of one group's values: mergeable in any order with identical results.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// soon as a pre-aggregated row (which has no distribution) is merged in. Boxed, so that
    /// partials without one (the default) do not carry its room.
    pub histogram: Option<Box<Histogram>>,
}

impl Partial {
    pub(super) fn of_value(value: f64, time: i64) -> Partial {
        let mut sum = ExactSum::new();
        sum.add(value);
        Partial { count: 1, min: value, max: value, sum, given_mean: None, first: time, last: time, histogram: None }
    }

    pub(super) fn with_histogram(mut self, wanted: bool) -> Partial {
        if wanted {
            let mut h = Box::<Histogram>::default();
            h.add(self.min);
            self.histogram = Some(h);
        }
        self
    }

    pub(super) fn add_value(&mut self, value: f64, time: i64) {
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
    pub(super) fn of_aggregate(values: &AggregateValues, time: i64) -> Option<Partial> {
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

pub(super) fn merge_into(slot: &mut Option<Box<Partial>>, other: Partial) {
    match slot {
        Some(p) => p.merge(&other),
        None => *slot = Some(Box::new(other)),
    }
}
