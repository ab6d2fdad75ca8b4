//! Where measurements come from: a [`Source`] reads the window of a job into an engine
//! [`Session`] and says what its answers look like.
//!
//! To add a source, write one file (or folder) here implementing [`Source`] with a `from_args`
//! function, then add its one line to [`SOURCES`]. Its flags go in [`crate::cli::LiveArgs`].

pub mod in_order;
pub mod influxdb;
pub mod prometheus;

use crate::cli::LiveArgs;
use crate::engine::{Engine, Session};
use crate::finding::Finding;
use crate::job::JobWindow;
use anyhow::{bail, Result};
use planet_core::{Format, Options, Precision, Profile};

/// Builds a source from the flags when they ask for it.
pub type FromArgs = fn(&LiveArgs) -> Result<Option<Box<dyn Source>>>;

/// Every source, most specific first: the first one the flags ask for is used. A new source
/// adds its line here.
pub const SOURCES: &[FromArgs] = &[prometheus::from_args, influxdb::from_args];

/// The source the flags ask for.
pub fn from_args(args: &LiveArgs) -> Result<Box<dyn Source>> {
    for from_args in SOURCES {
        if let Some(source) = from_args(args)? {
            return Ok(source);
        }
    }
    bail!("no source: give --influxdb-addr")
}

/// What a source hands back: the session fed with every answer, and counters.
#[derive(Debug)]
pub struct Fetched {
    /// The analysis holding every answer of the window.
    pub session: Session,
    /// Queries sent (successful ones).
    pub queries: u64,
    /// Bytes of answers read (successful attempts).
    pub bytes: u64,
    /// Attempts that failed and were retried.
    pub retries: u64,
    /// Seconds the engine spent on the answers of the successful attempts (parsing and
    /// aggregating as they stream in), to tell the source's time from the core's.
    pub parse_seconds: f64,
}

/// Where the measurements come from.
#[async_trait::async_trait]
pub trait Source: Send + Sync {
    /// The input format of the answers [`Source::fetch`] feeds the engine.
    fn format(&self) -> Format;
    /// The timestamp precision of those answers.
    fn precision(&self) -> Precision;
    /// Reads the window into a new mergeable session of `engine` with `options`.
    async fn fetch(&self, window: &JobWindow, engine: &Engine, options: &Options) -> Result<Fetched>;
    /// `planet-bq check`: can the source be reached and read, and does it hold the profile's
    /// measurements?
    async fn check(&self, profile: &Profile) -> Vec<Finding>;
}

#[async_trait::async_trait]
impl<S: Source + ?Sized> Source for Box<S> {
    fn format(&self) -> Format {
        (**self).format()
    }

    fn precision(&self) -> Precision {
        (**self).precision()
    }

    async fn fetch(&self, window: &JobWindow, engine: &Engine, options: &Options) -> Result<Fetched> {
        (**self).fetch(window, engine, options).await
    }

    async fn check(&self, profile: &Profile) -> Vec<Finding> {
        (**self).check(profile).await
    }
}
