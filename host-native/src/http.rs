//! What the HTTP clients (InfluxDB, Prometheus, BigQuery) share: a failed request as an error
//! that knows whether a retry may help, and a reqwest error in words.

use std::fmt;

/// A failed request: transient ones (refused connection, timeout, 5xx, a cut answer) are
/// retried, the others are not.
#[derive(Debug)]
pub struct RequestError {
    /// Worth retrying.
    pub transient: bool,
    /// What went wrong, naming the server and the request.
    pub message: String,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RequestError {}

/// What kind of failure a reqwest error is, in words.
pub fn failure_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "failed while reading the answer"
    } else {
        "request failed"
    }
}

/// The innermost cause of an error, the one that says what happened ("Connection refused",
/// "invalid peer certificate: UnknownIssuer"); empty when the error has no source.
pub fn innermost_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = String::new();
    let mut source = e.source();
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    cause
}

/// A reqwest error in words: its kind and its innermost cause. The URL stays out (it may
/// carry a query string).
pub fn describe(e: &reqwest::Error) -> String {
    let cause = innermost_cause(e);
    if cause.is_empty() {
        failure_kind(e).to_string()
    } else {
        format!("{}: {cause}", failure_kind(e))
    }
}
