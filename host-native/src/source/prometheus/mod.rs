//! The Prometheus source: planet-exporter's own metrics read straight from Prometheus's HTTP
//! API, for profiles that compute the tables from raw exporter samples (`planet-exporter`).
//!
//! Raw samples are fetched, not PromQL results: `GET /api/v1/query` with a range selector
//! (`{__name__=~"planet_traffic_bytes_total|..."}[3600000ms]` at the slice end) answers every
//! sample of the range as Prometheus stored it, and the core evaluates the profile's stages on
//! them exactly as it does on an export. The window is read in slices (`--prometheus-query-slice`)
//! so that one answer stays small; each slice is the half-open range `(a, b]` (a range selector
//! of `b - a - 1ms` ending at `b`: Prometheus 2.x includes both ends of a range, and samples have
//! millisecond times), so consecutive slices never return the same sample twice. The window starts
//! early by the stages' lookback (the first tick of a window evaluates samples before it).
//!
//! With `--prometheus-fetch pushdown` ([`pushdown`]) Prometheus evaluates the profile's stages
//! itself (`/api/v1/query_range` on the tick grid) and only the resulting points come back.

mod pushdown;

use super::in_order::run_in_order;
use super::{Fetched, Source};
use crate::cli::LiveArgs;
use crate::engine::{Engine, Session};
use crate::finding::Finding;
use crate::job::JobWindow;
use crate::secret::Secret;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use planet_core::profile::MetricsSpec;
use planet_core::{Duration, Format, Options, Precision, Profile, Timestamp};
use std::path::PathBuf;
use std::time::Instant;

/// Which source the live commands read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum SourceKind {
    /// InfluxDB's v1 `/query` API (planet-federator's measurements, or raw metrics with a profile).
    #[default]
    Influxdb,
    /// Prometheus's HTTP API (planet-exporter's metrics; use `--profile planet-exporter`).
    Prometheus,
}

/// How the Prometheus source reads a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum PrometheusFetch {
    /// Every raw sample of the profile's metrics; the core evaluates the stages.
    Raw,
    /// The stages' PromQL evaluated by Prometheus (`query_range` on the tick grid); only the
    /// resulting points come back. Same rows; see BENCHMARKS.md for the cost of each.
    #[default]
    Pushdown,
}

/// Flags of the Prometheus source.
#[derive(Debug, Clone, Args)]
pub struct PrometheusArgs {
    /// Where the measurements come from: influxdb, or prometheus (planet-exporter's own
    /// metrics, evaluated as planet-federator does; implies --profile planet-exporter unless
    /// a profile is given).
    #[arg(long, value_enum, default_value = "influxdb", value_name = "SOURCE")]
    pub source: SourceKind,

    /// Prometheus base URL (planet-federator's flag and default).
    #[arg(long, env = "PROMETHEUS_URL", default_value = "http://127.0.0.1:9090", value_name = "URL")]
    pub prometheus_addr: String,

    /// Prometheus user (HTTP Basic auth, e.g. behind a reverse proxy).
    #[arg(long, env = "PROMETHEUS_USERNAME", default_value = "", value_name = "USER")]
    pub prometheus_username: String,

    /// File holding the Prometheus Basic-auth password (or PROMETHEUS_PASSWORD; never a flag
    /// value, which `ps` shows).
    #[arg(long, value_name = "FILE")]
    pub prometheus_password_file: Option<PathBuf>,

    /// File holding a bearer token sent as `Authorization: Bearer ...` (or PROMETHEUS_BEARER_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub prometheus_bearer_token_file: Option<PathBuf>,

    /// Read a window in slices of this length, one request each (with push-down: the ticks
    /// of one `query_range`, at most 10,000).
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub prometheus_query_slice: Duration,

