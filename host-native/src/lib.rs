//! The native host of planet-bq: command line, InfluxDB and Prometheus sources, BigQuery and local sinks, scheduler.

pub mod args;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod finding;
pub mod http;
pub mod influx_writer;
pub mod inventory;
pub mod job;
pub mod logging;
pub mod metrics;
pub mod output;
pub mod pipeline;
pub mod schedule;
pub mod secret;
pub mod sink;
pub mod source;
pub mod state;
pub mod table_print;
pub mod temp_files;
#[cfg(test)]
mod test_server;
