//! `GET /api/v1/analysis/job/{jobId}/results/{table}`: every row, paged (contract §1.4).

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use jiff::Timestamp;

use super::dto::ResultsPage;
use super::params::{job_id, not_held};
use crate::error::{ApiError, ErrorCode};
use crate::jobs::model::Status;
use crate::results::Table;
use crate::state::AppState;

const DEFAULT_LIMIT: u64 = 1000;
const MAX_LIMIT: u64 = 5000;

/// One page of a completed job's table.
#[utoipa::path(
    get,
    path = "/api/v1/analysis/job/{jobId}/results/{table}",
    tag = "analysis",
    summary = "All result rows, paged",
    description = "The rows of one table of a completed job, in the order and shape of the \
        inline arrays. `offset == total` answers an empty page.",
    params(
        ("jobId" = String, Path, description = "The job id, `job_<unix ms>_<16 hex digits>`.", pattern = "^job_[0-9]{13}_[0-9a-f]{16}$"),
        ("table" = crate::results::Table, Path, description = "`onpageResults` or `keywordMapping`."),
        ("offset" = Option<u64>, Query, description = "First row, 0-based (default 0; at most `total`)."),
        ("limit" = Option<u64>, Query, description = "Rows per page (default 1000).", minimum = 1, maximum = 5000),
    ),
    responses(
        (status = 200, description = "One page.", body = super::dto::ResultsPage),
        (status = 400, description = "`invalid_job_id`, `invalid_table` or `invalid_pagination`.", body = crate::error::Envelope),
        (status = 401, description = "`unauthorized`: missing or wrong API key.", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`job_not_found`: the id is well-formed but not held.", body = crate::error::Envelope),
        (status = 409, description = "`job_not_completed`: the job is processing or failed.", body = crate::error::Envelope),
        (status = 410, description = "`job_expired`: not held, and its embedded time is older than `cleanup.max_age_secs`.", body = crate::error::Envelope),
    ),
    security((), ("bearerAuth" = []), ("apiKey" = []))
)]
pub async fn job_results(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Json<ResultsPage>, ApiError> {
    let (raw_id, raw_table) = path.map(|Path(p)| p).unwrap_or_default();
    let id = job_id(&raw_id)?;
    let job = state.jobs.get(&id).await.map_err(ApiError::internal)?;
    let job = job.ok_or_else(|| not_held(&id, state.config.cleanup.max_age, Timestamp::now()))?;
    let table = Table::from_name(&raw_table).ok_or_else(|| {
        ApiError::with_details(
            ErrorCode::InvalidTable,
            "Unknown table",
            "The table is onpageResults or keywordMapping.",
        )
    })?;
    let (offset, limit) = pagination(query.as_deref())?;
    let done = job
        .completion
        .as_ref()
        .filter(|_| job.status == Status::Completed)
        .ok_or_else(|| {
            ApiError::with_details(
                ErrorCode::JobNotCompleted,
                "Job not completed",
                "Results can be paged once the job has completed.",
            )
        })?;
    let total = match table {
        Table::OnpageResults => done.onpage_rows,
        Table::KeywordMapping => done.keyword_rows,
    };
    if offset > total {
        return Err(bad_pagination(format!("offset must be at most {total}")));
    }
    let results = state.jobs.results.clone();
    let rows = tokio::task::spawn_blocking(move || results.read_rows(&id, table, offset, limit))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(Json(ResultsPage {
        success: true,
        job_id: job.id.to_string(),
        table: table.name(),
        offset,
        limit,
        total,
        rows,
    }))
}

fn bad_pagination(details: String) -> ApiError {
    ApiError::with_details(ErrorCode::InvalidPagination, "Invalid pagination", details)
}

/// `offset` (default 0) and `limit` (default 1000, 1–5000) as non-negative integers.
fn pagination(query: Option<&str>) -> Result<(u64, u64), ApiError> {
    let (mut offset, mut limit) = (0, DEFAULT_LIMIT);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let parse = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| bad_pagination(format!("{key} must be a non-negative integer")))
        };
        match key {
            "offset" => offset = parse(value)?,
            "limit" => limit = parse(value)?,
            _ => {}
        }
    }
    if limit == 0 || limit > MAX_LIMIT {
        return Err(bad_pagination(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok((offset, limit))
}
