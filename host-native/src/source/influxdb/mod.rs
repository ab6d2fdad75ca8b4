//! The InfluxDB source: InfluxQL over the v1 HTTP `/query` API, answers (JSON, nanosecond
//! epochs) streamed into the engine. The statements are built in [`query`], sent by [`client`].

mod client;
mod dbrp;
pub mod query;

pub use client::QueryError;

use super::in_order::run_in_order;
use super::{Fetched, Source};
use crate::cli::LiveArgs;
use crate::engine::{Engine, Session};
use crate::finding::Finding;
use crate::job::JobWindow;
use crate::schedule::system_now;
use crate::secret::Secret;
use anyhow::{bail, Context, Result};
use planet_core::{Duration, Format, Options, Precision, Profile, Timestamp};
use std::path::Path;
use std::time::Instant;

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
    /// Queries of one window at once.
    pub concurrency: usize,
    /// Rows per chunk of a chunked answer.
    pub chunk_size: usize,
    /// Certificate authorities trusted for https besides the system's (a private CA).
    pub extra_roots: Vec<reqwest::Certificate>,
    /// InfluxDB 2.x/3.x organization, to look up the DBRP mapping in `check`.
    pub org: Option<String>,
}

impl InfluxConfig {
    /// The retry policy of this client's requests.
    pub fn retry(&self) -> crate::http::Retry {
        crate::http::Retry { retries: self.retries, delay: self.retry_delay }
    }
}

/// The real source.
#[derive(Debug, Clone)]
pub struct InfluxSource {
    config: InfluxConfig,
    client: reqwest::Client,
}

/// The InfluxDB source of the flags (always: `--influxdb-addr` has a default).
pub fn from_args(args: &LiveArgs) -> Result<Option<Box<dyn Source>>> {
    Ok(Some(Box::new(InfluxSource::new(config(args)?)?)))
}

/// The InfluxDB settings of the flags.
pub fn config(args: &LiveArgs) -> Result<InfluxConfig> {
    let mut password = args.influxdb_password.clone();
    if let Some(path) = &args.influxdb_password_file {
        password = read_secret_file(path, "InfluxDB password")?;
    }
    let mut token = args.influxdb_token.clone();
    if let Some(path) = &args.influxdb_token_file {
        token = read_secret_file(path, "InfluxDB token")?;
    }
    let (url, url_credentials) = base_url(&args.influxdb_addr)?;
    let auth = if !token.is_empty() {
        InfluxAuth::Token(token)
    } else if !args.influxdb_username.is_empty() || !password.is_empty() {
        InfluxAuth::Basic { username: args.influxdb_username.clone(), password }
    } else if let Some((username, password)) = url_credentials {
        InfluxAuth::Basic { username, password }
    } else {
        InfluxAuth::None
    };
    Ok(InfluxConfig {
        url,
        database: args.influxdb_database.clone(),
        retention_policy: args.influxdb_retention_policy.clone(),
        auth,
        mode: args.influxdb_query_mode,
        slice: Some(args.influxdb_query_slice).filter(|s| s.0 > 0),
        request_timeout: std::time::Duration::from_secs(args.influxdb_timeout_second.max(1)),
        retries: args.retries,
        retry_delay: args.retry_delay_std()?,
        concurrency: usize::try_from(args.query_concurrency).unwrap_or(1),
        chunk_size: args.influxdb_chunk_size.max(1),
        extra_roots: match &args.influxdb_ca_cert {
            Some(path) => read_ca_certificates(path)?,
            None => Vec::new(),
        },
        org: Some(args.influxdb_org.clone()).filter(|o| !o.is_empty()),
    })
}

