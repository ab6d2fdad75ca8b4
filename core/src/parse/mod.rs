//! Parsers of every export format, line by line, feeding the aggregator.
//!
//! Every format is read one line at a time so that a file of any size streams through with
//! memory bounded by the number of groups. The one exception is a JSON document spread over
//! several lines (`influx -format json -pretty`, a pretty-printed `/query` answer): it is
//! buffered until it ends, because a JSON value cannot be cut at arbitrary lines.

pub(crate) mod annotated_csv;
pub(crate) mod influx_csv;
pub(crate) mod line_protocol;
pub(crate) mod prometheus_json;
pub(crate) mod query_json;
mod series_cache;

use crate::aggregate::Aggregator;
use crate::error::{Error, ErrorKind, Result};
use crate::point::{FieldValue, PointView};
use crate::profile::Profile;
use crate::time::Precision;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The export formats the core reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Detect from the first line of each input.
    #[default]
    Auto,
    /// Line protocol, bare or as `influx_inspect export` writes it.
    #[serde(alias = "lp")]
    LineProtocol,
    /// `influx -format csv` and `/query` with `Accept: application/csv`.
    Csv,
    /// InfluxDB 2.x annotated CSV.
    AnnotatedCsv,
    /// `/query` JSON (whole or chunked NDJSON) and `influx -format json`.
    #[serde(alias = "ndjson")]
    Json,
    /// Prometheus HTTP API answers (`/api/v1/query`, `/api/v1/query_range`).
    PrometheusJson,
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        Ok(match text {
            "auto" => Format::Auto,
            "lp" | "line-protocol" => Format::LineProtocol,
            "csv" => Format::Csv,
            "annotated-csv" => Format::AnnotatedCsv,
            "json" | "ndjson" => Format::Json,
            "prometheus-json" => Format::PrometheusJson,
            _ => {
                return Err(Error::Option {
                    name: "format".into(),
                    reason: format!("{text:?} is not one of auto, lp, csv, annotated-csv, json, prometheus-json"),
                })
            }
        })
    }
}

impl Format {
    /// Guesses the format from the first non-empty line of an input.
    pub fn detect(first_line: &str) -> Format {
        let line = first_line.trim_start();
        if line.starts_with("{\"status\"") {
            Format::PrometheusJson
        } else if line.starts_with('{') || line.starts_with('[') {
            Format::Json
        } else if line.starts_with("#group")
            || line.starts_with("#datatype")
            || line.starts_with("#default")
            || line.starts_with(",result,table")
        {
            Format::AnnotatedCsv
        } else if line.starts_with("name,time,") || line.starts_with("name,tags,") {
            // The header of `influx -format csv` and of /query's CSV. Not any `name,`: line
            // protocol of a measurement called `name` starts so too (`name,host=a value=1`).
            Format::Csv
        } else {
            Format::LineProtocol
        }
    }

    /// The kebab-case name used by `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::LineProtocol => "lp",
            Format::Csv => "csv",
            Format::AnnotatedCsv => "annotated-csv",
            Format::Json => "json",
            Format::PrometheusJson => "prometheus-json",
        }
    }
}

/// A problem with one line, before the caller adds where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineError {
    pub(crate) message: String,
    pub(crate) kind: ErrorKind,
    /// The part of the input to quote, when not the whole line; a line number when the
    /// problem is elsewhere than the current line (a buffered JSON document).
    pub(crate) quote: Option<String>,
    pub(crate) line: Option<u64>,
}

impl LineError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        LineError { message: message.into(), kind: ErrorKind::Malformed, quote: None, line: None }
    }

    /// The same problem, of another kind than [`ErrorKind::Malformed`].
    pub(crate) fn of_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }
}

/// What a parser needs besides the line.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub(crate) aggregator: &'a mut Aggregator,
    pub(crate) precision: Precision,
    /// The profile: which fields the tables read, to refuse a value of the wrong type.
    pub(crate) profile: &'a Profile,
    /// The longest record a parser may hold (a line, a multi-line JSON document).
    pub(crate) max_record_bytes: usize,
}

