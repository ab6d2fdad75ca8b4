//! `--out DIR`: rows as local NDJSON files.

use super::{Opening, Registration, Rows, Sink, WriteReport};
use crate::finding::Finding;
use crate::job::{Job, JobWindow};
use crate::output::write_atomically;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// `--out DIR`: rows go to local NDJSON files.
pub const REGISTRATION: Registration = Registration {
    flag: "--out DIR",
    flags: "--out DIR",
    short_name: "local files",
    name: "local NDJSON files",
    from_args: |args| {
        Ok(args
            .out
            .clone()
            .map(|dir| -> Opening { Box::pin(async move { Ok(Box::new(LocalSink { dir }) as Box<dyn Sink>) }) }))
    },
};

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

#[async_trait::async_trait]
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

    async fn check(&self) -> Vec<Finding> {
        let dir = &self.dir;
        let probe = dir.join(".planet-bq-check");
        vec![match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&probe, b"")) {
            Ok(()) => {
                let _ = std::fs::remove_file(&probe);
                Finding::Ok(format!("output directory {} is writable", dir.display()))
            }
            Err(e) => Finding::Problem(format!("output directory {}: {e}", dir.display())),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::WindowLengths;
    use planet_core::rows::DependencyRow;

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
