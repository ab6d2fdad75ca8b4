//! `--bq-write-method insert-all`: the rows a window lacks, streamed with `tabledata.insertAll`.
//!
//! The original tool's path, kept for those who want it. Each row carries an insertId derived
//! from the table and its key, which BigQuery uses to drop repeats for about a minute; requests
//! are cut by row count and bytes, and one that BigQuery answers 413 is split in two until it
//! passes. Not atomic: a failure half-way leaves the rows sent so far, and says how many.

use super::client::{describe, is_too_large, is_transient};
use super::{insert_id, row_key, BigQuery};
use crate::job::{Job, JobWindow};
use crate::sink::WriteReport;
use anyhow::{bail, Context, Result};
use backon::Retryable;
use gcp_bigquery_client::model::table_data_insert_all_request::TableDataInsertAllRequest;
use planet_core::rows::TableRow;

/// Writes the rows of `window` the table lacks.
pub(super) async fn write<R: TableRow + Sync>(
    bq: &BigQuery,
    job: Job,
    window: &JobWindow,
    rows: &[R],
) -> Result<WriteReport> {
    let table = bq.config.table(job).to_string();
    let existing = bq.existing_keys(job, window).await?;
    let mut report = WriteReport::default();
    let mut ids = Vec::new();
    let mut values = Vec::new();
    let mut bytes = 0usize;
    for row in rows {
        let key = row_key(row, job);
        if existing.contains(&key) {
            report.already_present += 1;
            continue;
        }
        let value = serde_json::to_value(row).context("encoding a row")?;
        // Row JSON plus the envelope and insertId.
        let size = value.to_string().len() + 64;
        if !values.is_empty() && (values.len() >= bq.config.batch_rows || bytes + size > bq.config.batch_bytes) {
            insert_chunk(bq, &table, &ids, &values).await.map_err(|e| partial(e, report))?;
            report.written += values.len() as u64;
            ids.clear();
            values.clear();
            bytes = 0;
        }
        ids.push(insert_id(&table, &key));
        values.push(value);
        bytes += size;
    }
    if !values.is_empty() {
        insert_chunk(bq, &table, &ids, &values).await.map_err(|e| partial(e, report))?;
        report.written += values.len() as u64;
    }
    Ok(report)
}

async fn insert_chunk(bq: &BigQuery, table: &str, ids: &[String], rows: &[serde_json::Value]) -> Result<()> {
    let c = &bq.config;
    let attempt = || async {
        let mut request = TableDataInsertAllRequest::new();
        for (id, row) in ids.iter().zip(rows) {
            request.add_row(Some(id.clone()), row)?;
        }
        bq.client.tabledata().insert_all(&c.project, &c.dataset, table, request).await
    };
    let result = attempt.retry(bq.backoff()).when(is_transient).await;
    match result {
        Ok(response) => {
            let errors = response.insert_errors.unwrap_or_default();
            if errors.is_empty() {
                return Ok(());
            }
            let mut lines = Vec::new();
            for e in &errors {
                let index = e.index.unwrap_or(-1);
                for p in e.errors.as_deref().unwrap_or_default() {
                    // "stopped" rows were fine but not written because of the others.
                    if p.reason.as_deref() == Some("stopped") {
                        continue;
                    }
                    let row = usize::try_from(index).ok().and_then(|i| rows.get(i));
                    lines.push(format!(
                        "  row {index}: {}: {}{} {}",
                        p.reason.as_deref().unwrap_or("error"),
                        p.message.as_deref().unwrap_or(""),
                        p.location
                            .as_deref()
                            .filter(|l| !l.is_empty())
                            .map(|l| format!(" (column {l})"))
                            .unwrap_or_default(),
                        row.map(|r| planet_core::error::quote(&r.to_string())).unwrap_or_default()
                    ));
                }
            }
            bail!(
                "BigQuery rejected {} row(s) of a request of {} to {}; none of that request was written:\n{}",
                lines.len(),
                rows.len(),
                bq.full_name(table),
                lines.join("\n")
            )
        }
        Err(e) if is_too_large(&e) && rows.len() > 1 => {
            let half = rows.len() / 2;
            tracing::info!(rows = rows.len(), "insertAll request too large; splitting it in two");
            Box::pin(insert_chunk(bq, table, &ids[..half], &rows[..half])).await?;
            Box::pin(insert_chunk(bq, table, &ids[half..], &rows[half..])).await
        }
        Err(e) => bail!("inserting {} row(s) into {}: {}", rows.len(), bq.full_name(table), describe(&e)),
    }
}

/// Says how far a failed write got.
fn partial(e: anyhow::Error, report: WriteReport) -> anyhow::Error {
    if report.written > 0 {
        e.context(format!(
            "the window is incomplete: {} row(s) were written before the failure; running it again writes only the rest",
            report.written
        ))
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BigQueryConfig, WriteMethod};
    use super::*;
    use crate::job::WindowLengths;
    use crate::sink::{Rows, Sink};
    use std::sync::Arc;
    use std::sync::Mutex;

    /// A stand-in BigQuery that answers 413 to insertAll requests of more than `max` rows and
    /// records the size of those it accepts; queries find nothing.
    async fn payload_limited_server(max: usize) -> (String, Arc<Mutex<Vec<usize>>>) {
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let record = accepted.clone();
        let url = crate::test_server::serve(move |request| {
            if request.head.contains("/queries") {
                return (200, r#"{"jobComplete":true,"rows":[]}"#.to_string());
            }
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let rows = body["rows"].as_array().map_or(0, Vec::len);
            if rows > max {
                let error = r#"{"error":{"code":413,"message":"Request payload size exceeds the limit","errors":[]}}"#;
                return (413, error.to_string());
            }
            record.lock().expect("lock").push(rows);
            (200, r#"{"kind":"bigquery#tableDataInsertAllResponse"}"#.to_string())
        })
        .await;
        (url, accepted)
    }

    #[tokio::test]
    async fn requests_answered_413_are_split_until_they_pass() {
        let (url, accepted) = payload_limited_server(3).await;
        let config = BigQueryConfig {
            project: "p".into(),
            dataset: "d".into(),
            traffic_table: "t".into(),
            dependency_table: "u".into(),
            endpoint: Some(url),
            location: None,
            batch_rows: 10,
            batch_bytes: 5 << 20,
            retries: 0,
            retry_delay: std::time::Duration::from_millis(1),
            write_method: WriteMethod::InsertAll,
            storage_endpoint: None,
        };
        let bq = BigQuery::connect(config).await.expect("connects");
        let window = WindowLengths::default().window(Job::Traffic, "2026-11-22T13:00:00Z".parse().expect("valid"));
        let rows: Vec<planet_core::TrafficRow> = (0..25)
            .map(|i| planet_core::TrafficRow {
                inventory_date: window.end,
                traffic_direction: "ingress".into(),
                local_hostgroup: format!("svc{i}"),
                local_hostgroup_address: None,
                remote_hostgroup: "db".into(),
                remote_hostgroup_address: None,
                traffic_bandwidth_bits_min_1h: 1,
                traffic_bandwidth_bits_max_1h: 2,
                traffic_bandwidth_bits_avg_1h: 1,
            })
            .collect();
        let report = bq.write(&window, &Rows::Traffic(rows)).await.expect("writes");
        assert_eq!(report.written, 25);
        let sizes = accepted.lock().expect("lock").clone();
        assert!(sizes.iter().all(|&n| n <= 3), "{sizes:?}");
        assert_eq!(sizes.iter().sum::<usize>(), 25, "{sizes:?}");
    }
}
