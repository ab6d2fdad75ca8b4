//! `--bq-write-method`: how rows reach BigQuery: load jobs (the default), the Storage Write
//! API, or insertAll.
//!
//! Every method first reads the keys the table already holds for the window (see
//! [`super`]) and writes only the missing rows, so a re-run after a success writes
//! nothing. What differs is what a crash or a second host can do:
//! - `load`: one load job per window and table whose ID is derived from the table, the window
//!   and the rows, so BigQuery itself refuses a second identical job (409) from any host, and a
//!   job is all rows or none.
//! - `storage-write`: one PENDING stream per window, appended with offsets, finalized, then
//!   committed atomically. A deterministic claim job (same ID scheme) names the one stream that
//!   may be committed, so two hosts never commit the same rows twice.
//! - `insert-all`: the legacy streaming API, row by row in batches: see [`super::client`].

use super::{jobs, storage_write, BigQuery};
use anyhow::Result;
use std::fmt;

/// `--bq-write-method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum WriteMethod {
    /// One load job per window and table: free, all rows or none, refused when repeated.
    #[default]
    Load,
    /// Storage Write API: one PENDING stream per window, committed atomically.
    StorageWrite,
    /// tabledata.insertAll (legacy streaming): billed, visible row batch by row batch.
    InsertAll,
}

impl WriteMethod {
    /// The flag's spelling.
    pub fn name(self) -> &'static str {
        match self {
            WriteMethod::Load => "load",
            WriteMethod::StorageWrite => "storage-write",
            WriteMethod::InsertAll => "insert-all",
        }
    }
}

impl fmt::Display for WriteMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What `check` says about the write method: whether the credentials can run jobs (load) or
/// open write streams (storage-write). Nothing is written: a dry-run query job, and PENDING
/// streams that are never committed.
pub(super) async fn check_access(bq: &BigQuery) -> Result<String> {
    let method = bq.config().write_method;
    match method {
        WriteMethod::Load => {
            jobs::dry_run(bq).await?;
            Ok(format!("write method {method}: the credentials can create BigQuery jobs"))
        }
        WriteMethod::StorageWrite => {
            for job in crate::job::Job::ALL {
                storage_write::probe(bq, job).await?;
            }
            Ok(format!("write method {method}: the credentials can open write streams on both tables"))
        }
        WriteMethod::InsertAll => Ok(format!("write method {method}: rows are streamed with tabledata.insertAll")),
    }
}
