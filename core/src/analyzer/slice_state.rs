//! A later slice's analysis as a value, and as bytes: what [`Analyzer::merge_slice`] takes of
//! the slice's analyzer, so that a slice read in another WebAssembly memory (the page's
//! Workers) merges exactly as one read in the same process.
//!
//! The bytes are postcard's encoding of [`SliceState`]: compact (numbers as varints, floats as
//! their 8 bytes, so every bit comes back), and only meant for the same build of the core
//! (the page's Workers load one module); they are not a file format.

use super::{Analyzer, MAX_KEPT_ISSUES};
use crate::aggregate::AggregatorParts;
use crate::error::{Error, ErrorKind, Location, ParseIssue, Result};
use serde::{Deserialize, Serialize};

/// What a later slice of an input gives to the merge: its lines (or the error that ended it),
/// its groups, its warnings and its counts. Made by [`Analyzer::end_slice`], merged by
/// [`Analyzer::merge_slice_state`].
#[derive(Debug, Serialize, Deserialize)]
pub struct SliceState {
    /// The slice's lines read and accepted, or its error (strict mode), numbered from the
    /// slice's first line.
    ended: std::result::Result<Option<(u64, u64)>, WireError>,
    aggregator: AggregatorParts,
    warnings: Vec<WireIssue>,
    lines: u64,
    bytes: u64,
    skipped_lines: u64,
}

impl SliceState {
    /// The state as bytes, for another Worker.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing into a Vec fails only for types postcard cannot encode, which this is not.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// The state from [`SliceState::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<SliceState> {
        postcard::from_bytes(bytes).map_err(|e| Error::Input {
            input: "slice".into(),
            message: format!("not the state of a slice from this version of the core: {e}"),
        })
    }
}

/// [`ParseIssue`] with its kind, in a form postcard reads back (the issue's own serde form is
/// the JSON of warnings, which flattens its location and leaves the kind out).
#[derive(Debug, Serialize, Deserialize)]
struct WireIssue {
    input: String,
    line: u64,
    kind: ErrorKind,
    message: String,
    quote: String,
}

impl From<ParseIssue> for WireIssue {
    fn from(i: ParseIssue) -> Self {
        WireIssue { input: i.location.input, line: i.location.line, kind: i.kind, message: i.message, quote: i.quote }
    }
}

impl From<WireIssue> for ParseIssue {
    fn from(w: WireIssue) -> Self {
        ParseIssue {
            location: Location { input: w.input, line: w.line },
            kind: w.kind,
            message: w.message,
            quote: w.quote,
        }
    }
}

/// Every [`Error`] a slice can end with, variant for variant.
#[derive(Debug, Serialize, Deserialize)]
enum WireError {
    Parse(WireIssue),
    Duration { quote: String, reason: String },
    Timestamp { quote: String },
    Option { name: String, reason: String },
    Profile(String),
    Inventory(String),
    Input { input: String, message: String },
}

impl From<Error> for WireError {
    fn from(e: Error) -> Self {
        match e {
            Error::Parse(issue) => WireError::Parse(issue.into()),
            Error::Duration { quote, reason } => WireError::Duration { quote, reason },
            Error::Timestamp { quote } => WireError::Timestamp { quote },
            Error::Option { name, reason } => WireError::Option { name, reason },
            Error::Profile(text) => WireError::Profile(text),
            Error::Inventory(text) => WireError::Inventory(text),
            Error::Input { input, message } => WireError::Input { input, message },
        }
    }
}

impl From<WireError> for Error {
    fn from(w: WireError) -> Self {
        match w {
            WireError::Parse(issue) => Error::Parse(issue.into()),
            WireError::Duration { quote, reason } => Error::Duration { quote, reason },
            WireError::Timestamp { quote } => Error::Timestamp { quote },
            WireError::Option { name, reason } => Error::Option { name, reason },
            WireError::Profile(text) => Error::Profile(text),
            WireError::Inventory(text) => Error::Inventory(text),
            WireError::Input { input, message } => Error::Input { input, message },
        }
    }
}

impl Analyzer {
    /// Ends a slice started with [`Analyzer::begin_slice`] (its last line, its parser's end)
    /// and gives what the merge needs; `pushed` is what its `push` calls returned.
    pub fn end_slice(mut self, pushed: Result<()>) -> SliceState {
        let ended = match pushed.and_then(|()| self.end_lines()) {
            Ok(input) => Ok(input.map(|i| (i.line, i.accepted_lines))),
            Err(error) => Err(error.into()),
        };
        SliceState {
            ended,
            aggregator: self.aggregator.into_parts(),
            warnings: self.warnings.into_iter().map(WireIssue::from).collect(),
            lines: self.stats.lines,
            bytes: self.stats.bytes,
            skipped_lines: self.stats.skipped_lines,
        }
    }

    /// Merges the next slice of the current input, as [`Analyzer::merge_slice`] does with the
    /// slice's analyzer. An error in it (strict mode) comes back with the line number in the
    /// whole input, and nothing of the slice is merged.
    pub fn merge_slice_state(&mut self, slice: SliceState) -> Result<()> {
        if matches!(self.input.as_ref().map(|i| &i.decoding), Some(super::Decoding::Undecided(_))) {
            // A first slice shorter than the sniffed head: its lines come first.
            self.decide_decoding()?;
        }
        let offset = self.input.as_ref().map_or(0, |i| i.line);
        let theirs = slice.ended.map_err(|e| renumbered(e.into(), offset))?;
        if let (Some(mine), Some((line, accepted))) = (self.input.as_mut(), theirs) {
            mine.line += line;
            mine.accepted_lines += accepted;
        }
        self.aggregator.merge_parts(slice.aggregator);
        let room = MAX_KEPT_ISSUES.saturating_sub(self.warnings.len());
        self.warnings.extend(slice.warnings.into_iter().take(room).map(|w| {
            let mut issue = ParseIssue::from(w);
            issue.location.line += offset;
            issue
        }));
        self.stats.lines += slice.lines;
        self.stats.bytes += slice.bytes;
        self.stats.skipped_lines += slice.skipped_lines;
        Ok(())
    }
}

/// A slice's error with its line number counted from the input's start.
fn renumbered(error: Error, offset: u64) -> Error {
    match error {
        Error::Parse(mut issue) => {
            issue.location.line += offset;
            Error::Parse(issue)
        }
        other => other,
    }
}
