//! `POST /api/v1/analysis/analyze-file`: receive an export and start a job (contract §1.1).
//!
//! The file part is streamed chunk by chunk into the job's scratch directory. The whole body is
//! read before any check answers, because the checks have a fixed order (a bad `filterOption`
//! after the file outranks the file's size); reading on past the size limit is bounded by the
//! body limit. Every rejection drops the [`ScratchDir`] guard, which deletes what was written.

use axum::extract::State;
use axum::extract::multipart::{Field, Multipart, MultipartRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use jiff::Timestamp;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

use super::dto::Accepted;
use crate::error::{ApiError, ErrorCode};
use crate::files::{ScratchDir, free_bytes, upload_file_name};
use crate::jobs::id::JobId;
use crate::jobs::model::{FilterOption, Job};
use crate::state::AppState;

/// Longest `filterOption` value read; longer ones are invalid anyway.
const MAX_FILTER_BYTES: usize = 64;

/// The multipart body of an upload (contract §1.1); other parts are read and ignored.
#[derive(utoipa::ToSchema)]
#[schema(as = UploadForm)]
pub struct UploadForm {
    /// The export: `.csv`, `.tsv`, `.txt`, `.xlsx`, `.xls`, `.ods`, or a `.zip` of CSV files.
    /// The part needs a filename.
    #[schema(value_type = String, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
    /// **seed**: `all` (default) or `recommended`, case-sensitive; before or after `file`.
    #[schema(rename = "filterOption", value_type = FilterOption, required = false)]
    pub filter_option: Option<FilterOption>,
}

/// Accepts an upload and answers 202 with the job id.
#[utoipa::path(
    post,
    path = "/api/v1/analysis/analyze-file",
    tag = "analysis",
    summary = "Start an analysis",
    description = "Streams the export to disk and queues a job. The checks answer in this order, \
        the first failing one wins: invalid_multipart, invalid_filter_option, file_missing, \
        file_empty, file_too_large, unsupported_file_type, storage_full, queue_full.",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "The job is queued.", body = super::dto::Accepted,
            headers(("Location" = String, description = "`/api/v1/analysis/job/<jobId>`, the status route of the new job."))),
        (status = 400, description = "`invalid_multipart`, `invalid_filter_option`, `file_missing` or `file_empty`.", body = crate::error::Envelope),
        (status = 401, description = "`unauthorized`: missing or wrong API key.", body = crate::error::Envelope,
            headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 408, description = "`request_timeout`: the body stalled or arrived too slowly.", body = crate::error::Envelope),
        (status = 413, description = "`file_too_large`: the file part (or the body) is over the limit.", body = crate::error::Envelope),
        (status = 415, description = "`unsupported_file_type`: extension or content not accepted.", body = crate::error::Envelope),
        (status = 503, description = "`queue_full` (`Retry-After: 30`) or `shutdown` (`Retry-After: 5`).", body = crate::error::Envelope,
            headers(("Retry-After" = u32, description = "Seconds to wait before trying again."))),
        (status = 507, description = "`storage_full`: free disk space is below `storage.min_free_bytes`.", body = crate::error::Envelope),
    ),
    security((), ("bearerAuth" = []), ("apiKey" = []))
)]
pub async fn analyze_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    if state.draining.is_cancelled() {
        return Err(ApiError::with_details(
            ErrorCode::Shutdown,
            "The server is shutting down",
            "Try again in a few seconds.",
        ));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.config.max_body_bytes()) {
        return Err(too_large(state.config.server.max_upload_bytes));
    }
    let multipart = multipart.map_err(|e| invalid_multipart(e.body_text()))?;
    let now = Timestamp::now();
    let id = JobId::generate(now).map_err(ApiError::internal)?;
    let scratch = state
        .jobs
        .uploads
        .create_scratch(&id)
        .await
        .map_err(ApiError::internal)?;
    let limits = BodyLimits {
        max_upload: state.config.server.max_upload_bytes,
        idle: state.config.server.body_idle_timeout,
    };
    let deadline = tokio::time::Instant::now() + state.config.body_deadline();
    let received = tokio::time::timeout_at(deadline, receive(multipart, &scratch, limits))
        .await
        .map_err(|_| too_slow())??;

    let filter = match received.filter {
        None => FilterOption::All,
        Some(Ok(filter)) => filter,
        Some(Err(value)) => {
            return Err(ApiError::with_details(
                ErrorCode::InvalidFilterOption,
                "Invalid filterOption",
                format!("filterOption must be \"all\" or \"recommended\", not {value:?}."),
            ));
        }
    };
    let file = received.file.ok_or_else(|| {
        ApiError::with_details(
            ErrorCode::FileMissing,
            "No file uploaded",
            "Send the export as a multipart part named \"file\" with a filename.",
        )
    })?;
    if file.bytes == 0 {
        return Err(ApiError::with_details(
            ErrorCode::FileEmpty,
            "The file is empty",
            format!("{:?} has 0 bytes.", file.original_name),
        ));
    }
    if file.too_large {
        return Err(too_large(state.config.server.max_upload_bytes));
    }
    let upload_path = scratch.path().join(&file.stored_name);
    let input_kind = crate::upload_kind::detect(&upload_path, &file.original_name).await?;
    let min_free = state.config.storage.min_free_bytes;
    if free_bytes(scratch.path()).map_err(ApiError::internal)? < min_free {
        return Err(ApiError::with_details(
            ErrorCode::StorageFull,
            "The server is out of storage",
            "Uploads are refused until disk space is freed; try again later.",
        ));
    }
    let job = Job::new_queued(
        id.clone(),
        file.original_name,
        filter,
        input_kind,
        file.stored_name,
        now,
    );
    state.jobs.submit(job).await?;
    scratch.keep();
    tracing::info!(job.id = %id, file.bytes = file.bytes, "upload accepted");
    crate::ops::metrics::upload_accepted(file.bytes);

    let location = format!("/api/v1/analysis/job/{id}");
    let mut response = (StatusCode::ACCEPTED, axum::Json(Accepted::new(&id))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// The file part as stored.
struct ReceivedFile {
    original_name: String,
    stored_name: String,
    bytes: u64,
    too_large: bool,
}

/// What the body held, before the ordered checks.
struct Received {
    filter: Option<Result<FilterOption, String>>,
    file: Option<ReceivedFile>,
}

/// How much and how slowly a body may arrive.
#[derive(Clone, Copy)]
struct BodyLimits {
    max_upload: u64,
    /// Longest pause between two chunks.
    idle: Duration,
}

/// Reads every part. Broken bodies and a second file part are `invalid_multipart` at once (the
/// first check); a body over the limit is `file_too_large`; a pause longer than the idle timeout
/// is `request_timeout`.
async fn receive(
    mut multipart: Multipart,
    scratch: &ScratchDir,
    limits: BodyLimits,
) -> Result<Received, ApiError> {
    let mut received = Received {
        filter: None,
        file: None,
    };
    loop {
        let next = tokio::time::timeout(limits.idle, multipart.next_field()).await;
        let field = match next.map_err(|_| too_slow())? {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(received),
            Err(e) => return Err(multipart_error(e, limits.max_upload)),
        };
        match (field.name(), field.file_name()) {
            (Some("file"), Some(name)) if !name.is_empty() => {
                if received.file.is_some() {
                    return Err(invalid_multipart(
                        "The body holds more than one \"file\" part.".into(),
                    ));
                }
                let original_name = name.to_owned();
                let stored_name = upload_file_name(&original_name);
                let path = scratch.path().join(&stored_name);
                let (bytes, too_large) = store_file(field, &path, limits).await?;
                received.file = Some(ReceivedFile {
                    original_name,
                    stored_name,
                    bytes,
                    too_large,
                });
            }
            (Some("filterOption"), _) => {
                let value = read_small(field, limits).await?;
                received
                    .filter
                    .get_or_insert(value.parse().map_err(|_| value));
            }
            _ => {
                let mut field = field;
                while next_chunk(&mut field, limits).await?.is_some() {}
            }
        }
    }
}

/// The next chunk of a part, within the idle timeout.
async fn next_chunk(field: &mut Field<'_>, limits: BodyLimits) -> Result<Option<Bytes>, ApiError> {
    match tokio::time::timeout(limits.idle, field.chunk()).await {
        Ok(chunk) => chunk.map_err(|e| multipart_error(e, limits.max_upload)),
        Err(_) => Err(too_slow()),
    }
}

/// Streams a file part to `path`; past `max_upload` bytes it stops writing and only counts.
async fn store_file(
    mut field: Field<'_>,
    path: &std::path::Path,
    limits: BodyLimits,
) -> Result<(u64, bool), ApiError> {
    let mut out = tokio::fs::File::create(path)
        .await
        .map_err(ApiError::internal)?;
    let mut bytes = 0u64;
    let mut too_large = false;
    while let Some(chunk) = next_chunk(&mut field, limits).await? {
        bytes += chunk.len() as u64;
        if bytes > limits.max_upload {
            too_large = true;
            continue;
        }
        out.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    out.flush().await.map_err(ApiError::internal)?;
    if too_large {
        // Nothing of a refused upload is kept, even before the guard drops the directory.
        drop(out);
        let _ = tokio::fs::remove_file(path).await;
    }
    Ok((bytes, too_large))
}

async fn read_small(mut field: Field<'_>, limits: BodyLimits) -> Result<String, ApiError> {
    let mut value = Vec::new();
    while let Some(chunk) = next_chunk(&mut field, limits).await? {
        if value.len() <= MAX_FILTER_BYTES {
            value.extend_from_slice(&chunk[..chunk.len().min(MAX_FILTER_BYTES + 1 - value.len())]);
        }
    }
    Ok(String::from_utf8_lossy(&value).into_owned())
}

fn multipart_error(e: axum::extract::multipart::MultipartError, max_upload: u64) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(max_upload)
    } else {
        invalid_multipart(e.body_text())
    }
}

fn invalid_multipart(details: String) -> ApiError {
    ApiError::with_details(
        ErrorCode::InvalidMultipart,
        "Invalid multipart body",
        details,
    )
}

fn too_large(max_upload: u64) -> ApiError {
    ApiError::with_details(
        ErrorCode::FileTooLarge,
        "The file is too large",
        format!("Files up to {max_upload} bytes are accepted."),
    )
}

fn too_slow() -> ApiError {
    ApiError::with_details(
        ErrorCode::RequestTimeout,
        "The upload was too slow",
        "The request body stalled or took longer than the server allows; send it again.",
    )
}
