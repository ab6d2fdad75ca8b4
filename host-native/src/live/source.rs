//! The InfluxDB source: InfluxQL over the v1 HTTP `/query` API, answers streamed into the engine.
//!
//! Queries carry both window bounds (`time >= 'start' AND time < 'end'`), never `now()`. By
//! default the heavy lifting is pushed down: `MIN/MAX/SUM/COUNT ... GROUP BY <tags>` per traffic
//! measurement and `COUNT(*) ... GROUP BY <tags>` per dependency measurement, merged by the
//! core (SUM and COUNT rather than MEAN so that time slices merge exactly). `--influxdb-query-mode
//! raw` fetches the points instead. Long windows may be cut in slices (`--influxdb-query-slice`).

use super::engine::{Analysis, Engine};
use super::Job;
use super::JobWindow;
use crate::secret::Secret;
use anyhow::{Context, Result};
use backon::{ExponentialBuilder, Retryable};
use planet_core::profile::Rule;
use planet_core::{Duration, Options, Profile, Timestamp};
use std::fmt;
use std::future::Future;
use std::time::Instant;

/// What a source hands back: the analysis fed with every answer, and counters.
#[derive(Debug)]
pub struct Fetched {
    /// The analysis holding every answer of the window.
    pub analysis: Box<dyn Analysis>,
    /// Queries sent (successful ones).
    pub queries: u64,
    /// Bytes of answers read (successful attempts).
    pub bytes: u64,
    /// Attempts that failed and were retried.
    pub retries: u64,
    /// Seconds the engine spent on the answers of the successful attempts (parsing and
    /// aggregating as they stream in), to tell InfluxDB's time from the core's.
    pub parse_seconds: f64,
}

/// Where the measurements come from.
pub trait Source: Send + Sync {
    /// Reads the window into a new analysis of `engine` with `options`.
    fn fetch(
        &self,
        window: &JobWindow,
        engine: &dyn Engine,
        options: &Options,
    ) -> impl Future<Output = Result<Fetched>> + Send;
}

/// How the source authenticates.
#[derive(Debug, Clone)]
pub enum InfluxAuth {
    /// No credentials.
    None,
    /// HTTP Basic (InfluxDB 1.x users).
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// `Authorization: Token ...` (InfluxDB 2.x/3.x v1-compatible API; 1.8+ takes `user:password`).
    Token(Secret),
}

/// Push-down aggregates or raw points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryMode {
    /// MIN/MAX/SUM/COUNT per group computed by InfluxDB, merged by the core.
    Pushdown,
    /// Every point fetched and aggregated by the core.
    Raw,
}

/// Settings of the InfluxDB source.
#[derive(Debug, Clone)]
pub struct InfluxConfig {
    /// Base URL, e.g. `http://127.0.0.1:8086`.
    pub url: String,
    /// Database (`mothership`).
    pub database: String,
    /// Retention policy; empty for the default one.
    pub retention_policy: String,
    /// Credentials.
    pub auth: InfluxAuth,
    /// Push-down or raw.
    pub mode: QueryMode,
    /// Cut windows longer than this in slices (None: one query per measurement).
    pub slice: Option<Duration>,
    /// Timeout of one HTTP request.
    pub request_timeout: std::time::Duration,
    /// Retries of a transient failure (refused connection, 5xx, timeout, cut answer).
    pub retries: usize,
    /// First retry delay; doubles each time up to 30 s.
    pub retry_delay: std::time::Duration,
    /// Rows per chunk of a chunked answer.
    pub chunk_size: usize,
    /// Certificate authorities trusted for https besides the system's (a private CA).
    pub extra_roots: Vec<reqwest::Certificate>,
}

