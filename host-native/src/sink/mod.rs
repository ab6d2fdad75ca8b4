//! Where rows go: BigQuery ([`bigquery`]), local NDJSON files ([`local`]), or nowhere
//! ([`dry_run`], `--dry-run`).
//!
//! To add a sink, write one file (or folder) here implementing [`Sink`] with a [`Registration`],
//! then add its one line to [`SINKS`]. Its flags go in [`crate::cli::LiveArgs`].

pub mod bigquery;
pub mod dry_run;
pub mod local;

use crate::cli::LiveArgs;
use crate::finding::Finding;
use crate::job::{Job, JobWindow};
use anyhow::{bail, Result};
use planet_core::rows::{to_ndjson, DependencyRow, TrafficRow};
use std::future::Future;
use std::pin::Pin;

/// Every destination, in the order the flags are looked at. A new sink adds its line here.
pub const SINKS: &[Registration] = &[bigquery::REGISTRATION, local::REGISTRATION];

/// A sink the flags chose, being opened (connecting, say).
pub type Opening = Pin<Box<dyn Future<Output = Result<Box<dyn Sink>>> + Send>>;

/// How the flags choose a sink, and how messages name it.
#[derive(Debug, Clone, Copy)]
pub struct Registration {
    /// The flag that chooses it: `--out DIR`.
    pub flag: &'static str,
    /// Every flag it needs: `--bq-project-id and --bq-dataset-id`.
    pub flags: &'static str,
    /// A short name: `local files`.
    pub short_name: &'static str,
    /// What it writes: `local NDJSON files`.
    pub name: &'static str,
    /// The sink, when the flags ask for it; an error when they ask for it wrongly.
    pub from_args: fn(&LiveArgs) -> Result<Option<Opening>>,
}

/// The sinks the flags ask for, in [`SINKS`] order.
pub fn chosen(args: &LiveArgs) -> Result<Vec<(&'static Registration, Opening)>> {
    let mut chosen = Vec::new();
    for registration in SINKS {
        if let Some(opening) = (registration.from_args)(args)? {
            chosen.push((registration, opening));
        }
    }
    Ok(chosen)
}

/// The one sink of the flags, opened: `--dry-run` overrides the destinations.
pub async fn from_args(args: &LiveArgs) -> Result<Box<dyn Sink>> {
    if args.dry_run {
        return Ok(Box::new(dry_run::DryRunSink));
    }
    let mut chosen = chosen(args)?;
    if chosen.len() > 1 {
        let names: Vec<String> = chosen.iter().map(|(r, _)| format!("{} ({})", r.flag, r.short_name)).collect();
        bail!("give either {}, not both", names.join(" or "));
    }
    match chosen.pop() {
        Some((_, opening)) => opening.await,
        None => {
            let names: Vec<String> = SINKS.iter().map(|r| format!("{} ({})", r.flags, r.name)).collect();
            bail!("no destination: give {}, or --dry-run", names.join(", "))
        }
    }
}

/// The message of `check` when no destination is given.
pub fn no_destination() -> String {
    let names: Vec<&str> = SINKS.iter().map(|r| r.flags).collect();
    format!("no destination: give {}", names.join(", or "))
}

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
#[async_trait::async_trait]
pub trait Sink: Send + Sync {
    /// Writes the rows of a window.
    async fn write(&self, window: &JobWindow, rows: &Rows) -> Result<WriteReport>;
    /// Where, in words, for logs.
    fn describe(&self, job: Job) -> String;
    /// `planet-bq check`: can rows be written there?
    async fn check(&self) -> Vec<Finding>;
}

#[async_trait::async_trait]
impl<K: Sink + ?Sized> Sink for Box<K> {
    async fn write(&self, window: &JobWindow, rows: &Rows) -> Result<WriteReport> {
        (**self).write(window, rows).await
    }

    fn describe(&self, job: Job) -> String {
        (**self).describe(job)
    }

    async fn check(&self) -> Vec<Finding> {
        (**self).check().await
    }
}
