//! What the HTTP clients (InfluxDB, Prometheus, BigQuery) share: a failed request as an error
//! that knows whether a retry may help, and a reqwest error in words.

use backon::{ExponentialBuilder, Retryable};
use std::fmt;
use std::future::Future;
use std::time::Duration;

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

/// The retry schedule of every client: exponential from `min_delay`, at most 30 s apart,
/// `retries` times, with jitter seeded per process so that hosts restarted together do not
/// retry in step.
pub fn backoff(min_delay: Duration, retries: usize) -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(min_delay)
        .with_max_delay(Duration::from_secs(30))
        .with_max_times(retries)
        .with_jitter()
        .with_jitter_seed(jitter_seed())
}

/// How a client retries a transient failure: how many times, and the first delay.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Retries of a transient failure.
    pub retries: usize,
    /// First retry delay.
    pub delay: Duration,
}

impl Retry {
    /// Runs `attempt` until it succeeds, fails for good, or the retries are spent, on
    /// [`backoff`]'s schedule. Each retry is logged as "`what` failed; retrying" and counted in
    /// `retried`. Every attempt starts afresh: a half-read answer never counts.
    pub async fn run_counted<T, F, Fut>(self, what: &str, retried: &mut u64, attempt: F) -> Result<T, RequestError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, RequestError>>,
    {
        attempt
            .retry(backoff(self.delay, self.retries))
            .when(|e: &RequestError| e.transient)
            .notify(|e: &RequestError, wait: Duration| {
                *retried += 1;
                tracing::warn!(error = %e, retry_in = ?wait, "{what} failed; retrying");
            })
            .await
    }

    /// [`Retry::run_counted`] where nobody counts the retries.
    pub async fn run<T, F, Fut>(self, what: &str, attempt: F) -> Result<T, RequestError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, RequestError>>,
    {
        self.run_counted(what, &mut 0, attempt).await
    }
}

/// A seed that differs between processes and runs.
fn jitter_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is keyed from the OS's randomness once per process.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.finish()
}

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