/// An InfluxDB failure: transient ones are retried.
#[derive(Debug)]
pub struct QueryError {
    /// Worth retrying.
    pub transient: bool,
    /// What went wrong, naming the query.
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

/// The real source.
#[derive(Debug, Clone)]
pub struct InfluxSource {
    config: InfluxConfig,
    client: reqwest::Client,
}

/// Quotes an identifier for InfluxQL.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Quotes a string literal for InfluxQL.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The InfluxQL statements of a job window: one per measurement of the job and per time slice.
pub fn queries(
    profile: &Profile,
    window: &JobWindow,
    mode: QueryMode,
    slice: Option<Duration>,
    retention_policy: &str,
) -> Vec<String> {
    let mut ranges = Vec::new();
    match slice.filter(|s| s.0 > 0) {
        Some(s) => {
            let mut start = window.start;
            while start < window.end {
                let end = Timestamp(start.0.saturating_add(s.0).min(window.end.0));
                ranges.push((start, end));
                start = end;
            }
        }
        None => ranges.push((window.start, window.end)),
    }
    let from = |m: &str| {
        if retention_policy.is_empty() {
            ident(m)
        } else {
            format!("{}.{}", ident(retention_policy), ident(m))
        }
    };
    let mut out = Vec::new();
    let rules: Vec<(String, Rule<'_>)> = match window.job {
        Job::Traffic => profile.traffic.iter().map(|r| (r.measurement.clone(), Rule::Traffic(r))).collect(),
        Job::Dependency => profile.dependency.iter().map(|r| (r.measurement.clone(), Rule::Dependency(r))).collect(),
    };
    for (measurement, rule) in &rules {
        let tags = rule.group_tags();
        let group_by = tags.iter().map(|t| ident(t)).collect::<Vec<_>>().join(", ");
        let (select, local) = match rule {
            Rule::Traffic(r) => {
                let f = ident(&r.field);
                let select = match mode {
                    QueryMode::Pushdown => format!("MIN({f}), MAX({f}), SUM({f}), COUNT({f})"),
                    QueryMode::Raw => f,
                };
                (select, &r.local_hostgroup)
            }
            Rule::Dependency(r) => {
                let select = match mode {
                    QueryMode::Pushdown => "COUNT(*)".to_string(),
                    QueryMode::Raw => "*".to_string(),
                };
                (select, &r.local_hostgroup)
            }
        };
        for (start, end) in &ranges {
            out.push(format!(
                "SELECT {select} FROM {} WHERE {} != '' AND time >= {} AND time < {} GROUP BY {group_by}",
                from(measurement),
                ident(local),
                literal(&start.to_rfc3339()),
                literal(&end.to_rfc3339()),
            ));
        }
    }
    out
}

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

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
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
        let body = response.text().await.unwrap_or_default();
        let detail = influx_error_text(&body);
        let transient = status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408;
        let hint = match status.as_u16() {
            401 | 403 => {
                " (check the InfluxDB user name and password or token, and that the user may read the database)"
            }
            _ => "",
        };
        Err(QueryError { transient, message: format!("{where_}: HTTP {status}: {detail}{hint}{what}") })
    }

    /// One query, its answer streamed into `analysis`. No retry here.
    async fn query_once(&self, q: &str, analysis: &mut dyn Analysis) -> Result<(u64, f64), QueryError> {
        let where_ = format!("InfluxDB at {}", self.config.url);
        let what = format!(" (query: {q})");
        let mut response = self.post_query(q, true).await?;
        analysis.begin_input("answer");
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
        let body = response.text().await.map_err(|e| QueryError {
            transient: true,
            message: format!("{where_}: {}{what}", describe_reqwest(&e)),
        })?;
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

impl Source for InfluxSource {
    async fn fetch(&self, window: &JobWindow, engine: &dyn Engine, options: &Options) -> Result<Fetched> {
        let statements =
            queries(&options.profile, window, self.config.mode, self.config.slice, &self.config.retention_policy);
        let mut total = engine.start(options);
        let (mut queries_sent, mut bytes, mut retries, mut parse_seconds) = (0u64, 0u64, 0u64, 0f64);
        for q in &statements {
            let started = Instant::now();
            let attempt = || async {
                // A fresh analysis per attempt: a half-read answer must not count.
                let mut part = engine.start(options);
                let (n, parse) = self.query_once(q, part.as_mut()).await?;
                Ok::<_, QueryError>((part, n, parse))
            };
            let backoff = ExponentialBuilder::default()
                .with_min_delay(self.config.retry_delay)
                .with_max_delay(std::time::Duration::from_secs(30))
                .with_max_times(self.config.retries)
                .with_jitter();
            let (part, n, parse) = attempt
                .retry(backoff)
                .when(|e: &QueryError| e.transient)
                .notify(|e: &QueryError, wait: std::time::Duration| {
                    retries += 1;
                    tracing::warn!(error = %e, retry_in = ?wait, "InfluxDB query failed; retrying");
                })
                .await
                .map_err(anyhow::Error::new)?;
            tracing::debug!(query = %q, bytes = n, seconds = started.elapsed().as_secs_f64(), "query answered");
            let merge_started = Instant::now();
            total.merge(part)?;
            parse_seconds += parse + merge_started.elapsed().as_secs_f64();
            queries_sent += 1;
            bytes += n;
        }
        Ok(Fetched { analysis: total, queries: queries_sent, bytes, retries, parse_seconds })
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
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "failed while reading the answer"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let hint = if is_certificate_refusal(&cause) {
        " (a server certificate signed by a private CA needs that CA: --influxdb-ca-cert FILE)"
    } else {
        ""
    };
    if cause.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {cause}{hint}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::WindowLengths;

    fn window(job: Job, end: &str) -> JobWindow {
        WindowLengths::default().window(job, end.parse().expect("valid"))
    }

    #[test]
    fn pushdown_traffic_queries_carry_both_bounds_and_group_by_every_tag() {
        let q = queries(
            &Profile::planet_federator(),
            &window(Job::Traffic, "2026-11-22T13:00:00Z"),
            QueryMode::Pushdown,
            None,
            "",
        );
        assert_eq!(q.len(), 2);
        assert_eq!(
            q[0],
            "SELECT MIN(\"bandwidth_bps\"), MAX(\"bandwidth_bps\"), SUM(\"bandwidth_bps\"), COUNT(\"bandwidth_bps\") \
             FROM \"ingress\" WHERE \"service\" != '' AND time >= '2026-11-22T12:00:00Z' AND time < '2026-11-22T13:00:00Z' \
             GROUP BY \"service\", \"address\", \"remote_service\", \"remote_address\""
        );
        assert!(q[1].contains("FROM \"egress\""));
        assert!(!q.iter().any(|s| s.contains("now()")));
    }

    #[test]
    fn dependency_queries_slice_the_week_and_name_the_retention_policy() {
        let q = queries(
            &Profile::planet_federator(),
            &window(Job::Dependency, "2026-11-22T11:00:00Z"),
            QueryMode::Pushdown,
            Some("1d".parse().expect("valid")),
            "autogen",
        );
        assert_eq!(q.len(), 14, "7 daily slices for upstream and for downstream");
        assert!(q[0].starts_with("SELECT COUNT(*) FROM \"autogen\".\"upstream\""));
        assert!(q[0].contains("time >= '2026-11-15T11:00:00Z' AND time < '2026-11-16T11:00:00Z'"));
        assert!(q[6].contains("time < '2026-11-22T11:00:00Z'"));
        assert!(q[7].contains("\"downstream\""));
        assert!(q[7].contains("GROUP BY \"protocol\", \"process_name\", \"service\", \"address\", \"port\", \"downstream_service\", \"downstream_address\""));
    }

    /// Answers every request with an empty result and keeps the request heads.
    async fn recording_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        flaky_server(0).await
    }

    /// Like [`recording_server`], but the first `failures` requests get a 503.
    async fn flaky_server(failures: usize) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = heads.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else { return };
                let mut buf = vec![0u8; 65536];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..n]).to_string();
                record.lock().expect("lock").push(text.split("\r\n\r\n").next().unwrap_or("").to_string());
                let seen = record.lock().expect("lock").len();
                let (status, body) = if seen <= failures {
                    ("503 Service Unavailable", r#"{"error":"overloaded"}"#)
                } else {
                    ("200 OK", r#"{"results":[{"statement_id":0}]}"#)
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            }
        });
        (url, heads)
    }

    fn config(url: String, auth: InfluxAuth) -> InfluxConfig {
        InfluxConfig {
            url,
            database: "mothership".into(),
            retention_policy: String::new(),
            auth,
            mode: QueryMode::Pushdown,
            slice: None,
            request_timeout: std::time::Duration::from_secs(10),
            retries: 0,
            retry_delay: std::time::Duration::from_millis(1),
            chunk_size: 100,
            extra_roots: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_token_goes_in_the_authorization_header_and_an_empty_answer_gives_no_rows() {
        let (url, heads) = recording_server().await;
        let source = InfluxSource::new(config(url, InfluxAuth::Token(Secret::new("s3cret")))).expect("client");
        let options =
            Options { at: Some("2026-11-22T13:00:00Z".parse().expect("valid")), strict: true, ..Options::default() };
        let fetched = source
            .fetch(&window(Job::Traffic, "2026-11-22T13:00:00Z"), &crate::live::engine::NativeEngine, &options)
            .await
            .expect("fetches");
        assert_eq!(fetched.queries, 2);
        let tables = fetched.analysis.finish().expect("tables");
        assert!(tables.traffic.is_empty());
        let heads = heads.lock().expect("lock");
        assert_eq!(heads.len(), 2);
        assert!(heads.iter().all(|h| h.to_lowercase().contains("authorization: token s3cret")), "{heads:?}");
    }

    #[tokio::test]
    async fn a_503_is_retried_and_a_persistent_one_fails_naming_the_status() {
        let (url, heads) = flaky_server(1).await;
        let mut c = config(url, InfluxAuth::None);
        c.retries = 2;
        let source = InfluxSource::new(c).expect("client");
        let options =
            Options { at: Some("2026-11-22T13:00:00Z".parse().expect("valid")), strict: true, ..Options::default() };
        let w = window(Job::Traffic, "2026-11-22T13:00:00Z");
        let fetched = source.fetch(&w, &crate::live::engine::NativeEngine, &options).await.expect("retried");
        assert_eq!((fetched.queries, fetched.retries), (2, 1));
        assert_eq!(heads.lock().expect("lock").len(), 3);

        let (url, _) = flaky_server(100).await;
        let mut c = config(url, InfluxAuth::None);
        c.retries = 1;
        let source = InfluxSource::new(c).expect("client");
        let err = source.fetch(&w, &crate::live::engine::NativeEngine, &options).await.expect_err("gives up");
        let text = format!("{err:#}");
        assert!(text.contains("HTTP 503") && text.contains("overloaded") && text.contains("(query: SELECT"), "{text}");
    }

    #[test]
    fn identifiers_and_literals_are_escaped() {
        assert_eq!(ident("a\"b"), "\"a\\\"b\"");
        assert_eq!(literal("it's"), "'it\\'s'");
    }

    #[test]
    fn statement_errors_are_permanent_and_cut_answers_and_timeouts_transient() {
        let answer = |text: &str| {
            let options = Options { strict: true, ..Options::default() };
            let e = planet_core::analyze([("answer", text.as_bytes())], options).expect_err("refused answer");
            classify_answer_error("q", "", &anyhow::Error::new(e))
        };
        assert!(!answer(r#"{"results":[{"statement_id":0,"error":"database not found: nope"}]}"#).transient);
        assert!(answer(r#"{"results":[{"statement_id":0,"error":"query-timeout limit exceeded"}]}"#).transient);
        assert!(answer(r#"{"results":[{"statement_id":0,"partial":true}]}"#).transient);
    }
}
