//! Errors of the core: one enum, messages lowercase, quoting the offending input (truncated).

use std::fmt;

/// Longest quote of bad input kept in an error message.
const MAX_QUOTE_CHARS: usize = 120;

/// Quotes a piece of input for an error message, cut to a readable length on a character boundary.
pub fn quote(input: &str) -> String {
    let mut out = String::with_capacity(input.len().min(MAX_QUOTE_CHARS) + 3);
    for (n, c) in input.chars().enumerate() {
        if n == MAX_QUOTE_CHARS {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

/// Where a problem was found: the input's name and the 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// Name of the input (a file name, `-` for stdin, or a name given by the host).
    pub input: String,
    /// 1-based line number within that input.
    pub line: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.input, self.line)
    }
}

/// A malformed record: where it is, what is wrong, and a quote of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParseIssue {
    /// Where the record was.
    #[serde(flatten)]
    pub location: Location,
    /// What is wrong, lowercase.
    pub message: String,
    /// The offending input, truncated.
    pub quote: String,
}

impl fmt::Display for ParseIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {:?}", self.location, self.message, self.quote)
    }
}

/// Errors of the analysis core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A malformed record in strict mode (otherwise these are skipped and counted).
    #[error("{0}")]
    Parse(ParseIssue),
    /// A duration that is not Go syntax with days (`90m`, `1h30m`, `7d`).
    #[error("invalid duration {quote:?}: {reason}")]
    Duration {
        /// The text given.
        quote: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A timestamp that is not RFC3339.
    #[error("invalid timestamp {quote:?}: expected RFC3339 such as 2026-11-22T13:00:00Z")]
    Timestamp {
        /// The text given.
        quote: String,
    },
    /// An option value that is not understood.
    #[error("invalid option {name}: {reason}")]
    Option {
        /// The option name.
        name: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The profile cannot be used.
    #[error("invalid profile: {0}")]
    Profile(String),
}

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
