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

mod filters;
mod percentiles;

pub use crate::defaults::{FEDERATOR_EXCLUDED_ADDRESSES, FEDERATOR_EXCLUDED_PORTS};
pub use filters::Pattern;
pub use percentiles::{with_percentiles, Histogram, Percentiles, TrafficRowWithPercentiles, PERCENTILE_COLUMNS};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// Analyses of small line-protocol inputs, for the tests of the what-if options.
#[cfg(test)]
mod test_support {
    use super::WhatIf;
    use crate::{analyze, Options};

    pub(super) const AT: &str = "2026-11-22T13:00:00Z";

    pub(super) fn run(input: &str, what_if: WhatIf) -> crate::Analysis {
        let options = Options { at: Some(AT.parse().expect("valid")), what_if, ..Options::default() };
        analyze([("t.lp", input.as_bytes())], options).expect("analysis")
    }

    /// Line protocol tags, leaving out empty values as InfluxDB does.
    pub(super) fn tags(pairs: &[(&str, &str)]) -> String {
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!(",{k}={v}")).collect()
    }

    /// Points every 10 s from 12:10 on, inside the window ending 13:00.
    pub(super) fn traffic_points(local: &str, remote: &str, remote_address: &str, values: &[f64]) -> String {
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

    pub(super) fn dependency(direction: &str, local: &str, remote: &str, port: &str, address: &str) -> String {
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
}
