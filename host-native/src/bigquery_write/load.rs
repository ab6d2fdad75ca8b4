//! `--bq-write-method load`: one load job per window and table.
//!
//! The rows the table lacks go up as NDJSON in a multipart upload, appended (`WRITE_APPEND`)
//! with the reference schema. The job ID is derived from the table, the window and the rows
//! ([`super::rows::write_id`]), so a second run or a second host sending the same rows gets
//! 409 Already Exists from BigQuery and waits for the first job instead of loading again. A
//! load job is atomic: a failed job leaves nothing, and its ID is then burnt, so the next
//! attempt takes the next suffix (`_1`, `_2`, ...).

use super::jobs::{self, Inserted};
use super::rows;
use crate::bigquery::{BigQuery, DEPENDENCY_SCHEMA, TRAFFIC_SCHEMA};
use crate::live::sink::WriteReport;
use crate::live::{Job, JobWindow};
use anyhow::{bail, Context, Result};
use planet_core::rows::TableRow;
use serde_json::{json, Value};
use std::time::Instant;

/// Failed jobs skipped over before giving up (each failure is reported when it happens).
const MAX_ATTEMPTS: usize = 20;

/// The schema of a table as the REST API spells it.
pub fn schema_json(job: Job) -> Value {
    let columns: &[_] = match job {
        Job::Traffic => &TRAFFIC_SCHEMA,
        Job::Dependency => &DEPENDENCY_SCHEMA,
    };
    let fields: Vec<Value> = columns
        .iter()
        .map(|(name, ty, required, description)| {
            json!({"name": name, "type": ty, "mode": if *required { "REQUIRED" } else { "NULLABLE" }, "description": description})
        })
        .collect();
    json!({ "fields": fields })
}

fn configuration(bq: &BigQuery, job: Job) -> Value {
    let c = bq.config();
    json!({
        "load": {
            "destinationTable": {"projectId": c.project, "datasetId": c.dataset, "tableId": c.table(job)},
            "sourceFormat": "NEWLINE_DELIMITED_JSON",
            "writeDisposition": "WRITE_APPEND",
            "createDisposition": "CREATE_NEVER",
            "schema": schema_json(job),
        },
        "labels": {"planet_bq_job": job.name()},
    })
}

/// Writes the rows of a window the table lacks with one load job.
pub async fn write<R: TableRow + Sync>(bq: &BigQuery, job: Job, window: &JobWindow, rows: &[R]) -> Result<WriteReport> {
    let started = Instant::now();
    let table = bq.full_name(bq.config().table(job));
    let missing = rows::missing(bq, job, window, rows).await?;
    let mut requests = 1u64;
    let count = missing.json.len() as u64;
    let mut report = WriteReport { written: 0, already_present: missing.already_present };
    if count == 0 {
        tracing::debug!(method = "load", table = %table, requests, "BigQuery write: the table holds every row already");
        return Ok(report);
    }
    let base = rows::write_id("load", bq, job, window, &missing.json);
    let data = missing.ndjson();
    for attempt in 0..MAX_ATTEMPTS {
        let id = format!("{base}_{attempt}");
        let body = jobs::job_body(bq, &id, configuration(bq, job));
        requests += 1;
        let inserted = jobs::insert(bq, &body, Some(data.as_bytes()))
            .await
            .with_context(|| format!("starting load job {id} into {table}"))?;
        let (job_resource, ours) = match inserted {
            Inserted::Created(j) => (j, true),
            Inserted::Exists => {
                requests += 1;
                (jobs::get(bq, &id).await?, false)
            }
        };
        let done = jobs::wait(bq, &id, job_resource, &mut requests).await?;
        match (jobs::failure(&done), ours) {
            (None, true) => report.written = count,
            (None, false) => {
                tracing::info!(table = %table, job_id = %id, rows = count, "these rows were already loaded by an earlier run or another host (same load job ID); not loaded again");
                report.already_present += count;
            }
            (Some(e), true) => bail!("load job {id} into {table} failed; none of its {count} row(s) were written: {e}"),
            (Some(e), false) => {
                tracing::info!(table = %table, job_id = %id, error = %e, "an earlier load job of the same rows failed (it wrote nothing); loading them under the next job ID");
                continue;
            }
        }
        tracing::info!(
            method = "load",
            table = %table,
            job_id = %id,
            rows = count,
            bytes = data.len(),
            requests,
            seconds = started.elapsed().as_secs_f64(),
            "BigQuery write"
        );
        return Ok(report);
    }
    bail!("{MAX_ATTEMPTS} load jobs of these rows into {table} failed ({base}_0 to _{}); giving up", MAX_ATTEMPTS - 1)
}
