//! The HTTP API: one router, one handler module per operation.
//!
//! Handlers parse into typed values, call the job service and map the answer to a DTO; every
//! error leaves as an [`ApiError`] envelope, including the router's own 404/405 fallbacks and
//! extractor rejections (handlers take `Result<Extractor, Rejection>` and map it).

pub mod analyze;
pub mod download;
pub mod dto;
pub mod job_cancel;
pub mod job_events;
pub mod job_results;
pub mod job_status;
mod params;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::state::AppState;

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    let max_body = usize::try_from(state.config.max_body_bytes()).unwrap_or(usize::MAX);
    let analysis = Router::new()
        .route(
            "/analyze-file",
            post(analyze::analyze_file).layer(DefaultBodyLimit::max(max_body)),
        )
        .route(
            "/job/{job_id}",
            get(job_status::job_status).delete(job_cancel::cancel_job),
        )
        .route("/job/{job_id}/events", get(job_events::job_events))
        .route(
            "/job/{job_id}/results/{table}",
            get(job_results::job_results),
        )
        .route("/download/{filename}", get(download::download));
    Router::new()
        .nest("/api/v1/analysis", analysis)
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(axum::middleware::from_fn(crate::request_id::layer))
        .with_state(state)
}
