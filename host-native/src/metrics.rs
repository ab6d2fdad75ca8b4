//! `--metrics-listen ADDR`: a Prometheus endpoint (`GET /metrics`, OpenMetrics text) with the
//! last success time, duration, rows written and failures per job.

use crate::job::Job;
use anyhow::{Context, Result};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabel {
    job: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// The metrics of the service; cheap to clone.
#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Arc<Registry>,
    last_success: Family<JobLabel, FloatGauge>,
    last_window_end: Family<JobLabel, FloatGauge>,
    duration: Family<JobLabel, FloatGauge>,
    rows_written: Family<JobLabel, Counter>,
    rows_read: Family<JobLabel, Counter>,
    runs: Family<JobLabel, Counter>,
    failures: Family<JobLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every metric, each job at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("planet_bq");
        let m = Metrics {
            registry: Arc::new(Registry::default()),
            last_success: Family::default(),
            last_window_end: Family::default(),
            duration: Family::default(),
            rows_written: Family::default(),
            rows_read: Family::default(),
            runs: Family::default(),
            failures: Family::default(),
        };
        registry.register(
            "job_last_success_timestamp_seconds",
            "Unix time when the job last completed a window",
            m.last_success.clone(),
        );
        registry.register(
            "job_last_window_end_timestamp_seconds",
            "End (inventory_date) of the last window the job completed",
            m.last_window_end.clone(),
        );
        registry.register("job_duration_seconds", "Wall time of the job's last run", m.duration.clone());
        registry.register("job_rows_written", "Rows written by the job", m.rows_written.clone());
        registry.register("job_rows_computed", "Rows computed from InfluxDB by the job", m.rows_read.clone());
        registry.register("job_runs", "Windows the job attempted", m.runs.clone());
        registry.register("job_failures", "Windows the job failed", m.failures.clone());
        for job in Job::ALL {
            let l = label(job);
            let _ = m.rows_written.get_or_create(&l);
            let _ = m.rows_read.get_or_create(&l);
            let _ = m.runs.get_or_create(&l);
            let _ = m.failures.get_or_create(&l);
        }
        Metrics { registry: Arc::new(registry), ..m }
    }

    /// Records a completed window.
    pub fn success(
        &self,
        job: Job,
        window_end_seconds: f64,
        now_seconds: f64,
        seconds: f64,
        computed: u64,
        written: u64,
    ) {
        let l = label(job);
        self.runs.get_or_create(&l).inc();
        self.last_success.get_or_create(&l).set(now_seconds);
        self.last_window_end.get_or_create(&l).set(window_end_seconds);
        self.duration.get_or_create(&l).set(seconds);
        self.rows_read.get_or_create(&l).inc_by(computed);
        self.rows_written.get_or_create(&l).inc_by(written);
    }

    /// Records a failed window.
    pub fn failure(&self, job: Job, seconds: f64) {
        let l = label(job);
        self.runs.get_or_create(&l).inc();
        self.failures.get_or_create(&l).inc();
        self.duration.get_or_create(&l).set(seconds);
    }

    /// The exposition text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Serves `GET /metrics` on `addr` until the process ends; returns the bound address.
    pub async fn serve(&self, addr: &str) -> Result<std::net::SocketAddr> {
        let listener =
            tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening for metrics on {addr}"))?;
        let local = listener.local_addr().context("metrics listener address")?;
        let metrics = self.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else { continue };
                let metrics = metrics.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let mut len = 0;
                    // Read the request head; bodies are not expected.
                    while len < buf.len() {
                        match stream.read(&mut buf[len..]).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => len += n,
                        }
                        if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                            break;
                        }
                    }
                    let head = String::from_utf8_lossy(&buf[..len]);
                    let path = head.split_whitespace().nth(1).unwrap_or("");
                    let (status, ctype, body) =
                        if head.starts_with("GET ") && (path == "/metrics" || path.starts_with("/metrics?")) {
                            ("200 OK", "application/openmetrics-text; version=1.0.0; charset=utf-8", metrics.encode())
                        } else if head.starts_with("GET ") && path == "/" {
                            ("200 OK", "text/plain; charset=utf-8", "planet-bq: metrics at /metrics\n".to_string())
                        } else {
                            ("404 Not Found", "text/plain; charset=utf-8", "not found\n".to_string())
                        };
                    let response = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Ok(local)
    }
}

fn label(job: Job) -> JobLabel {
    JobLabel { job: job.name().to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_per_job_series() {
        let m = Metrics::new();
        m.success(Job::Traffic, 1_795_352_400.0, 1_795_352_430.0, 1.5, 12, 10);
        m.failure(Job::Dependency, 0.25);
        let text = m.encode();
        assert!(text.contains("planet_bq_job_rows_written_total{job=\"traffic\"} 10"), "{text}");
        assert!(text.contains("planet_bq_job_failures_total{job=\"dependency\"} 1"), "{text}");
        assert!(text.contains("planet_bq_job_last_success_timestamp_seconds{job=\"traffic\"} 1795352430"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[tokio::test]
    async fn the_endpoint_answers_prometheus_scrapes() {
        let m = Metrics::new();
        m.failure(Job::Traffic, 1.0);
        let addr = m.serve("127.0.0.1:0").await.expect("binds");
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connects");
        stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("sends");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("reads");
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.contains("planet_bq_job_failures_total{job=\"traffic\"} 1"), "{answer}");
    }
}
