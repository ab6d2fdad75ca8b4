//! The BigQuery API through gcp-bigquery-client: connecting, creating and checking the dataset
//! and tables, reading the keys a window already has, and inserting the missing rows.

use super::jobs::Rest;
use super::{
    auth, columns, compare_schema, insert_all, key_columns, load, schema_of, storage_write, table_of, BigQuery,
    BigQueryConfig, WriteMethod,
};
use crate::job::{Job, JobWindow};
use crate::sink::WriteReport;
use anyhow::{anyhow, bail, Context, Result};
use backon::{ExponentialBuilder, Retryable};
use gcp_bigquery_client::error::BQError;
use gcp_bigquery_client::model::clustering::Clustering;
use gcp_bigquery_client::model::dataset::Dataset;
use gcp_bigquery_client::model::get_query_results_parameters::GetQueryResultsParameters;
use gcp_bigquery_client::model::query_request::QueryRequest;
use gcp_bigquery_client::model::table::Table;
use gcp_bigquery_client::model::time_partitioning::TimePartitioning;
use planet_core::rows::TableRow;
use std::collections::HashSet;
use std::sync::Arc;

/// A BigQuery error in words: the API's message when there is one.
pub(super) fn describe(e: &BQError) -> String {
    match e {
        BQError::ResponseError { error } => format!("HTTP {}: {}", error.error.code, error.error.message),
        BQError::RequestError(r) => {
            let mut text = if r.is_connect() {
                "could not connect".to_string()
            } else if r.is_timeout() {
                "timed out".to_string()
            } else if r.is_decode() {
                "unreadable answer".to_string()
            } else {
                "request failed".to_string()
            };
            let mut source = std::error::Error::source(r);
            let mut cause = None;
            while let Some(s) = source {
                cause = Some(s.to_string());
                source = s.source();
            }
            if let Some(c) = cause {
                text.push_str(": ");
                text.push_str(&c);
            }
            text
        }
        other => other.to_string(),
    }
}

pub(super) fn is_transient(e: &BQError) -> bool {
    match e {
        BQError::ResponseError { error } => error.error.code == 429 || error.error.code >= 500,
        BQError::RequestError(r) => r.is_connect() || r.is_timeout() || r.is_request(),
        _ => false,
    }
}

pub(super) fn is_too_large(e: &BQError) -> bool {
    match e {
        BQError::ResponseError { error } => {
            error.error.code == 413 || error.error.message.to_lowercase().contains("payload size")
        }
        // A proxy's 413 page is not JSON: the client reports it as an unreadable answer.
        BQError::RequestError(r) => r.is_decode(),
        _ => false,
    }
}

fn not_found(e: &BQError) -> bool {
    matches!(e, BQError::ResponseError { error } if error.error.code == 404)
}
impl BigQuery {
    /// Connects: to the emulator at `endpoint` without credentials, else with Application
    /// Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS` service account key, or the
    /// metadata server on Google Cloud).
    pub async fn connect(config: BigQueryConfig) -> Result<BigQuery> {
        const CREDENTIALS: &str = "setting up the BigQuery client (credentials: GOOGLE_APPLICATION_CREDENTIALS or the metadata server; --bq-endpoint for an emulator)";
        let mut builder = gcp_bigquery_client::client_builder::ClientBuilder::new();
        let auth = match &config.endpoint {
            Some(endpoint) => {
                builder.with_v2_base_url(format!("{}/bigquery/v2", endpoint.trim_end_matches('/')));
                auth::emulator()
            }
            None => auth::application_default().await.map_err(|e| anyhow!("{}", describe(&e))).context(CREDENTIALS)?,
        };
        let client = builder
            .build_from_authenticator(auth.clone())
            .await
            .map_err(|e| anyhow!("{}", describe(&e)))
            .context(CREDENTIALS)?;
        let rest = Rest::new(config.endpoint.as_deref(), auth);
        Ok(BigQuery { config, client, rest, channel: Arc::default() })
    }

    /// The REST calls of load jobs.
    pub(super) fn rest(&self) -> &Rest {
        &self.rest
    }

