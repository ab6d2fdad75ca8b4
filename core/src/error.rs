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

/// What kind of problem an error is, for callers that act on it (retry a query or not)
/// without reading its English message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A record the core cannot read (bad syntax, bad time, a row of the wrong width).
    #[default]
    Malformed,
    /// An answer that stops before its end: a `/query` result marked `partial` at the end of
    /// the input (a chunked transfer interrupted, or the server's max-row-limit). The same query
    /// may well come back whole next time.
    Truncated,
    /// The server answered the query with an error (a missing database, a bad query, a refused
    /// permission): asking again gives the same answer.
    QueryFailed,
    /// The server gave up on the query in time (InfluxDB's `query-timeout limit exceeded`):
    /// a less busy server may answer it next time.
    QueryTimeout,
    /// An option, duration or timestamp that is not understood.
    InvalidOption,
    /// A profile that cannot be used.
    InvalidProfile,
}

impl ErrorKind {
    /// Whether the same input asked for again may succeed: a cut answer or a server timeout.
    pub fn may_succeed_later(self) -> bool {
        matches!(self, ErrorKind::Truncated | ErrorKind::QueryTimeout)
    }
}

/// A malformed record: where it is, what is wrong, and a quote of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParseIssue {
    /// Where the record was.
    #[serde(flatten)]
    pub location: Location,
    /// What kind of problem it is. Not part of the JSON form, which stays the message's.
    #[serde(skip)]
    pub kind: ErrorKind,
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
    /// An inventory that cannot be read, or one missing (or given in vain) for the profile.
    #[error("invalid inventory: {0}")]
    Inventory(String),
    /// A whole input cannot be read: not text, a broken compressed stream, or no line of it
    /// readable. Fatal even when malformed lines are otherwise skipped.
    #[error("{input}: {message}")]
    Input {
        /// Name of the input.
        input: String,
        /// What is wrong, lowercase.
        message: String,
    },
}

impl Error {
    /// What kind of problem this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Parse(issue) => issue.kind,
            Error::Input { .. } => ErrorKind::Malformed,
            Error::Duration { .. } | Error::Timestamp { .. } | Error::Option { .. } | Error::Inventory(_) => {
                ErrorKind::InvalidOption
            }
            Error::Profile(_) => ErrorKind::InvalidProfile,
        }
    }
}

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
