//! Writing line protocol into InfluxDB, as planet-federator does: the v2 write API (token, org,
//! bucket; InfluxDB 1.8+, 2.x, 3.x) or the v1 `/write` API (database, retention policy, user and
//! password; every 1.x). Points go in batches; a batch that fails for a reason that may pass
//! (refused connection, timeout, 429, 5xx) is retried with backoff, and one that still fails is
//! kept and sent again before the next tick's points, so a write is never silently dropped
//! (planet-federator logs and drops). Only a batch InfluxDB refuses outright (400: a point it
//! cannot store) is given up, with the server's reason.

use crate::http::{describe, RequestError};
use crate::secret::Secret;
use anyhow::{bail, Context, Result};
use std::collections::VecDeque;

/// Which write API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WriteApi {
    /// `POST /api/v2/write?org=&bucket=` with `Authorization: Token`.
    V2,
    /// `POST /write?db=&rp=` with HTTP Basic auth.
    V1,
}

/// Where and how to write.
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Base URL.
    pub url: String,
    /// The API.
    pub api: WriteApi,
    /// v2: token.
    pub token: Secret,
    /// v2: organization.
    pub org: String,
    /// v2: bucket.
    pub bucket: String,
    /// v1: database.
    pub database: String,
    /// v1: retention policy (empty: the default one).
    pub retention_policy: String,
    /// v1: user.
    pub username: String,
    /// v1: password.
    pub password: Secret,
    /// Points per request.
    pub batch_size: usize,
    /// Retries of a transient failure.
    pub retries: usize,
    /// First retry delay.
    pub retry_delay: std::time::Duration,
    /// Timeout of one request.
    pub timeout: std::time::Duration,
    /// Most points kept for a later attempt while InfluxDB is down; beyond it the oldest are
    /// dropped, with an error naming how many.
    pub max_pending_points: usize,
}

impl WriterConfig {
    /// The retry policy of this client's requests.
    pub fn retry(&self) -> crate::http::Retry {
        crate::http::Retry { retries: self.retries, delay: self.retry_delay }
    }
}

/// What one [`Writer::write`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteSummary {
    /// Points InfluxDB accepted (including earlier ones sent again).
    pub written: u64,
    /// Points kept for the next attempt.
    pub pending: u64,
    /// Points InfluxDB refused (400) and that are not sent again.
    pub refused: u64,
    /// Points dropped because too many were pending.
    pub dropped: u64,
    /// Requests sent.
    pub requests: u64,
}

/// The writer, with the points still to be sent.
#[derive(Debug)]
pub struct Writer {
    config: WriterConfig,
    client: reqwest::Client,
    pending: VecDeque<String>,
}