    /// The Storage Write API channel, opened on first use.
    pub(super) async fn storage_channel(&self) -> Result<tonic::transport::Channel> {
        let c = &self.config;
        let channel = self
            .channel
            .get_or_try_init(|| storage_write::connect(c.storage_endpoint.as_deref(), c.endpoint.is_some()))
            .await?;
        Ok(channel.clone())
    }

    /// The settings.
    pub fn config(&self) -> &BigQueryConfig {
        &self.config
    }

    pub(super) fn full_name(&self, table: &str) -> String {
        format!("{}.{}.{}", self.config.project, self.config.dataset, table)
    }

    pub(super) fn backoff(&self) -> ExponentialBuilder {
        crate::http::backoff(self.config.retry_delay, self.config.retries)
    }

    /// Creates the dataset and both tables when missing; checks the schema of existing ones.
    /// Returns the problems found (an empty list when all is right) and notes.
    pub async fn init(&self) -> Result<(Vec<String>, Vec<String>)> {
        let c = &self.config;
        match self.client.dataset().get(&c.project, &c.dataset).await {
            Ok(_) => tracing::info!(dataset = %c.dataset, "dataset exists"),
            Err(e) if not_found(&e) => {
                let mut dataset = Dataset::new(&c.project, &c.dataset);
                if let Some(location) = &c.location {
                    dataset = dataset.location(location);
                }
                self.client
                    .dataset()
                    .create(dataset)
                    .await
                    .map_err(|e| anyhow!("creating dataset {}.{}: {}", c.project, c.dataset, describe(&e)))?;
                tracing::info!(dataset = %c.dataset, "dataset created");
            }
            Err(e) => bail!("reading dataset {}.{}: {}", c.project, c.dataset, describe(&e)),
        }
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        for job in Job::ALL {
            let (p, n) = self.init_table(job).await?;
            problems.extend(p);
            notes.extend(n);
        }
        Ok((problems, notes))
    }

    async fn init_table(&self, job: Job) -> Result<(Vec<String>, Vec<String>)> {
        let c = &self.config;
        let table_id = c.table(job);
        let columns = columns(job);
        match self.client.table().get(&c.project, &c.dataset, table_id, None).await {
            Ok(table) => {
                let (p, n) = compare_schema(columns, &table.schema);
                let name = self.full_name(table_id);
                tracing::info!(table = %name, "table exists; left as it is");
                Ok((
                    p.into_iter().map(|x| format!("table {name}: {x}")).collect(),
                    n.into_iter().map(|x| format!("table {name}: {x}")).collect(),
                ))
            }
            Err(e) if not_found(&e) => {
                let spec = table_of(job);
                let table = Table::new(&c.project, &c.dataset, table_id, schema_of(columns))
                    .description(spec.description)
                    .time_partitioning(TimePartitioning::per_day().field(spec.partitioning))
                    .clustering(Clustering { fields: Some(spec.clustering.iter().map(|s| s.to_string()).collect()) });
                self.client
                    .table()
                    .create(table)
                    .await
                    .map_err(|e| anyhow!("creating table {}: {}", self.full_name(table_id), describe(&e)))?;
                tracing::info!(table = %self.full_name(table_id), "table created");
                Ok((Vec::new(), Vec::new()))
            }
            Err(e) => bail!("reading table {}: {}", self.full_name(table_id), describe(&e)),
        }
    }

    /// Checks that the dataset and both tables exist with the expected schema: (problems, notes).
    pub async fn check(&self) -> Result<(Vec<String>, Vec<String>)> {
        let c = &self.config;
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        if let Err(e) = self.client.dataset().get(&c.project, &c.dataset).await {
            problems.push(format!("dataset {}.{}: {} (run `planet-bq init`)", c.project, c.dataset, describe(&e)));
            return Ok((problems, notes));
        }
        for job in Job::ALL {
            let table_id = c.table(job);
            let name = self.full_name(table_id);
            let columns = columns(job);
            match self.client.table().get(&c.project, &c.dataset, table_id, None).await {
                Ok(table) => {
                    let (p, n) = compare_schema(columns, &table.schema);
                    problems.extend(p.into_iter().map(|x| format!("table {name}: {x}")));
                    notes.extend(n.into_iter().map(|x| format!("table {name}: {x}")));
                    let partitioned = table.time_partitioning.as_ref().and_then(|p| p.field.as_deref())
                        == Some(table_of(job).partitioning);
                    if !partitioned {
                        notes
                            .push(format!("table {name}: not partitioned on inventory_date (re-run checks scan more)"));
                    }
                }
                Err(e) if not_found(&e) => problems.push(format!("table {name} does not exist (run `planet-bq init`)")),
                Err(e) => problems.push(format!("table {name}: {}", describe(&e))),
            }
        }
        Ok((problems, notes))
    }

