//! The HTTP side of the source: the v1 `/query` and `/ping` APIs, answers streamed into a
//! session, and errors that say where, what and whether a retry may help.

use super::{InfluxAuth, InfluxConfig, InfluxSource};
use crate::engine::Session;
use anyhow::{Context, Result};
use std::time::Instant;

/// An InfluxDB failure: transient ones are retried.
pub type QueryError = crate::http::RequestError;

impl InfluxSource {
    /// A source with its HTTP client (rustls).
    pub fn new(config: InfluxConfig) -> Result<InfluxSource> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(std::time::Duration::from_secs(10))
            .user_agent(concat!("planet-bq/", env!("CARGO_PKG_VERSION")));
        for root in &config.extra_roots {
            builder = builder.add_root_certificate(root.clone());
        }
        let client = builder.build().context("building the InfluxDB HTTP client")?;
        Ok(InfluxSource { config, client })
    }

    /// The settings.
    pub fn config(&self) -> &InfluxConfig {
        &self.config
    }

    pub(super) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{}", self.config.url.trim_end_matches('/'), path);
        let builder = self.client.request(method, url);
        match &self.config.auth {
            InfluxAuth::None => builder,
            InfluxAuth::Basic { username, password } => builder.basic_auth(username, Some(password.expose())),
            InfluxAuth::Token(token) => builder.header("Authorization", format!("Token {}", token.expose())),
        }
    }

    /// POSTs an InfluxQL query to `/query` and returns the response once its status says it
    /// succeeded; `chunked` asks for a streamed answer. Errors say where, what and whether a
    /// retry may help.
    async fn post_query(&self, q: &str, chunked: bool) -> Result<reqwest::Response, QueryError> {
        let where_ = format!("InfluxDB at {}", self.config.url);
        let what = format!(" (query: {q})");
        let mut form = vec![("db", self.config.database.clone()), ("q", q.to_string()), ("epoch", "ns".to_string())];
        if chunked {
            form.push(("chunked", "true".to_string()));
            form.push(("chunk_size", self.config.chunk_size.to_string()));
        }
        if !self.config.retention_policy.is_empty() {
            form.push(("rp", self.config.retention_policy.clone()));
        }
        let response = self.request(reqwest::Method::POST, "/query").form(&form).send().await.map_err(|e| {
            // A refused certificate stays refused: retrying only delays the error.
            let message = describe_reqwest(&e);
            QueryError { transient: !is_certificate_refusal(&message), message: format!("{where_}: {message}{what}") }
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = read_at_most(response, ERROR_BODY_BYTES, PastLimit::Cut).await.unwrap_or_default();
        let detail = influx_error_text(&body);
        let transient = status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408;
        let hint = match status.as_u16() {
            401 | 403 => {
                " (check the InfluxDB user name and password or token, and that the user may read the database)"
                    .to_string()
            }
            // InfluxDB 2.x/3.x answer 404 when the database has no DBRP mapping to a bucket.
            404 if detail.contains("database not found") || detail.contains("bucket") => format!(
                " (on InfluxDB 2.x/3.x the database needs a DBRP mapping to a bucket: {}; `planet-bq check --influxdb-org ORG` looks it up)",
                super::dbrp::create_command(&self.config.database, &self.config.retention_policy)
            ),
            _ => String::new(),
        };
        Err(QueryError { transient, message: format!("{where_}: HTTP {status}: {detail}{hint}{what}") })
    }

    /// One query, its answer streamed into `analysis` (whose core bounds the length of a line).
    /// No retry here.
    pub(super) async fn query_once(&self, q: &str, analysis: &mut Session) -> Result<(u64, f64), QueryError> {
        let where_ = format!("InfluxDB at {}", self.config.url);
        let what = format!(" (query: {q})");
        let mut response = self.post_query(q, true).await?;
        analysis.begin_input("answer").map_err(|e| classify_answer_error(&where_, &what, &e))?;
        let mut bytes = 0u64;
        let mut parse = std::time::Duration::ZERO;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    bytes += chunk.len() as u64;
                    let started = Instant::now();
                    analysis.push(&chunk).map_err(|e| classify_answer_error(&where_, &what, &e))?;
                    parse += started.elapsed();
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(QueryError {
                        transient: true,
                        message: format!("{where_}: the answer was cut short: {}{what}", describe_reqwest(&e)),
                    })
                }
            }
        }
        let started = Instant::now();
        analysis.end_input().map_err(|e| classify_answer_error(&where_, &what, &e))?;
        parse += started.elapsed();
        Ok((bytes, parse.as_secs_f64()))
    }

    /// A GET of `/query` returning the parsed JSON (for `check`), with the same error handling.
    pub async fn query_json(&self, q: &str) -> Result<serde_json::Value, QueryError> {
        let where_ = format!("InfluxDB at {}", self.config.url);
        let what = format!(" (query: {q})");
        let response = self.post_query(q, false).await?;
        let body = read_at_most(response, planet_core::defaults::MAX_LINE_BYTES, PastLimit::Refuse)
            .await
            .map_err(|e| QueryError { transient: true, message: format!("{where_}: {e}{what}") })?;
        let value: serde_json::Value = serde_json::from_str(&body).map_err(|e| QueryError {
            transient: false,
            message: format!("{where_}: invalid JSON answer: {e}{what}"),
        })?;
        let statement_error = value
            .pointer("/results/0/error")
            .or_else(|| value.get("error"))
            .and_then(|e| e.as_str())
            .map(str::to_string);
        if let Some(error) = statement_error {
            return Err(QueryError { transient: false, message: format!("{where_}: {error}{what}") });
        }
        Ok(value)
    }

    /// `GET /ping`: the server's version.
    pub async fn ping(&self) -> Result<String> {
        let response = self
            .request(reqwest::Method::GET, "/ping")
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("InfluxDB at {}: {}", self.config.url, describe_reqwest(&e)))?;
        let status = response.status();
        if status.as_u16() != 204 && !status.is_success() {
            anyhow::bail!("InfluxDB at {}: /ping answered HTTP {status}", self.config.url);
        }
        Ok(response.headers().get("X-Influxdb-Version").and_then(|v| v.to_str().ok()).unwrap_or("unknown").to_string())
    }
}

