//! BigQuery jobs over REST: insert one with a chosen ID (a 409 says it already exists), upload
//! data with it, wait for it. gcp-bigquery-client has no media upload, so these calls go
//! through reqwest with the same token and retry rules.

use super::BigQuery;
use anyhow::{anyhow, bail, Result};
use backon::Retryable;
use serde_json::{json, Value};

/// The REST side of a connection: HTTP client, token source and base URLs.
#[derive(Clone)]
pub(super) struct Rest {
    http: reqwest::Client,
    auth: std::sync::Arc<dyn gcp_bigquery_client::auth::Authenticator>,
    /// `https://bigquery.googleapis.com/bigquery/v2` or the emulator's.
    v2: String,
    /// `https://bigquery.googleapis.com/upload/bigquery/v2` or the emulator's.
    upload: String,
}

impl std::fmt::Debug for Rest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rest").field("v2", &self.v2).finish_non_exhaustive()
    }
}

impl Rest {
    /// The REST side for an emulator root URL (None: Google's endpoint).
    pub(super) fn new(
        endpoint: Option<&str>,
        auth: std::sync::Arc<dyn gcp_bigquery_client::auth::Authenticator>,
    ) -> Rest {
        let root = endpoint.map_or("https://bigquery.googleapis.com", |e| e.trim_end_matches('/'));
        Rest {
            http: reqwest::Client::new(),
            auth,
            v2: format!("{root}/bigquery/v2"),
            upload: format!("{root}/upload/bigquery/v2"),
        }
    }

    /// The token source.
    pub(super) fn auth(&self) -> &std::sync::Arc<dyn gcp_bigquery_client::auth::Authenticator> {
        &self.auth
    }
}

/// A failed call: transient ones are retried.
#[derive(Debug)]
struct CallError {
    transient: bool,
    status: Option<u16>,
    message: String,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(s) => write!(f, "HTTP {s}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn request_error(e: &reqwest::Error) -> CallError {
    CallError {
        transient: e.is_connect() || e.is_timeout() || e.is_request(),
        status: None,
        message: crate::http::describe(e),
    }
}

/// Sends a request built by `build` (again on each retry) and returns the JSON answer.
async fn call(
    bq: &BigQuery,
    build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
) -> std::result::Result<Value, CallError> {
    let rest = bq.rest();
    let attempt = || async {
        let token = rest.auth.access_token().await.map_err(|e| CallError {
            transient: false,
            status: None,
            message: format!("getting an access token: {e}"),
        })?;
        let response = build(&rest.http).bearer_auth(token).send().await.map_err(|e| request_error(&e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| request_error(&e))?;
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(value);
        }
        let message = value
            .pointer("/error/message")
            .and_then(Value::as_str)
            .map_or_else(|| String::from_utf8_lossy(&body).chars().take(300).collect(), str::to_string);
        Err(CallError {
            transient: status.as_u16() == 429 || status.is_server_error(),
            status: Some(status.as_u16()),
            message,
        })
    };
    attempt.retry(bq.backoff()).when(|e: &CallError| e.transient).await
}

/// What inserting a job with a chosen ID did.
#[derive(Debug)]
pub(super) enum Inserted {
    /// Created now: the job resource.
    Created(Value),
    /// A job with this ID exists already (made by an earlier run or another host).
    Exists,
}

/// The job resource of an insert: ID, location, configuration.
pub(super) fn job_body(bq: &BigQuery, job_id: &str, configuration: Value) -> Value {
    let c = bq.config();
    let mut reference = json!({"projectId": c.project, "jobId": job_id});
    if let Some(l) = &c.location {
        reference["location"] = json!(l);
    }
    json!({"jobReference": reference, "configuration": configuration})
}

/// Inserts a job; with `data`, as a multipart upload (the job resource, then the data).
pub(super) async fn insert(bq: &BigQuery, body: &Value, data: Option<&[u8]>) -> Result<Inserted> {
    let c = bq.config();
    let rest = bq.rest();
    let result = match data {
        None => {
            let url = format!("{}/projects/{}/jobs", rest.v2, c.project);
            call(bq, |http| http.post(&url).json(body)).await
        }
        Some(data) => {
            let url = format!("{}/projects/{}/jobs?uploadType=multipart", rest.upload, c.project);
            let boundary = "planet_bq_multipart_boundary_7f3a9c";
            let mut payload = Vec::with_capacity(data.len() + 1024);
            payload.extend_from_slice(
                format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{body}\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            payload.extend_from_slice(data);
            payload.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            call(bq, |http| {
                http.post(&url)
                    .header("Content-Type", format!("multipart/related; boundary={boundary}"))
                    .body(payload.clone())
            })
            .await
        }
    };
    let job_id = body.pointer("/jobReference/jobId").and_then(Value::as_str).unwrap_or_default();
    match result {
        Ok(job) => Ok(Inserted::Created(job)),
        Err(e) if e.status == Some(409) => Ok(Inserted::Exists),
        // Another request with the same ID may have won a race the server did not answer with
        // 409 (the local-bigquery emulator checks and stores in two steps and then answers 400):
        // if the job exists, it is the same job.
        Err(e) if e.status.is_some() && !job_id.is_empty() && get(bq, job_id).await.is_ok() => {
            tracing::debug!(job_id, error = %e, "inserting the job failed, but a job with its ID exists");
            Ok(Inserted::Exists)
        }
        Err(e) => Err(anyhow!("{e}")),
    }
}

/// Reads a job.
pub(super) async fn get(bq: &BigQuery, job_id: &str) -> Result<Value> {
    let c = bq.config();
    let mut url = format!("{}/projects/{}/jobs/{job_id}", bq.rest().v2, c.project);
    if let Some(l) = &c.location {
        url.push_str(&format!("?location={l}"));
    }
    call(bq, |http| http.get(&url)).await.map_err(|e| anyhow!("reading job {job_id}: {e}"))
}

/// Waits until a job is DONE (polling, 0.2 s doubling up to 5 s) and returns it.
pub(super) async fn wait(bq: &BigQuery, job_id: &str, mut job: Value, requests: &mut u64) -> Result<Value> {
    let mut delay = std::time::Duration::from_millis(200);
    while job.pointer("/status/state").and_then(Value::as_str) != Some("DONE") {
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(std::time::Duration::from_secs(5));
        job = get(bq, job_id).await?;
        *requests += 1;
    }
    Ok(job)
}

/// The error of a finished job, in words; None when it succeeded.
pub(super) fn failure(job: &Value) -> Option<String> {
    let result = job.pointer("/status/errorResult")?;
    let mut text = format!(
        "{}: {}",
        result["reason"].as_str().unwrap_or("error"),
        result["message"].as_str().unwrap_or("the job failed")
    );
    for e in job.pointer("/status/errors").and_then(Value::as_array).into_iter().flatten().take(10) {
        let message = e["message"].as_str().unwrap_or("");
        if !message.is_empty() && !text.contains(message) {
            text.push_str("\n  ");
            text.push_str(message);
        }
    }
    Some(text)
}

/// A dry-run query job: needs the permission to create jobs, costs and writes nothing.
pub(super) async fn dry_run(bq: &BigQuery) -> Result<()> {
    let body = json!({"configuration": {"dryRun": true, "query": {"query": "SELECT 1", "useLegacySql": false}}});
    let url = format!("{}/projects/{}/jobs", bq.rest().v2, bq.config().project);
    match call(bq, |http| http.post(&url).json(&body)).await {
        Ok(_) => Ok(()),
        Err(e) => bail!("creating a BigQuery job (dry run) in project {}: {e}", bq.config().project),
    }
}
