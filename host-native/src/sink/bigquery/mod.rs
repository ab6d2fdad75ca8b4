//! BigQuery sink (load jobs, the Storage Write API or insertAll: [`WriteMethod`]), table
//! creation and schema checks.
//!
//! No duplicates on re-run: before writing a window, the sink reads the keys the table already
//! holds for that `inventory_date` and writes only the rows whose key is missing. A row's key is
//! every column but the measured values (traffic: direction and the four hostgroup columns;
//! dependency: every column). With insertAll each row also carries a deterministic insertId
//! (SHA-256 of the table and the key), so a request retried after a lost answer is not applied
//! twice either.

mod auth;
mod client;
mod insert_all;
mod jobs;
mod load;
mod rows;
mod storage_write;
mod write_method;

pub use write_method::WriteMethod;

use crate::cli::LiveArgs;
use crate::finding::Finding;
use crate::job::{Job, JobWindow};
use crate::sink::{Registration, Rows, Sink, WriteReport};
use anyhow::{bail, Result};
use gcp_bigquery_client::model::field_type::FieldType;
use gcp_bigquery_client::model::table_field_schema::TableFieldSchema;
use gcp_bigquery_client::model::table_schema::TableSchema;
use planet_core::rows::TableRow;
use planet_core::schema::{self, Column, ColumnType};

/// The table of a job, as the core declares it (columns, modes, descriptions, key).
fn table_of(job: Job) -> &'static schema::Table {
    match job {
        Job::Traffic => &schema::TRAFFIC,
        Job::Dependency => &schema::DEPENDENCY,
    }
}

/// The columns of a job's table.
fn columns(job: Job) -> &'static [Column] {
    table_of(job).columns
}

/// Settings of the BigQuery sink.
#[derive(Debug, Clone)]
pub struct BigQueryConfig {
    /// Project id.
    pub project: String,
    /// Dataset id.
    pub dataset: String,
    /// Traffic table id.
    pub traffic_table: String,
    /// Dependency table id.
    pub dependency_table: String,
    /// Emulator root URL (`http://127.0.0.1:9050`); None for Google's endpoint with credentials.
    pub endpoint: Option<String>,
    /// Dataset location used by `init` (e.g. `US`, `EU`); None for BigQuery's default.
    pub location: Option<String>,
    /// Most rows per insertAll request (2000, as the original).
    pub batch_rows: usize,
    /// Most bytes of JSON rows per insertAll request (BigQuery's limit is 10 MB).
    pub batch_bytes: usize,
    /// Retries of a transient failure.
    pub retries: usize,
    /// First retry delay.
    pub retry_delay: std::time::Duration,
    /// How rows are written (`--bq-write-method`).
    pub write_method: WriteMethod,
    /// gRPC address of the Storage Write API (`--bq-storage-endpoint`); None for Google's.
    pub storage_endpoint: Option<String>,
}

impl BigQueryConfig {
    /// The table of a job.
    pub fn table(&self, job: Job) -> &str {
        match job {
            Job::Traffic => &self.traffic_table,
            Job::Dependency => &self.dependency_table,
        }
    }
}
/// The BigQuery sink and admin operations.
#[derive(Clone)]
pub struct BigQuery {
    config: BigQueryConfig,
    client: gcp_bigquery_client::Client,
    rest: jobs::Rest,
    channel: std::sync::Arc<tokio::sync::OnceCell<tonic::transport::Channel>>,
}

impl std::fmt::Debug for BigQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BigQuery").field("config", &self.config).finish_non_exhaustive()
    }
}

