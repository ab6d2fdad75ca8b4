//! `planet-core`: the pure analysis core of planet-bq.
//!
//! It reads InfluxDB exports and query answers (line protocol, CSV, JSON, annotated CSV),
//! windows and aggregates the planet-federator measurements, and builds the rows of the two
//! BigQuery tables of the original planet-federator-influxdb-to-bq: hourly traffic between
//! service pairs and daily service dependencies. With the `planet-exporter` profile it reads
//! planet-exporter's raw metrics instead and evaluates planet-federator's queries itself
//! (`exporter`). No IO, no clock, no threads: the same input
//! gives the same bytes on every host (native, wasmtime, browser, Node).
//!
//! ```
//! use planet_core::{analyze, rows::to_ndjson, Options};
//! let input = b"upstream,service=api,upstream_service=db,upstream_port=5432,protocol=tcp service_dependency=1i 1795349886000000000\n";
//! let options = Options { at: Some("2026-11-22T13:00:00Z".parse().unwrap()), ..Options::default() };
//! let analysis = analyze([("example.lp", &input[..])], options).unwrap();
//! assert_eq!(
//!     to_ndjson(&analysis.dependency),
//!     "{\"inventory_date\":\"2026-11-22T13:00:00Z\",\"dependency_direction\":\"upstream\",\"protocol\":\"tcp\",\
//! \"local_hostgroup_process_name\":null,\"local_hostgroup\":\"api\",\"local_hostgroup_address\":null,\
//! \"local_hostgroup_address_port\":null,\"remote_hostgroup\":\"db\",\"remote_hostgroup_address\":null,\
//! \"remote_hostgroup_address_port\":\"5432\"}\n"
//! );
//! ```

pub mod aggregate;
pub mod analyzer;
mod decode;
pub mod defaults;
pub mod error;
pub mod exact_sum;
mod exporter;
pub mod options;
pub mod parse;
pub mod point;
pub mod profile;
pub mod rows;
pub mod schema;
pub mod time;
pub mod whatif;

pub use aggregate::{Aggregator, Partial, Stats, Tables, Window, WindowEnds, WindowSpec};
pub use analyzer::{analyze, AllWindows, Analysis, AnalysisStats, Analyzer, WindowsRows};
pub use error::{Error, ErrorKind, Location, ParseIssue, Result};
pub use options::Options;
pub use parse::Format;
pub use profile::Profile;
pub use rows::{DependencyRow, TrafficRow};
pub use time::{Duration, Precision, Timestamp};
pub use whatif::WhatIf;