/// An error found in an answer by the (strict) analysis: a statement error inside a 200, a
/// result marked partial at the end, or a malformed answer.
fn classify_answer_error(where_: &str, what: &str, e: &anyhow::Error) -> QueryError {
    let text = format!("{e:#}");
    // A cut answer or a server-side timeout may well succeed next time; a missing database,
    // a bad query or a refused permission will not.
    let transient = e.downcast_ref::<planet_core::Error>().is_some_and(|e| e.kind().may_succeed_later());
    QueryError { transient, message: format!("{where_}: {text}{what}") }
}

/// The `error` of an InfluxDB JSON error body, or the body itself (truncated).
fn influx_error_text(body: &str) -> String {
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
        if let Some(error) = value.get("error").and_then(|e| e.as_str()) {
            return error.to_string();
        }
    }
    planet_core::error::quote(body.trim())
}

/// Whether a described error is the server's TLS certificate being refused: rustls says
/// "invalid peer certificate: ..." (UnknownIssuer for a private CA).
fn is_certificate_refusal(description: &str) -> bool {
    description.contains("certificate")
}

/// A reqwest error in words, without the URL's query string (which holds no secret here, but
/// stays out of logs anyway) and with the cause that matters (refused, timed out).
fn describe_reqwest(e: &reqwest::Error) -> String {
    let described = crate::http::describe(e);
    if is_certificate_refusal(&described) {
        format!("{described} (a server certificate signed by a private CA needs that CA: --influxdb-ca-cert FILE)")
    } else {
        described
    }
}

/// Most of an error answer kept for its message: the rest is not needed to explain it.
const ERROR_BODY_BYTES: u64 = 64 * 1024;

/// What [`read_at_most`] does with a body longer than its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PastLimit {
    /// Keeps its start (an error message: its start explains it).
    Cut,
    /// Refuses it.
    Refuse,
}

/// The body as text, at most `limit` bytes of it: a broken proxy's endless answer must not
/// fill memory.
async fn read_at_most(mut response: reqwest::Response, limit: u64, past_limit: PastLimit) -> Result<String, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe_reqwest(&e))? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            if past_limit == PastLimit::Cut {
                break;
            }
            return Err(format!("the answer is longer than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_errors_are_permanent_and_cut_answers_and_timeouts_transient() {
        let answer = |text: &str| {
            let options = planet_core::Options { strict: true, ..planet_core::Options::default() };
            let e = planet_core::analyze([("answer", text.as_bytes())], options).expect_err("refused answer");
            classify_answer_error("q", "", &anyhow::Error::new(e))
        };
        assert!(!answer(r#"{"results":[{"statement_id":0,"error":"database not found: nope"}]}"#).transient);
        assert!(answer(r#"{"results":[{"statement_id":0,"error":"query-timeout limit exceeded"}]}"#).transient);
        assert!(answer(r#"{"results":[{"statement_id":0,"partial":true}]}"#).transient);
    }
}