/// The deterministic insertId of a row: SHA-256 of the table and the row's key, 32 hex digits.
pub fn insert_id(table: &str, key: &[Option<String>]) -> String {
    let mut text = String::from(table);
    for part in key {
        text.push('\u{1f}');
        match part {
            Some(p) => {
                text.push('s');
                text.push_str(p);
            }
            None => text.push('n'),
        }
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The key columns of a table: every column but the measured values.
fn key_columns(job: Job) -> Vec<&'static str> {
    table_of(job).key_columns().iter().map(|c| c.name).collect()
}

/// The key of a row: its cells of the key columns, `inventory_date` first.
fn row_key<R: TableRow>(row: &R, job: Job) -> Vec<Option<String>> {
    let n = key_columns(job).len();
    row.cells().into_iter().take(n).collect()
}

fn schema_of(columns: &[Column]) -> TableSchema {
    TableSchema::new(
        columns
            .iter()
            .map(|c| {
                let mut field = match c.column_type {
                    ColumnType::Timestamp => TableFieldSchema::timestamp(c.name),
                    ColumnType::Integer => TableFieldSchema::integer(c.name),
                    ColumnType::String => TableFieldSchema::string(c.name),
                };
                field.mode = Some(c.mode.name().to_string());
                field.description = Some(c.description.to_string());
                field
            })
            .collect(),
    )
}

fn type_name(t: &FieldType) -> String {
    let text = serde_json::to_value(t).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    match text.as_str() {
        "INT64" => "INTEGER".to_string(),
        "FLOAT64" => "FLOAT".to_string(),
        "BOOL" => "BOOLEAN".to_string(),
        _ => text,
    }
}

/// Differences between a table's schema and the expected one: (problems, notes). Problems
/// break inserts or change meaning; notes (descriptions, extra NULLABLE columns) do not.
pub fn compare_schema(expected: &[Column], actual: &TableSchema) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let fields = actual.fields().clone().unwrap_or_default();
    for &Column { name, column_type, mode: want, description } in expected {
        let ty = column_type.name();
        let Some(f) = fields.iter().find(|f| f.name == *name) else {
            problems.push(format!("column {name} is missing"));
            continue;
        };
        let actual_type = type_name(&f.r#type);
        if actual_type != *ty {
            problems.push(format!("column {name} is {actual_type}, expected {ty}"));
        }
        let mode = f.mode.clone().unwrap_or_else(|| "NULLABLE".to_string()).to_uppercase();
        let want = want.name();
        if mode != want {
            problems.push(format!("column {name} is {mode}, expected {want}"));
        }
        if f.description.as_deref().unwrap_or("") != description {
            notes.push(format!("column {name} has another description"));
        }
    }
    for f in &fields {
        if !expected.iter().any(|c| c.name == f.name) {
            let mode = f.mode.clone().unwrap_or_else(|| "NULLABLE".to_string()).to_uppercase();
            if mode == "REQUIRED" {
                problems.push(format!("extra column {} is REQUIRED (inserts would fail)", f.name));
            } else {
                notes.push(format!("extra column {}", f.name));
            }
        }
    }
    (problems, notes)
}

/// `--bq-project-id` and `--bq-dataset-id`: rows go to BigQuery (or its emulator, `--bq-endpoint`).
pub const REGISTRATION: Registration = Registration {
    flag: "--bq-project-id",
    flags: "--bq-project-id and --bq-dataset-id",
    short_name: "BigQuery",
    name: "BigQuery",
    from_args: |args| {
        Ok(config(args)?.map(|config| -> crate::sink::Opening {
            Box::pin(async move { Ok(Box::new(BigQuery::connect(config).await?) as Box<dyn Sink>) })
        }))
    },
};

/// The BigQuery settings of the flags, when a project is given.
pub fn config(args: &LiveArgs) -> Result<Option<BigQueryConfig>> {
    let Some(project) = args.bq_project_id.clone().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let Some(dataset) = args.bq_dataset_id.clone().filter(|d| !d.is_empty()) else {
        bail!("--bq-dataset-id is required with --bq-project-id");
    };
    let endpoint = args.bq_endpoint.as_deref().filter(|e| !e.is_empty()).map(|e| {
        if e.contains("://") {
            e.trim_end_matches('/').to_string()
        } else {
            // BIGQUERY_EMULATOR_HOST is host:port.
            format!("http://{}", e.trim_end_matches('/'))
        }
    });
    Ok(Some(BigQueryConfig {
        project,
        dataset,
        traffic_table: args.bq_traffic_table_id.clone(),
        dependency_table: args.bq_dependency_table_id.clone(),
        endpoint,
        location: args.bq_location.clone(),
        batch_rows: args.bq_insert_batch_rows.clamp(1, 50_000),
        batch_bytes: 5 << 20,
        retries: args.retries,
        retry_delay: args.retry_delay_std()?,
        write_method: args.bq_write_method,
        storage_endpoint: args.bq_storage_endpoint.clone().filter(|e| !e.is_empty()),
    }))
}

#[async_trait::async_trait]
impl Sink for BigQuery {
    async fn write(&self, window: &JobWindow, rows: &Rows) -> Result<WriteReport> {
        match rows {
            Rows::Traffic(r) => self.write_rows(window.job, window, r).await,
            Rows::Dependency(r) => self.write_rows(window.job, window, r).await,
        }
    }

    fn describe(&self, job: Job) -> String {
        format!("BigQuery table {}", self.full_name(self.config.table(job)))
    }

    async fn check(&self) -> Vec<Finding> {
        let (problems, notes) = match BigQuery::check(self).await {
            Ok(found) => found,
            Err(e) => return vec![Finding::Problem(format!("{e:#}"))],
        };
        let mut found: Vec<Finding> = notes.into_iter().map(Finding::Note).collect();
        if problems.is_empty() {
            let c = &self.config;
            found.push(Finding::Ok(format!(
                "BigQuery dataset {}.{} and tables {}, {} have the expected schema",
                c.project, c.dataset, c.traffic_table, c.dependency_table
            )));
        }
        found.extend(problems.into_iter().map(Finding::Problem));
        match write_method::check_access(self).await {
            Ok(text) => found.push(Finding::Ok(text)),
            Err(e) => found.push(Finding::Problem(format!("write method {}: {e:#}", self.config.write_method))),
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_ids_depend_on_table_and_key_and_tell_null_from_empty() {
        let key = vec![Some("2026-11-22T13:00:00Z".to_string()), Some("ingress".to_string()), None];
        let empty = vec![Some("2026-11-22T13:00:00Z".to_string()), Some("ingress".to_string()), Some(String::new())];
        assert_eq!(insert_id("t", &key), insert_id("t", &key));
        assert_ne!(insert_id("t", &key), insert_id("u", &key));
        assert_ne!(insert_id("t", &key), insert_id("t", &empty));
        assert_eq!(insert_id("t", &key).len(), 32);
        // SHA-256 of "t" + US + "s" + ...: pinned so that ids stay stable across releases.
        let digest =
            ring::digest::digest(&ring::digest::SHA256, "t\u{1f}s2026-11-22T13:00:00Z\u{1f}singress\u{1f}n".as_bytes());
        let hex: String = digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(insert_id("t", &key), hex);
    }

    #[test]
    fn schema_differences_are_reported_by_column() {
        let mut schema = schema_of(schema::TRAFFIC.columns);
        let mut fields = schema.fields.take().expect("fields");
        fields[1].mode = Some("NULLABLE".into());
        fields[7] = TableFieldSchema::string("traffic_bandwidth_bits_max_1h");
        fields[7].mode = Some("REQUIRED".into());
        fields[7].description = Some(schema::TRAFFIC.columns[7].description.into());
        fields.remove(8);
        let mut extra = TableFieldSchema::string("note");
        extra.mode = Some("NULLABLE".into());
        fields.push(extra);
        let (problems, notes) = compare_schema(schema::TRAFFIC.columns, &TableSchema::new(fields));
        assert_eq!(
            problems,
            [
                "column traffic_direction is NULLABLE, expected REQUIRED",
                "column traffic_bandwidth_bits_max_1h is STRING, expected INTEGER",
                "column traffic_bandwidth_bits_avg_1h is missing"
            ]
        );
        assert_eq!(notes, ["extra column note"]);
        let (problems, notes) = compare_schema(schema::TRAFFIC.columns, &schema_of(schema::TRAFFIC.columns));
        assert!(problems.is_empty() && notes.is_empty());
    }
}
