//! `/query` JSON answers (whole, or chunked one object per line) and `influx -format json`.
//!
//! A statement's series carry `columns` and `values`; GROUP BY answers add a `tags` object.
//! A series whose columns are aggregate names (`min`, `count_service_dependency`, …) is a
//! pre-aggregated answer, otherwise each value row is a raw point. Times are RFC3339 strings
//! or epoch integers (`epoch=ns|u|ms|s`, unit guessed unless `--precision` says it).

use super::{check_traffic_value, Context, LineError, LineParser};
use crate::error::ErrorKind;
use crate::point::{AggregateColumn, AggregateValues, FieldValue, PointView};
use crate::time::{parse_time_text, Precision};
use serde::Deserialize;
use std::collections::BTreeMap;

mod cells;
use cells::{Cell, Rows, Text};

// The answer is read in place: names, tags and string cells borrow from the line unless they
// hold an escape, and the rows of a series are one flat list of cells. Building a
// `serde_json::Value` per cell cost an allocation per string and made the allocator most of
// the time of this format.

#[derive(Debug, Deserialize)]
struct Response<'a> {
    #[serde(default, borrow)]
    results: Vec<StatementResult<'a>>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct StatementResult<'a> {
    #[serde(default)]
    statement_id: Option<u64>,
    #[serde(default, borrow)]
    series: Vec<Series<'a>>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    partial: bool,
}

#[derive(Debug, Deserialize)]
struct Series<'a> {
    #[serde(default, borrow)]
    name: Text<'a>,
    #[serde(default, borrow)]
    tags: BTreeMap<Text<'a>, Text<'a>>,
    #[serde(default, borrow)]
    columns: Vec<Text<'a>>,
    #[serde(default, borrow)]
    values: Rows<'a>,
}

#[derive(Debug, Default)]
pub(crate) struct QueryJsonParser {
    /// Set once the first line did not hold a whole JSON value: buffer the document.
    document: Option<String>,
    /// Line number where the buffered document starts.
    document_start: u64,
    lines_seen: u64,
    /// The last result read was marked partial (more should have followed).
    last_partial: bool,
    /// The buffered document grew past the record limit: it was dropped, and so is the rest.
    document_too_long: bool,
}

struct JsonPoint<'s, 'a> {
    series: &'s Series<'a>,
    row: &'s [Cell<'a>],
}

impl PointView for JsonPoint<'_, '_> {
    fn measurement(&self) -> &str {
        self.series.name.as_str()
    }

    fn tag(&self, key: &str) -> Option<&str> {
        if let Some(v) = self.series.tags.get(key) {
            return Some(v.as_str());
        }
        let i = self.series.columns.iter().position(|c| c.as_str() == key)?;
        self.row.get(i)?.as_str()
    }

    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        let i = self.series.columns.iter().position(|c| c.as_str() == key)?;
        match self.row.get(i)? {
            Cell::Number(n) => Some(match (n.as_i64(), n.as_u64()) {
                (Some(v), _) if !n.is_f64() => FieldValue::Integer(v),
                (_, Some(v)) if !n.is_f64() => FieldValue::Unsigned(v),
                _ => FieldValue::Float(n.as_f64()?),
            }),
            Cell::Bool(b) => Some(FieldValue::Boolean(*b)),
            Cell::String(s) => Some(FieldValue::String(s.as_str())),
            Cell::Null | Cell::Nested(_) => None,
        }
    }

    fn for_each_tag(&self, visit: &mut dyn FnMut(&str, &str)) {
        for (k, v) in &self.series.tags {
            visit(k.as_str(), v.as_str());
        }
        for (column, cell) in self.series.columns.iter().zip(self.row) {
            if column.as_str() == "time" {
                continue;
            }
            match cell {
                Cell::String(s) => visit(column.as_str(), s.as_str()),
                Cell::Number(n) => visit(column.as_str(), &n.to_string()),
                _ => {}
            }
        }
    }
}

fn time_of(value: Option<&Cell<'_>>, precision: Precision) -> Option<i64> {
    match value? {
        Cell::Number(n) => precision.to_nanos(n.as_i64()?),
        Cell::String(s) => parse_time_text(s.as_str(), precision),
        _ => None,
    }
}

/// The kind of an error the server put in its answer: InfluxDB names a query it gave up on
/// `query-timeout limit exceeded` (and a few other timeouts), every other error is final.
fn server_error_kind(error: &str) -> ErrorKind {
    if error.contains("timeout") {
        ErrorKind::QueryTimeout
    } else {
        ErrorKind::QueryFailed
    }
}

impl QueryJsonParser {
    fn feed(&mut self, response: Response<'_>, ctx: &mut Context<'_>) -> Result<(), LineError> {
        if let Some(error) = response.error {
            return Err(LineError::new(format!("the answer is an error: {error}")).of_kind(server_error_kind(&error)));
        }
        for result in &response.results {
            if let Some(error) = &result.error {
                let id = result.statement_id.map_or(String::new(), |id| format!(" {id}"));
                return Err(LineError::new(format!("statement{id} failed: {error}")).of_kind(server_error_kind(error)));
            }
            self.last_partial = result.partial;
            for series in &result.series {
                feed_series(series, ctx)?;
            }
        }
        Ok(())
    }
}