    /// raw: fetch raw samples and evaluate the profile here; pushdown: let Prometheus evaluate
    /// the profile's PromQL (same rows; refused for a profile PromQL cannot express exactly).
    #[arg(long, value_enum, default_value = "pushdown", value_name = "HOW")]
    pub prometheus_fetch: PrometheusFetch,

    /// Timeout of one HTTP request to Prometheus, in seconds.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub prometheus_timeout_second: u64,
}

/// How the source authenticates.
#[derive(Debug, Clone)]
pub enum PrometheusAuth {
    /// No credentials.
    None,
    /// HTTP Basic.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// `Authorization: Bearer ...`.
    Bearer(Secret),
}

/// Settings of the Prometheus source.
#[derive(Debug, Clone)]
pub struct PrometheusConfig {
    /// Base URL, e.g. `http://127.0.0.1:9090` (a path prefix such as `/prometheus` is kept).
    pub url: String,
    /// Credentials.
    pub auth: PrometheusAuth,
    /// Slice length.
    pub slice: Duration,
    /// Raw samples or push-down.
    pub fetch: PrometheusFetch,
    /// Timeout of one request.
    pub request_timeout: std::time::Duration,
    /// Retries of a transient failure.
    pub retries: usize,
    /// First retry delay.
    pub retry_delay: std::time::Duration,
    /// Requests of one window at once.
    pub concurrency: usize,
}

impl PrometheusConfig {
    /// The retry policy of this client's requests.
    pub fn retry(&self) -> crate::http::Retry {
        crate::http::Retry { retries: self.retries, delay: self.retry_delay }
    }
}

/// The source.
#[derive(Debug, Clone)]
pub struct PrometheusSource {
    config: PrometheusConfig,
    client: reqwest::Client,
}

/// The Prometheus source, when the flags ask for it.
pub fn from_args(args: &LiveArgs) -> Result<Option<Box<dyn Source>>> {
    if args.prometheus.source != SourceKind::Prometheus {
        return Ok(None);
    }
    Ok(Some(Box::new(PrometheusSource::new(config(args)?)?)))
}

fn env_secret(name: &str) -> Secret {
    Secret::new(std::env::var(name).unwrap_or_default())
}

fn read_secret_file(path: &std::path::Path, what: &str) -> Result<Secret> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the {what} file {}", path.display()))?;
    Ok(Secret::new(text.trim_end_matches(['\n', '\r'])))
}

/// The Prometheus settings of the flags.
pub fn config(args: &LiveArgs) -> Result<PrometheusConfig> {
    let p = &args.prometheus;
    let url = p.prometheus_addr.trim_end_matches('/').to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("--prometheus-addr {url:?} must start with http:// or https://");
    }
    if p.prometheus_query_slice.0 <= 0 {
        bail!("--prometheus-query-slice must be longer than zero");
    }
    let token = match &p.prometheus_bearer_token_file {
        Some(path) => read_secret_file(path, "Prometheus bearer token")?,
        None => env_secret("PROMETHEUS_BEARER_TOKEN"),
    };
    let password = match &p.prometheus_password_file {
        Some(path) => read_secret_file(path, "Prometheus password")?,
        None => env_secret("PROMETHEUS_PASSWORD"),
    };
    let auth = if !token.is_empty() {
        PrometheusAuth::Bearer(token)
    } else if !p.prometheus_username.is_empty() {
        PrometheusAuth::Basic { username: p.prometheus_username.clone(), password }
    } else {
        PrometheusAuth::None
    };
    Ok(PrometheusConfig {
        url,
        auth,
        slice: p.prometheus_query_slice,
        fetch: p.prometheus_fetch,
        request_timeout: std::time::Duration::from_secs(p.prometheus_timeout_second.max(1)),
        retries: args.retries,
        retry_delay: args.retry_delay_std()?,
        concurrency: usize::try_from(args.query_concurrency).unwrap_or(1),
    })
}

use crate::http::{describe, RequestError};

/// One slice of a window: the half-open range `(after, until]` in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slice {
    after_ms: i64,
    until_ms: i64,
}

