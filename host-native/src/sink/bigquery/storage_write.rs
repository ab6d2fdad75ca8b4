//! `--bq-write-method storage-write`: the BigQuery Storage Write API over gRPC.
//!
//! Per window and table: a PENDING stream, the missing rows appended with offsets (a retried
//! append is answered ALREADY_EXISTS instead of being applied twice), finalized, then one
//! `BatchCommitWriteStreams`, which makes all rows visible at once. Uncommitted streams are
//! dropped by BigQuery, so a crash before the commit leaves nothing.
//!
//! Two hosts would each commit their own stream, so the commit is guarded: after finalizing,
//! a query job with a deterministic ID ([`super::rows::write_id`], kind `commit`) names the
//! stream to commit (`SELECT '<stream>'`, free: it reads no table). Whoever creates it commits
//! its stream; whoever gets 409 commits the stream it names instead (a no-op when already
//! committed) and drops its own. A crash between claim and commit is finished by the next run.
//!
//! The API messages are the published `google.cloud.bigquery.storage.v1` protos as generated
//! code in gcp-bigquery-client; its own write helper cannot create PENDING streams, send
//! offsets or reach an emulator, so the calls are made here with the generated client.

use super::jobs::{self, Inserted};
use super::rows;
use super::{columns, BigQuery};
use crate::job::{Job, JobWindow};
use crate::sink::WriteReport;
use anyhow::{anyhow, bail, Context, Result};
use backon::Retryable;
use gcp_bigquery_client::google::cloud::bigquery::storage::v1 as api;
use planet_core::rows::TableRow;
use planet_core::schema::{ColumnType, Mode};
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto};
use serde_json::{json, Value};
use std::time::Instant;
use tonic::transport::{Channel, ClientTlsConfig};

type Client = api::big_query_write_client::BigQueryWriteClient<Channel>;

/// Google's Storage Write API endpoint.
const GOOGLE: &str = "https://bigquerystorage.googleapis.com";
/// Most bytes of rows per AppendRows request (the API's limit is 10 MB per request).
const MAX_REQUEST_BYTES: usize = 8 << 20;
/// Claimed streams found unusable (expired) before giving up.
const MAX_ATTEMPTS: usize = 20;

/// The gRPC channel: `--bq-storage-endpoint`, else Google's endpoint over TLS.
pub(super) async fn connect(storage_endpoint: Option<&str>, emulator: bool) -> Result<Channel> {
    let channel = match storage_endpoint {
        Some(url) => {
            let url = if url.contains("://") { url.to_string() } else { format!("http://{url}") };
            let mut endpoint = Channel::from_shared(url.clone()).map_err(|e| anyhow!("--bq-storage-endpoint {url:?}: {e}"))?;
            if url.starts_with("https://") {
                endpoint = endpoint.tls_config(ClientTlsConfig::new().with_enabled_roots())?;
            }
            endpoint.connect_timeout(std::time::Duration::from_secs(10)).connect_lazy()
        }
        None if emulator => bail!(
            "--bq-write-method storage-write with an emulator (--bq-endpoint) needs --bq-storage-endpoint, the emulator's gRPC address"
        ),
        None => Channel::from_static(GOOGLE)
            .tls_config(ClientTlsConfig::new().domain_name("bigquerystorage.googleapis.com").with_enabled_roots())?
            .connect_timeout(std::time::Duration::from_secs(10))
            .connect_lazy(),
    };
    Ok(channel)
}