/// A format's parser: fed one line at a time (without its line ending), then finished.
pub(crate) trait LineParser: std::fmt::Debug + Send {
    fn line(&mut self, line: &str, ctx: &mut Context<'_>) -> std::result::Result<(), LineError>;
    /// Called at the end of the input; may report problems found only then.
    fn finish(&mut self, ctx: &mut Context<'_>) -> Vec<LineError>;
}

/// A parser for a format (not `Auto`).
pub(crate) fn parser_for(format: Format) -> Box<dyn LineParser> {
    match format {
        Format::LineProtocol | Format::Auto => Box::new(line_protocol::LineProtocolParser::default()),
        Format::Csv => Box::new(influx_csv::InfluxCsvParser::default()),
        Format::AnnotatedCsv => Box::new(annotated_csv::AnnotatedCsvParser::default()),
        Format::Json => Box::new(query_json::QueryJsonParser::default()),
        Format::PrometheusJson => Box::new(prometheus_json::PrometheusJsonParser::default()),
    }
}

/// Splits CSV lines into cells with csv-core (quotes, doubled quotes, commas in quotes).
///
/// One per parser, reused for every line: building a csv-core reader builds its state
/// machine, which cost more than splitting the line itself; the cell strings are reused too.
#[derive(Debug)]
pub(crate) struct CsvSplitter {
    reader: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Default for CsvSplitter {
    fn default() -> Self {
        CsvSplitter { reader: csv_core::ReaderBuilder::new().build(), out: Vec::new(), ends: Vec::new() }
    }
}

impl CsvSplitter {
    /// Splits one line (without its line ending) into `cells`.
    pub(crate) fn split(&mut self, line: &str, cells: &mut Vec<String>) -> std::result::Result<(), LineError> {
        // Nearly every line of an export has no quote: its cells are what lies between the
        // commas, found by a SIMD search, without csv-core's state machine or a UTF-8 check per
        // cell (the line is text already, and a comma is never inside a character). A line
        // break inside a line is a record end to csv-core, so such lines take its path too.
        if !line.is_empty() && memchr::memchr3(b'"', b'\r', b'\n', line.as_bytes()).is_none() {
            split_plain(line, cells);
            return Ok(());
        }
        self.split_quoted(line, cells)
    }

    /// Splits a line with csv-core (quotes, doubled quotes, commas in quotes).
    fn split_quoted(&mut self, line: &str, cells: &mut Vec<String>) -> std::result::Result<(), LineError> {
        self.reader.reset();
        let input = line.as_bytes();
        self.out.clear();
        self.out.resize(input.len() + 1, 0);
        self.ends.clear();
        self.ends.resize(input.len() + 2, 0);
        let (out, ends) = (&mut self.out, &mut self.ends);
        let (result, _, written, n_ends) = self.reader.read_record(input, out, ends);
        let (result, n_ends) = match result {
            csv_core::ReadRecordResult::InputEmpty => {
                // Signal the end of input so the last field is closed.
                let (r, _, _, more) = self.reader.read_record(&[], &mut out[written..], &mut ends[n_ends..]);
                (r, n_ends + more)
            }
            other => (other, n_ends),
        };
        if matches!(result, csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull) {
            return Err(LineError::new("csv line could not be split"));
        }
        let mut start = 0;
        let mut count = 0;
        for &end in &ends[..n_ends] {
            let cell =
                std::str::from_utf8(&out[start..end]).map_err(|_| LineError::new("invalid utf-8 in csv cell"))?;
            match cells.get_mut(count) {
                Some(kept) => {
                    kept.clear();
                    kept.push_str(cell);
                }
                None => cells.push(cell.to_string()),
            }
            count += 1;
            start = end;
        }
        cells.truncate(count);
        Ok(())
    }
}

/// Splits a line without quotes or line breaks at every comma, reusing the cell strings.
fn split_plain(line: &str, cells: &mut Vec<String>) {
    let mut count = 0;
    let mut start = 0;
    let ends = memchr::memchr_iter(b',', line.as_bytes()).chain(std::iter::once(line.len()));
    for end in ends {
        let cell = &line[start..end];
        match cells.get_mut(count) {
            Some(kept) => {
                kept.clear();
                kept.push_str(cell);
            }
            None => cells.push(cell.to_string()),
        }
        count += 1;
        start = end + 1;
    }
    cells.truncate(count);
}

/// Splits one CSV line into cells (a fresh splitter; parsers keep theirs).
#[cfg(test)]
pub(crate) fn split_csv_line(line: &str, cells: &mut Vec<String>) -> std::result::Result<(), LineError> {
    CsvSplitter::default().split(line, cells)
}

/// Splits InfluxDB's escaped tag list `k=v,k2=v2` (backslash escapes commas, equals signs and
/// spaces, as in line protocol) into unescaped pairs. Any other backslash is literal, as
/// InfluxDB 1.x stores it (`a\\b` is two backslashes, `\"` a backslash and a quote); the byte
/// after a backslash is never a separator.
pub(crate) fn split_tag_list(text: &str, tags: &mut Vec<(String, String)>) -> std::result::Result<(), LineError> {
    tags.clear();
    if text.is_empty() {
        return Ok(());
    }
    let mut key = String::new();
    let mut value = String::new();
    let mut in_value = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next().unwrap_or('\\');
                if !matches!(next, ',' | '=' | ' ') {
                    (if in_value { &mut value } else { &mut key }).push('\\');
                }
                (if in_value { &mut value } else { &mut key }).push(next);
            }
            '=' if !in_value => in_value = true,
            ',' => {
                if !in_value {
                    return Err(LineError::new(format!("tag {key:?} has no value in the tags cell")));
                }
                tags.push((std::mem::take(&mut key), std::mem::take(&mut value)));
                in_value = false;
            }
            c => (if in_value { &mut value } else { &mut key }).push(c),
        }
    }
    if !in_value {
        return Err(LineError::new(format!("tag {key:?} has no value in the tags cell")));
    }
    tags.push((key, value));
    Ok(())
}