fn feed_series(series: &Series<'_>, ctx: &mut Context<'_>) -> Result<(), LineError> {
    let time_column = series.columns.iter().position(|c| c.as_str() == "time");
    let aggregates: Vec<Option<AggregateColumn>> = series
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| if Some(i) == time_column { None } else { AggregateColumn::classify(c.as_str()) })
        .collect();
    let is_aggregate = aggregates.iter().any(Option::is_some);
    // A row of the wrong type is left out and the rest of the series still read: the first
    // such row is reported once the series is done, with how many there were.
    let mut wrong_type: Option<(usize, LineError)> = None;
    let mut wrong_rows = 0usize;
    for (index, row) in series.values.rows().enumerate() {
        if row.len() != series.columns.len() {
            return Err(LineError::new(format!(
                "series {:?} has a row of {} values for {} columns",
                series.name,
                row.len(),
                series.columns.len()
            )));
        }
        let time_value = time_column.and_then(|i| row.get(i));
        let time = time_of(time_value, ctx.precision)
            .ok_or_else(|| LineError::new(format!("series {:?} has an invalid time {:?}", series.name, time_value)))?;
        let point = JsonPoint { series, row };
        if is_aggregate {
            let mut values = AggregateValues::default();
            for (kind, cell) in aggregates.iter().zip(row) {
                if let Some(kind) = kind {
                    kind.store(&mut values, cell.as_f64());
                }
            }
            ctx.aggregator.observe_aggregate(&point, &values, time);
        } else if let Err(e) = check_traffic_value(&point, ctx.profile) {
            wrong_rows += 1;
            wrong_type.get_or_insert((index, e));
        } else {
            ctx.aggregator.observe_point(&point, time);
        }
    }
    match wrong_type {
        None => Ok(()),
        Some((index, e)) => Err(LineError::new(format!(
            "series {:?}, row {}: {}{}",
            series.name,
            index + 1,
            e.message,
            if wrong_rows > 1 { format!(" ({wrong_rows} rows of this series left out)") } else { String::new() }
        ))),
    }
}

impl LineParser for QueryJsonParser {
    fn line(&mut self, line: &str, ctx: &mut Context<'_>) -> Result<(), LineError> {
        self.lines_seen += 1;
        if self.document_too_long {
            return Ok(());
        }
        if let Some(doc) = &mut self.document {
            if doc.len().saturating_add(line.len()) >= ctx.max_record_bytes {
                // Memory stays bounded: the document is given up, reported once.
                self.document = None;
                self.document_too_long = true;
                return Err(LineError::new(format!(
                    "a multi-line JSON document longer than {} bytes (the max-line-bytes limit), which is read whole: \
                     write one JSON value per line (influx -format json without -pretty, or a chunked /query answer)",
                    ctx.max_record_bytes
                )));
            }
            doc.push_str(line);
            doc.push('\n');
            return Ok(());
        }
        if line.trim().is_empty() {
            return Ok(());
        }
        match serde_json::from_str::<Response<'_>>(line) {
            Ok(response) => self.feed(response, ctx),
            Err(e) if e.is_eof() && self.lines_seen == 1 => {
                // Not one object per line: a pretty-printed document, read as a whole at the end.
                self.document = Some(format!("{line}\n"));
                self.document_start = self.lines_seen;
                Ok(())
            }
            Err(e) => Err(LineError::new(format!("invalid json: {e}"))),
        }
    }

    fn finish(&mut self, ctx: &mut Context<'_>) -> Vec<LineError> {
        let mut errors = Vec::new();
        if let Some(doc) = self.document.take() {
            // A pretty-printed Prometheus answer starts with a bare `{` too.
            if let Ok(answer) = serde_json::from_str::<super::prometheus_json::Answer>(&doc) {
                return super::prometheus_json::feed(answer, ctx).err().into_iter().collect();
            }
            let mut stream = serde_json::Deserializer::from_str(&doc).into_iter::<Response<'_>>();
            loop {
                match stream.next() {
                    None => break,
                    Some(Ok(response)) => {
                        if let Err(e) = self.feed(response, ctx) {
                            errors.push(e);
                        }
                    }
                    Some(Err(e)) => {
                        let line = self.document_start + e.line() as u64 - 1;
                        let quote = doc.lines().nth(e.line().saturating_sub(1)).map(str::to_string);
                        errors.push(LineError {
                            quote,
                            line: Some(line),
                            ..LineError::new(format!("invalid json: {e}"))
                        });
                        break;
                    }
                }
            }
        }
        if self.last_partial {
            errors.push(
                LineError::new(
                    "the answer ends with a partial result: it was cut short (chunked transfer interrupted, or max-row-limit)",
                )
                .of_kind(ErrorKind::Truncated),
            );
        }
        errors
    }
}
