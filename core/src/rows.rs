//! The rows of the two BigQuery tables, their order, and their NDJSON and CSV encodings.
//!
//! Column names, order, types and NULL rules are those of [`crate::schema`], the original
//! tool's (docs/REFERENCE.md, "Output tables"). Deriving `Ord` on the structs sorts rows by
//! their columns in table order, with NULL before any string, which makes every output
//! byte-for-byte reproducible.

use crate::schema;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize, Serializer};

/// Column names of the traffic table, in table order ([`schema::TRAFFIC`]).
pub const TRAFFIC_COLUMNS: [&str; 9] = schema::names(schema::TRAFFIC.columns);

/// Column names of the dependency table, in table order ([`schema::DEPENDENCY`]).
pub const DEPENDENCY_COLUMNS: [&str; 10] = schema::names(schema::DEPENDENCY.columns);

fn rfc3339<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ts.to_rfc3339())
}

/// One row of the hourly traffic table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TrafficRow {
    /// End of the window (the job's time).
    #[serde(serialize_with = "rfc3339")]
    pub inventory_date: Timestamp,
    /// `ingress` or `egress`.
    pub traffic_direction: String,
    /// Tag `service`.
    pub local_hostgroup: String,
    /// Tag `address`, NULL when empty.
    pub local_hostgroup_address: Option<String>,
    /// Tag `remote_service` (`""` when empty).
    pub remote_hostgroup: String,
    /// Tag `remote_address`, NULL when empty.
    pub remote_hostgroup_address: Option<String>,
    /// Minimum, truncated toward zero.
    pub traffic_bandwidth_bits_min_1h: i64,
    /// Maximum, truncated toward zero.
    pub traffic_bandwidth_bits_max_1h: i64,
    /// Mean, truncated toward zero.
    pub traffic_bandwidth_bits_avg_1h: i64,
}

/// One row of the daily dependency table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DependencyRow {
    /// End of the window (the job's time).
    #[serde(serialize_with = "rfc3339")]
    pub inventory_date: Timestamp,
    /// `upstream` or `downstream`.
    pub dependency_direction: String,
    /// Tag `protocol` (`""` when empty).
    pub protocol: String,
    /// Tag `process_name`, NULL when empty.
    pub local_hostgroup_process_name: Option<String>,
    /// Tag `service`.
    pub local_hostgroup: String,
    /// Tag `address`, NULL when empty.
    pub local_hostgroup_address: Option<String>,
    /// Tag `port` of downstream rows, NULL otherwise or when empty.
    pub local_hostgroup_address_port: Option<String>,
    /// Tag `upstream_service` / `downstream_service` (`""` when empty).
    pub remote_hostgroup: String,
    /// Tag `upstream_address` / `downstream_address`, NULL when empty.
    pub remote_hostgroup_address: Option<String>,
    /// Tag `upstream_port` of upstream rows, NULL otherwise or when empty.
    pub remote_hostgroup_address_port: Option<String>,
}

/// A table row that can be written as NDJSON and CSV.
pub trait TableRow: Serialize {
    /// Column names in table order.
    const COLUMNS: &'static [&'static str];
    /// Cell values in column order: `None` is NULL, numbers as decimal text.
    fn cells(&self) -> Vec<Option<String>>;
}

impl TableRow for TrafficRow {
    const COLUMNS: &'static [&'static str] = &TRAFFIC_COLUMNS;
    fn cells(&self) -> Vec<Option<String>> {
        vec![
            Some(self.inventory_date.to_rfc3339()),
            Some(self.traffic_direction.clone()),
            Some(self.local_hostgroup.clone()),
            self.local_hostgroup_address.clone(),
            Some(self.remote_hostgroup.clone()),
            self.remote_hostgroup_address.clone(),
            Some(self.traffic_bandwidth_bits_min_1h.to_string()),
            Some(self.traffic_bandwidth_bits_max_1h.to_string()),
            Some(self.traffic_bandwidth_bits_avg_1h.to_string()),
        ]
    }
}

impl TableRow for DependencyRow {
    const COLUMNS: &'static [&'static str] = &DEPENDENCY_COLUMNS;
    fn cells(&self) -> Vec<Option<String>> {
        vec![
            Some(self.inventory_date.to_rfc3339()),
            Some(self.dependency_direction.clone()),
            Some(self.protocol.clone()),
            self.local_hostgroup_process_name.clone(),
            Some(self.local_hostgroup.clone()),
            self.local_hostgroup_address.clone(),
            self.local_hostgroup_address_port.clone(),
            Some(self.remote_hostgroup.clone()),
            self.remote_hostgroup_address.clone(),
            self.remote_hostgroup_address_port.clone(),
        ]
    }
}

/// NULL for an empty tag value, as the NULLABLE columns want.
pub(crate) fn nullable(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_string())
}

/// Truncates toward zero to an integer, as the original does (6823.9 -> 6823);
/// out-of-range values saturate and NaN becomes 0 (Rust's `as` semantics).
pub fn truncate(value: f64) -> i64 {
    value.trunc() as i64
}