impl Slice {
    /// The range selector's duration: `until - after - 1ms`, so that the closed range
    /// `[until - d, until]` Prometheus 2.x reads is exactly `(after, until]`.
    fn range(&self) -> String {
        format!("{}ms", self.until_ms - self.after_ms - 1)
    }

    /// The evaluation time, as Prometheus reads it (seconds with a fraction).
    fn time(&self) -> String {
        seconds_text(self.until_ms)
    }
}

/// A time or duration in ms as Prometheus reads it: seconds with a fraction.
fn seconds_text(ms: i64) -> String {
    format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))
}

/// The slices covering `[start, end)`: `(start - 1ms, ...]`, each at most `slice` long, the last
/// ending at `end - 1ms` (a sample at `end` belongs to no tick before `end`).
fn slices(start: Timestamp, end: Timestamp, slice: Duration) -> Vec<Slice> {
    let ms = |t: i64| t.div_euclid(1_000_000);
    let (first, last) = (ms(start.0) - 1, ms(end.0) - 1);
    let step = (slice.0 / 1_000_000).max(2);
    let mut out = Vec::new();
    let mut after = first;
    while after < last {
        let until = (after + step).min(last);
        out.push(Slice { after_ms: after, until_ms: until });
        after = until;
    }
    out
}

/// The metrics a profile's stages read, each once.
/// The Prometheus metrics a profile reads, or why it reads none: no metric stages, or stages
/// whose metrics are fields of an InfluxDB measurement (Contiv's counters, written by Telegraf's
/// httpjson input), which no Prometheus holds under those names.
fn prometheus_metrics(profile: &Profile) -> Result<(&MetricsSpec, Vec<String>)> {
    let metrics = metric_names(profile);
    let Some(spec) = profile.metrics.as_ref().filter(|_| !metrics.is_empty()) else {
        bail!(
            "profile {:?} computes nothing from Prometheus metrics: use --profile planet-exporter (or a profile with metric stages) with --source prometheus",
            profile.name
        );
    };
    if spec.value_fields.is_empty() {
        bail!(
            "profile {:?} reads {} as fields of the InfluxDB measurement {:?}, not as Prometheus metrics: use --source influxdb with it",
            profile.name,
            metrics.join(", "),
            spec.wide_measurement.as_deref().unwrap_or("")
        );
    }
    Ok((spec, metrics))
}

