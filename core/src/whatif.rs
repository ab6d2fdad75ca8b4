//! What-if parameters: filters, hostgroup renames and extra statistics on top of the tables.
//!
//! They answer "what would the tables look like if planet-federator had filtered differently",
//! so each filter is defined where the federator applies its own rule:
//! - `min_bandwidth` drops traffic *points* (the federator's 30 s samples) at or below the
//!   threshold before aggregation, as the federator keeps only pairs above 1000 bit/s at every
//!   evaluation; min, max and mean are then those of the points that remain. A pre-aggregated
//!   row (a `/query` answer holding MIN/MAX/MEAN) has no points left to filter: it is dropped
//!   when its maximum is at or below the threshold (every point would have been) and kept
//!   unchanged otherwise.
//! - `exclude_ports` and `exclude_addresses` are regular expressions matched against the whole
//!   value (anchored, as Prometheus label matchers are, so the federator's lists work as
//!   written): the port of a dependency row (`remote_hostgroup_address_port` of an upstream row,
//!   `local_hostgroup_address_port` of a downstream row; traffic rows have no port) and the
//!   `remote_hostgroup_address` of rows of both tables. An absent value matches as `""`.
//! - `hide_empty_remote` drops rows whose remote hostgroup is empty, after renaming.
//! - `rename` maps hostgroup names (local and remote) to new ones; names mapped to the same
//!   name merge: traffic groups that become identical pool their points (min, max and mean over
//!   all of them, as InfluxDB's `GROUP BY` would if the tags had been written that way) and
//!   identical dependency rows collapse into one.
//! - `percentiles` adds p50/p95/p99 of the bandwidth as extra columns
//!   ([`PERCENTILE_COLUMNS`]), never part of the default BigQuery rows.
//!
//! Percentiles come from [`Histogram`], a small log-linear histogram written here rather than a
//! DDSketch crate: DDSketch maps values to buckets with `ln`/`exp`, whose last bits differ
//! between the native libm and the one compiled into WebAssembly, and this project promises the
//! same bytes on every host. Bucketing on the bits of the `f64` is exact everywhere, needs no
//! transcendental function, and keeps memory per group bounded by the number of distinct
//! buckets (at most 128 per power of two of the values, a few hundred in practice).

use crate::error::Error;
use crate::rows::{truncate, DependencyRow, TableRow, TrafficRow, TRAFFIC_COLUMNS};
use regex_lite::Regex;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// What-if parameters of an analysis. Every default leaves the tables unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WhatIf {
    /// Keep only traffic points above this bandwidth in bit/s (the federator uses 1000).
    /// Default: none, every point counts.
    #[serde(alias = "min_bandwidth", skip_serializing_if = "Option::is_none")]
    pub min_bandwidth: Option<f64>,
    /// Drop dependency rows whose port fully matches this regular expression. Default: none.
    #[serde(alias = "exclude_ports", skip_serializing_if = "Option::is_none")]
    pub exclude_ports: Option<Pattern>,
    /// Drop rows whose remote address fully matches this regular expression. Default: none.
    #[serde(alias = "exclude_addresses", skip_serializing_if = "Option::is_none")]
    pub exclude_addresses: Option<Pattern>,
    /// Drop rows whose remote hostgroup is empty. Default `false`.
    #[serde(alias = "hide_empty_remote", skip_serializing_if = "std::ops::Not::not")]
    pub hide_empty_remote: bool,
    /// Hostgroup renames, `from -> to`; several names mapped to one merge. Default: none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rename: BTreeMap<String, String>,
    /// Add p50/p95/p99 bandwidth columns to the traffic rows. Default `false`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub percentiles: bool,
}

/// The federator's excluded ports (REFERENCE.md), as a pattern for `exclude_ports`.
pub const FEDERATOR_EXCLUDED_PORTS: &str =
    "22|53|111|8301|8300|8500|3025|3022|51666|9100|19100|5666|25|8600|11910|11560";

/// The federator's excluded addresses (REFERENCE.md), as a pattern for `exclude_addresses`.
pub const FEDERATOR_EXCLUDED_ADDRESSES: &str =
    "(100.([6-9]|1[0-2]).*|52.*|192.168.*|.*prometheus.*|203.*|163.18.*|130.211.*|f.*|169.254.*|111.*)";

