//! The native host of planet-bq: command line, InfluxDB source, BigQuery and local sinks, scheduler.

pub mod args;
pub mod bigquery;
pub mod bigquery_write;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod influx;
pub mod live;
pub mod logging;
pub mod output;
pub mod secret;
pub mod table_print;
