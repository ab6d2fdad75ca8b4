//! Where rows go: BigQuery (see [`crate::bigquery`]), local NDJSON files, or nowhere (`--dry-run`).

use super::{Job, JobWindow};
use crate::output::write_atomically;
use anyhow::{Context, Result};
use planet_core::rows::{to_ndjson, DependencyRow, TrafficRow};
use std::future::Future;
use std::path::PathBuf;

/// The rows of one window of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// Traffic rows.
    Traffic(Vec<TrafficRow>),
    /// Dependency rows.
    Dependency(Vec<DependencyRow>),
}

impl Rows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::Traffic(r) => r.len(),
            Rows::Dependency(r) => r.len(),
        }
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One JSON object per row, as `analyze --out` writes them.
    pub fn to_ndjson(&self) -> String {
        match self {
            Rows::Traffic(r) => to_ndjson(r),
            Rows::Dependency(r) => to_ndjson(r),
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Rows written now.
    pub written: u64,
    /// Rows left alone because the destination already held them (an earlier run).
    pub already_present: u64,
}

/// Where rows go. Writing the same window again must never duplicate its rows.
pub trait Sink: Send + Sync {
    /// Writes the rows of a window.
    fn write(&self, window: &JobWindow, rows: &Rows) -> impl Future<Output = Result<WriteReport>> + Send;
    /// Where, in words, for logs.
    fn describe(&self, job: Job) -> String;
}

/// `--out DIR`: one NDJSON file per table and window, `<table>-<end>.ndjson`, written to a
/// temporary name and renamed, so a re-run replaces the file and a reader never sees half of it.
#[derive(Debug, Clone)]
pub struct LocalSink {
    /// Directory of the files.
    pub dir: PathBuf,
}

impl LocalSink {
    /// The file of a window: `traffic-20261122T130000Z.ndjson`.
    pub fn path(&self, window: &JobWindow) -> PathBuf {
        let stamp = chrono::DateTime::<chrono::Utc>::from_timestamp_nanos(window.end.0).format("%Y%m%dT%H%M%SZ");
        self.dir.join(format!("{}-{stamp}.ndjson", window.job))
    }
}

impl Sink for LocalSink {
    async fn write(&self, window: &JobWindow, rows: &Rows) -> Result<WriteReport> {
        if rows.is_empty() {
            return Ok(WriteReport::default());
        }
        std::fs::create_dir_all(&self.dir).with_context(|| format!("creating {}", self.dir.display()))?;
        let path = self.path(window);
        write_atomically(&path, rows.to_ndjson().as_bytes())?;
        Ok(WriteReport { written: rows.len() as u64, already_present: 0 })
    }

    fn describe(&self, job: Job) -> String {
        format!("{}/{job}-<window end>.ndjson", self.dir.display())
    }
}

/// `--dry-run`: prints the rows as NDJSON on standard output and writes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct DryRunSink;

impl Sink for DryRunSink {
    async fn write(&self, window: &JobWindow, rows: &Rows) -> Result<WriteReport> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "# dry run: {} row(s) of {window} would be written", rows.len())?;
        out.write_all(rows.to_ndjson().as_bytes())?;
        Ok(WriteReport::default())
    }

    fn describe(&self, _job: Job) -> String {
        "standard output (dry run: nothing written)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::WindowLengths;

    #[tokio::test]
    async fn local_sink_replaces_the_file_of_a_window_on_rerun() {
        let dir = std::env::temp_dir().join(format!("planet-bq-local-sink-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let sink = LocalSink { dir: dir.clone() };
        let window = WindowLengths::default().window(Job::Dependency, "2026-11-22T11:00:00Z".parse().expect("valid"));
        let row = DependencyRow {
            inventory_date: window.end,
            dependency_direction: "upstream".into(),
            protocol: "tcp".into(),
            local_hostgroup_process_name: None,
            local_hostgroup: "api".into(),
            local_hostgroup_address: None,
            local_hostgroup_address_port: None,
            remote_hostgroup: "db".into(),
            remote_hostgroup_address: None,
            remote_hostgroup_address_port: Some("5432".into()),
        };
        let rows = Rows::Dependency(vec![row]);
        sink.write(&window, &rows).await.expect("writes");
        sink.write(&window, &rows).await.expect("writes again");
        let path = sink.path(&window);
        assert!(path.ends_with("dependency-20261122T110000Z.ndjson"), "{}", path.display());
        let text = std::fs::read_to_string(&path).expect("file exists");
        assert_eq!(text.lines().count(), 1);
        assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 1, "no temporary file left behind");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
