//! The rows a write still has to add, and the deterministic name of that write.

use super::{row_key, BigQuery};
use crate::job::{Job, JobWindow};
use crate::sink::WriteReport;
use anyhow::{Context, Result};
use planet_core::rows::TableRow;

/// The rows of a window the table does not hold yet.
#[derive(Debug, Default)]
pub(super) struct Missing {
    /// One JSON object per row (NDJSON lines), in the order of the rows.
    pub(super) json: Vec<String>,
    /// The cells of the same rows, in column order (NULL as None).
    pub(super) cells: Vec<Vec<Option<String>>>,
    /// Rows left alone: the table already holds their key.
    pub(super) already_present: u64,
}

impl Missing {
    /// The report of a write that finds every row already in the table. `raced` is how another
    /// run got there first, when this run had tried already; it is logged.
    pub(super) fn nothing_left(&self, table: &str, rows: usize, raced: Option<&str>) -> Option<WriteReport> {
        if !self.json.is_empty() {
            return None;
        }
        if let Some(how) = raced {
            tracing::info!(table = %table, rows, "these rows were {how}");
        }
        Some(WriteReport { written: 0, already_present: self.already_present })
    }

    /// The NDJSON body of a load job.
    pub(super) fn ndjson(&self) -> String {
        let mut text = String::with_capacity(self.json.iter().map(|l| l.len() + 1).sum());
        for line in &self.json {
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}

/// Reads the keys the table holds for the window and keeps the rows whose key is missing.
pub(super) async fn missing<R: TableRow + Sync>(
    bq: &BigQuery,
    job: Job,
    window: &JobWindow,
    rows: &[R],
) -> Result<Missing> {
    let existing = bq.existing_keys(job, window).await?;
    let mut out = Missing::default();
    for row in rows {
        if existing.contains(&row_key(row, job)) {
            out.already_present += 1;
            continue;
        }
        out.json.push(serde_json::to_string(row).context("encoding a row")?);
        out.cells.push(row.cells());
    }
    Ok(out)
}

/// Letters, digits, `_` and `-` only: what a BigQuery job ID may hold.
fn job_id_part(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
}

/// The ID of a write, the same on every host for the same table, window and rows:
/// `planet_bq_<kind>_<dataset>_<table>_<window end>_<hash>`, where the hash (SHA-256, 32 hex
/// digits) covers the full table name, the window end and the sorted rows. Attempts after a
/// failed job append `_<n>`.
pub(super) fn write_id(kind: &str, bq: &BigQuery, job: Job, window: &JobWindow, json: &[String]) -> String {
    let c = bq.config();
    let table = c.table(job);
    let mut sorted: Vec<&String> = json.iter().collect();
    sorted.sort();
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    context.update(format!("{}.{}.{}\n{}\n", c.project, c.dataset, table, window.end.to_rfc3339()).as_bytes());
    for line in sorted {
        context.update(line.as_bytes());
        context.update(b"\n");
    }
    let digest = context.finish();
    let hash: String = digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
    let stamp = chrono::DateTime::<chrono::Utc>::from_timestamp_nanos(window.end.0).format("%Y%m%dT%H%M%SZ");
    format!("planet_bq_{kind}_{}_{}_{stamp}_{hash}", job_id_part(&c.dataset), job_id_part(table))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn bigquery(dataset: &str) -> BigQuery {
        let config = super::super::BigQueryConfig {
            project: "p".into(),
            dataset: dataset.into(),
            traffic_table: "t".into(),
            dependency_table: "u".into(),
            endpoint: Some("http://127.0.0.1:1".into()),
            location: None,
            batch_rows: 10,
            batch_bytes: 1 << 20,
            retries: 0,
            retry_delay: std::time::Duration::from_millis(1),
            write_method: super::super::WriteMethod::Load,
            storage_endpoint: None,
        };
        BigQuery::connect(config).await.expect("connects without a request")
    }

    #[tokio::test]
    async fn write_ids_ignore_row_order_and_tell_tables_windows_and_rows_apart() {
        let bq = bigquery("d").await;
        let lengths = crate::job::WindowLengths::default();
        let window = lengths.window(Job::Traffic, "2026-11-22T13:00:00Z".parse().expect("valid"));
        let rows = vec!["{\"a\":1}".to_string(), "{\"a\":2}".to_string()];
        let reversed: Vec<String> = rows.iter().rev().cloned().collect();
        let id = write_id("load", &bq, Job::Traffic, &window, &rows);
        assert!(id.starts_with("planet_bq_load_d_t_20261122T130000Z_"), "{id}");
        assert_eq!(id.len(), "planet_bq_load_d_t_20261122T130000Z_".len() + 32);
        assert_eq!(id, write_id("load", &bq, Job::Traffic, &window, &reversed));
        assert_ne!(id, write_id("load", &bq, Job::Traffic, &window, &rows[..1]));
        assert_ne!(id, write_id("load", &bigquery("e").await, Job::Traffic, &window, &rows));
        let later = lengths.window(Job::Traffic, "2026-11-22T14:00:00Z".parse().expect("valid"));
        assert_ne!(id[id.len() - 32..], write_id("load", &bq, Job::Traffic, &later, &rows)[id.len() - 32..]);
    }

    #[test]
    fn job_id_parts_keep_only_allowed_characters() {
        assert_eq!(job_id_part("my-table_1"), "my-table_1");
        assert_eq!(job_id_part("t.é x"), "t___x");
    }
}
