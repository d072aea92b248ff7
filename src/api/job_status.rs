//! `GET /api/v1/analysis/job/{jobId}`: the status body, with polling aids (contract §1.2).
//!
//! Completed bodies are served from stored bytes and their stored ETag, so a conditional poll of
//! a completed job costs a map lookup and a string compare; processing and failed bodies are
//! small and rendered from the record.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use jiff::Timestamp;

use super::dto::status_body;
use super::params::{IfNoneMatch, job_id_path, not_held};
use crate::error::ApiError;
use crate::jobs::model::{Job, Status};
use crate::results::etag_of;
use crate::state::AppState;

/// The job's status body.
#[utoipa::path(
    get,
    path = "/api/v1/analysis/job/{jobId}",
    tag = "analysis",
    summary = "Job status",
    description = "The processing, completed or failed body of a job, with polling aids: a strong \
        `ETag` of the exact bytes, `Cache-Control: private, no-cache`, and `Retry-After` while \
        processing. A matching `If-None-Match` answers 304.",
    params(
        ("jobId" = String, Path, description = "The job id, `job_<unix ms>_<16 hex digits>`.", pattern = "^job_[0-9]{13}_[0-9a-f]{16}$"),
        ("If-None-Match" = Option<String>, Header, description = "ETags (a list, or `*`) the client holds."),
    ),
    responses(
        (status = 200, description = "The status body.", body = super::dto::JobStatusBody,
            headers(
                ("ETag" = String, description = "Strong tag of the body bytes."),
                ("Cache-Control" = String, description = "`private, no-cache`"),
                ("Retry-After" = u64, description = "Seconds until the next poll is useful; only while processing."),
            )),
        (status = 304, description = "`If-None-Match` matched: no body.",
            headers(
                ("ETag" = String, description = "Strong tag of the body bytes."),
                ("Cache-Control" = String, description = "`private, no-cache`"),
                ("Retry-After" = u64, description = "Only while processing."),
            )),
        (status = 400, description = "`invalid_job_id`: the id does not match the job-id pattern.", body = crate::error::Envelope),
        (status = 401, description = "`unauthorized`: missing or wrong API key.", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`job_not_found`: the id is well-formed but not held.", body = crate::error::Envelope),
        (status = 410, description = "`job_expired`: not held, and its embedded time is older than `cleanup.max_age_secs`.", body = crate::error::Envelope),
    ),
    security((), ("bearerAuth" = []), ("apiKey" = []))
)]
pub async fn job_status(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    if_none_match: IfNoneMatch,
) -> Result<Response, ApiError> {
    let id = job_id_path(path)?;
    let job = state.jobs.get(&id).await.map_err(ApiError::internal)?;
    let job = job.ok_or_else(|| not_held(&id, state.config.cleanup.max_age, Timestamp::now()))?;
    let retry_after = (job.status == Status::Processing).then(|| state.jobs.retry_after_secs(&job));
    let (etag, body) = match &job.completion {
        Some(done) if job.status == Status::Completed => {
            if if_none_match.matches(&done.etag) {
                return Ok(not_modified(&done.etag, None));
            }
            let body = state
                .jobs
                .completed_body(&id)
                .await
                .map_err(ApiError::internal)?;
            (done.etag.clone(), body)
        }
        _ => rendered(&job, &state),
    };
    if if_none_match.matches(&etag) {
        return Ok(not_modified(&etag, retry_after));
    }
    Ok(with_polling_headers(
        Response::new(Body::from(body)),
        &etag,
        retry_after,
        true,
    ))
}

fn rendered(job: &Job, state: &AppState) -> (String, Bytes) {
    let body = status_body(job, state.config.cleanup.max_age);
    (etag_of(&body), Bytes::from(body))
}

fn not_modified(etag: &str, retry_after: Option<u64>) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    with_polling_headers(response, etag, retry_after, false)
}

fn with_polling_headers(
    mut response: Response,
    etag: &str,
    retry_after: Option<u64>,
    json: bool,
) -> Response {
    let headers = response.headers_mut();
    if json {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Some(secs) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}
