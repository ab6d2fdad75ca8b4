//! `planet-bq init`: the BigQuery dataset and tables.

use crate::cli::LiveArgs;
use crate::sink::bigquery::{self, BigQuery};
use anyhow::{bail, Result};

/// `planet-bq init`.
pub async fn init(args: LiveArgs) -> Result<()> {
    let Some(config) = bigquery::config(&args)? else {
        bail!("init needs --bq-project-id and --bq-dataset-id");
    };
    let bq = BigQuery::connect(config).await?;
    let (problems, notes) = bq.init().await?;
    for n in &notes {
        println!("note: {n}");
    }
    for p in &problems {
        println!("problem: {p}");
    }
    if !problems.is_empty() {
        bail!("{} problem(s) with existing tables (left unchanged)", problems.len());
    }
    println!(
        "ok: dataset {} and tables {}, {} are ready",
        bq.config().dataset,
        bq.config().traffic_table,
        bq.config().dependency_table
    );
    Ok(())
}