fn metric_names(profile: &Profile) -> Vec<String> {
    let mut names: Vec<String> =
        profile.metrics.iter().flat_map(|m| m.stages.iter().map(|s| s.metric.clone())).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// How far before a window its first tick reads samples: the evaluation offset plus the
/// longest range.
fn lookback(profile: &Profile) -> Duration {
    let longest = |m: &planet_core::profile::MetricsSpec| m.stages.iter().map(|s| s.range.0).max().unwrap_or(0);
    Duration(profile.metrics.as_ref().map_or(0, |m| m.offset.0 + longest(m)))
}

/// The PromQL selector of every metric the profile reads. Metric names hold only
/// `[a-zA-Z0-9_:]`, nothing a regex or a PromQL string would read specially.
fn selector(metrics: &[String]) -> String {
    format!("{{__name__=~\"{}\"}}", metrics.join("|"))
}

impl PrometheusSource {
    /// A source with its HTTP client.
    pub fn new(config: PrometheusConfig) -> Result<PrometheusSource> {
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(std::time::Duration::from_secs(10))
            .user_agent(concat!("planet-bq/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the Prometheus HTTP client")?;
        Ok(PrometheusSource { config, client })
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.get(format!("{}{}", self.config.url, path));
        match &self.config.auth {
            PrometheusAuth::None => builder,
            PrometheusAuth::Basic { username, password } => builder.basic_auth(username, Some(password.expose())),
            PrometheusAuth::Bearer(token) => builder.bearer_auth(token.expose()),
        }
    }

    fn where_(&self) -> String {
        format!("Prometheus at {}", self.config.url)
    }

    /// `GET /api/v1/query` and the response once its status says it succeeded.
    async fn query(&self, q: &str, time: Option<&str>) -> Result<reqwest::Response, RequestError> {
        let mut params = vec![("query", q.to_string())];
        if let Some(t) = time {
            params.push(("time", t.to_string()));
        }
        self.api("/api/v1/query", &params).await
    }

    /// `GET` of an API path with its parameters (the first is the query, which errors quote),
    /// and the response once its status says it succeeded.
    async fn api(&self, path: &str, params: &[(&str, String)]) -> Result<reqwest::Response, RequestError> {
        let q = params.first().map_or("", |(_, v)| v.as_str());
        let what = format!(" (query: {q})");
        let response = self.get(path).query(params).send().await.map_err(|e| RequestError {
            transient: true,
            message: format!("{}: {}{what}", self.where_(), describe(&e)),
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let detail = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or_else(|| planet_core::error::quote(body.trim()));
        let transient = status.is_server_error() || matches!(status.as_u16(), 408 | 429);
        let hint = match status.as_u16() {
            401 | 403 => " (check --prometheus-username and PROMETHEUS_PASSWORD, or the bearer token)",
            422 if detail.contains("too many samples") => " (use a shorter --prometheus-query-slice)",
            _ => "",
        };
        Err(RequestError { transient, message: format!("{}: HTTP {status}: {detail}{hint}{what}", self.where_()) })
    }

    /// One slice's answer streamed into `session`; no retry here.
    async fn fetch_slice(&self, q: &str, slice: Slice, session: &mut Session) -> Result<(u64, f64), RequestError> {
        let what = format!(" (query: {q} at {})", slice.time());
        let mut response = self.query(q, Some(&slice.time())).await?;
        let answer_error = |e: anyhow::Error| {
            let transient = e.downcast_ref::<planet_core::Error>().is_some_and(|e| e.kind().may_succeed_later());
            RequestError { transient, message: format!("{}: {e:#}{what}", self.where_()) }
        };
        session.begin_input("prometheus answer").map_err(answer_error)?;
        let (mut bytes, mut parse) = (0u64, std::time::Duration::ZERO);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    bytes += chunk.len() as u64;
                    let started = Instant::now();
                    session.push(&chunk).map_err(answer_error)?;
                    parse += started.elapsed();
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(RequestError {
                        transient: true,
                        message: format!("{}: the answer was cut short: {}{what}", self.where_(), describe(&e)),
                    })
                }
            }
        }
        let started = Instant::now();
        session.end_input().map_err(answer_error)?;
        parse += started.elapsed();
        Ok((bytes, parse.as_secs_f64()))
    }

    /// Every raw sample of `metrics` in `[from, to]` (both included, ms resolution), as the
    /// answers of one request per slice, each retried on a transient failure (`federate`).
    pub async fn fetch_samples(&self, metrics: &[String], from: Timestamp, to: Timestamp) -> Result<Vec<Vec<u8>>> {
        let q = selector(metrics);
        let mut answers = Vec::new();
        for slice in slices(from, Timestamp(to.0.saturating_add(1_000_000)), self.config.slice) {
            let q = format!("{q}[{}]", slice.range());
            let attempt = || async {
                let response = self.query(&q, Some(&slice.time())).await?;
                response.bytes().await.map(|b| b.to_vec()).map_err(|e| RequestError {
                    transient: true,
                    message: format!("{}: the answer was cut short: {} (query: {q})", self.where_(), describe(&e)),
                })
            };
            let answer = self.config.retry().run("Prometheus query", attempt).await?;
            answers.push(answer);
        }
        Ok(answers)
    }

    /// The JSON `data.result` of an instant query (for `check`).
    async fn instant(&self, q: &str) -> Result<Vec<serde_json::Value>> {
        let body = self.query(q, None).await?.text().await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
        let v: serde_json::Value = serde_json::from_str(&body).context("an answer that is not JSON")?;
        Ok(v.pointer("/data/result").and_then(|r| r.as_array()).cloned().unwrap_or_default())
    }
}

#[async_trait::async_trait]
impl Source for PrometheusSource {
    fn format(&self) -> Format {
        Format::PrometheusJson
    }

    /// Prometheus answers state their unit (seconds with a fraction).
    fn precision(&self) -> Precision {
        Precision::Auto
    }

    async fn fetch(&self, window: &JobWindow, engine: &Engine, options: &Options) -> Result<Fetched> {
        match self.config.fetch {
            PrometheusFetch::Raw => self.fetch_raw(window, engine, options).await,
            PrometheusFetch::Pushdown => self.fetch_pushdown(window, engine, options).await,
        }
    }

    async fn check(&self, profile: &Profile) -> Vec<Finding> {
        self.check_server(profile).await
    }
}

impl PrometheusSource {
    /// Every raw sample of the profile's metrics over the window and its lookback, in slices.
    async fn fetch_raw(&self, window: &JobWindow, engine: &Engine, options: &Options) -> Result<Fetched> {
        let (_, metrics) = prometheus_metrics(&options.profile)?;
        let q = selector(&metrics);
        let start = Timestamp(window.start.0.saturating_sub(lookback(&options.profile).0));
        let mut total = Session::mergeable(engine, options.clone());
        let (mut queries, mut bytes, mut retries, mut parse_seconds) = (0u64, 0u64, 0u64, 0f64);
        let requests = slices(start, window.end, self.config.slice).into_iter().map(|slice| {
            let (source, engine, options, q) =
                (self.clone(), engine.clone(), options.clone(), format!("{q}[{}]", slice.range()));
            async move {
                let mut retried = 0;
                let attempt = || async {
                    // A fresh session per attempt: a half-read answer must not count.
                    let mut part = Session::mergeable(&engine, options.clone());
                    let (n, parse) = source.fetch_slice(&q, slice, &mut part).await?;
                    Ok::<_, RequestError>((part, n, parse))
                };
                let (part, n, parse) =
                    source.config.retry().run_counted("Prometheus query", &mut retried, attempt).await?;
                Ok((part, n, parse, retried))
            }
        });
        run_in_order(requests, self.config.concurrency, |(part, n, parse, retried)| {
            let merge_started = Instant::now();
            total.merge(part)?;
            parse_seconds += parse + merge_started.elapsed().as_secs_f64();
            queries += 1;
            bytes += n;
            retries += retried;
            Ok(())
        })
        .await?;
        Ok(Fetched { session: total, queries, bytes, retries, parse_seconds })
    }

    async fn check_server(&self, profile: &Profile) -> Vec<Finding> {
        let mut found = Vec::new();
        let url = &self.config.url;
        let version = match self.get("/api/v1/status/buildinfo").send().await {
            Ok(r) if r.status().is_success() => r
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|v| v.pointer("/data/version").and_then(|v| v.as_str()).map(str::to_string))
                .unwrap_or_else(|| "unknown".into()),
            Ok(r) => {
                return vec![Finding::Problem(format!(
                    "Prometheus at {url}: /api/v1/status/buildinfo answered HTTP {}",
                    r.status()
                ))]
            }
            Err(e) => return vec![Finding::Problem(format!("Prometheus at {url}: {}", describe(&e)))],
        };
        found.push(Finding::Ok(format!("Prometheus at {url} answers (version {version})")));
        if version.starts_with("3.") {
            found.push(Finding::Note(
                "Prometheus 3 leaves the start of a range open; planet-bq evaluates ranges as Prometheus 2.x (and planet-federator against it) did: both ends included".into(),
            ));
        }
        let metrics = match prometheus_metrics(profile) {
            Ok((_, metrics)) => metrics,
            Err(e) => {
                found.push(Finding::Problem(format!("{e:#}")));
                return found;
            }
        };
        for metric in &metrics {
            // Samples per series over the last 5 minutes tell the scrape interval.
            let q = format!("max(count_over_time({{__name__=\"{metric}\"}}[5m]))");
            found.push(match self.instant(&q).await {
                Err(e) => Finding::Problem(format!("metric {metric}: {e:#}")),
                Ok(result) => match result.first().and_then(|r| r.pointer("/value/1")).and_then(|v| v.as_str()) {
                    None => Finding::Problem(format!("metric {metric}: no sample in the last 5 minutes")),
                    Some(count) => {
                        let count: f64 = count.parse().unwrap_or(0.0);
                        let interval = if count > 1.0 { 300.0 / count } else { f64::INFINITY };
                        if metric.ends_with("_total") && interval >= 15.0 {
                            Finding::Note(format!(
                                "metric {metric}: scraped about every {interval:.0} s; irate over 30 s needs two samples in range, so ticks will be missed: scrape it more often than every 15 s"
                            ))
                        } else {
                            Finding::Ok(format!("metric {metric}: present, scraped about every {interval:.0} s"))
                        }
                    }
                },
            });
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_profiles_of_prometheus_metrics_are_read_from_prometheus() {
        let (_, metrics) = prometheus_metrics(&Profile::planet_exporter()).expect("planet-exporter reads metrics");
        assert_eq!(metrics, ["planet_downstream", "planet_traffic_bytes_total", "planet_upstream"]);
        let error = format!("{:#}", prometheus_metrics(&Profile::default()).expect_err("the federator's points"));
        assert!(error.contains("computes nothing from Prometheus metrics"), "{error}");
        let error = format!("{:#}", prometheus_metrics(&Profile::contiv_svcstats()).expect_err("InfluxDB fields"));
        assert!(error.contains("\"httpjson_svcstats\"") && error.contains("--source influxdb"), "{error}");
    }

    #[test]
    fn slices_partition_the_window_without_overlap_and_include_its_start() {
        let t = |s: &str| s.parse::<Timestamp>().expect("valid");
        let hour = Duration(3_600_000_000_000);
        let all = slices(t("2026-11-22T11:59:15Z"), t("2026-11-22T14:00:00Z"), hour);
        assert_eq!(all.len(), 3);
        // (start - 1ms, ...]: a sample exactly at the start is read.
        assert_eq!(all[0].after_ms, t("2026-11-22T11:59:15Z").0 / 1_000_000 - 1);
        for pair in all.windows(2) {
            assert_eq!(pair[0].until_ms, pair[1].after_ms, "consecutive slices meet");
        }
        // A sample exactly at the end serves no tick before the end.
        assert_eq!(all[2].until_ms, t("2026-11-22T14:00:00Z").0 / 1_000_000 - 1);
        assert_eq!(all[0].range(), "3599999ms");
        assert_eq!(Slice { after_ms: 999, until_ms: 1_500 }.time(), "1.500");
    }

    #[test]
    fn the_planet_exporter_profile_reads_three_metrics_from_45_seconds_before_the_window() {
        let profile = Profile::by_name("planet-exporter").expect("built in");
        assert_eq!(metric_names(&profile), ["planet_downstream", "planet_traffic_bytes_total", "planet_upstream"]);
        // The first tick t = start evaluates irate over [t - 15s - 30s, t - 15s].
        assert_eq!(lookback(&profile), Duration(45_000_000_000));
        assert!(metric_names(&Profile::planet_federator()).is_empty());
    }

    #[test]
    fn the_selector_names_each_metric() {
        assert_eq!(
            selector(&["planet_upstream".into(), "planet_downstream".into()]),
            r#"{__name__=~"planet_upstream|planet_downstream"}"#
        );
    }
}
