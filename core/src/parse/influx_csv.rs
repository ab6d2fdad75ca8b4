//! CSV from `influx -format csv` and from `/query` with `Accept: application/csv`.
//!
//! Both start with `name,` and either `time,` (tags and fields as columns, for plain SELECTs) or
//! `tags,time,` (one escaped `k=v,k=v` cell, for GROUP BY answers). The CLI repeats the header
//! before every series. A CSV has no types, so a column is a tag or a field only by the name
//! the profile asks for; a series whose columns are aggregate names (`min`, `count_…`) is a
//! pre-aggregated answer.

use super::series_cache::SeriesCache;
use super::{check_traffic_value, parse_number, split_tag_list, Context, CsvCells, CsvSplitter, LineError, LineParser};
use crate::aggregate::SeriesHandle;
use crate::point::{AggregateColumn, AggregateValues, FieldValue, PointView};
use crate::profile::Profile;
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
    splitter: CsvSplitter,
    tags: Vec<(String, String)>,
    /// What the aggregator made of the series of earlier raw rows, by [`InfluxCsvParser::series_key`]
    /// (valid for the current header's columns).
    series: SeriesCache,
    /// The series key of the current row.
    key: Vec<u8>,
    /// The last measurement whose series key was made, and its traffic value column (valid
    /// for the current header's columns).
    value_column: Option<(String, Option<usize>)>,
}

struct CsvPoint<'a> {
    columns: &'a [String],
    tags_column: Option<usize>,
    time_column: Option<usize>,
    /// The tags of the `tags` cell (GROUP BY answers).
    tags: &'a [(String, String)],
    cells: CsvCells<'a>,
    /// The column the traffic value is likely in (checked by name before use).
    value_hint: Option<usize>,
    /// The last number cell read, by column: a raw row's traffic value is read twice, once
    /// to check its type and once by the aggregator, and parsing it was a visible cost.
    last_number: Cell<Option<(usize, Option<f64>)>>,
}

impl<'a> CsvPoint<'a> {
    fn column_index(&self, key: &str) -> Option<usize> {
        let hinted = self.value_hint.filter(|&i| self.columns.get(i).is_some_and(|c| c == key));
        let i = hinted.or_else(|| self.columns.iter().position(|c| c == key))?;
        (i < self.cells.len()).then_some(i)
    }

    fn column(&self, key: &str) -> Option<&'a str> {
        self.column_index(key).map(|i| self.cells.at(i))
    }

    fn number(&self, i: usize) -> Option<f64> {
        match self.last_number.get() {
            Some((column, number)) if column == i => number,
            _ => {
                let number = parse_number(self.cells.at(i));
                self.last_number.set(Some((i, number)));
                number
            }
        }
    }
}

impl PointView for CsvPoint<'_> {
    fn measurement(&self) -> &str {
        self.cells.first().unwrap_or("")
    }

    fn tag(&self, key: &str) -> Option<&str> {
        if let Some((_, v)) = self.tags.iter().find(|(k, _)| k == key) {
            return Some(v);
        }
        self.column(key)
    }

    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        let i = self.column_index(key)?;
        let text = self.cells.at(i);
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
        for (k, v) in self.tags {
            visit(k, v);
        }
        for (i, (column, cell)) in self.columns.iter().zip(self.cells.iter()).enumerate() {
            if i != 0 && Some(i) != self.tags_column && Some(i) != self.time_column {
                visit(column, cell);
            }
        }
    }
}

impl InfluxCsvParser {
    fn point<'a>(&'a self, cells: CsvCells<'a>) -> CsvPoint<'a> {
        CsvPoint {
            columns: &self.columns,
            tags_column: self.tags_column,
            time_column: self.time_column,
            tags: &self.tags,
            cells,
            value_hint: self.value_column.as_ref().and_then(|(_, column)| *column),
            last_number: Cell::new(None),
        }
    }

