//! The streaming driver: inputs in chunks cut anywhere, lines to parsers, tables at the end.

use crate::aggregate::{Aggregator, Stats, Tables, Window};
use crate::error::{quote, Error, Location, ParseIssue, Result};
use crate::options::Options;
use crate::parse::{parser_for, Context, Format, LineError, LineParser};
use crate::rows::{encode, DependencyRow, Encoding, TableTexts, TrafficRow};
use crate::whatif::{with_percentiles, Percentiles};
use serde::{Deserialize, Serialize};

/// At most this many problems are kept with their details; all are counted.
const MAX_KEPT_ISSUES: usize = 1000;

/// Result of an analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// The window used; `None` when the input held no point to place one.
    pub window: Option<Window>,
    /// Hourly traffic rows, sorted by their columns.
    pub traffic: Vec<TrafficRow>,
    /// Daily dependency rows, sorted by their columns.
    pub dependency: Vec<DependencyRow>,
    /// Percentiles of each traffic row, in the same order, when the `percentiles` what-if
    /// option is on; empty otherwise.
    pub traffic_percentiles: Vec<Option<Percentiles>>,
    /// Malformed lines that were skipped (the first [`MAX_KEPT_ISSUES`]).
    pub warnings: Vec<ParseIssue>,
    /// Counters.
    pub stats: AnalysisStats,
}

impl Analysis {
    /// Both tables as text, byte for byte what `planet-bq analyze --out` writes: the traffic
    /// table with its percentile columns when the `percentiles` what-if option kept them.
    pub fn render(&self, encoding: Encoding) -> TableTexts {
        let traffic = if self.traffic_percentiles.is_empty() {
            encode(&self.traffic, encoding)
        } else {
            encode(&with_percentiles(&self.traffic, &self.traffic_percentiles), encoding)
        };
        TableTexts { traffic, dependency: encode(&self.dependency, encoding) }
    }

    /// The two tables of the window, without the warnings and counters.
    pub fn into_tables(self) -> Tables {
        Tables {
            window: self.window,
            traffic: self.traffic,
            dependency: self.dependency,
            traffic_percentiles: self.traffic_percentiles,
        }
    }
}

/// Counters of one analysis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisStats {
    /// Inputs read.
    pub inputs: u64,
    /// Lines read.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Malformed lines skipped (all of them, even beyond the kept warnings).
    pub skipped_lines: u64,
    /// Groups held in memory.
    pub groups: u64,
    /// What the aggregator saw.
    #[serde(flatten)]
    pub aggregate: Stats,
}

#[derive(Debug)]
struct InputState {
    name: String,
    line: u64,
    /// The unfinished last line of the chunks so far.
    carry: Vec<u8>,
    parser: Option<Box<dyn LineParser>>,
    format: Format,
}

/// Streaming analysis of one or more inputs.
///
/// ```
/// use planet_core::{Analyzer, Options};
/// let mut analyzer = Analyzer::new(Options::default());
/// analyzer.begin_input("example.lp");
/// analyzer.push(b"ingress,service=api,remote_service=web bandwidth_bps=1500.7 1795349886000000000\n").unwrap();
/// analyzer.push(b"ingress,service=api,remote_service=web bandwidth_bps=2500 17953499").unwrap();
/// analyzer.push(b"46000000000\n").unwrap();
/// let analysis = analyzer.finish().unwrap();
/// assert_eq!(analysis.traffic.len(), 1);
/// assert_eq!(analysis.traffic[0].traffic_bandwidth_bits_avg_1h, 2000);
/// ```
#[derive(Debug)]
pub struct Analyzer {
    options: Options,
    aggregator: Aggregator,
    input: Option<InputState>,
    warnings: Vec<ParseIssue>,
    stats: AnalysisStats,
}

impl Analyzer {
    /// A new analysis with these options.
    pub fn new(options: Options) -> Analyzer {
        let mut aggregator = Aggregator::new(options.profile.clone(), options.window_spec());
        aggregator.set_what_if(options.what_if.clone());
        Analyzer { options, aggregator, input: None, warnings: Vec::new(), stats: AnalysisStats::default() }
    }

    /// The options in use.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Starts a new input (a file); its name appears in errors. Ends the previous input.
    pub fn begin_input(&mut self, name: &str) {
        if self.input.is_some() {
            // Problems at the end of the previous input are recorded as warnings; in strict mode
            // callers end inputs explicitly with `end_input` to see them as errors.
            let _ = self.end_input();
        }
        self.stats.inputs += 1;
        self.input = Some(InputState {
            name: name.to_string(),
            line: 0,
            carry: Vec::new(),
            parser: None,
            format: self.options.format,
        });
    }

