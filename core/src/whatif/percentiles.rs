//! Bandwidth percentiles of the what-if page and `analyze --percentiles`: a log-linear
//! histogram per group, and the traffic rows with their percentile columns.

use crate::rows::{truncate, TableRow, TrafficRow};
use crate::schema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Mantissa bits kept in a bucket key: buckets are 1/128 of a power of two wide, so any value
/// of a bucket is within 0.4% of the bucket's middle.
const MANTISSA_BITS: u32 = 7;
const SHIFT: u32 = 52 - MANTISSA_BITS;

/// Counts of values per log-linear bucket: mergeable in any order with identical results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Bucket key -> count. Key 0 holds zero (and NaN); positive keys positive values in
    /// increasing order, negative keys negative values, so key order is value order.
    counts: BTreeMap<i32, u64>,
}

impl Histogram {
    fn key(value: f64) -> i32 {
        if value.is_nan() || value == 0.0 {
            return 0;
        }
        // The top bits of a positive finite f64 (exponent, then mantissa) grow with its value.
        let key = (value.abs().to_bits() >> SHIFT) as i32 + 1;
        if value > 0.0 {
            key
        } else {
            -key
        }
    }

    /// The middle of a bucket, computed exactly from its bounds.
    fn middle(key: i32) -> f64 {
        if key == 0 {
            return 0.0;
        }
        let k = u64::from(key.unsigned_abs() - 1);
        let low = f64::from_bits(k << SHIFT);
        let high = f64::from_bits((k + 1) << SHIFT);
        let mid = low / 2.0 + high / 2.0;
        if key > 0 {
            mid
        } else {
            -mid
        }
    }

    /// Counts one value.
    pub fn add(&mut self, value: f64) {
        *self.counts.entry(Histogram::key(value)).or_insert(0) += 1;
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (k, c) in &other.counts {
            *self.counts.entry(*k).or_insert(0) += c;
        }
    }

    /// Number of values counted.
    pub fn count(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The nearest-rank quantile `q` (0 < q <= 1): the middle of the bucket holding the value of
    /// rank ceil(q * n), kept within `[min, max]` of the values; `None` when empty.
    pub fn quantile(&self, q: f64, min: f64, max: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (k, c) in &self.counts {
            seen += c;
            if seen >= rank {
                return Some(Histogram::middle(*k).clamp(min, max));
            }
        }
        Some(max)
    }
}

/// Extra traffic columns of the what-if page and `analyze --percentiles`
/// ([`schema::PERCENTILE_COLUMNS`]).
pub const PERCENTILE_COLUMNS: [&str; 3] = schema::names(&schema::PERCENTILE_COLUMNS);

/// Bandwidth percentiles of one traffic row, truncated like the other bandwidth columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Median.
    pub p50: i64,
    /// 95th percentile.
    pub p95: i64,
    /// 99th percentile.
    pub p99: i64,
}

impl Percentiles {
    /// From a histogram and the exact min and max; `None` when it is empty.
    pub fn of(histogram: &Histogram, min: f64, max: f64) -> Option<Percentiles> {
        let q = |q| histogram.quantile(q, min, max).map(truncate);
        Some(Percentiles { p50: q(0.5)?, p95: q(0.95)?, p99: q(0.99)? })
    }
}

/// A traffic row with its percentile columns; NULL where a row was built from pre-aggregated
/// answers, which carry no distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrafficRowWithPercentiles {
    /// The BigQuery row.
    #[serde(flatten)]
    pub row: TrafficRow,
    /// p50.
    pub traffic_bandwidth_bits_p50_1h: Option<i64>,
    /// p95.
    pub traffic_bandwidth_bits_p95_1h: Option<i64>,
    /// p99.
    pub traffic_bandwidth_bits_p99_1h: Option<i64>,
}

const EXTENDED_COLUMNS: [&str; 12] = schema::names_of_both(schema::TRAFFIC.columns, &schema::PERCENTILE_COLUMNS);

