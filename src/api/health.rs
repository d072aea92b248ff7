//! `GET /healthz`, `GET /readyz` and `GET /metrics` (contract §1.8).
//!
//! `/readyz` answers 503 with the error envelope (`success: false`, `error.code: not_ready`,
//! `requestId`) and, beside it, the `status` and `checks` of the readiness body, so that a
//! client reading either shape understands it.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::jobs::model::{Phase, Status};
use crate::ops::readiness::{self, Checks};
use crate::state::AppState;

/// The Prometheus text exposition format.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Liveness: the process answers.
pub async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})).into_response()
}

#[derive(Serialize)]
struct Ready<'a> {
    status: &'static str,
    checks: &'a Checks,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotReady<'a> {
    success: bool,
    error: ErrorBody,
    request_id: String,
    status: &'static str,
    checks: &'a Checks,
}

/// Readiness: 200 `ready`, or 503 `not_ready` saying which check failed, or `draining`.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let checks = readiness::check(&state.jobs, &state.config.runner.command).await;
    let draining = state.draining.is_cancelled();
    if checks.all_ok() && !draining {
        return Json(Ready {
            status: "ready",
            checks: &checks,
        })
        .into_response();
    }
    let mut details = Vec::new();
    if draining {
        details.push("The server is shutting down.".to_owned());
    }
    if !checks.all_ok() {
        details.push(format!("Failing checks: {}.", checks.failures()));
    }
    let body = NotReady {
        success: false,
        error: ErrorBody {
            message: "Not ready".into(),
            details: Some(details.join(" ")),
            code: ErrorCode::NotReady,
        },
        request_id: crate::request_id::current(),
        status: if draining { "draining" } else { "unavailable" },
        checks: &checks,
    };
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

/// Every metric in the Prometheus text format; the job gauges are read from the store now.
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let jobs = state.jobs.list().await.map_err(ApiError::internal)?;
    let count = |phase| {
        jobs.iter()
            .filter(|j| j.status == Status::Processing && j.phase == phase)
            .count()
    };
    crate::ops::metrics::set_job_gauges(count(Phase::Queued), count(Phase::Running));
    let mut response = crate::ops::metrics::render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROMETHEUS_TEXT),
    );
    Ok(response)
}
