//! The streaming driver: inputs in chunks cut anywhere, lines to parsers, tables at the end.

use crate::aggregate::{Aggregator, Tables};
use crate::decode::{self, Decoding, Sniffed};
use crate::error::{quote, Error, Location, ParseIssue, Result};
use crate::options::Options;
use crate::parse::{parser_for, Context, Format, LineError, LineParser};

/// At most this many problems are kept with their details; all are counted.
const MAX_KEPT_ISSUES: usize = 1000;

/// Text bytes at the start of an input searched for a NUL byte, which no text export holds.
const NUL_SEARCH_BYTES: u64 = 64 * 1024;

/// Lines at the start of an input that decide whether it is text at all: when most of them are
/// not UTF-8, the input is refused with one error instead of a warning per line.
const TEXT_CHECK_LINES: u64 = 10;

mod all_windows;
mod analysis;
mod slice;
mod slice_state;
pub use all_windows::{AllWindows, WindowsRows, MAX_SPAN_HOURS};
pub use analysis::{Analysis, AnalysisStats};
pub use slice::input_format;
pub use slice_state::SliceState;

#[derive(Debug)]
struct InputState {
    name: String,
    line: u64,
    /// The unfinished last line of the chunks so far.
    carry: Vec<u8>,
    parser: Option<Box<dyn LineParser>>,
    format: Format,
    /// How the bytes become text (gzip is decoded here).
    decoding: Decoding,
    /// Text bytes seen (after decoding).
    text_bytes: u64,
    /// Inside a line longer than the limit: its rest is dropped up to the next newline.
    skipping_long_line: bool,
    /// Lines of the first [`TEXT_CHECK_LINES`] that were not UTF-8.
    not_utf8_lines: u64,
    /// Lines a parser accepted.
    accepted_lines: u64,
    /// The analysis' skipped-line count when this input began.
    skipped_before: u64,
    /// Points and rows the aggregator had seen when this input began: a JSON document that
    /// is reported for one bad row still gave its other rows.
    observed_before: u64,
    /// A later slice of the input (see `begin_slice`): the checks of an input's start are the
    /// first slice's.
    later_slice: bool,
}

/// Everything the aggregator has taken in so far, of any kind.
fn observed(aggregator: &Aggregator) -> u64 {
    let stats = aggregator.stats();
    stats.points + stats.aggregate_rows + stats.other_measurements
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
    /// Inputs of which no line could be read, with their skipped-line counts.
    unreadable: Vec<(String, u64)>,
    /// The error of an input ended by `begin_input` that cannot be read at all.
    unreadable_error: Option<Error>,
}

impl Analyzer {
    /// A new analysis with these options.
    pub fn new(options: Options) -> Analyzer {
        let mut aggregator = Aggregator::new(options.profile.clone(), options.window_spec());
        aggregator.set_what_if(options.what_if.clone());
        aggregator.set_inventory(options.inventory.clone().map(std::sync::Arc::new));
        if options.all_windows {
            aggregator.keep_every_window();
        }
        Analyzer {
            options,
            aggregator,
            input: None,
            warnings: Vec::new(),
            stats: AnalysisStats::default(),
            unreadable: Vec::new(),
            unreadable_error: None,
        }
    }

    /// The options in use.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Malformed lines skipped so far.
    pub(crate) fn skipped_lines(&self) -> u64 {
        self.stats.skipped_lines
    }

    pub(crate) fn aggregator(&self) -> &Aggregator {
        &self.aggregator
    }

    pub(crate) fn aggregator_mut(&mut self) -> &mut Aggregator {
        &mut self.aggregator
    }

    /// Starts a new input (a file); its name appears in errors. Ends the previous input.
    pub fn begin_input(&mut self, name: &str) {
        if self.input.is_some() {
            // Problems at the end of the previous input are recorded as warnings; in strict mode
            // callers end inputs explicitly with `end_input` to see them as errors. An input
            // that cannot be read at all still fails the analysis, at `finish`.
            if let Err(error @ Error::Input { .. }) = self.end_input() {
                self.unreadable_error.get_or_insert(error);
            }
        }
        self.stats.inputs += 1;
        self.input = Some(InputState {
            name: name.to_string(),
            line: 0,
            carry: Vec::new(),
            parser: None,
            format: self.options.format,
            decoding: Decoding::Undecided(Vec::new()),
            text_bytes: 0,
            skipping_long_line: false,
            not_utf8_lines: 0,
            accepted_lines: 0,
            skipped_before: self.stats.skipped_lines,
            observed_before: observed(&self.aggregator),
            later_slice: false,
        });
    }