    /// Feeds a chunk of the current input; chunks may be cut anywhere, even inside a line or
    /// a UTF-8 character. Errors only in strict mode.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        if self.input.is_none() {
            self.begin_input("input");
        }
        self.stats.bytes += chunk.len() as u64;
        let mut data = chunk;
        let carried = self.input.as_ref().is_some_and(|i| !i.carry.is_empty());
        if carried {
            match memchr::memchr(b'\n', data) {
                None => {
                    if let Some(input) = self.input.as_mut() {
                        input.carry.extend_from_slice(data);
                    }
                    return Ok(());
                }
                Some(pos) => {
                    let mut line = self.input.as_mut().map(|i| std::mem::take(&mut i.carry)).unwrap_or_default();
                    line.extend_from_slice(&data[..pos]);
                    self.line(&line)?;
                    data = &data[pos + 1..];
                }
            }
        }
        while let Some(pos) = memchr::memchr(b'\n', data) {
            self.line(&data[..pos])?;
            data = &data[pos + 1..];
        }
        if let Some(input) = self.input.as_mut() {
            input.carry.extend_from_slice(data);
        }
        Ok(())
    }

    /// Ends the current input: its last line even without a newline, and what its format can
    /// only check at the end (a buffered JSON document, a truncated answer).
    pub fn end_input(&mut self) -> Result<()> {
        let Some(mut input) = self.input.take() else {
            return Ok(());
        };
        let last = std::mem::take(&mut input.carry);
        self.input = Some(input);
        if !last.is_empty() {
            self.line(&last)?;
        }
        let Some(mut input) = self.input.take() else {
            return Ok(());
        };
        if let Some(parser) = input.parser.as_mut() {
            let mut ctx = Context { aggregator: &mut self.aggregator, precision: self.options.precision };
            for error in parser.finish(&mut ctx) {
                let line = error.line.unwrap_or(input.line);
                self.report(&input.name, line, error, "")?;
            }
        }
        Ok(())
    }

    fn line(&mut self, raw: &[u8]) -> Result<()> {
        let Some(input) = self.input.as_mut() else {
            return Ok(());
        };
        input.line += 1;
        self.stats.lines += 1;
        let line_no = input.line;
        let mut raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line_no == 1 {
            raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
        }
        let text = match std::str::from_utf8(raw) {
            Ok(text) => text,
            Err(e) => {
                let name = input.name.clone();
                let lossy = String::from_utf8_lossy(raw).into_owned();
                let message = format!("invalid utf-8 at byte {}", e.valid_up_to());
                return self.report(&name, line_no, LineError::new(message), &lossy);
            }
        };
        if input.parser.is_none() {
            if text.trim().is_empty() {
                return Ok(());
            }
            if input.format == Format::Auto {
                input.format = Format::detect(text);
            }
            input.parser = Some(parser_for(input.format));
        }
        let mut ctx = Context { aggregator: &mut self.aggregator, precision: self.options.precision };
        let result = match input.parser.as_mut() {
            Some(parser) => parser.line(text, &mut ctx),
            None => Ok(()),
        };
        if let Err(error) = result {
            let name = input.name.clone();
            return self.report(&name, line_no, error, text);
        }
        Ok(())
    }

    fn report(&mut self, input: &str, line: u64, error: LineError, text: &str) -> Result<()> {
        let issue = ParseIssue {
            location: Location { input: input.to_string(), line },
            kind: error.kind,
            message: error.message,
            quote: quote(error.quote.as_deref().unwrap_or(text)),
        };
        self.stats.skipped_lines += 1;
        if self.options.strict {
            return Err(Error::Parse(issue));
        }
        if self.warnings.len() < MAX_KEPT_ISSUES {
            self.warnings.push(issue);
        }
        Ok(())
    }

    /// Merges the state of another analyzer built with the same options (another file, another
    /// time slice, another thread), as if its inputs had been pushed here.
    pub fn merge(&mut self, other: Analyzer) -> Result<()> {
        let mut other = other;
        other.end_input()?;
        self.aggregator.merge(other.aggregator);
        let room = MAX_KEPT_ISSUES.saturating_sub(self.warnings.len());
        self.warnings.extend(other.warnings.into_iter().take(room));
        let o = other.stats;
        self.stats.inputs += o.inputs;
        self.stats.lines += o.lines;
        self.stats.bytes += o.bytes;
        self.stats.skipped_lines += o.skipped_lines;
        Ok(())
    }

    /// The tables so far, without ending the analysis (for progress or a what-if preview).
    pub fn tables(&self) -> Tables {
        self.aggregator.tables()
    }

    /// Ends the current input and returns the tables.
    pub fn finish(mut self) -> Result<Analysis> {
        self.end_input()?;
        let Tables { window, traffic, dependency, traffic_percentiles } = self.aggregator.tables();
        let mut stats = self.stats;
        stats.aggregate = self.aggregator.stats();
        stats.groups = self.aggregator.group_count() as u64;
        Ok(Analysis { window, traffic, dependency, traffic_percentiles, warnings: self.warnings, stats })
    }
}

/// Analyzes whole inputs given as `(name, bytes)` in one call.
pub fn analyze<'a>(inputs: impl IntoIterator<Item = (&'a str, &'a [u8])>, options: Options) -> Result<Analysis> {
    let mut analyzer = Analyzer::new(options);
    for (name, bytes) in inputs {
        analyzer.begin_input(name);
        analyzer.push(bytes)?;
        analyzer.end_input()?;
    }
    analyzer.finish()
}