    /// Runs a query and returns every row as strings (NULL as None), following pages.
    async fn query_strings(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let c = &self.config;
        let run = || async {
            let mut request = QueryRequest::new(sql);
            request.use_legacy_sql = false;
            request.timeout_ms = Some(60_000);
            request.location.clone_from(&c.location);
            self.client.job().query(&c.project, request).await
        };
        let mut response =
            run.retry(self.backoff()).when(is_transient).await.map_err(|e| anyhow!("{}", describe(&e)))?;
        let mut rows = Vec::new();
        let job_id = response.job_reference.as_ref().and_then(|r| r.job_id.clone());
        let location = response.job_reference.as_ref().and_then(|r| r.location.clone());
        loop {
            let complete = response.job_complete.unwrap_or(false);
            if complete {
                for row in response.rows.take().unwrap_or_default() {
                    let cells = row
                        .columns
                        .unwrap_or_default()
                        .into_iter()
                        .map(|cell| match cell.value {
                            Some(serde_json::Value::String(s)) => Some(s),
                            Some(serde_json::Value::Null) | None => None,
                            Some(other) => Some(other.to_string()),
                        })
                        .collect();
                    rows.push(cells);
                }
            }
            let page_token = response.page_token.take();
            if complete && page_token.is_none() {
                return Ok(rows);
            }
            let Some(job_id) = &job_id else {
                bail!("the query answer has neither all rows nor a job to page through")
            };
            if !complete {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            let params = GetQueryResultsParameters {
                page_token: if complete { page_token } else { None },
                location: location.clone(),
                timeout_ms: Some(60_000),
                ..Default::default()
            };
            let get = || async { self.client.job().get_query_results(&c.project, job_id, params.clone()).await };
            response =
                get.retry(self.backoff()).when(is_transient).await.map_err(|e| anyhow!("{}", describe(&e)))?.into();
        }
    }

    /// Keys already in the table for a window end.
    pub(super) async fn existing_keys(&self, job: Job, window: &JobWindow) -> Result<HashSet<Vec<Option<String>>>> {
        let table = self.config.table(job);
        let columns = key_columns(job);
        // inventory_date comes back as float seconds from some servers: select the others and
        // put the window end back in, so keys compare with ours.
        let sql = format!(
            "SELECT {} FROM `{}` WHERE inventory_date = TIMESTAMP('{}')",
            columns[1..].join(", "),
            self.full_name(table),
            window.end.to_rfc3339()
        );
        let rows = self.query_strings(&sql).await.map_err(|e| {
            let hint = if format!("{e:#}").contains("Not found") { " (run `planet-bq init`)" } else { "" };
            e.context(format!("reading what table {} already holds for {}{hint}", self.full_name(table), window.end))
        })?;
        let end = Some(window.end.to_rfc3339());
        Ok(rows
            .into_iter()
            .map(|r| {
                let mut key = vec![end.clone()];
                key.extend(r);
                key
            })
            .collect())
    }

    pub(super) async fn write_rows<R: TableRow + Sync>(
        &self,
        job: Job,
        window: &JobWindow,
        rows: &[R],
    ) -> Result<WriteReport> {
        if rows.is_empty() {
            return Ok(WriteReport::default());
        }
        match self.config.write_method {
            WriteMethod::Load => load::write(self, job, window, rows).await,
            WriteMethod::StorageWrite => storage_write::write(self, job, window, rows).await,
            WriteMethod::InsertAll => insert_all::write(self, job, window, rows).await,
        }
    }
}