    /// Feeds a chunk of the current input; chunks may be cut anywhere, even inside a line or
    /// a UTF-8 character. Errors in strict mode, and for an input that cannot be read at all
    /// (not text, a broken gzip stream).
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        if self.input.is_none() {
            self.begin_input("input");
        }
        self.stats.bytes += chunk.len() as u64;
        let Some(input) = self.input.as_mut() else {
            return Ok(());
        };
        match &mut input.decoding {
            Decoding::Text => self.push_text(chunk),
            Decoding::Gzip(_) => self.push_gzip(chunk),
            Decoding::Undecided(head) => {
                head.extend_from_slice(chunk);
                if head.len() < decode::SNIFF_BYTES {
                    return Ok(());
                }
                self.decide_decoding()
            }
        }
    }

    /// Chooses how to read the input from its first bytes, then feeds them.
    fn decide_decoding(&mut self) -> Result<()> {
        let Some(input) = self.input.as_mut() else {
            return Ok(());
        };
        let head = match &mut input.decoding {
            Decoding::Undecided(head) => std::mem::take(head),
            _ => return Ok(()),
        };
        match decode::sniff(&head) {
            Sniffed::Text => {
                input.decoding = Decoding::Text;
                self.push_text(&head)
            }
            Sniffed::Gzip => {
                input.decoding = decode::gzip();
                self.push_gzip(&head)
            }
            Sniffed::Unsupported(name) => Err(self.input_error(format!(
                "{name}-compressed input is not read; decompress it first (gzip is read as it is)"
            ))),
        }
    }

    fn push_gzip(&mut self, data: &[u8]) -> Result<()> {
        let Some(input) = self.input.as_mut() else {
            return Ok(());
        };
        // Taken out while its text goes through the analyzer, then put back.
        let Decoding::Gzip(mut decoder) = std::mem::replace(&mut input.decoding, Decoding::Text) else {
            return Ok(());
        };
        let name = input.name.clone();
        let result = decode::gunzip_steps(&mut decoder, data, |text| self.push_text(text), |e| gzip_error(&name, e));
        if let Some(input) = self.input.as_mut() {
            input.decoding = Decoding::Gzip(decoder);
        }
        result
    }

    fn input_error(&self, message: String) -> Error {
        let input = self.input.as_ref().map(|i| i.name.clone()).unwrap_or_default();
        Error::Input { input, message }
    }

    /// Splits text into lines, holding the unfinished last one until the next chunk; a line
    /// longer than the limit is reported once and its rest dropped as it arrives.
    fn push_text(&mut self, chunk: &[u8]) -> Result<()> {
        let max = usize::try_from(self.options.max_line_bytes).unwrap_or(usize::MAX);
        let Some(input) = self.input.as_mut() else {
            return Ok(());
        };
        if input.text_bytes < NUL_SEARCH_BYTES {
            let room = usize::try_from(NUL_SEARCH_BYTES - input.text_bytes).unwrap_or(usize::MAX);
            if let Some(at) = memchr::memchr(0, &chunk[..chunk.len().min(room)]) {
                let offset = input.text_bytes + at as u64;
                return Err(self.input_error(format!(
                    "not text: a NUL byte at byte {offset} (a binary file, or UTF-16 text, which is not read)"
                )));
            }
        }
        input.text_bytes += chunk.len() as u64;
        let mut data = chunk;
        if input.skipping_long_line {
            match memchr::memchr(b'\n', data) {
                None => return Ok(()),
                Some(pos) => {
                    input.skipping_long_line = false;
                    data = &data[pos + 1..];
                }
            }
        } else if !input.carry.is_empty() {
            match memchr::memchr(b'\n', data) {
                None => {
                    if input.carry.len().saturating_add(data.len()) > max {
                        let carry = std::mem::take(&mut input.carry);
                        input.skipping_long_line = true;
                        return self.too_long(&carry, max);
                    }
                    input.carry.extend_from_slice(data);
                    return Ok(());
                }
                Some(pos) => {
                    let mut line = std::mem::take(&mut input.carry);
                    if line.len().saturating_add(pos) > max {
                        self.too_long(&line, max)?;
                    } else {
                        line.extend_from_slice(&data[..pos]);
                        self.line(&line)?;
                    }
                    data = &data[pos + 1..];
                }
            }
        }
        // The complete lines of the chunk are checked as UTF-8 in one pass; only when that
        // fails is each line checked alone (to report the bad ones and read the others).
        let whole_lines = memchr::memrchr(b'\n', data).map(|last| (last, std::str::from_utf8(&data[..last])));
        if let Some((last, Ok(text))) = whole_lines {
            let mut rest = text;
            loop {
                let (line, after) = match memchr::memchr(b'\n', rest.as_bytes()) {
                    Some(pos) => (&rest[..pos], Some(&rest[pos + 1..])),
                    None => (rest, None),
                };
                if line.len() > max {
                    self.too_long(line.as_bytes(), max)?;
                } else {
                    self.text_line(line)?;
                }
                match after {
                    Some(after) => rest = after,
                    None => break,
                }
            }
            data = &data[last + 1..];
        }
        while let Some(pos) = memchr::memchr(b'\n', data) {
            if pos > max {
                self.too_long(&data[..pos], max)?;
            } else {
                self.line(&data[..pos])?;
            }
            data = &data[pos + 1..];
        }
        if data.len() > max {
            if let Some(input) = self.input.as_mut() {
                input.skipping_long_line = true;
            }
            return self.too_long(data, max);
        }
        if let Some(input) = self.input.as_mut() {
            input.carry.extend_from_slice(data);
        }
        Ok(())
    }

    /// Counts and reports a line past the length limit, quoting its start.
    fn too_long(&mut self, start: &[u8], max: usize) -> Result<()> {
        let Some(input) = self.input.as_mut() else {
            return Ok(());
        };
        input.line += 1;
        self.stats.lines += 1;
        let (name, line) = (input.name.clone(), input.line);
        let quote = String::from_utf8_lossy(&start[..start.len().min(200)]).into_owned();
        let message = format!("line longer than {max} bytes (the max-line-bytes limit): skipped");
        self.report(&name, line, LineError::new(message), &quote)
    }

    /// Ends the current input: its last line even without a newline, and what its format can
    /// only check at the end (a buffered JSON document, a truncated answer).
    pub fn end_input(&mut self) -> Result<()> {
        let Some(input) = self.end_lines()? else {
            return Ok(());
        };
        let skipped = self.stats.skipped_lines - input.skipped_before;
        if skipped > 0 && input.accepted_lines == 0 && observed(&self.aggregator) == input.observed_before {
            self.unreadable.push((input.name, skipped));
        }
        Ok(())
    }

    /// Reads the current input's last line and its format's end; returns the input's state.
    fn end_lines(&mut self) -> Result<Option<InputState>> {
        if matches!(self.input.as_ref().map(|i| &i.decoding), Some(Decoding::Undecided(_))) {
            self.decide_decoding()?;
        }
        if let Some(Decoding::Gzip(decoder)) = self.input.as_mut().map(|i| &mut i.decoding) {
            let rest = decode::gunzip_finish(decoder);
            let name = self.input.as_ref().map(|i| i.name.clone()).unwrap_or_default();
            self.push_text(&rest.map_err(|e| gzip_error(&name, e))?)?;
        }
        self.check_text(true)?;
        let Some(mut input) = self.input.take() else {
            return Ok(None);
        };
        let last = if input.skipping_long_line { Vec::new() } else { std::mem::take(&mut input.carry) };
        self.input = Some(input);
        if !last.is_empty() {
            self.line(&last)?;
        }
        let Some(mut input) = self.input.take() else {
            return Ok(None);
        };
        if let Some(parser) = input.parser.as_mut() {
            let mut ctx = Context {
                aggregator: &mut self.aggregator,
                precision: self.options.precision,
                profile: &self.options.profile,
                max_record_bytes: usize::try_from(self.options.max_line_bytes).unwrap_or(usize::MAX),
            };
            for error in parser.finish(&mut ctx) {
                let line = error.line.unwrap_or(input.line);
                self.report(&input.name, line, error, "")?;
            }
        }
        Ok(Some(input))
    }

    /// Refuses an input most of whose first lines are not UTF-8: binary data, or an encoding
    /// the exports never use. `at_end`: the input has fewer lines than the check looks at.
    fn check_text(&mut self, at_end: bool) -> Result<()> {
        let Some(input) = self.input.as_ref().filter(|i| !i.later_slice) else {
            return Ok(());
        };
        let checked = input.line.min(TEXT_CHECK_LINES);
        if checked == 0 || (!at_end && input.line != TEXT_CHECK_LINES) || input.not_utf8_lines * 2 <= checked {
            return Ok(());
        }
        Err(self.input_error(format!(
            "not text: {} of its first {checked} lines are not UTF-8 (a binary or compressed file? gzip is read as it is)",
            input.not_utf8_lines
        )))
    }

    fn line(&mut self, raw: &[u8]) -> Result<()> {
        let Some(input) = self.input.as_mut() else {
            return Ok(());
        };
        input.line += 1;
        self.stats.lines += 1;
        let line_no = input.line;
        let mut raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line_no == 1 && !input.later_slice {
            raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
        }
        let text = match std::str::from_utf8(raw) {
            Ok(text) => text,
            Err(e) => {
                if line_no <= TEXT_CHECK_LINES {
                    input.not_utf8_lines += 1;
                }
                let name = input.name.clone();
                let lossy = String::from_utf8_lossy(raw).into_owned();
                let message = format!("invalid utf-8 at byte {}", e.valid_up_to());
                self.check_text(false)?;
                return self.report(&name, line_no, LineError::new(message), &lossy);
            }
        };
        self.parse_line(text, line_no)
    }

    /// A line already known to be UTF-8, as [`Self::line`] reads it.
    fn text_line(&mut self, text: &str) -> Result<()> {
        let Some(input) = self.input.as_mut() else {
            return Ok(());
        };
        input.line += 1;
        self.stats.lines += 1;
        let line_no = input.line;
        let mut text = text.strip_suffix('\r').unwrap_or(text);
        if line_no == 1 {
            text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        }
        self.parse_line(text, line_no)
    }

    /// Gives a line to the input's parser (chosen at its first non-empty line).
    fn parse_line(&mut self, text: &str, line_no: u64) -> Result<()> {
        if line_no == TEXT_CHECK_LINES {
            self.check_text(false)?;
        }
        let Some(input) = self.input.as_mut() else {
            return Ok(());
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
        let mut ctx = Context {
            aggregator: &mut self.aggregator,
            precision: self.options.precision,
            profile: &self.options.profile,
            max_record_bytes: usize::try_from(self.options.max_line_bytes).unwrap_or(usize::MAX),
        };
        let result = match input.parser.as_mut() {
            Some(parser) => parser.line(text, &mut ctx),
            None => Ok(()),
        };
        if let Err(error) = result {
            let name = input.name.clone();
            return self.report(&name, line_no, error, text);
        }
        input.accepted_lines += 1;
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
        self.unreadable.extend(other.unreadable);
        if let Some(error) = other.unreadable_error {
            self.unreadable_error.get_or_insert(error);
        }
        Ok(())
    }

    /// The tables so far, without ending the analysis (for progress or a what-if preview).
    pub fn tables(&self) -> Tables {
        self.aggregator.tables()
    }

    /// Ends the current input and returns the tables: with the `all_windows` option, every
    /// window's rows one after the other (see [`Analyzer::finish_all_windows`]).
    pub fn finish(mut self) -> Result<Analysis> {
        self.options.check_inventory()?;
        if self.options.all_windows {
            return self.finish_all_windows()?.into_analysis();
        }
        self.end_inputs()?;
        let mut stats = self.stats;
        stats.aggregate = self.aggregator.stats();
        stats.groups = self.aggregator.group_count() as u64;
        let Tables { window, traffic, dependency, traffic_percentiles } = self.aggregator.into_tables();
        Ok(Analysis { window, traffic, dependency, traffic_percentiles, warnings: self.warnings, stats, windows: None })
    }

    /// Ends the analysis, started with the `all_windows` option, with the bucket partials of
    /// every window, from which any window's rows come without reading the inputs again.
    pub fn finish_all_windows(mut self) -> Result<AllWindows> {
        self.end_inputs()?;
        let hour = self.options.dependency_hour;
        AllWindows::new(self.aggregator, hour, self.warnings, self.stats, &self.options.profile.name)
    }

    /// Ends the last input and refuses inputs of which nothing could be read.
    pub(crate) fn end_inputs(&mut self) -> Result<()> {
        self.end_input()?;
        if let Some(error) = self.unreadable_error.take() {
            return Err(error);
        }
        if !self.unreadable.is_empty() {
            let names: Vec<&str> = self.unreadable.iter().map(|(name, _)| name.as_str()).collect();
            let skipped: u64 = self.unreadable.iter().map(|(_, n)| n).sum();
            // The first problem says more than the count: an error answer, a wrong format.
            let first = self
                .warnings
                .iter()
                .find(|w| names.contains(&w.location.input.as_str()))
                .map(|w| format!("; line {}: {}", w.location.line, w.message))
                .unwrap_or_default();
            return Err(Error::Input {
                input: names.join(", "),
                message: format!(
                    "no line could be read ({skipped} malformed line(s) skipped): not an export in a format planet-bq reads{first}"
                ),
            });
        }
        Ok(())
    }
}

fn gzip_error(input: &str, reason: String) -> Error {
    Error::Input { input: input.to_string(), message: format!("not a valid gzip stream: {reason}") }
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
