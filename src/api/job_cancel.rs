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
        let body = serde_json::json!({"success": true, "jobId": id.as_str(), "purged": true});
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
