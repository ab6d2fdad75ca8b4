//! The two BigQuery tables as data: every column's name, type, mode and description, the key
//! columns, and the extra percentile columns of the what-if option.
//!
//! The one declaration of the tables: the row writers ([`crate::rows`]), the BigQuery sink
//! (table creation and schema checks) and the JavaScript package read them from here. Names,
//! order, types and modes are those of the original tool (docs/REFERENCE.md, "Output tables").

use serde::Serialize;

/// A column's BigQuery type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ColumnType {
    /// `TIMESTAMP`.
    Timestamp,
    /// `STRING`.
    String,
    /// `INTEGER` (INT64).
    Integer,
}

impl ColumnType {
    /// The legacy SQL name BigQuery's API reports (`TIMESTAMP`, `STRING`, `INTEGER`).
    pub const fn name(self) -> &'static str {
        match self {
            ColumnType::Timestamp => "TIMESTAMP",
            ColumnType::String => "STRING",
            ColumnType::Integer => "INTEGER",
        }
    }
}

/// A column's BigQuery mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Mode {
    /// `REQUIRED`: never NULL.
    Required,
    /// `NULLABLE`: NULL where the tag is empty or absent.
    Nullable,
}

impl Mode {
    /// `REQUIRED` or `NULLABLE`.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Required => "REQUIRED",
            Mode::Nullable => "NULLABLE",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Column name, as in BigQuery and in every NDJSON and CSV the project writes.
    pub name: &'static str,
    /// BigQuery type.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// BigQuery mode.
    pub mode: Mode,
    /// The description the table is created with.
    pub description: &'static str,
}

impl Column {
    const fn new(name: &'static str, column_type: ColumnType, mode: Mode, description: &'static str) -> Column {
        Column { name, column_type, mode, description }
    }
}

/// One table: its columns in table order, and which of them identify a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    /// Short name (`traffic`, `dependency`): the file names `analyze --out` writes.
    pub name: &'static str,
    /// The description the table is created with.
    pub description: &'static str,
    /// Columns in table order.
    pub columns: &'static [Column],
    /// How many leading columns form a row's key: every column but the measured values. A
    /// window written again replaces nothing; rows whose key is already there are skipped.
    pub key_len: usize,
    /// Columns the table is clustered on: the hostgroups, which queries filter on.
    pub clustering: &'static [&'static str],
    /// The column the table is partitioned on (by day).
    pub partitioning: &'static str,
}

impl Table {
    /// The key columns, `inventory_date` first.
    pub fn key_columns(&self) -> &'static [Column] {
        &self.columns[..self.key_len]
    }

    /// Column names in table order.
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> {
        self.columns.iter().map(|c| c.name)
    }
}

use ColumnType::{Integer, String as Str, Timestamp as Time};
use Mode::{Nullable, Required};

const TRAFFIC_COLUMNS: [Column; 9] = [
    Column::new("inventory_date", Time, Required, "End (exclusive) of the hour the row covers: the job's window end"),
    Column::new("traffic_direction", Str, Required, "ingress or egress: the InfluxDB measurement"),
    Column::new("local_hostgroup", Str, Required, "Local service (tag service)"),
    Column::new("local_hostgroup_address", Str, Nullable, "Local service address (tag address); NULL when empty"),
    Column::new("remote_hostgroup", Str, Required, "Remote service (tag remote_service)"),
    Column::new(
        "remote_hostgroup_address",
        Str,
        Nullable,
        "Remote service address (tag remote_address); NULL when empty",
    ),
    Column::new(
        "traffic_bandwidth_bits_min_1h",
        Integer,
        Required,
        "Minimum bandwidth over the hour in bits per second, truncated",
    ),
    Column::new(
        "traffic_bandwidth_bits_max_1h",
        Integer,
        Required,
        "Maximum bandwidth over the hour in bits per second, truncated",
    ),
    Column::new(
        "traffic_bandwidth_bits_avg_1h",
        Integer,
        Required,
        "Mean bandwidth over the hour in bits per second, truncated",
    ),
];

