//! [`Stats`]: counters of what the aggregator saw and left out.

use serde::{Deserialize, Serialize};

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
    /// Raw traffic points read again (same series and time), counted once.
    #[serde(default)]
    pub duplicates: u64,
}

impl Stats {
    pub(super) fn add(&mut self, o: &Stats) {
        self.points += o.points;
        self.aggregate_rows += o.aggregate_rows;
        self.other_measurements += o.other_measurements;
        self.without_local_hostgroup += o.without_local_hostgroup;
        self.without_traffic_value += o.without_traffic_value;
        self.outside_window += o.outside_window;
        self.below_min_bandwidth += o.below_min_bandwidth;
        self.duplicates += o.duplicates;
    }
}
