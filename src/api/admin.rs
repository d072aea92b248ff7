//! The admin routes (contract §1.8, **seed** `getStats`, `getAllJobs`, `cleanup`): counts by
//! status, the paged job list, and a manual cleanup sweep.
//!
//! Reads take a snapshot of the store and hand it to [`crate::ops::listing`]; the cleanup is
//! [`crate::jobs::service::JobService::sweep_once`], the same sweep the periodic task runs.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorCode};
use crate::jobs::model::{FilterOption, Job, Phase, Status, format_timestamp};
use crate::ops::listing::{PageRequest, Stats, page};
use crate::state::AppState;

/// `GET /api/v1/analysis/stats`: jobs held, by status.
#[utoipa::path(
    get,
    path = "/api/v1/analysis/stats",
    tag = "admin",
    summary = "Jobs held, by status (seed getStats)",
    responses(
        (status = 200, description = "The counts.", body = StatsBody),
        (status = 401, description = "`unauthorized`: missing or wrong key.", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: a key that is not an admin key, or (without admin keys) a peer that is not loopback.", body = crate::error::Envelope),
    ),
    security((), ("bearerAuth" = []), ("apiKey" = []))
)]
pub async fn get_stats(State(state): State<AppState>) -> Result<Response, ApiError> {
    let jobs = state.jobs.list().await.map_err(ApiError::internal)?;
    let stats = Stats::of(&jobs);
    let body = StatsBody {
        success: true,
        total: stats.total,
        processing: stats.processing,
        completed: stats.completed,
        failed: stats.failed,
    };
    Ok(Json(body).into_response())
}

/// Jobs held, by status (**seed** `getStats`).
#[derive(Serialize, ToSchema)]
pub struct StatsBody {
    pub success: bool,
    pub total: usize,
    /// Queued or running.
    pub processing: usize,
    pub completed: usize,
    pub failed: usize,
}

/// The raw query of the jobs list; values are checked by [`PageRequest::parse`].
#[derive(Deserialize)]
pub struct JobsQuery {
    status: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// One row of the jobs list.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobRow<'a> {
    #[schema(pattern = "^job_[0-9]{13}_[0-9a-f]{16}$")]
    job_id: &'a str,
    status: Status,
    /// `null` once completed, as in the completed status body.
    #[schema(required = true)]
    phase: Option<Phase>,
    progress: u8,
    original_filename: &'a str,
    filter_option: FilterOption,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    #[schema(required = true, format = DateTime)]
    finished_at: Option<String>,
}

/// A page of the jobs list (**seed** `getAllJobs`), newest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobsPage<'a> {
    pub success: bool,
    pub jobs: Vec<JobRow<'a>>,
    /// The `cursor` of the next page; `null` on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

impl<'a> From<&'a Job> for JobRow<'a> {
    fn from(job: &'a Job) -> Self {
        Self {
            job_id: job.id.as_str(),
            status: job.status,
            phase: (job.status != Status::Completed).then_some(job.phase),
            progress: job.progress,
            original_filename: &job.original_filename,
            filter_option: job.filter,
            created_at: format_timestamp(job.created_at),
            updated_at: format_timestamp(job.updated_at),
            finished_at: job.finished_at.map(format_timestamp),
        }
    }
}

/// `GET /api/v1/analysis/jobs?status=&limit=&cursor=`: newest first, keyset-paged.
#[utoipa::path(
    get,
    path = "/api/v1/analysis/jobs",
    tag = "admin",
    summary = "Every job, newest first, paged (seed getAllJobs)",
    params(
        ("status" = Option<crate::ops::listing::StatusFilter>, Query, description = "Only jobs in this state."),
        ("limit" = Option<u32>, Query, description = "Jobs per page (default 50).", minimum = 1, maximum = 500),
        ("cursor" = Option<String>, Query, description = "The `nextCursor` of the previous page (opaque)."),
    ),
    responses(
        (status = 200, description = "One page of jobs.", body = JobsPage),
        (status = 400, description = "`invalid_request`: bad `status`, `limit` or `cursor`.", body = crate::error::Envelope),
        (status = 401, description = "`unauthorized`: missing or wrong key.", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: a key that is not an admin key, or (without admin keys) a peer that is not loopback.", body = crate::error::Envelope),
    ),
    security((), ("bearerAuth" = []), ("apiKey" = []))
)]
pub async fn get_all_jobs(
    State(state): State<AppState>,
    query: Result<Query<JobsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| invalid_request(e.body_text()))?;
    let request = PageRequest::parse(
        query.status.as_deref(),
        query.limit.as_deref(),
        query.cursor.as_deref(),
    )
    .map_err(invalid_request)?;
    let jobs = state.jobs.list().await.map_err(ApiError::internal)?;
    let page = page(jobs, &request);
    let body = JobsPage {
        success: true,
        jobs: page.jobs.iter().map(|j| JobRow::from(j.as_ref())).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(Json(body).into_response())
}

