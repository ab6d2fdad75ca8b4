//! CSV from `influx -format csv` and from `/query` with `Accept: application/csv`.
//!
//! Both start with `name,` and either `time,` (tags and fields as columns, for plain SELECTs) or
//! `tags,time,` (one escaped `k=v,k=v` cell, for GROUP BY answers). The CLI repeats the header
//! before every series. A CSV has no types, so a column is a tag or a field only by the name
//! the profile asks for; a series whose columns are aggregate names (`min`, `count_…`) is a
//! pre-aggregated answer.

use super::{check_traffic_value, parse_number, split_tag_list, Context, CsvSplitter, LineError, LineParser};
use crate::point::{AggregateColumn, AggregateValues, FieldValue, PointView};
use crate::time::parse_time_text;
use std::cell::Cell;

#[derive(Debug, Default)]
pub(crate) struct InfluxCsvParser {
    /// Column names of the current header.
    columns: Vec<String>,
    tags_column: Option<usize>,
    time_column: Option<usize>,
    /// Aggregate kind of each column, `None` for raw columns.
    aggregates: Vec<Option<AggregateColumn>>,
    is_aggregate: bool,
    cells: Vec<String>,
    splitter: CsvSplitter,
    tags: Vec<(String, String)>,
}

struct CsvPoint<'a> {
    parser: &'a InfluxCsvParser,
    /// The last number cell read, by column: a raw row's traffic value is read twice, once
    /// to check its type and once by the aggregator, and parsing it was a visible cost.
    last_number: Cell<Option<(usize, Option<f64>)>>,
}

impl<'a> CsvPoint<'a> {
    fn new(parser: &'a InfluxCsvParser) -> Self {
        CsvPoint { parser, last_number: Cell::new(None) }
    }

    fn column_index(&self, key: &str) -> Option<usize> {
        let p = self.parser;
        let i = p.columns.iter().position(|c| c == key)?;
        (i < p.cells.len()).then_some(i)
    }

    fn column(&self, key: &str) -> Option<&str> {
        self.column_index(key).map(|i| self.parser.cells[i].as_str())
    }

    fn number(&self, i: usize) -> Option<f64> {
        match self.last_number.get() {
            Some((column, number)) if column == i => number,
            _ => {
                let number = parse_number(&self.parser.cells[i]);
                self.last_number.set(Some((i, number)));
                number
            }
        }
    }
}

impl PointView for CsvPoint<'_> {
    fn measurement(&self) -> &str {
        self.parser.cells.first().map_or("", String::as_str)
    }

    fn tag(&self, key: &str) -> Option<&str> {
        if let Some((_, v)) = self.parser.tags.iter().find(|(k, _)| k == key) {
            return Some(v);
        }
        self.column(key)
    }

    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        let i = self.column_index(key)?;
        let text = self.parser.cells[i].as_str();
        if text.is_empty() {
            return None;
        }
        Some(match self.number(i) {
            Some(v) => FieldValue::Float(v),
            None => match text {
                "true" => FieldValue::Boolean(true),
                "false" => FieldValue::Boolean(false),
                other => FieldValue::String(other),
            },
        })
    }

    fn for_each_tag(&self, visit: &mut dyn FnMut(&str, &str)) {
        let p = self.parser;
        for (k, v) in &p.tags {
            visit(k, v);
        }
        for (i, (column, cell)) in p.columns.iter().zip(&p.cells).enumerate() {
            if i != 0 && Some(i) != p.tags_column && Some(i) != p.time_column {
                visit(column, cell);
            }
        }
    }
}

impl InfluxCsvParser {
    fn header(&mut self) {
        self.columns = std::mem::take(&mut self.cells);
        self.tags_column = self.columns.iter().position(|c| c == "tags");
        self.time_column = self.columns.iter().position(|c| c == "time");
        self.aggregates = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 || Some(i) == self.tags_column || Some(i) == self.time_column {
                    None
                } else {
                    AggregateColumn::classify(c)
                }
            })
            .collect();
        self.is_aggregate = self.aggregates.iter().any(Option::is_some);
    }
}

impl LineParser for InfluxCsvParser {
    fn line(&mut self, line: &str, ctx: &mut Context<'_>) -> Result<(), LineError> {
        if line.trim().is_empty() {
            return Ok(());
        }
        self.splitter.split(line, &mut self.cells)?;
        if self.cells.first().is_some_and(|c| c == "name") {
            self.header();
            return Ok(());
        }
        if self.columns.is_empty() {
            return Err(LineError::new("csv data before a header line starting with \"name,\""));
        }
        if self.cells.len() != self.columns.len() {
            return Err(LineError::new(format!(
                "expected {} cells as in the header, found {}",
                self.columns.len(),
                self.cells.len()
            )));
        }
        let time_text = self.time_column.and_then(|i| self.cells.get(i)).map_or("", String::as_str);
        let time = parse_time_text(time_text, ctx.precision)
            .ok_or_else(|| LineError::new(format!("invalid time {time_text:?}")))?;
        match self.tags_column {
            Some(i) => split_tag_list(&self.cells[i], &mut self.tags)?,
            None => self.tags.clear(),
        }
        if self.is_aggregate {
            let mut values = AggregateValues::default();
            for (kind, cell) in self.aggregates.iter().zip(&self.cells) {
                if let Some(kind) = kind {
                    kind.store(&mut values, parse_number(cell));
                }
            }
            ctx.aggregator.observe_aggregate(&CsvPoint::new(self), &values, time);
        } else {
            let point = CsvPoint::new(self);
            check_traffic_value(&point, ctx.profile)?;
            ctx.aggregator.observe_point(&point, time);
        }
        Ok(())
    }

    fn finish(&mut self, _ctx: &mut Context<'_>) -> Vec<LineError> {
        Vec::new()
    }
}