/// How tables are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// One JSON object per row ([`to_ndjson`]): what BigQuery receives.
    #[default]
    Ndjson,
    /// CSV with a header row ([`to_csv`]).
    Csv,
}

impl Encoding {
    /// The file extension: `ndjson` or `csv`.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Ndjson => "ndjson",
            Encoding::Csv => "csv",
        }
    }
}

/// The two tables of an analysis as text in one [`Encoding`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableTexts {
    /// The traffic table.
    pub traffic: String,
    /// The dependency table.
    pub dependency: String,
}

/// Rows as text in an encoding.
pub fn encode<R: TableRow>(rows: &[R], encoding: Encoding) -> String {
    match encoding {
        Encoding::Ndjson => to_ndjson(rows),
        Encoding::Csv => to_csv(rows),
    }
}

/// One JSON object per row, keys in column order, each line ending in `\n`: exactly the rows
/// that would be inserted into BigQuery.
pub fn to_ndjson<R: TableRow>(rows: &[R]) -> String {
    let mut out = Vec::with_capacity(rows.len() * 256);
    for row in rows {
        // Serializing plain structs of strings and integers to a Vec cannot fail.
        if serde_json::to_writer(&mut out, row).is_ok() {
            out.push(b'\n');
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// RFC 4180 CSV with a header row. NULL is an empty cell; an empty string is `""`, so the
/// two stay distinct (BigQuery's CSV loader reads them the same way).
pub fn to_csv<R: TableRow>(rows: &[R]) -> String {
    let mut out = String::new();
    write_csv_record(&mut out, R::COLUMNS.iter().map(|c| Some(c.to_string())));
    for row in rows {
        write_csv_record(&mut out, row.cells().into_iter());
    }
    out
}

fn write_csv_record(out: &mut String, cells: impl Iterator<Item = Option<String>>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        match cell {
            None => {}
            Some(text) if text.is_empty() => out.push_str("\"\""),
            Some(text) => out.push_str(&csv_field(&text)),
        }
    }
    out.push('\n');
}

/// One field quoted and escaped by csv-core as needed.
fn csv_field(text: &str) -> String {
    // A fresh writer per field: csv-core decides the quoting when a field starts.
    let mut writer = csv_core::WriterBuilder::new().build();
    // A quoted field is at most twice as long plus the two quotes.
    let mut buf = vec![0u8; text.len() * 2 + 4];
    let (_, _, mut written) = writer.field(text.as_bytes(), &mut buf);
    let (_, n) = writer.finish(&mut buf[written..]);
    written += n;
    buf.truncate(written);
    String::from_utf8(buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traffic(remote: &str, address: Option<&str>) -> TrafficRow {
        TrafficRow {
            inventory_date: "2026-11-22T13:00:00Z".parse().expect("valid"),
            traffic_direction: "ingress".into(),
            local_hostgroup: "api".into(),
            local_hostgroup_address: address.map(String::from),
            remote_hostgroup: remote.into(),
            remote_hostgroup_address: None,
            traffic_bandwidth_bits_min_1h: 2304,
            traffic_bandwidth_bits_max_1h: 9469,
            traffic_bandwidth_bits_avg_1h: 6823,
        }
    }

    #[test]
    fn ndjson_row_has_bigquery_columns_in_order_with_nulls() {
        let text = to_ndjson(&[traffic("other", None)]);
        assert_eq!(
            text,
            "{\"inventory_date\":\"2026-11-22T13:00:00Z\",\"traffic_direction\":\"ingress\",\
             \"local_hostgroup\":\"api\",\"local_hostgroup_address\":null,\"remote_hostgroup\":\"other\",\
             \"remote_hostgroup_address\":null,\"traffic_bandwidth_bits_min_1h\":2304,\
             \"traffic_bandwidth_bits_max_1h\":9469,\"traffic_bandwidth_bits_avg_1h\":6823}\n"
        );
    }

    #[test]
    fn null_sorts_before_any_string() {
        let mut rows = [traffic("a", Some("x")), traffic("a", Some("")), traffic("b", None)];
        rows.sort();
        let addresses: Vec<_> = rows.iter().map(|r| r.local_hostgroup_address.as_deref()).collect();
        assert_eq!(addresses, [None, Some(""), Some("x")]);
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_keeps_empty_distinct_from_null() {
        let text = to_csv(&[traffic("", Some("a,\"b\""))]);
        let line = text.lines().nth(1).expect("data row");
        assert_eq!(line, "2026-11-22T13:00:00Z,ingress,api,\"a,\"\"b\"\"\",\"\",,2304,9469,6823");
    }

    #[test]
    fn truncation_goes_toward_zero() {
        assert_eq!(truncate(6823.9), 6823);
        assert_eq!(truncate(-1.5), -1);
        assert_eq!(truncate(f64::NAN), 0);
    }
}
