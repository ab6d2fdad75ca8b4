//! BigQuery sink (insertAll through gcp-bigquery-client).