/// `--influxdb-addr` as the base of every request, without its user name and password (taken
/// out, so that no message, log or state file holds them), checked for what would be lost when
/// `/query` is appended (a query string, a fragment).
pub fn base_url(addr: &str) -> Result<(String, Option<(String, Secret)>)> {
    let shown = redact_url(addr);
    let mut url = reqwest::Url::parse(addr.trim()).map_err(|e| anyhow::anyhow!("--influxdb-addr {shown:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("--influxdb-addr {shown:?} must start with http:// or https://");
    }
    if url.host_str().is_none_or(str::is_empty) {
        bail!("--influxdb-addr {shown:?} has no host (e.g. http://influxdb:8086)");
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!(
            "--influxdb-addr {shown:?}: a query string (?…) or fragment (#…) is not allowed: /query and /ping are added to the path"
        );
    }
    let credentials = if url.username().is_empty() && url.password().is_none() {
        None
    } else {
        let username = percent_decode(url.username());
        let password = Secret::new(percent_decode(url.password().unwrap_or("")));
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Some((username, password))
    };
    Ok((url.as_str().trim_end_matches('/').to_string(), credentials))
}

/// An address as it may be shown: any `user:password@` replaced by `***@`.
pub fn redact_url(addr: &str) -> String {
    let scheme_end = addr.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &addr[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &addr[..scheme_end], &rest[at..]),
        None => addr.to_string(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn read_secret_file(path: &Path, what: &str) -> Result<Secret> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the {what} file {}", path.display()))?;
    Ok(Secret::new(text.trim_end_matches(['\n', '\r'])))
}

/// The certificates of a PEM file of certificate authorities (`--influxdb-ca-cert`).
fn read_ca_certificates(path: &Path) -> Result<Vec<reqwest::Certificate>> {
    let pem = std::fs::read(path).with_context(|| format!("reading --influxdb-ca-cert {}", path.display()))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem)
        .with_context(|| format!("--influxdb-ca-cert {}: not a PEM file of certificates", path.display()))?;
    if certificates.is_empty() {
        bail!("--influxdb-ca-cert {}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it", path.display());
    }
    Ok(certificates)
}

#[async_trait::async_trait]
impl Source for InfluxSource {
    fn format(&self) -> Format {
        Format::Json
    }

    /// The client asks for `epoch=ns`.
    fn precision(&self) -> Precision {
        Precision::Ns
    }

    async fn fetch(&self, window: &JobWindow, engine: &Engine, options: &Options) -> Result<Fetched> {
        let statements = query::queries(
            &options.profile,
            window,
            self.config.mode,
            self.config.slice,
            &self.config.retention_policy,
        );
        let mut total = Session::mergeable(engine, options.clone());
        let (mut queries_sent, mut bytes, mut retries, mut parse_seconds) = (0u64, 0u64, 0u64, 0f64);
        let requests = statements.into_iter().map(|q| {
            let (source, engine, options) = (self.clone(), engine.clone(), options.clone());
            async move {
                let started = Instant::now();
                let mut retried = 0;
                let attempt = || async {
                    // A fresh analysis per attempt: a half-read answer must not count.
                    let mut part = Session::mergeable(&engine, options.clone());
                    let (n, parse) = source.query_once(&q, &mut part).await?;
                    Ok::<_, QueryError>((part, n, parse))
                };
                let (part, n, parse) =
                    source.config.retry().run_counted("InfluxDB query", &mut retried, attempt).await?;
                tracing::debug!(query = %q, bytes = n, seconds = started.elapsed().as_secs_f64(), "query answered");
                Ok((part, n, parse, retried))
            }
        });
        run_in_order(requests, self.config.concurrency, |(part, n, parse, retried)| {
            let merge_started = Instant::now();
            total.merge(part)?;
            parse_seconds += parse + merge_started.elapsed().as_secs_f64();
            queries_sent += 1;
            bytes += n;
            retries += retried;
            Ok(())
        })
        .await?;
        Ok(Fetched { session: total, queries: queries_sent, bytes, retries, parse_seconds })
    }

    async fn check(&self, profile: &Profile) -> Vec<Finding> {
        let mut found = Vec::new();
        let url = &self.config().url;
        let version = match self.ping().await {
            Ok(version) => version,
            Err(e) => return vec![Finding::Problem(format!("{e:#}"))],
        };
        found.push(Finding::Ok(format!("InfluxDB at {url} answers (version {version})")));
        let dbrp = self.check_dbrp().await;
        let mapping_missing = matches!(dbrp, Some(Finding::Problem(_)));
        found.extend(dbrp);
        let db = &self.config().database;
        if let Err(e) = self.query_json(query::ANY_MEASUREMENT).await {
            // The missing mapping above already says why and what to run.
            if !mapping_missing {
                found.push(Finding::Problem(format!("database {db:?}: {e}")));
            }
            return found;
        }
        found.push(Finding::Ok(format!("database {db:?} is readable")));
        let now = system_now();
        // Raw exporter metrics live in one of several shapes (a measurement per metric, or
        // Telegraf's one wide measurement): only all of them empty is a problem.
        let alternatives = profile.metrics.is_some();
        let mut empty = Vec::new();
        for m in query::checked_measurements(profile) {
            match self.query_json(&query::newest_point(&m)).await {
                Err(e) => found.push(Finding::Problem(format!("measurement {m}: {e}"))),
                Ok(v) => match v.pointer("/results/0/series/0/values/0/0").and_then(|t| t.as_i64()) {
                    Some(t) => {
                        let age = (now.0 - t) / 1_000_000_000;
                        found
                            .push(Finding::Ok(format!("measurement {m}: newest point {} ({age} s ago)", Timestamp(t))));
                    }
                    None if alternatives => empty.push(m),
                    None => found.push(Finding::Problem(format!("measurement {m}: no point at all"))),
                },
            }
        }
        if alternatives && !empty.is_empty() {
            let any = found.iter().any(|f| matches!(f, Finding::Ok(m) if m.starts_with("measurement ")));
            let list = empty.join(", ");
            found.push(if any {
                Finding::Note(format!("no point in {list} (the metrics are stored in the other shape)"))
            } else {
                Finding::Problem(format!(
                    "profile {:?}: no point in any of its measurements ({list}); are planet-exporter's metrics written to database {db:?}?",
                    profile.name
                ))
            });
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{Job, WindowLengths};

    #[test]
    fn credentials_in_the_address_are_taken_out_of_it_and_hidden_in_messages() {
        let (url, credentials) = base_url("http://bob:S%40CRET@influx:8086/").expect("valid");
        assert_eq!(url, "http://influx:8086");
        let (user, password) = credentials.expect("credentials");
        assert_eq!((user.as_str(), password.expose()), ("bob", "S@CRET"));
        assert_eq!(redact_url("https://bob:SECRET@h:1/p?x=1"), "https://***@h:1/p?x=1");
        assert_eq!(redact_url("http://h:1/p@x"), "http://h:1/p@x", "an @ in the path is not userinfo");
        let error = base_url("ftp://bob:SECRET@h").expect_err("scheme").to_string();
        assert!(!error.contains("SECRET") && error.contains("http://"), "{error}");
    }

    #[test]
    fn an_address_with_a_query_string_fragment_or_no_host_is_refused_and_a_path_prefix_kept() {
        for addr in ["http://h/p?x=1", "http://h/p#f", "http://bob:SECRET@h/?x"] {
            let error = format!("{:#}", base_url(addr).expect_err(addr));
            assert!(error.contains("query string (?…) or fragment (#…) is not allowed"), "{error}");
            assert!(!error.contains("SECRET"), "{error}");
        }
        let error = format!("{:#}", base_url("http://").expect_err("no host"));
        assert!(error.contains("\"http://\"") && error.contains("host"), "{error}");
        assert_eq!(base_url("http://h:8086/influx/").expect("prefix").0, "http://h:8086/influx");
    }

    fn window(job: Job, end: &str) -> JobWindow {
        WindowLengths::default().window(job, end.parse().expect("valid"))
    }

    /// Answers every request with an empty result and keeps the request heads.
    async fn recording_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        flaky_server(0).await
    }

    /// Like [`recording_server`], but the first `failures` requests get a 503.
    async fn flaky_server(failures: usize) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = heads.clone();
        let url = crate::test_server::serve(move |request| {
            let mut seen = record.lock().expect("lock");
            seen.push(request.head);
            if seen.len() <= failures {
                (503, r#"{"error":"overloaded"}"#.to_string())
            } else {
                (200, r#"{"results":[{"statement_id":0}]}"#.to_string())
            }
        })
        .await;
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
            concurrency: 1,
            chunk_size: 100,
            extra_roots: Vec::new(),
            org: None,
        }
    }

    #[tokio::test]
    async fn a_token_goes_in_the_authorization_header_and_an_empty_answer_gives_no_rows() {
        let (url, heads) = recording_server().await;
        let source = InfluxSource::new(config(url, InfluxAuth::Token(Secret::new("s3cret")))).expect("client");
        let options =
            Options { at: Some("2026-11-22T13:00:00Z".parse().expect("valid")), strict: true, ..Options::default() };
        let fetched = source
            .fetch(&window(Job::Traffic, "2026-11-22T13:00:00Z"), &Engine::Native, &options)
            .await
            .expect("fetches");
        assert_eq!(fetched.queries, 2);
        let tables = fetched.session.finish_tables().expect("tables");
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
        let fetched = source.fetch(&w, &Engine::Native, &options).await.expect("retried");
        assert_eq!((fetched.queries, fetched.retries), (2, 1));
        assert_eq!(heads.lock().expect("lock").len(), 3);

        let (url, _) = flaky_server(100).await;
        let mut c = config(url, InfluxAuth::None);
        c.retries = 1;
        let source = InfluxSource::new(c).expect("client");
        let err = source.fetch(&w, &Engine::Native, &options).await.expect_err("gives up");
        let text = format!("{err:#}");
        assert!(text.contains("HTTP 503") && text.contains("overloaded") && text.contains("(query: SELECT"), "{text}");
    }
}
