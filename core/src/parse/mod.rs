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
/// machine, which cost more than splitting the line itself. Cells are not copied: they are
/// byte ranges of the line itself, or of the splitter's unquoted copy of a quoted line
/// ([`CsvSplitter::cells`]); copying each cell into its own string was a visible share of
/// reading an export.
#[derive(Debug)]
pub(crate) struct CsvSplitter {
    reader: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Each cell's start and end in the line, or in `out` when `quoted`.
    spans: Vec<(usize, usize)>,
    quoted: bool,
}

impl Default for CsvSplitter {
    fn default() -> Self {
        CsvSplitter {
            reader: csv_core::ReaderBuilder::new().build(),
            out: Vec::new(),
            ends: Vec::new(),
            spans: Vec::new(),
            quoted: false,
        }
    }
}

/// The cells of the line last split: see [`CsvSplitter::cells`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct CsvCells<'a> {
    text: &'a str,
    spans: &'a [(usize, usize)],
    /// `text` is the unquoted copy, its cells side by side without separators.
    quoted: bool,
}

impl<'a> CsvCells<'a> {
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        let text = self.text;
        self.spans.get(i).map(|&(start, end)| &text[start..end])
    }

    /// The cell at `i`, which the caller knows exists.
    pub(crate) fn at(&self, i: usize) -> &'a str {
        let (start, end) = self.spans[i];
        &self.text[start..end]
    }

    pub(crate) fn first(&self) -> Option<&'a str> {
        self.get(0)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let text = self.text;
        self.spans.iter().map(move |&(start, end)| &text[start..end])
    }

    /// Appends to `key` the line without the cells at `skip` (ascending), in a form where
    /// different lines give different keys: the line's own bytes with their commas when it
    /// had no quotes, else each cell followed by 0xFF (a byte UTF-8 never holds, so the two
    /// forms never meet).
    pub(crate) fn key_without(&self, skip: [Option<usize>; 2], key: &mut Vec<u8>) {
        let bytes = self.text.as_bytes();
        if !self.quoted {
            let mut from = 0;
            for &(start, end) in skip.iter().flatten().filter_map(|&i| self.spans.get(i)) {
                key.extend_from_slice(&bytes[from..start]);
                from = end;
            }
            key.extend_from_slice(&bytes[from..]);
            return;
        }
        for (i, &(start, end)) in self.spans.iter().enumerate() {
            if !skip.contains(&Some(i)) {
                key.extend_from_slice(&bytes[start..end]);
                key.push(0xFF);
            }
        }
    }

    pub(crate) fn to_strings(self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl CsvSplitter {
    /// Splits one line (without its line ending); its cells are then [`CsvSplitter::cells`]
    /// of the same line.
    pub(crate) fn split(&mut self, line: &str) -> std::result::Result<(), LineError> {
        // Nearly every line of an export has no quote: its cells are what lies between the
        // commas, found eight bytes at a time, without csv-core's state machine or a UTF-8 check per
        // cell (the line is text already, and a comma is never inside a character). A line
        // break inside a line is a record end to csv-core, so such lines take its path too.
        if !line.is_empty() && split_plain(line, &mut self.spans) {
            self.quoted = false;
            return Ok(());
        }
        self.split_quoted(line)
    }

    /// The cells of `line`, which must be the line last given to [`CsvSplitter::split`] (and
    /// split without error).
    pub(crate) fn cells<'a>(&'a self, line: &'a str) -> CsvCells<'a> {
        let text = if self.quoted {
            // The unquoted copy is the line without some ASCII quotes: still UTF-8 (checked in
            // `split_quoted`).
            std::str::from_utf8(&self.out).unwrap_or_default()
        } else {
            line
        };
        CsvCells { text, spans: &self.spans, quoted: self.quoted }
    }

    /// Splits a line with csv-core (quotes, doubled quotes, commas in quotes).
    fn split_quoted(&mut self, line: &str) -> std::result::Result<(), LineError> {
        self.quoted = true;
        self.spans.clear();
        self.reader.reset();
        let input = line.as_bytes();
        self.out.clear();
        self.out.resize(input.len() + 1, 0);
        self.ends.clear();
        self.ends.resize(input.len() + 2, 0);
        let (out, ends) = (&mut self.out, &mut self.ends);
        let (result, _, written, n_ends) = self.reader.read_record(input, out, ends);
        let (result, written, n_ends) = match result {
            csv_core::ReadRecordResult::InputEmpty => {
                // Signal the end of input so the last field is closed.
                let (r, _, more_out, more) = self.reader.read_record(&[], &mut out[written..], &mut ends[n_ends..]);
                (r, written + more_out, n_ends + more)
            }
            other => (other, written, n_ends),
        };
        if matches!(result, csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull) {
            return Err(LineError::new("csv line could not be split"));
        }
        self.out.truncate(written);
        let ends = &self.ends[..n_ends];
        if std::str::from_utf8(&self.out).is_err() {
            return Err(LineError::new("invalid utf-8 in csv cell"));
        }
        let mut start = 0;
        for &end in ends {
            self.spans.push((start, end));
            start = end;
        }
        Ok(())
    }
}

/// Splits a line at every comma, in one pass that also looks for what only csv-core reads
/// right (a quote or a line break): `false` when it found one (`spans` is then unfinished).
fn split_plain(line: &str, spans: &mut Vec<(usize, usize)>) -> bool {
    // Eight bytes at a time (SWAR): cells are a few bytes long, too short for a SIMD search
    // per cell to pay for its setup (memchr per comma was a fifth of reading a CSV export),
    // and a byte loop costs several instructions per byte.
    spans.clear();
    let bytes = line.as_bytes();
    let mut start = 0;
    let chunks = bytes.chunks_exact(8);
    let tail = chunks.remainder();
    for (n, chunk) in chunks.enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        // A quote and both line breaks are below '#': one test of all eight bytes usually
        // clears the word (spaces and '!' also fall below, and take the exact test).
        if has_byte_below(word, b'#')
            && bytes_equal(word, b'"') | bytes_equal(word, b'\r') | bytes_equal(word, b'\n') != 0
        {
            return false;
        }
        let mut commas = bytes_equal(word, b',');
        while commas != 0 {
            let end = n * 8 + (commas.trailing_zeros() / 8) as usize;
            spans.push((start, end));
            start = end + 1;
            commas &= commas - 1;
        }
    }
    let offset = bytes.len() - tail.len();
    for (i, &b) in tail.iter().enumerate() {
        match b {
            b',' => {
                spans.push((start, offset + i));
                start = offset + i + 1;
            }
            b'"' | b'\r' | b'\n' => return false,
            _ => {}
        }
    }
    spans.push((start, bytes.len()));
    true
}