    fn header(&mut self, line: &str) {
        // The CLI repeats the header before every series, mostly with the same columns; keys
        // of other columns would name other series.
        let cells = self.splitter.cells(line);
        if self.columns.len() == cells.len() && self.columns.iter().zip(cells.iter()).all(|(c, cell)| c == cell) {
            return;
        }
        self.series = SeriesCache::default();
        self.value_column = None;
        self.columns = cells.to_strings();
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

    /// Builds the key of a raw row's series in `self.key`: every cell but the time and the
    /// traffic value (a point written again with another value is the same series; see
    /// [`CsvCells::key_without`]). Everything the aggregator reads of a row but its
    /// time and value is in it, so rows with one key get one handle. `false` with a profile of
    /// metric stages, whose series are read from their labels every time.
    fn series_key(&mut self, line: &str, profile: &Profile) -> bool {
        if profile.metrics.is_some() {
            return false;
        }
        let cells = self.splitter.cells(line);
        let measurement = cells.first().unwrap_or("");
        // A header's rows are nearly always of one measurement: its value column is kept.
        let value_column = match &self.value_column {
            Some((known, column)) if known == measurement => *column,
            _ => {
                let column = profile
                    .traffic
                    .iter()
                    .find(|r| r.measurement == measurement)
                    .filter(|r| !crate::aggregate::traffic_tags(r).contains(&r.field.as_str()))
                    .and_then(|r| self.columns.iter().position(|c| *c == r.field));
                self.value_column = Some((measurement.to_string(), column));
                column
            }
        };
        self.key.clear();
        let (first, second) = (self.time_column, value_column);
        let skip = if first <= second { [first, second] } else { [second, first] };
        cells.key_without(skip, &mut self.key);
        true
    }
}

impl LineParser for InfluxCsvParser {
    fn line(&mut self, line: &str, ctx: &mut Context<'_>) -> Result<(), LineError> {
        if line.trim().is_empty() {
            return Ok(());
        }
        self.splitter.split(line)?;
        let cells = self.splitter.cells(line);
        if cells.first() == Some("name") {
            self.header(line);
            return Ok(());
        }
        if self.columns.is_empty() {
            return Err(LineError::new("csv data before a header line starting with \"name,\""));
        }
        if cells.len() != self.columns.len() {
            return Err(LineError::new(format!(
                "expected {} cells as in the header, found {}",
                self.columns.len(),
                cells.len()
            )));
        }
        let time_text = self.time_column.and_then(|i| cells.get(i)).unwrap_or("");
        let time = parse_time_text(time_text, ctx.precision)
            .ok_or_else(|| LineError::new(format!("invalid time {time_text:?}")))?;
        match self.tags_column {
            Some(i) => split_tag_list(cells.at(i), &mut self.tags)?,
            None => self.tags.clear(),
        }
        if self.is_aggregate {
            let mut values = AggregateValues::default();
            for (kind, cell) in self.aggregates.iter().zip(cells.iter()) {
                if let Some(kind) = kind {
                    kind.store(&mut values, parse_number(cell));
                }
            }
            ctx.aggregator.observe_aggregate(&self.point(cells), &values, time);
        } else {
            let keyed = self.series_key(line, ctx.profile);
            let cached = if keyed { self.series.find(&self.key) } else { None };
            let mut handle = cached.map_or(SeriesHandle::Unresolved, |(_, _, h)| h);
            let point = self.point(self.splitter.cells(line));
            check_traffic_value(&point, ctx.profile)?;
            ctx.aggregator.observe_point_tracked(&point, time, &mut handle);
            if keyed && cached.is_none_or(|(_, _, h)| h != handle) {
                self.series.remember(cached.map(|(id, ..)| id), &self.key, 0, handle);
            }
        }
        Ok(())
    }