impl TableRow for TrafficRowWithPercentiles {
    const COLUMNS: &'static [&'static str] = &EXTENDED_COLUMNS;
    fn cells(&self) -> Vec<Option<String>> {
        let mut cells = self.row.cells();
        for v in
            [self.traffic_bandwidth_bits_p50_1h, self.traffic_bandwidth_bits_p95_1h, self.traffic_bandwidth_bits_p99_1h]
        {
            cells.push(v.map(|v| v.to_string()));
        }
        cells
    }
}

/// Joins traffic rows with their percentiles (as [`crate::Analysis::traffic_percentiles`] holds
/// them, one per row); rows without an entry get NULL percentiles.
pub fn with_percentiles(rows: &[TrafficRow], percentiles: &[Option<Percentiles>]) -> Vec<TrafficRowWithPercentiles> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let p = percentiles.get(i).copied().flatten();
            TrafficRowWithPercentiles {
                row: row.clone(),
                traffic_bandwidth_bits_p50_1h: p.map(|p| p.p50),
                traffic_bandwidth_bits_p95_1h: p.map(|p| p.p95),
                traffic_bandwidth_bits_p99_1h: p.map(|p| p.p99),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::WhatIf;
    use super::*;
    use crate::rows::{to_csv, to_ndjson};

    #[test]
    fn percentiles_are_within_half_a_percent_of_exact_nearest_rank() {
        let values: Vec<f64> = (1..=200).map(|i| f64::from(i) * 137.0).collect();
        let a = run(&traffic_points("api", "web", "", &values), WhatIf { percentiles: true, ..WhatIf::default() });
        let p = a.traffic_percentiles[0].expect("raw points have percentiles");
        // Nearest rank of 200 values: p50 is the 100th, p95 the 190th, p99 the 198th.
        for (got, exact) in [(p.p50, 100.0 * 137.0), (p.p95, 190.0 * 137.0), (p.p99, 198.0 * 137.0)] {
            assert!((got as f64 - exact).abs() <= exact * 0.004, "{got} vs {exact}");
        }
    }

    #[test]
    fn histogram_merge_order_does_not_change_quantiles() {
        let (mut a, mut b, mut all) = (Histogram::default(), Histogram::default(), Histogram::default());
        for i in 0..1000 {
            let v = f64::from(i * i % 9973) + 0.5;
            all.add(v);
            if i % 3 == 0 {
                a.add(v)
            } else {
                b.add(v)
            }
        }
        let mut ab = a.clone();
        ab.merge(&b);
        b.merge(&a);
        assert_eq!(ab, all);
        assert_eq!(b, all);
        assert_eq!(all.quantile(0.5, 0.5, 9972.5), ab.quantile(0.5, 0.5, 9972.5));
    }

    #[test]
    fn histogram_keys_keep_value_order_across_signs_and_zero() {
        let keys: Vec<i32> = [-5.0, -1.0, 0.0, 1e-3, 1.0, 1000.0, 1e12].iter().map(|&v| Histogram::key(v)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        let quarter = Histogram::middle(Histogram::key(1000.0));
        assert!((quarter - 1000.0).abs() / 1000.0 < 0.004);
    }

    #[test]
    fn percentile_columns_follow_the_bigquery_columns_in_ndjson_and_csv() {
        let a = run(&traffic_points("api", "web", "", &[1000.0]), WhatIf { percentiles: true, ..WhatIf::default() });
        let rows = with_percentiles(&a.traffic, &a.traffic_percentiles);
        let ndjson = to_ndjson(&rows);
        assert!(ndjson.ends_with(
            "\"traffic_bandwidth_bits_avg_1h\":1000,\"traffic_bandwidth_bits_p50_1h\":1000,\
             \"traffic_bandwidth_bits_p95_1h\":1000,\"traffic_bandwidth_bits_p99_1h\":1000}\n"
        ));
        let csv = to_csv(&rows);
        assert!(csv.starts_with("inventory_date,"));
        assert!(csv.lines().next().expect("header").ends_with(",traffic_bandwidth_bits_p99_1h"));
        assert!(csv.lines().nth(1).expect("row").ends_with(",1000,1000,1000,1000"));
    }
}
