//! `DELETE /api/v1/analysis/job/{jobId}`: cancel, or purge with `?purge=true` (contract §1.5).

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;

use super::dto::status_body;
use super::params::{job_id_path, not_held};
use crate::error::{ApiError, ErrorCode};
use crate::jobs::service::CancelError;
use crate::state::AppState;

/// Cancels a queued or running job, or purges a job and its files.
#[utoipa::path(
    delete,
    path = "/api/v1/analysis/job/{jobId}",
    tag = "analysis",
    summary = "Cancel, or purge",
    description = "Without `purge`: a queued job leaves the queue, a running one is stopped; the \
        answer is the failed status body (code `cancelled`), also for a job already cancelled. \
        With `purge=true`: the job, its report and its files are removed at once.",
    params(
        ("jobId" = String, Path, description = "The job id, `job_<unix ms>_<16 hex digits>`.", pattern = "^job_[0-9]{13}_[0-9a-f]{16}$"),
        ("purge" = Option<bool>, Query, description = "`true` removes the job and every file of it."),
    ),
    responses(
        (status = 200, description = "The cancelled job's failed status body, or `{success, jobId, purged}`.", body = super::dto::CancelAnswer),
        (status = 400, description = "`invalid_job_id`, or `invalid_request` (`purge` not `true`/`false`).", body = crate::error::Envelope),
        (status = 401, description = "`unauthorized`: missing or wrong API key.", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`job_not_found`: the id is well-formed but not held.", body = crate::error::Envelope),
        (status = 409, description = "`job_finished`: the job completed or failed (not cancelled), or its report is being written.", body = crate::error::Envelope),
        (status = 410, description = "`job_expired`: not held, and its embedded time is older than `cleanup.max_age_secs`.", body = crate::error::Envelope),
    ),
    security((), ("bearerAuth" = []), ("apiKey" = []))
)]
pub async fn cancel_job(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = job_id_path(path)?;
    let purge = purge_flag(query.as_deref())?;
    let map_err = |e: CancelError| match e {
        CancelError::NotFound => not_held(&id, state.config.cleanup.max_age, Timestamp::now()),
        CancelError::Finished => ApiError::with_details(
            ErrorCode::JobFinished,
            "Job already finished",
            "A job that completed or failed cannot be cancelled; use ?purge=true to remove it.",
        ),
        CancelError::Store(e) => ApiError::internal(e),
    };
    if purge {
        state.jobs.purge(&id).await.map_err(map_err)?;
        let body = super::dto::Purged {
            success: true,
            job_id: id.as_str(),
            purged: true,
        };
        return Ok(Json(body).into_response());
    }
    let job = state.jobs.cancel(&id).await.map_err(map_err)?;
    let mut response = Response::new(Body::from(status_body(&job, state.config.cleanup.max_age)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// `purge` is `true` or `false`; anything else is a bad query.
fn purge_flag(query: Option<&str>) -> Result<bool, ApiError> {
    let mut purge = false;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == "purge" {
            purge = match value {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(ApiError::with_details(
                        ErrorCode::InvalidRequest,
                        "Invalid query",
                        "purge must be true or false.",
                    ));
                }
            };
        }
    }
    Ok(purge)
}
