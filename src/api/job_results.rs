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