    fn finish(&mut self, _ctx: &mut Context<'_>) -> Vec<LineError> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{Aggregator, Tables, WindowSpec};
    use crate::time::{Duration, Precision, HOUR};
    use proptest::prelude::*;

    /// Two headers (the CLI repeats one per series; the columns differ between measurements).
    const HEADERS: [&str; 2] = [
        "name,time,remote_service,service,bandwidth_bps,x",
        "name,time,service,upstream_service,process_name,service_dependency",
    ];
    /// Rows of each header: series that differ in a group tag, in a non-group column only, in
    /// the empty local hostgroup, or in the measurement; values in the last cell or the fifth.
    const ROWS: [[&str; 6]; 2] = [
        [
            "ingress,{t},b,a,1.5,",
            "ingress,{t},b,a,2.5,y",
            "ingress,{t},b,a,3e2,y",
            "egress,{t},c,a,7,",
            "ingress,{t},b,,1,",
            "other,{t},b,a,1,",
        ],
        [
            "upstream,{t},a,d,java,1",
            "upstream,{t},a,d,ruby,1",
            "upstream,{t},a,e,java,1",
            "upstream,{t},,d,java,1",
            "downstream,{t},a,d,java,1",
            "upstream,{t},a,d,java,0",
        ],
    ];

    /// The tables and errors of `lines`, read by one parser, or by a fresh parser (an empty
    /// series cache) for every data line, given the header in force first.
    fn tables_of(lines: &[String], fresh_parser_per_line: bool) -> (Tables, Vec<Option<String>>) {
        let spec = WindowSpec { at: None, traffic_window: Duration(HOUR), dependency_window: Duration(HOUR) };
        let profile = Profile::planet_federator();
        let mut aggregator = Aggregator::new(profile.clone(), spec);
        let mut parser = InfluxCsvParser::default();
        let mut header = "";
        let mut errors = Vec::new();
        for line in lines {
            let mut ctx = Context {
                aggregator: &mut aggregator,
                precision: Precision::Auto,
                profile: &profile,
                max_record_bytes: usize::MAX,
            };
            if line.starts_with("name,") {
                header = line;
            } else if fresh_parser_per_line {
                parser = InfluxCsvParser::default();
                let _ = parser.line(header, &mut ctx);
            }
            errors.push(parser.line(line, &mut ctx).err().map(|e| e.message));
        }
        (aggregator.tables(), errors)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Rows of a few series in any order, again at the same time with the same or another
        /// value, under changing headers: one parser, whose series cache remembers them, gives
        /// the same tables and errors as a fresh parser for every row.
        #[test]
        fn the_series_cache_changes_no_result(
            picks in prop::collection::vec((0..2usize, 0..6usize, 0..3i64, 0..8u8), 1..80)
        ) {
            let mut lines = Vec::new();
            let mut current = None;
            for &(h, r, t, switch) in &picks {
                // Mostly the same header, sometimes it again, sometimes the other one.
                let h = if switch == 0 { 1 - current.unwrap_or(h) } else { current.unwrap_or(h) };
                if current != Some(h) || switch == 1 {
                    lines.push(HEADERS[h].to_string());
                    current = Some(h);
                }
                let time = (1_795_349_886_000_000_000 + t * 30_000_000_000).to_string();
                lines.push(ROWS[h][r].replace("{t}", &time));
            }
            prop_assert_eq!(tables_of(&lines, false), tables_of(&lines, true));
        }
    }

    #[test]
    fn a_row_again_with_another_value_replaces_it() {
        // An oracle by hand: ingress a->b at t0 is 1 then 3 (the later write wins), at t1 is 5:
        // min 3, max 5, mean 4.
        let t0 = "1795349886000000000";
        let t1 = "1795349916000000000";
        let lines: Vec<String> = [
            HEADERS[0].to_string(),
            format!("ingress,{t0},b,a,1,"),
            format!("ingress,{t1},b,a,5,"),
            format!("ingress,{t0},b,a,3,"),
        ]
        .to_vec();
        let (tables, errors) = tables_of(&lines, false);
        assert!(errors.iter().all(Option::is_none), "{errors:?}");
        let row = &tables.traffic[0];
        assert_eq!(tables.traffic.len(), 1);
        assert_eq!(
            (row.traffic_bandwidth_bits_min_1h, row.traffic_bandwidth_bits_max_1h, row.traffic_bandwidth_bits_avg_1h),
            (3, 5, 4)
        );
    }
}
