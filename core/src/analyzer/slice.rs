//! One input cut at line boundaries and read by several analyzers (one per thread), merged
//! back in input order as if one analyzer had read it all.
//!
//! The first slice is read as an ordinary input (`begin_input`); every later slice by its own
//! analyzer, started with [`Analyzer::begin_slice`], and put back with
//! [`Analyzer::merge_slice`] on the first slice's analyzer, in order. A slice numbers its lines
//! from 1 and the merge adds the lines before it, so warnings and errors name the line of the
//! whole input. The checks of an input's start (byte order mark, NUL bytes, UTF-8 of the first
//! lines, compression) are the first slice's; a compressed input is one stream and not cut.

use super::{Analyzer, Decoding, NUL_SEARCH_BYTES};
use crate::error::Result;
use crate::options::Options;
use crate::parse::{parser_for, Context, Format};

impl Analyzer {
    /// Starts a later slice of input `name`, which begins right after a line ending.
    ///
    /// `format` is the input's format as its first slice found it (not `Auto`: this slice may
    /// not hold the line that decides it). `context` are lines of the input before the cut that
    /// the format needs to read what follows (for `influx -format csv`, the header in force at
    /// the cut); they prime the parser and are not counted or reported.
    pub fn begin_slice(&mut self, name: &str, format: Format, context: &[&str]) {
        self.begin_input(name);
        // A slice is part of an input counted by its first slice.
        self.stats.inputs -= 1;
        let Some(input) = self.input.as_mut() else {
            return;
        };
        input.later_slice = true;
        input.decoding = Decoding::Text;
        input.text_bytes = NUL_SEARCH_BYTES;
        input.format = format;
        if format == Format::Auto {
            return;
        }
        let mut parser = parser_for(format);
        let mut ctx = Context {
            aggregator: &mut self.aggregator,
            precision: self.options.precision,
            profile: &self.options.profile,
            max_record_bytes: usize::try_from(self.options.max_line_bytes).unwrap_or(usize::MAX),
        };
        for line in context {
            // Its problems, if any, were reported by the slice that holds the line.
            let _ = parser.line(line, &mut ctx);
        }
        input.parser = Some(parser);
    }

    /// Merges the analyzer of the next slice of the current input, started with
    /// [`Analyzer::begin_slice`]; `pushed` is what its `push` calls returned. An error in it
    /// (strict mode) comes back with the line number in the whole input. The same as
    /// [`Analyzer::merge_slice_state`] of the slice's [`Analyzer::end_slice`], which is how a
    /// slice read in another Worker is merged.
    pub fn merge_slice(&mut self, other: Analyzer, pushed: Result<()>) -> Result<()> {
        self.merge_slice_state(other.end_slice(pushed))
    }
}

/// The format of a plain-text input whose first bytes are `head`, as an analyzer with these
/// options decides it; `None` for a compressed input, for one that is not text, and when
/// `head` holds no line that decides it.
pub fn input_format(head: &[u8], options: &Options) -> Option<Format> {
    // A compressed input is one stream; a NUL byte is the first slice's error to report.
    if !matches!(crate::decode::sniff(head), crate::decode::Sniffed::Text) || memchr::memchr(0, head).is_some() {
        return None;
    }
    if options.format != Format::Auto {
        return Some(options.format);
    }
    let max = usize::try_from(options.max_line_bytes).unwrap_or(usize::MAX);
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    // Only whole lines: the last, unfinished one may decide differently once complete.
    let whole = &head[..memchr::memrchr(b'\n', head).map_or(0, |i| i + 1)];
    for raw in whole.split(|&b| b == b'\n') {
        if raw.len() > max {
            // Skipped as too long: it decides nothing, and the rest is not known to be text.
            return None;
        }
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match std::str::from_utf8(raw) {
            Ok(text) if !text.trim().is_empty() => return Some(Format::detect(text)),
            _ => continue,
        }
    }
    None
}
