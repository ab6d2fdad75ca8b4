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
use super::{columns, BigQuery};
use crate::job::{Job, JobWindow};
use crate::sink::WriteReport;
use anyhow::{bail, Context, Result};
use planet_core::rows::TableRow;
use serde_json::{json, Value};
use std::time::Instant;

/// Failed jobs skipped over before giving up (each failure is reported when it happens).
const MAX_ATTEMPTS: usize = 20;

/// The schema of a table as the REST API spells it.
pub(super) fn schema_json(job: Job) -> Value {
    let fields: Vec<Value> = columns(job)
        .iter()
        .map(|c| json!({"name": c.name, "type": c.column_type.name(), "mode": c.mode.name(), "description": c.description}))
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
///
/// A 409 on a job that succeeded means either another host is loading these rows right now
/// or they were loaded once and deleted since (a recompute). After waiting for that job, the
/// keys are read again: present, the write is done; absent, the rows go up under the next ID.
pub(super) async fn write<R: TableRow + Sync>(
    bq: &BigQuery,
    job: Job,
    window: &JobWindow,
    rows: &[R],
) -> Result<WriteReport> {
    let started = Instant::now();
    let table = bq.full_name(bq.config().table(job));
    let mut requests = 0u64;
    // The ID scheme of the last rows tried and the next attempt number under it.
    let mut tried: Option<(String, usize)> = None;
    let mut attempts = 0;
    while attempts < MAX_ATTEMPTS {
        let missing = rows::missing(bq, job, window, rows).await?;
        requests += 1;
        let raced = "loaded by another run at the same time (same load job ID); not loaded again";
        if let Some(report) = missing.nothing_left(&table, rows.len(), tried.is_some().then_some(raced)) {
            return Ok(report);
        }
        let count = missing.json.len() as u64;
        let base = rows::write_id("load", bq, job, window, &missing.json);
        let mut attempt = match &tried {
            Some((b, n)) if *b == base => *n,
            _ => 0,
        };
        let data = missing.ndjson();
        loop {
            attempts += 1;
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
                (None, true) => {
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
                    return Ok(WriteReport { written: count, already_present: missing.already_present });
                }
                (Some(e), true) => {
                    bail!("load job {id} into {table} failed; none of its {count} row(s) were written: {e}")
                }
                (None, false) => {
                    tracing::debug!(table = %table, job_id = %id, "a load job of these rows exists and succeeded; reading the table again");
                    tried = Some((base.clone(), attempt + 1));
                    break;
                }
                (Some(e), false) => {
                    tracing::info!(table = %table, job_id = %id, error = %e, "an earlier load job of the same rows failed (it wrote nothing); loading them under the next job ID");
                    attempt += 1;
                    if attempts >= MAX_ATTEMPTS {
                        break;
                    }
                }
            }
        }
    }
    bail!("{MAX_ATTEMPTS} load jobs of these rows into {table} were refused or failed; giving up")
}
