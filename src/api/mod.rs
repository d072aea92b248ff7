//! The HTTP API: one router, one handler module per operation.
//!
//! Handlers parse into typed values, call the job service and map the answer to a DTO; every
//! error leaves as an [`ApiError`] envelope, including the router's own 404/405 fallbacks and
//! extractor rejections (handlers take `Result<Extractor, Rejection>` and map it).

pub mod admin;
pub mod analyze;
pub mod download;
pub mod dto;
pub mod health;
pub mod job_cancel;
pub mod job_events;
pub mod job_results;
pub mod job_status;
pub mod openapi;
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
        .route("/download/{filename}", get(download::download))
        .route("/stats", get(admin::get_stats))
        .route("/jobs", get(admin::get_all_jobs))
        .route("/cleanup", post(admin::cleanup));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .nest("/api/v1/analysis", analysis)
        .merge(openapi::routes())
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::require,
        ))
        // `Router::layer` wraps each route after routing, so this sees the matched template;
        // outside auth, so refused requests are counted too.
        .layer(axum::middleware::from_fn(crate::ops::metrics::track_http))
        .layer(cors(&state.config.server.cors_origins))
        .layer(axum::middleware::from_fn(crate::request_id::layer))
        .with_state(state)
}

/// CORS from `server.cors_origins`: none = same-origin only (no CORS headers at all), `*` = any
/// origin. Browsers need the polling and job headers exposed, and may send the auth and
/// conditional headers.
fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderName, Method, header};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| o.parse().ok()))
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            HeaderName::from_static("x-api-key"),
            header::IF_NONE_MATCH,
            HeaderName::from_static("last-event-id"),
            header::CONTENT_TYPE,
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::LOCATION,
            HeaderName::from_static(crate::request_id::HEADER),
        ])
}