/// Parses a number cell of a typeless export; empty means no value.
/// Refuses a point whose traffic field, where the profile reads a number, holds a string, a
/// boolean, NaN or an infinity: InfluxDB stores the first two (and refuses the last two on
/// write), the tables can use none of them, and dropping the point silently would hide it.
/// Line protocol makes the same check on the crate's parse (`line_protocol::check_values`).
pub(crate) fn check_traffic_value(point: &impl PointView, profile: &Profile) -> std::result::Result<(), LineError> {
    let measurement = point.measurement();
    for rule in profile.traffic.iter().filter(|r| r.measurement == measurement) {
        let field = rule.field.as_str();
        let message = match point.field(field) {
            Some(FieldValue::String(_)) => wrong_type(field, "a string", measurement),
            Some(FieldValue::Boolean(_)) => wrong_type(field, "a boolean", measurement),
            Some(FieldValue::Float(v)) if !v.is_finite() => {
                format!("field {field}: invalid number {v} (InfluxDB accepts no NaN or infinity)")
            }
            _ => continue,
        };
        return Err(LineError::new(message));
    }
    Ok(())
}

/// The message for a string or boolean where a traffic rule reads a number.
pub(crate) fn wrong_type(field: &str, kind: &str, measurement: &str) -> String {
    format!("field {field}: {kind}, not a number (the {measurement} rows need a number)")
}

pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_from_the_first_line() {
        assert_eq!(Format::detect("{\"results\":[]}"), Format::Json);
        assert_eq!(Format::detect("{\"status\":\"success\",\"data\":{}}"), Format::PrometheusJson);
        assert_eq!(Format::detect("#group,false,false"), Format::AnnotatedCsv);
        assert_eq!(Format::detect("name,tags,time,min"), Format::Csv);
        assert_eq!(Format::detect("name,time,address"), Format::Csv);
        assert_eq!(Format::detect("# INFLUXDB EXPORT: 1677"), Format::LineProtocol);
        assert_eq!(Format::detect("ingress,service=a v=1 1"), Format::LineProtocol);
        assert_eq!(Format::detect("name,host=a value=1 1"), Format::LineProtocol, "a measurement called name");
        assert_eq!(Format::detect("name,time=a value=1 1"), Format::LineProtocol);
    }

    #[test]
    fn tag_lists_unescape_like_influxdb_writes_them() {
        let mut tags = Vec::new();
        split_tag_list(r"address=10.0.0.2,process_name=nginx\ worker,k\=x=a\,b", &mut tags).expect("valid");
        assert_eq!(
            tags,
            vec![
                ("address".into(), "10.0.0.2".into()),
                ("process_name".into(), "nginx worker".into()),
                ("k=x".into(), "a,b".into())
            ]
        );
        assert!(split_tag_list("novalue", &mut tags).is_err());
    }

    #[test]
    fn tag_lists_keep_other_backslashes_literal_like_influxdb_1x() {
        let mut tags = Vec::new();
        split_tag_list(r#"a=x\\\\y,b=q\"u,c=C:\dir"#, &mut tags).expect("valid");
        assert_eq!(
            tags,
            vec![("a".into(), r"x\\\\y".into()), ("b".into(), r#"q\"u"#.into()), ("c".into(), r"C:\dir".into())]
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]

        /// Lines without quotes split exactly as csv-core splits them.
        #[test]
        fn plain_lines_split_as_csv_core_splits_them(
            parts in proptest::collection::vec(
                proptest::sample::select(&["a", "bc", ",", ",,", "\"", "\r", "\n", "é", " ", "\t", "1.5e3"][..]),
                0..10,
            )
        ) {
            let line = parts.concat();
            let mut splitter = CsvSplitter::default();
            let (mut fast, mut slow) = (vec!["stale".to_string(); 3], Vec::new());
            let fast_result = splitter.split(&line, &mut fast);
            let slow_result = splitter.split_quoted(&line, &mut slow);
            proptest::prop_assert_eq!(fast_result, slow_result, "{:?}", line);
            proptest::prop_assert_eq!(fast, slow, "{:?}", line);
        }
    }

    #[test]
    fn csv_lines_split_with_quotes() {
        let mut cells = Vec::new();
        split_csv_line(r#"ingress,"a=1,b=2",17,"x""y",,"#, &mut cells).expect("valid");
        assert_eq!(cells, vec!["ingress", "a=1,b=2", "17", "x\"y", "", ""]);
    }
}