impl WhatIf {
    /// Whether a raw traffic value passes the bandwidth filter.
    pub fn keeps_bandwidth(&self, value: f64) -> bool {
        self.min_bandwidth.is_none_or(|min| value > min)
    }

    /// The name a hostgroup is shown under.
    pub fn renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.rename.get(name).map_or(name, String::as_str)
    }

    fn excluded_address(&self, address: Option<&str>) -> bool {
        self.exclude_addresses.as_ref().is_some_and(|p| p.matches(address.unwrap_or("")))
    }

    /// Whether a traffic group with these tags (local, local address, remote, remote address;
    /// already renamed) stays in the table.
    pub fn keeps_traffic(&self, tags: &[String; 4]) -> bool {
        let hidden = self.hide_empty_remote && tags[2].is_empty();
        !hidden && !self.excluded_address(Some(&tags[3]))
    }

    /// Applies filters and renames to dependency rows; they stay sorted and distinct.
    pub fn apply_to_dependencies(&self, rows: &mut Vec<DependencyRow>) {
        if *self == WhatIf::default() {
            return;
        }
        rows.retain(|r| {
            let port = r.remote_hostgroup_address_port.as_deref().or(r.local_hostgroup_address_port.as_deref());
            !self.exclude_ports.as_ref().is_some_and(|p| p.matches(port.unwrap_or("")))
                && !self.excluded_address(r.remote_hostgroup_address.as_deref())
        });
        for r in rows.iter_mut() {
            r.local_hostgroup = self.renamed(&r.local_hostgroup).to_string();
            r.remote_hostgroup = self.renamed(&r.remote_hostgroup).to_string();
        }
        if self.hide_empty_remote {
            rows.retain(|r| !r.remote_hostgroup.is_empty());
        }
        rows.sort_unstable();
        rows.dedup();
    }
}

/// A regular expression that must match a whole value; compiled once, compared by its text.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    regex: Regex,
}

impl Pattern {
    /// Whether the whole value matches.
    pub fn matches(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }

    /// The expression as given.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl FromStr for Pattern {
    type Err = Error;
    fn from_str(source: &str) -> Result<Self, Error> {
        let regex = Regex::new(&format!("^(?:{source})$")).map_err(|e| Error::Option {
            name: "pattern".into(),
            reason: format!("invalid regular expression {:?}: {e}", crate::error::quote(source)),
        })?;
        Ok(Pattern { source: source.to_string(), regex })
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Mantissa bits kept in a bucket key: buckets are 1/128 of a power of two wide, so any value
/// of a bucket is within 0.4% of the bucket's middle.
const MANTISSA_BITS: u32 = 7;
const SHIFT: u32 = 52 - MANTISSA_BITS;

/// Counts of values per log-linear bucket: mergeable in any order with identical results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

/// Extra traffic columns of the what-if page and `analyze --percentiles`.
pub const PERCENTILE_COLUMNS: [&str; 3] =
    ["traffic_bandwidth_bits_p50_1h", "traffic_bandwidth_bits_p95_1h", "traffic_bandwidth_bits_p99_1h"];

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

const EXTENDED_COLUMNS: [&str; 12] = {
    let mut all = [""; 12];
    let mut i = 0;
    while i < 9 {
        all[i] = TRAFFIC_COLUMNS[i];
        i += 1;
    }
    while i < 12 {
        all[i] = PERCENTILE_COLUMNS[i - 9];
        i += 1;
    }
    all
};

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
    use super::*;
    use crate::rows::{to_csv, to_ndjson};
    use crate::{analyze, Options};

    const AT: &str = "2026-11-22T13:00:00Z";

    fn run(input: &str, what_if: WhatIf) -> crate::Analysis {
        let options = Options { at: Some(AT.parse().expect("valid")), what_if, ..Options::default() };
        analyze([("t.lp", input.as_bytes())], options).expect("analysis")
    }

    /// Line protocol tags, leaving out empty values as InfluxDB does.
    fn tags(pairs: &[(&str, &str)]) -> String {
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!(",{k}={v}")).collect()
    }

