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
