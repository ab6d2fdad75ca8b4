//! InfluxDB 2.x annotated CSV (`#group`, `#datatype`, `#default` rows, then a header).
//!
//! Each data row is one field of one point (`_field`, `_value`, `_time`, `_measurement`); the
//! other columns not starting with `_` (besides `result` and `table`) are tags. A blank line
//! and new annotations start a table with other columns. 2.x leaves empty tags out, so an
//! empty cell reads as an absent tag.

use super::{check_traffic_value, parse_number, Context, CsvCells, CsvSplitter, LineError, LineParser};
use crate::point::{FieldValue, PointView};
use crate::time::Timestamp;

#[derive(Debug, Default)]
pub(crate) struct AnnotatedCsvParser {
    columns: Vec<String>,
    datatypes: Vec<String>,
    splitter: CsvSplitter,
    /// The next non-annotation line is a header.
    expect_header: bool,
}

struct AnnotatedPoint<'a> {
    columns: &'a [String],
    datatypes: &'a [String],
    cells: CsvCells<'a>,
    measurement: usize,
    field: usize,
    value: usize,
}

impl PointView for AnnotatedPoint<'_> {
    fn measurement(&self) -> &str {
        self.cells.at(self.measurement)
    }

    fn tag(&self, key: &str) -> Option<&str> {
        if key.starts_with('_') || key == "result" || key == "table" {
            return None;
        }
        let i = self.columns.iter().position(|c| c == key)?;
        self.cells.get(i)
    }

    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        if self.cells.at(self.field) != key {
            return None;
        }
        let text = self.cells.at(self.value);
        let datatype = self.datatypes.get(self.value).map_or("", String::as_str);
        match datatype {
            "long" => text.parse().ok().map(FieldValue::Integer),
            "unsignedLong" => text.parse().ok().map(FieldValue::Unsigned),
            "boolean" => Some(FieldValue::Boolean(text == "true")),
            "string" => Some(FieldValue::String(text)),
            _ => parse_number(text).map(FieldValue::Float),
        }
    }

    fn for_each_tag(&self, visit: &mut dyn FnMut(&str, &str)) {
        for (column, cell) in self.columns.iter().zip(self.cells.iter()) {
            if !column.starts_with('_') && column != "result" && column != "table" {
                visit(column, cell);
            }
        }
    }
}

impl LineParser for AnnotatedCsvParser {
    fn line(&mut self, line: &str, ctx: &mut Context<'_>) -> Result<(), LineError> {
        if line.trim().is_empty() {
            self.expect_header = true;
            return Ok(());
        }
        self.splitter.split(line)?;
        let cells = self.splitter.cells(line);
        let first = cells.first().unwrap_or("");
        if first.starts_with('#') {
            if first == "#datatype" {
                self.datatypes = cells.to_strings();
            }
            self.expect_header = true;
            return Ok(());
        }
        if self.expect_header || self.columns.is_empty() {
            self.columns = cells.to_strings();
            self.expect_header = false;
            return Ok(());
        }
        if cells.len() != self.columns.len() {
            return Err(LineError::new(format!(
                "expected {} cells as in the header, found {}",
                self.columns.len(),
                cells.len()
            )));
        }
        let find = |name: &str| self.columns.iter().position(|c| c == name);
        if let Some(error) = find("error") {
            return Err(LineError::new(format!("the export holds an error: {}", cells.at(error))));
        }
        let (Some(time), Some(value), Some(field), Some(measurement)) =
            (find("_time"), find("_value"), find("_field"), find("_measurement"))
        else {
            return Err(LineError::new("annotated csv needs _time, _value, _field and _measurement columns"));
        };
        let time_text = cells.at(time);
        let time = Timestamp::parse_rfc3339(time_text)
            .ok_or_else(|| LineError::new(format!("invalid _time {time_text:?}")))?;
        let point =
            AnnotatedPoint { columns: &self.columns, datatypes: &self.datatypes, cells, measurement, field, value };
        check_traffic_value(&point, ctx.profile)?;
        ctx.aggregator.observe_point(&point, time.0);
        Ok(())
    }

    fn finish(&mut self, _ctx: &mut Context<'_>) -> Vec<LineError> {
        Vec::new()
    }
}