impl Writer {
    /// A writer and its HTTP client.
    pub fn new(config: WriterConfig) -> Result<Writer> {
        if !(config.url.starts_with("http://") || config.url.starts_with("https://")) {
            bail!("--influxdb-addr {:?} must start with http:// or https://", config.url);
        }
        if config.api == WriteApi::V2 && (config.org.is_empty() || config.bucket.is_empty()) {
            bail!("the v2 write API needs --influxdb-org and --influxdb-bucket");
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("planet-bq/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the InfluxDB HTTP client")?;
        Ok(Writer { config, client, pending: VecDeque::new() })
    }

    /// Points waiting for a retry.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// The points waiting for a retry, as line protocol, oldest first.
    pub fn pending_lines(&self) -> impl Iterator<Item = &str> {
        self.pending.iter().map(String::as_str)
    }

    /// From now on one request per batch, no retry: for a last attempt that must end soon
    /// (stopping on a signal, within the service manager's stop timeout).
    pub fn stop_retrying(&mut self) {
        self.config.retries = 0;
    }

    /// Writes earlier pending points, then `lines` (one point each), in batches.
    pub async fn write(&mut self, lines: Vec<String>) -> WriteSummary {
        let mut summary = WriteSummary::default();
        self.pending.extend(lines);
        let excess = self.pending.len().saturating_sub(self.config.max_pending_points);
        if excess > 0 {
            self.pending.drain(..excess);
            summary.dropped = excess as u64;
            tracing::error!(
                dropped = excess,
                "InfluxDB has refused writes for long enough that {excess} point(s) were dropped (the oldest) to bound memory"
            );
        }
        while !self.pending.is_empty() {
            let n = self.config.batch_size.max(1).min(self.pending.len());
            let body: String = self.pending.iter().take(n).flat_map(|l| [l.as_str(), "\n"]).collect();
            summary.requests += 1;
            match self.send_with_retries(&body).await {
                Ok(()) => {
                    self.pending.drain(..n);
                    summary.written += n as u64;
                }
                Err(e) if !e.transient => {
                    self.pending.drain(..n);
                    summary.refused += n as u64;
                    tracing::error!(error = %e, points = n, "InfluxDB refused a batch; it is not sent again");
                }
                Err(e) => {
                    tracing::error!(error = %e, pending = self.pending.len(), "InfluxDB write failed; the points are kept and sent again at the next tick");
                    break;
                }
            }
        }
        summary.pending = self.pending.len() as u64;
        summary
    }

    async fn send_with_retries(&self, body: &str) -> Result<(), RequestError> {
        self.config.retry().run("InfluxDB write", || self.send(body)).await
    }

    fn request(&self) -> reqwest::RequestBuilder {
        let c = &self.config;
        let base = c.url.trim_end_matches('/');
        match c.api {
            WriteApi::V2 => {
                let builder = self.client.post(format!("{base}/api/v2/write")).query(&[
                    ("org", c.org.as_str()),
                    ("bucket", c.bucket.as_str()),
                    ("precision", "ns"),
                ]);
                if c.token.is_empty() {
                    builder
                } else {
                    builder.header("Authorization", format!("Token {}", c.token.expose()))
                }
            }
            WriteApi::V1 => {
                let mut query = vec![("db", c.database.as_str()), ("precision", "ns")];
                if !c.retention_policy.is_empty() {
                    query.push(("rp", c.retention_policy.as_str()));
                }
                let builder = self.client.post(format!("{base}/write")).query(&query);
                if c.username.is_empty() && c.password.is_empty() {
                    builder
                } else {
                    builder.basic_auth(&c.username, Some(c.password.expose()))
                }
            }
        }
    }

    async fn send(&self, body: &str) -> Result<(), RequestError> {
        let where_ = format!("InfluxDB at {}", self.config.url);
        let response = self
            .request()
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| RequestError { transient: true, message: format!("{where_}: {}", describe(&e)) })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let detail = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("error").or_else(|| v.get("message")).and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or_else(|| planet_core::error::quote(text.trim()));
        let transient = status.is_server_error() || matches!(status.as_u16(), 408 | 429);
        let hint = match (status.as_u16(), self.config.api) {
            (401 | 403, WriteApi::V2) => " (check --influxdb-token and that it may write the bucket)",
            (401 | 403, WriteApi::V1) => " (check --influxdb-username and the password, and that the user may write)",
            (404, WriteApi::V2) => " (the org or bucket does not exist, or the server is InfluxDB 1.x before 1.8: use --influxdb-write-api v1)",
            (404, WriteApi::V1) => " (the database does not exist: CREATE DATABASE it first)",
            _ => "",
        };
        Err(RequestError { transient, message: format!("{where_}: write answered HTTP {status}: {detail}{hint}") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A stand-in server: answers with the statuses given in turn (then 204) and records each
    /// request's head and body.
    async fn server(statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<(String, String)>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let mut statuses = statuses.into_iter();
        let url = crate::test_server::serve(move |request| {
            let body = String::from_utf8_lossy(&request.body).into_owned();
            record.lock().expect("lock").push((request.head, body));
            let status = statuses.next().unwrap_or(204);
            (status, if status == 204 { String::new() } else { r#"{"error":"nope"}"#.to_string() })
        })
        .await;
        (url, seen)
    }

    fn config(url: String, api: WriteApi) -> WriterConfig {
        WriterConfig {
            url,
            api,
            token: Secret::new("tok"),
            org: "mothership".into(),
            bucket: "mothership".into(),
            database: "mothership".into(),
            retention_policy: String::new(),
            username: String::new(),
            password: Secret::default(),
            batch_size: 2,
            retries: 1,
            retry_delay: std::time::Duration::from_millis(1),
            timeout: std::time::Duration::from_secs(5),
            max_pending_points: 100,
        }
    }

    fn lines(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("upstream,service=s{i} service_dependency=1i 1796181509000000000")).collect()
    }

    #[tokio::test]
    async fn v2_batches_carry_org_bucket_precision_and_the_token() {
        let (url, seen) = server(vec![]).await;
        let mut writer = Writer::new(config(url, WriteApi::V2)).expect("writer");
        let summary = writer.write(lines(5)).await;
        assert_eq!((summary.written, summary.requests, summary.pending), (5, 3, 0));
        let seen = seen.lock().expect("lock");
        assert!(
            seen[0].0.starts_with("POST /api/v2/write?org=mothership&bucket=mothership&precision=ns "),
            "{}",
            seen[0].0
        );
        assert!(seen[0].0.to_lowercase().contains("authorization: token tok"));
        assert_eq!(seen[0].1.lines().count(), 2);
        assert_eq!(seen[2].1.lines().count(), 1);
    }

    #[tokio::test]
    async fn a_failing_server_keeps_the_points_for_the_next_tick_and_a_refusal_is_not_retried() {
        // 503 twice: the first batch fails after its one retry and everything stays pending.
        let (url, seen) = server(vec![503, 503, 400]).await;
        let mut writer = Writer::new(config(url, WriteApi::V1)).expect("writer");
        let first = writer.write(lines(3)).await;
        assert_eq!((first.written, first.pending), (0, 3));
        // Next tick: the 400 batch is refused and dropped with an error, the rest is written.
        let second = writer.write(lines(1)).await;
        assert_eq!((second.refused, second.written, second.pending), (2, 2, 0));
        let seen = seen.lock().expect("lock");
        assert!(seen[0].0.starts_with("POST /write?db=mothership&precision=ns "), "{}", seen[0].0);
        // 503 and its retry, then the refused batch (s0, s1), then the kept s2 ahead of the
        // new tick's s0: four requests.
        assert_eq!(seen.len(), 4);
        let last: Vec<&str> = seen[3].1.lines().map(|l| l.split(' ').next().unwrap_or("")).collect();
        assert_eq!(last, ["upstream,service=s2", "upstream,service=s0"]);
    }

    #[tokio::test]
    async fn pending_points_are_bounded_and_the_drop_is_counted() {
        let mut c = config("http://127.0.0.1:9".into(), WriteApi::V1);
        c.retries = 0;
        c.max_pending_points = 4;
        let mut writer = Writer::new(c).expect("writer");
        let summary = writer.write(lines(6)).await;
        assert_eq!((summary.dropped, summary.pending), (2, 4));
    }
}