/// The optional body of a cleanup request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CleanupRequest {
    /// Remove finished jobs older than this many seconds; absent = `cleanup.max_age_secs`.
    max_age_secs: Option<u64>,
}

/// The answer to a cleanup (**seed** `cleanup`).
#[derive(Serialize, ToSchema)]
pub struct CleanupDone {
    pub success: bool,
    /// Jobs removed.
    pub removed: usize,
}

/// `POST /api/v1/analysis/cleanup` with an optional `{"maxAgeSecs": N}`: removes finished jobs
/// older than that (default `cleanup.max_age_secs`) and says how many went.
#[utoipa::path(
    post,
    path = "/api/v1/analysis/cleanup",
    tag = "admin",
    summary = "Remove finished jobs now (seed cleanup)",
    description = "Removes finished jobs older than `maxAgeSecs` (an empty body: \
        `cleanup.max_age_secs`), with their files.",
    request_body(content = Option<CleanupRequest>, content_type = "application/json",
        description = "Empty, or `{\"maxAgeSecs\": N}`."),
    responses(
        (status = 200, description = "How many jobs were removed.", body = CleanupDone),
        (status = 400, description = "`invalid_request`: the body is neither empty nor `{\"maxAgeSecs\": N}`.", body = crate::error::Envelope),
        (status = 401, description = "`unauthorized`: missing or wrong key.", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: a key that is not an admin key, or (without admin keys) a peer that is not loopback.", body = crate::error::Envelope),
    ),
    security((), ("bearerAuth" = []), ("apiKey" = []))
)]
pub async fn cleanup(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| invalid_request(e.body_text()))?;
    let max_age = max_age(&body)?.unwrap_or(state.config.cleanup.max_age);
    let removed = state
        .jobs
        .sweep_once(Timestamp::now(), max_age)
        .await
        .map_err(ApiError::internal)?;
    tracing::info!(removed, max_age_secs = max_age.as_secs(), "manual cleanup");
    Ok(Json(CleanupDone {
        success: true,
        removed,
    })
    .into_response())
}

/// An empty (or blank) body means the configured age, whatever the content type says.
fn max_age(body: &[u8]) -> Result<Option<Duration>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let request: CleanupRequest = serde_json::from_slice(body).map_err(|e| {
        invalid_request(format!(
            "The body must be empty or {{\"maxAgeSecs\": <seconds>}}: {e}"
        ))
    })?;
    Ok(request.max_age_secs.map(Duration::from_secs))
}

fn invalid_request(details: impl Into<String>) -> ApiError {
    ApiError::with_details(ErrorCode::InvalidRequest, "Invalid request", details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cleanup_body_is_empty_or_a_max_age() {
        assert!(matches!(max_age(b""), Ok(None)));
        assert!(matches!(max_age(b" \n"), Ok(None)));
        assert!(matches!(max_age(b"{}"), Ok(None)));
        assert_eq!(
            max_age(br#"{"maxAgeSecs": 90}"#).ok().flatten(),
            Some(Duration::from_secs(90))
        );
        for bad in [
            &br#"{"maxAgeSecs": -1}"#[..],
            br#"{"maxAgeSecs": "90"}"#,
            br#"{"maxAge": 90}"#,
            b"maxAgeSecs=90",
            b"null",
        ] {
            let err = max_age(bad).err().map(|e| e.body.code);
            assert_eq!(err, Some(ErrorCode::InvalidRequest), "{bad:?}");
        }
    }
}