/// Whether a byte of `word` is below `limit` (at most 128). Exact as a yes or no (the marks
/// themselves may also flag a byte above a true one, which is not used).
fn has_byte_below(word: u64, limit: u8) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    word.wrapping_sub(0x0101_0101_0101_0101 * u64::from(limit)) & !word & HIGH != 0
}

/// The high bit of each byte of `word` (little-endian) that equals `byte`, and no other bit.
/// Exact: the sum never carries from one byte into the next.
fn bytes_equal(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = word ^ (0x0101_0101_0101_0101 * u64::from(byte));
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Splits one CSV line into cells (a fresh splitter; parsers keep theirs).
#[cfg(test)]
pub(crate) fn split_csv_line(line: &str) -> std::result::Result<Vec<String>, LineError> {
    let mut splitter = CsvSplitter::default();
    splitter.split(line)?;
    Ok(splitter.cells(line).to_strings())
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
    // Cells rarely have spaces around them: trim only when an end is not a visible character.
    let bytes = text.as_bytes();
    let visible_ends =
        bytes.first().is_some_and(u8::is_ascii_graphic) && bytes.last().is_some_and(u8::is_ascii_graphic);
    let t = if visible_ends { text } else { text.trim() };
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
            splitter.split("stale,cells,\"of another line\"").expect("valid");
            let fast_result = splitter.split(&line);
            let fast = splitter.cells(&line).to_strings();
            let slow_result = splitter.split_quoted(&line);
            let slow = splitter.cells(&line).to_strings();
            let ok = fast_result.is_ok();
            proptest::prop_assert_eq!(fast_result, slow_result, "{:?}", line);
            if ok {
                proptest::prop_assert_eq!(fast, slow, "{:?}", line);
            }
        }
    }

    proptest::proptest! {
        /// Eight bytes compared at once find exactly the bytes a byte-by-byte comparison finds.
        #[test]
        fn bytes_equal_marks_exactly_the_equal_bytes(word in proptest::prelude::any::<[u8; 8]>(), byte in proptest::prelude::any::<u8>()) {
            let marks = bytes_equal(u64::from_le_bytes(word), byte);
            for (i, b) in word.iter().enumerate() {
                proptest::prop_assert_eq!((marks >> (i * 8)) & 0xFF, if *b == byte { 0x80 } else { 0 }, "{:?} {}", word, byte);
            }
        }
    }

    proptest::proptest! {
        /// The whole-word test says yes exactly when a byte is below the limit.
        #[test]
        fn has_byte_below_is_exact(word in proptest::prelude::any::<[u8; 8]>(), limit in 0u8..=128) {
            let expected = word.iter().any(|&b| b < limit);
            proptest::prop_assert_eq!(has_byte_below(u64::from_le_bytes(word), limit), expected, "{:?} {}", word, limit);
        }
    }

    #[test]
    fn csv_lines_split_with_quotes() {
        let cells = split_csv_line(r#"ingress,"a=1,b=2",17,"x""y",,"#).expect("valid");
        assert_eq!(cells, vec!["ingress", "a=1,b=2", "17", "x\"y", "", ""]);
    }
}
