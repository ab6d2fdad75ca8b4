//! `--dry-run`: rows printed, nothing written.

use super::{Rows, Sink, WriteReport};
use crate::finding::Finding;
use crate::job::{Job, JobWindow};
use anyhow::Result;

/// `--dry-run`: prints the rows as NDJSON on standard output and writes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct DryRunSink;

#[async_trait::async_trait]
impl Sink for DryRunSink {
    async fn write(&self, window: &JobWindow, rows: &Rows) -> Result<WriteReport> {
        let header = format!("# dry run: {} row(s) of {window} would be written\n", rows.len());
        crate::output::print(&(header + &rows.to_ndjson()))?;
        Ok(WriteReport::default())
    }

    fn describe(&self, _job: Job) -> String {
        "standard output (dry run: nothing written)".to_string()
    }

    /// `check` looks at the destinations, never at a dry run.
    async fn check(&self) -> Vec<Finding> {
        Vec::new()
    }
}
