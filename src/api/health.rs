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
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::jobs::model::{Phase, Status};
use crate::ops::readiness::{self, Checks};
use crate::state::AppState;

/// The Prometheus text exposition format.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Liveness: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    summary = "Liveness and version",
    responses((status = 200, description = "The process answers.", body = Health)),
)]
pub async fn healthz() -> Response {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
    .into_response()
}

/// The liveness answer.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    status: &'static str,
    /// The server's version, `x.y.z`.
    version: &'static str,
}

/// The readiness answer when every check passes.
#[derive(Serialize, ToSchema)]
pub struct Ready<'a> {
    /// Always `ready`.
    status: &'static str,
    checks: &'a Checks,
}

/// The 503 readiness answer: the error envelope with the readiness `status` and `checks` beside.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotReady<'a> {
    /// Always `false`.
    success: bool,
    /// `code` is `not_ready`.
    error: ErrorBody,
    request_id: String,
    /// `unavailable` (a check failed) or `draining` (shutting down).
    status: &'static str,
    checks: &'a Checks,
}

/// Readiness: 200 `ready`, or 503 `not_ready` saying which check failed, or `draining`.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    summary = "Readiness: can this instance take and run a job",
    responses(
        (status = 200, description = "Every check passed.", body = Ready),
        (status = 503, description = "`not_ready`: a check failed (`unavailable`) or the server is shutting down (`draining`).", body = NotReady),
    ),
)]
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
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    summary = "Prometheus metrics",
    description = "Open when `auth.metrics_public` (the default); otherwise it needs an admin key.",
    responses(
        (status = 200, description = "The Prometheus text exposition format.", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        (status = 401, description = "`unauthorized`: missing or wrong key.", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: a key that is not an admin key, or (without admin keys) a peer that is not loopback.", body = crate::error::Envelope),
    ),
    security((), ("bearerAuth" = []), ("apiKey" = []))
)]
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