const DEPENDENCY_COLUMNS: [Column; 10] = [
    Column::new(
        "inventory_date",
        Time,
        Required,
        "End (exclusive) of the 7-day window the row covers: the job's window end",
    ),
    Column::new("dependency_direction", Str, Required, "upstream or downstream: the InfluxDB measurement"),
    Column::new("protocol", Str, Required, "Protocol (tag protocol)"),
    Column::new("local_hostgroup_process_name", Str, Nullable, "Local process (tag process_name); NULL when empty"),
    Column::new("local_hostgroup", Str, Required, "Local service (tag service)"),
    Column::new("local_hostgroup_address", Str, Nullable, "Local service address (tag address); NULL when empty"),
    Column::new(
        "local_hostgroup_address_port",
        Str,
        Nullable,
        "Local port of downstream rows (tag port); NULL otherwise",
    ),
    Column::new("remote_hostgroup", Str, Required, "Remote service (tag upstream_service or downstream_service)"),
    Column::new(
        "remote_hostgroup_address",
        Str,
        Nullable,
        "Remote address (tag upstream_address or downstream_address); NULL when empty",
    ),
    Column::new(
        "remote_hostgroup_address_port",
        Str,
        Nullable,
        "Remote port of upstream rows (tag upstream_port); NULL otherwise",
    ),
];

/// Columns clustering both tables.
const CLUSTERING: [&str; 2] = ["local_hostgroup", "remote_hostgroup"];

/// The hourly traffic table. Its key: the window end, the direction and the four hostgroup
/// columns; the three bandwidth columns are the measured values.
pub const TRAFFIC: Table = Table {
    name: "traffic",
    description: "Hourly traffic between service pairs (planet-bq)",
    columns: &TRAFFIC_COLUMNS,
    key_len: 6,
    clustering: &CLUSTERING,
    partitioning: "inventory_date",
};

/// The daily dependency table. Every column is part of the key: a row is a fact, not a measure.
pub const DEPENDENCY: Table = Table {
    name: "dependency",
    description: "Service dependencies over 7 days, daily (planet-bq)",
    columns: &DEPENDENCY_COLUMNS,
    key_len: 10,
    clustering: &CLUSTERING,
    partitioning: "inventory_date",
};

/// The extra traffic columns of the `percentiles` what-if option, after the table's own
/// columns; never part of the BigQuery table. NULL for rows built from pre-aggregated answers,
/// which carry no distribution.
pub const PERCENTILE_COLUMNS: [Column; 3] = [
    Column::new(
        "traffic_bandwidth_bits_p50_1h",
        Integer,
        Nullable,
        "Median bandwidth over the hour in bits per second, truncated",
    ),
    Column::new(
        "traffic_bandwidth_bits_p95_1h",
        Integer,
        Nullable,
        "95th percentile of the bandwidth over the hour in bits per second, truncated",
    ),
    Column::new(
        "traffic_bandwidth_bits_p99_1h",
        Integer,
        Nullable,
        "99th percentile of the bandwidth over the hour in bits per second, truncated",
    ),
];

/// The names of columns, in a constant (for [`crate::rows::TableRow::COLUMNS`]).
pub(crate) const fn names<const N: usize>(columns: &[Column]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = columns[i].name;
        i += 1;
    }
    out
}

/// The names of two column lists one after the other, in a constant.
pub(crate) const fn names_of_both<const N: usize>(first: &[Column], second: &[Column]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < first.len() { first[i].name } else { second[i - first.len()].name };
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_every_column_but_the_measured_values() {
        let traffic: Vec<_> = TRAFFIC.key_columns().iter().map(|c| c.name).collect();
        assert_eq!(traffic.last(), Some(&"remote_hostgroup_address"));
        assert!(TRAFFIC.columns[TRAFFIC.key_len..].iter().all(|c| c.column_type == ColumnType::Integer));
        assert_eq!(DEPENDENCY.key_columns().len(), DEPENDENCY.columns.len());
    }

    #[test]
    fn the_schema_serializes_as_bigquery_names_it() {
        let json = serde_json::to_string(&TRAFFIC.columns[3]).expect("serializable");
        assert_eq!(
            json,
            r#"{"name":"local_hostgroup_address","type":"STRING","mode":"NULLABLE","description":"Local service address (tag address); NULL when empty"}"#
        );
    }
}