    /// Points every 10 s from 12:10 on, inside the window ending 13:00.
    fn traffic_points(local: &str, remote: &str, remote_address: &str, values: &[f64]) -> String {
        let tags = tags(&[("service", local), ("remote_service", remote), ("remote_address", remote_address)]);
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let t = 1_795_349_400_000_000_000i64 + 10_000_000_000 * i as i64;
                format!("ingress{tags} bandwidth_bps={v} {t}\n")
            })
            .collect()
    }

    fn dependency(direction: &str, local: &str, remote: &str, port: &str, address: &str) -> String {
        let t = 1_795_348_800_000_000_000i64;
        let tags = match direction {
            "upstream" => tags(&[
                ("service", local),
                ("upstream_service", remote),
                ("upstream_address", address),
                ("upstream_port", port),
                ("protocol", "tcp"),
            ]),
            _ => tags(&[
                ("service", local),
                ("downstream_service", remote),
                ("downstream_address", address),
                ("port", port),
                ("protocol", "tcp"),
            ]),
        };
        format!("{direction}{tags} service_dependency=1i {t}\n")
    }

    #[test]
    fn default_what_if_changes_nothing() {
        let input = traffic_points("api", "", "", &[10.0, 3000.0]) + &dependency("upstream", "api", "db", "22", "x");
        let plain = run(&input, WhatIf::default());
        assert_eq!(plain.traffic.len(), 1);
        assert_eq!(plain.dependency.len(), 1);
        assert!(plain.traffic_percentiles.is_empty());
    }

    #[test]
    fn min_bandwidth_drops_points_at_or_below_it_before_aggregating() {
        let input = traffic_points("api", "web", "", &[500.0, 1000.0, 1500.0, 2500.0]);
        let a = run(&input, WhatIf { min_bandwidth: Some(1000.0), ..WhatIf::default() });
        let row = &a.traffic[0];
        // 500 and 1000 are not above 1000, as the federator's rule keeps pairs *above* it.
        assert_eq!(
            (row.traffic_bandwidth_bits_min_1h, row.traffic_bandwidth_bits_max_1h, row.traffic_bandwidth_bits_avg_1h),
            (1500, 2500, 2000)
        );
        assert_eq!(a.stats.aggregate.below_min_bandwidth, 2);
        let none = run(&input, WhatIf { min_bandwidth: Some(2500.0), ..WhatIf::default() });
        assert!(none.traffic.is_empty());
    }

    #[test]
    fn min_bandwidth_drops_pre_aggregated_rows_only_when_their_max_is_below() {
        let json = r#"{"results":[{"statement_id":0,"series":[
            {"name":"ingress","tags":{"service":"a","address":"","remote_service":"b","remote_address":""},"columns":["time","min","max","mean"],"values":[["2026-11-22T12:00:00Z",10,900,300]]},
            {"name":"ingress","tags":{"service":"a","address":"","remote_service":"c","remote_address":""},"columns":["time","min","max","mean"],"values":[["2026-11-22T12:00:00Z",10,5000,300]]}]}]}"#;
        let options = Options {
            at: Some(AT.parse().expect("valid")),
            what_if: WhatIf { min_bandwidth: Some(1000.0), ..WhatIf::default() },
            ..Options::default()
        };
        let a = analyze([("q.json", json.as_bytes())], options).expect("analysis");
        let remotes: Vec<_> = a.traffic.iter().map(|r| r.remote_hostgroup.as_str()).collect();
        assert_eq!(remotes, ["c"]);
        assert_eq!(a.traffic[0].traffic_bandwidth_bits_min_1h, 10);
    }

    #[test]
    fn excluded_ports_match_the_whole_port_of_either_direction() {
        let input = dependency("upstream", "api", "db", "22", "db.consul")
            + &dependency("upstream", "api", "db", "2222", "db.consul")
            + &dependency("downstream", "api", "web", "53", "web.consul")
            + &dependency("downstream", "api", "web", "8080", "web.consul");
        let a = run(
            &input,
            WhatIf { exclude_ports: Some(FEDERATOR_EXCLUDED_PORTS.parse().expect("valid")), ..WhatIf::default() },
        );
        let ports: Vec<_> = a
            .dependency
            .iter()
            .map(|r| r.remote_hostgroup_address_port.clone().or(r.local_hostgroup_address_port.clone()))
            .collect();
        assert_eq!(ports, [Some("8080".to_string()), Some("2222".to_string())]);
    }

    #[test]
    fn excluded_addresses_apply_to_the_remote_address_of_both_tables() {
        let input = traffic_points("api", "web", "192.168.1.4", &[5000.0])
            + &traffic_points("api", "web", "10.0.0.1", &[5000.0])
            + &dependency("upstream", "api", "db", "5432", "169.254.0.1")
            + &dependency("upstream", "api", "db", "5432", "db.consul");
        let a = run(
            &input,
            WhatIf {
                exclude_addresses: Some(FEDERATOR_EXCLUDED_ADDRESSES.parse().expect("valid")),
                ..WhatIf::default()
            },
        );
        assert_eq!(a.traffic.len(), 1);
        assert_eq!(a.traffic[0].remote_hostgroup_address.as_deref(), Some("10.0.0.1"));
        assert_eq!(a.dependency.len(), 1);
        assert_eq!(a.dependency[0].remote_hostgroup_address.as_deref(), Some("db.consul"));
    }

    #[test]
    fn hide_empty_remote_drops_rows_without_remote_hostgroup() {
        let input = traffic_points("api", "", "", &[5000.0])
            + &traffic_points("api", "web", "", &[5000.0])
            + &dependency("upstream", "api", "", "5432", "x");
        let a = run(&input, WhatIf { hide_empty_remote: true, ..WhatIf::default() });
        assert_eq!(a.traffic.len(), 1);
        assert_eq!(a.traffic[0].remote_hostgroup, "web");
        assert!(a.dependency.is_empty());
    }

    #[test]
    fn renaming_two_hostgroups_to_one_merges_their_points_and_rows() {
        let input = traffic_points("api", "web-a", "", &[1000.0, 2000.0])
            + &traffic_points("api", "web-b", "", &[6000.0])
            + &dependency("upstream", "api", "web-a", "80", "")
            + &dependency("upstream", "api", "web-b", "80", "");
        let rename =
            BTreeMap::from([("web-a".to_string(), "web".to_string()), ("web-b".to_string(), "web".to_string())]);
        let a = run(&input, WhatIf { rename, ..WhatIf::default() });
        assert_eq!(a.traffic.len(), 1);
        let row = &a.traffic[0];
        assert_eq!(row.remote_hostgroup, "web");
        assert_eq!(
            (row.traffic_bandwidth_bits_min_1h, row.traffic_bandwidth_bits_max_1h, row.traffic_bandwidth_bits_avg_1h),
            (1000, 6000, 3000)
        );
        assert_eq!(a.dependency.len(), 1);
        assert_eq!(a.dependency[0].remote_hostgroup, "web");
    }

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

    #[test]
    fn what_if_options_come_from_javascript_keys_and_reject_bad_patterns() {
        let o: Options = serde_json::from_str(
            r#"{"trafficWindow":"2h","minBandwidth":1000,"excludePorts":"22|53","hideEmptyRemote":true,
                "rename":{"a":"b"},"percentiles":true}"#,
        )
        .expect("valid options");
        assert_eq!(o.what_if.min_bandwidth, Some(1000.0));
        assert!(o.what_if.exclude_ports.as_ref().is_some_and(|p| p.matches("53") && !p.matches("530")));
        assert!(o.what_if.hide_empty_remote && o.what_if.percentiles);
        assert_eq!(o.what_if.renamed("a"), "b");
        let back: Options = serde_json::from_str(&serde_json::to_string(&o).expect("serializes")).expect("round trip");
        assert_eq!(back, o);
        let bad = serde_json::from_str::<Options>(r#"{"excludeAddresses":"(unclosed"}"#).expect_err("bad regex");
        assert!(bad.to_string().contains("(unclosed"), "{bad}");
    }

    #[test]
    fn patterns_use_regex_lite_syntax_anchored_to_the_whole_value() {
        let private: Pattern = r"10\.\d+\.\d+\.\d+|192\.168\..*".parse().expect("valid");
        assert!(private.matches("10.0.1.2") && private.matches("192.168.0.1"));
        assert!(!private.matches("110.0.1.2") && !private.matches("10.0.1.2:80"));
        // ASCII classes only: a Unicode class is refused with the pattern quoted, not ignored.
        let unicode = "\\p{Greek}+".parse::<Pattern>().expect_err("regex-lite has no Unicode classes");
        assert!(unicode.to_string().contains("p{Greek}"), "{unicode}");
    }
}