/// The proto2 message of a table's rows: one field per column, numbered from 1; TIMESTAMP as
/// int64 microseconds, INTEGER as int64, STRING as string; REQUIRED columns required.
fn descriptor(job: Job) -> DescriptorProto {
    DescriptorProto {
        name: Some("PlanetBqRow".to_string()),
        field: columns(job)
            .iter()
            .enumerate()
            .map(|(i, c)| FieldDescriptorProto {
                name: Some(c.name.to_string()),
                number: Some(i as i32 + 1),
                label: Some((if c.mode == Mode::Required { Label::Required } else { Label::Optional }) as i32),
                r#type: Some((if c.column_type == ColumnType::String { Type::String } else { Type::Int64 }) as i32),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// One row in the wire format of [`descriptor`].
fn encode(job: Job, cells: &[Option<String>]) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    for (i, (cell, column)) in cells.iter().zip(columns(job)).enumerate() {
        let Some(value) = cell else { continue };
        let tag = i as u32 + 1;
        let name = column.name;
        match column.column_type {
            ColumnType::Integer => {
                let v: i64 = value.parse().with_context(|| format!("column {name}: {value:?} is not an integer"))?;
                prost::encoding::int64::encode(tag, &v, &mut buf);
            }
            ColumnType::Timestamp => {
                let t: planet_core::Timestamp =
                    value.parse().map_err(|e| anyhow!("column {name}: {value:?} is not a timestamp: {e}"))?;
                prost::encoding::int64::encode(tag, &t.0.div_euclid(1000), &mut buf);
            }
            ColumnType::String => prost::encoding::string::encode(tag, value, &mut buf),
        }
    }
    Ok(buf)
}

fn transient(status: &tonic::Status) -> bool {
    use tonic::Code;
    matches!(
        status.code(),
        Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted | Code::Aborted | Code::Internal
    )
}

fn describe(status: &tonic::Status) -> String {
    format!("{:?}: {}", status.code(), status.message())
}

/// A request with the token and the routing header Google's clients send.
async fn request<T>(bq: &BigQuery, message: T, routing: &str) -> std::result::Result<tonic::Request<T>, tonic::Status> {
    let token = bq.rest().auth().access_token().await.map_err(|e| tonic::Status::unauthenticated(e.to_string()))?;
    let mut request = tonic::Request::new(message);
    let bearer = format!("Bearer {token}").parse().map_err(|_| tonic::Status::unauthenticated("unusable token"))?;
    request.metadata_mut().insert("authorization", bearer);
    if let Ok(value) = routing.replace('/', "%2F").parse() {
        request.metadata_mut().insert("x-goog-request-params", value);
    }
    Ok(request)
}

async fn client(bq: &BigQuery) -> Result<Client> {
    let channel = bq.storage_channel().await?;
    Ok(api::big_query_write_client::BigQueryWriteClient::new(channel)
        .max_encoding_message_size(16 << 20)
        .max_decoding_message_size(16 << 20))
}

fn table_path(bq: &BigQuery, job: Job) -> String {
    let c = bq.config();
    format!("projects/{}/datasets/{}/tables/{}", c.project, c.dataset, c.table(job))
}

/// Creates a PENDING stream on a table.
async fn create(bq: &BigQuery, job: Job) -> Result<String> {
    let parent = table_path(bq, job);
    let base = client(bq).await?;
    let attempt = || async {
        let message = api::CreateWriteStreamRequest {
            parent: parent.clone(),
            write_stream: Some(api::WriteStream {
                r#type: api::write_stream::Type::Pending as i32,
                ..Default::default()
            }),
        };
        let mut c = base.clone();
        c.create_write_stream(request(bq, message, &format!("parent={parent}")).await?).await
    };
    let stream = attempt
        .retry(bq.backoff())
        .when(transient)
        .await
        .map_err(|e| anyhow!("opening a write stream on {parent}: {}", describe(&e)))?;
    Ok(stream.into_inner().name)
}

/// `check`: can the credentials open a write stream on the table? The stream is never
/// committed, so nothing is written.
pub(super) async fn probe(bq: &BigQuery, job: Job) -> Result<()> {
    create(bq, job).await.map(|_| ())
}

/// Appends every row with offsets; the whole sequence is resent on a transient failure, the
/// offsets already written being answered ALREADY_EXISTS.
async fn append(bq: &BigQuery, job: Job, stream: &str, encoded: &[Vec<u8>], requests: &mut u64) -> Result<()> {
    let mut batches: Vec<(i64, Vec<Vec<u8>>)> = Vec::new();
    let mut size = 0usize;
    for (i, row) in encoded.iter().enumerate() {
        if batches.is_empty() || size + row.len() > MAX_REQUEST_BYTES {
            batches.push((i as i64, Vec::new()));
            size = 0;
        }
        size += row.len() + 8;
        if let Some(last) = batches.last_mut() {
            last.1.push(row.clone());
        }
    }
    *requests += batches.len() as u64;
    let schema = descriptor(job);
    let base = client(bq).await?;
    let attempt = || async {
        let messages: Vec<api::AppendRowsRequest> = batches
            .iter()
            .map(|(offset, rows)| api::AppendRowsRequest {
                write_stream: stream.to_string(),
                offset: Some(*offset),
                rows: Some(api::append_rows_request::Rows::ProtoRows(api::append_rows_request::ProtoData {
                    writer_schema: Some(api::ProtoSchema { proto_descriptor: Some(schema.clone()) }),
                    rows: Some(api::ProtoRows { serialized_rows: rows.clone() }),
                })),
                ..Default::default()
            })
            .collect();
        let expected = messages.len();
        let mut c = base.clone();
        let message = request(bq, tokio_stream::iter(messages), &format!("write_stream={stream}")).await?;
        let mut responses = c.append_rows(message).await?.into_inner();
        let mut answers = Vec::new();
        while let Some(r) = responses.message().await? {
            answers.push(r);
            if answers.len() == expected {
                break;
            }
        }
        Ok::<_, tonic::Status>(answers)
    };
    let answers = attempt
        .retry(bq.backoff())
        .when(transient)
        .await
        .map_err(|e| anyhow!("appending rows to {stream}: {}", describe(&e)))?;
    if answers.len() != batches.len() {
        bail!("appending rows to {stream}: {} answer(s) to {} request(s)", answers.len(), batches.len());
    }
    for answer in answers {
        if let Some(api::append_rows_response::Response::Error(status)) = &answer.response {
            // ALREADY_EXISTS: this offset was appended by an earlier attempt.
            if status.code == tonic::Code::AlreadyExists as i32 {
                continue;
            }
            let rows: Vec<String> =
                answer.row_errors.iter().take(10).map(|e| format!("\n  row {}: {}", e.index, e.message)).collect();
            bail!("BigQuery refused rows appended to {stream}: {}{}", status.message, rows.concat());
        }
    }
    Ok(())
}

async fn finalize(bq: &BigQuery, stream: &str) -> Result<i64> {
    let base = client(bq).await?;
    let attempt = || async {
        let mut c = base.clone();
        let message = api::FinalizeWriteStreamRequest { name: stream.to_string() };
        c.finalize_write_stream(request(bq, message, &format!("name={stream}")).await?).await
    };
    let answer = attempt
        .retry(bq.backoff())
        .when(transient)
        .await
        .map_err(|e| anyhow!("finalizing {stream}: {}", describe(&e)))?;
    Ok(answer.into_inner().row_count)
}

/// What a commit found.
enum Commit {
    /// Committed now, or earlier.
    Done,
    /// The stream cannot be committed (expired, or not finalized).
    Unusable(String),
}

async fn is_committed(bq: &BigQuery, stream: &str) -> Result<Option<bool>> {
    let base = client(bq).await?;
    let attempt = || async {
        let mut c = base.clone();
        let message = api::GetWriteStreamRequest { name: stream.to_string(), view: 0 };
        c.get_write_stream(request(bq, message, &format!("name={stream}")).await?).await
    };
    match attempt.retry(bq.backoff()).when(transient).await {
        Ok(s) => Ok(Some(s.into_inner().commit_time.is_some())),
        Err(e) if matches!(e.code(), tonic::Code::NotFound | tonic::Code::InvalidArgument) => Ok(None),
        Err(e) => bail!("reading the state of {stream}: {}", describe(&e)),
    }
}

async fn commit(bq: &BigQuery, job: Job, stream: &str, requests: &mut u64) -> Result<Commit> {
    let parent = table_path(bq, job);
    let base = client(bq).await?;
    let attempt = || async {
        let mut c = base.clone();
        let message =
            api::BatchCommitWriteStreamsRequest { parent: parent.clone(), write_streams: vec![stream.to_string()] };
        c.batch_commit_write_streams(request(bq, message, &format!("parent={parent}")).await?).await
    };
    *requests += 1;
    let problem = match attempt.retry(bq.backoff()).when(transient).await {
        Ok(answer) => {
            let answer = answer.into_inner();
            if answer.stream_errors.is_empty() && answer.commit_time.is_some() {
                return Ok(Commit::Done);
            }
            answer.stream_errors.iter().map(|e| e.error_message.clone()).collect::<Vec<_>>().join("; ")
        }
        Err(e) if !transient(&e) => describe(&e),
        Err(e) => bail!("committing {stream}: {}", describe(&e)),
    };
    // Committed by another host in between, or by an earlier attempt whose answer was lost?
    *requests += 1;
    match is_committed(bq, stream).await? {
        Some(true) => Ok(Commit::Done),
        _ => Ok(Commit::Unusable(problem)),
    }
}

/// How long the run that made a claim has to commit its stream before others commit it.
const CLAIMANT_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// Lets the claimant commit its own stream: polls the stream until it is committed or the
/// claim is [`CLAIMANT_GRACE`] old (the claimant died between claim and commit). BigQuery's
/// commits are atomic, so committing it at the same time would be safe there, but an emulator
/// may check and insert in two steps.
async fn wait_for_claimant(bq: &BigQuery, claim: &Value, stream: &str, requests: &mut u64) -> Result<()> {
    let created = claim.pointer("/statistics/creationTime").and_then(|t| t.as_str()?.parse::<i64>().ok());
    let Some(created) = created else { return Ok(()) };
    loop {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        if now - created >= CLAIMANT_GRACE.as_millis() as i64 {
            return Ok(());
        }
        *requests += 1;
        if is_committed(bq, stream).await? != Some(false) {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The stream a claim job names.
fn claimed_stream(claim: &Value) -> Option<String> {
    let query = claim.pointer("/configuration/query/query")?.as_str()?;
    let start = query.find('\'')? + 1;
    let end = start + query[start..].find('\'')?;
    Some(query[start..end].to_string())
}

/// Appends rows to a new PENDING stream and finalizes it: the stream's name.
async fn prepare(bq: &BigQuery, job: Job, missing: &rows::Missing, requests: &mut u64) -> Result<String> {
    let encoded = missing.cells.iter().map(|c| encode(job, c)).collect::<Result<Vec<_>>>()?;
    let stream = create(bq, job).await?;
    *requests += 1;
    append(bq, job, &stream, &encoded, requests).await?;
    let finalized = finalize(bq, &stream).await?;
    *requests += 1;
    if finalized != encoded.len() as i64 {
        bail!(
            "write stream {stream} holds {finalized} row(s) after finalizing, {} were appended; not committed",
            encoded.len()
        );
    }
    Ok(stream)
}

/// Writes the rows of a window the table lacks through a PENDING stream.
///
/// A claim that exists already names a stream of the same rows: it is committed (or found
/// committed), then the keys are read again. Present, the write is done; absent (deleted since,
/// for a recompute), this run's stream is claimed under the next ID.
pub(super) async fn write<R: TableRow + Sync>(
    bq: &BigQuery,
    job: Job,
    window: &JobWindow,
    rows: &[R],
) -> Result<WriteReport> {
    let started = Instant::now();
    let table = bq.full_name(bq.config().table(job));
    let mut requests = 0u64;
    // This run's finalized stream, for the rows whose claim IDs start with the given base,
    // and the next claim number under it.
    let mut prepared: Option<(String, String, usize)> = None;
    for _ in 0..MAX_ATTEMPTS {
        let missing = rows::missing(bq, job, window, rows).await?;
        requests += 1;
        let raced = "committed by another run at the same time (same commit claim); this run's stream is dropped";
        if let Some(report) = missing.nothing_left(&table, rows.len(), prepared.is_some().then_some(raced)) {
            return Ok(report);
        }
        let count = missing.cells.len() as u64;
        let base = rows::write_id("commit", bq, job, window, &missing.json);
        let (stream, attempt) = match prepared.take() {
            Some((b, s, n)) if b == base => (s, n),
            _ => (prepare(bq, job, &missing, &mut requests).await?, 0),
        };
        let id = format!("{base}_{attempt}");
        let configuration = json!({
            "query": {"query": format!("SELECT '{stream}' AS write_stream"), "useLegacySql": false},
            "labels": {"planet_bq_job": job.name()},
        });
        requests += 1;
        let inserted = jobs::insert(bq, &jobs::job_body(bq, &id, configuration), None)
            .await
            .with_context(|| format!("claiming the commit of {table} with job {id}"))?;
        match inserted {
            Inserted::Created(_) => match commit(bq, job, &stream, &mut requests).await? {
                Commit::Done => {
                    tracing::info!(
                        method = "storage-write",
                        table = %table,
                        stream = %stream,
                        rows = count,
                        requests,
                        seconds = started.elapsed().as_secs_f64(),
                        "BigQuery write"
                    );
                    return Ok(WriteReport { written: count, already_present: missing.already_present });
                }
                Commit::Unusable(problem) => bail!("committing {stream} into {table}: {problem}"),
            },
            Inserted::Exists => {
                requests += 1;
                let claim = jobs::get(bq, &id).await?;
                let named = claimed_stream(&claim).ok_or_else(|| anyhow!("job {id} names no write stream"))?;
                wait_for_claimant(bq, &claim, &named, &mut requests).await?;
                if let Commit::Unusable(problem) = commit(bq, job, &named, &mut requests).await? {
                    tracing::info!(table = %table, claim = %id, stream = %named, problem = %problem, "the stream an earlier claim names cannot be committed (it wrote nothing); claiming under the next ID");
                }
                prepared = Some((base, stream, attempt + 1));
            }
        }
    }
    bail!("{MAX_ATTEMPTS} claims of these rows into {table} were taken without the rows appearing; giving up")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_encode_as_the_descriptor_says() {
        let cells = vec![
            Some("1970-01-01T00:00:01Z".to_string()),
            Some("ingress".to_string()),
            Some("api".to_string()),
            None,
            Some("db".to_string()),
            None,
            Some("1".to_string()),
            Some("300".to_string()),
            Some("2".to_string()),
        ];
        let bytes = encode(Job::Traffic, &cells).expect("encodes");
        // field 1 varint 1_000_000 µs; field 2 "ingress"; ...
        assert_eq!(&bytes[..4], &[0x08, 0xc0, 0x84, 0x3d]);
        assert_eq!(&bytes[4..6], &[0x12, 7]);
        assert_eq!(&bytes[6..13], b"ingress");
        let d = descriptor(Job::Traffic);
        assert_eq!(d.field.len(), 9);
        assert_eq!(d.field[3].label, Some(Label::Optional as i32));
        assert_eq!(d.field[6].r#type, Some(Type::Int64 as i32));
    }

    #[test]
    fn the_claimed_stream_is_read_back_from_the_claim_job() {
        let claim = json!({"configuration": {"query": {"query": "SELECT 'projects/p/datasets/d/tables/t/streams/abc' AS write_stream"}}});
        assert_eq!(claimed_stream(&claim).as_deref(), Some("projects/p/datasets/d/tables/t/streams/abc"));
    }
}
