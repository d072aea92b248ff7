//! The HTTP API: one router, one handler module per operation.
//!
//! Handlers parse into typed values, call the job service and map the answer to a DTO; every
//! error leaves as an [`ApiError`] envelope, including the router's own 404/405 fallbacks and
//! extractor rejections (handlers take `Result<Extractor, Rejection>` and map it).

pub mod admin;
pub mod analyze;
pub mod download;
pub mod dto;
pub mod edge;
pub mod health;
pub mod job_cancel;
pub mod job_events;
pub mod job_results;
pub mod job_status;
pub mod openapi;
pub(crate) mod params;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::state::AppState;

/// Every route of the service (without socket.io), behind the [`edge`] layer (request id, auth,
/// metrics) and, when `server.cors_origins` names any, CORS. Routes are registered with their
/// full paths rather than nested: a nested router rewrites the URI of every request it serves.
pub fn router(state: AppState) -> Router {
    router_with(state, None)
}

/// Every route of the service, with socket.io on `/socket.io/` when `socketio` is given. The
/// socket.io service is a route of its own, added after the edge layer and inside CORS: only
/// its own requests reach it (the API routes do not pay for its path check and body wrapper),
/// browsers polling from another origin get CORS, and the edge does not apply (a connection
/// authenticates with its auth payload, and its polling requests are not API routes to count).
pub fn router_with(
    state: AppState,
    socketio: Option<socketioxide::layer::SocketIoLayer>,
) -> Router {
    let max_body = usize::try_from(state.config.max_body_bytes()).unwrap_or(usize::MAX);
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route(
            "/api/v1/analysis/analyze-file",
            post(analyze::analyze_file).layer(DefaultBodyLimit::max(max_body)),
        )
        .route(
            "/api/v1/analysis/job/{job_id}",
            get(job_status::job_status).delete(job_cancel::cancel_job),
        )
        .route(
            "/api/v1/analysis/job/{job_id}/events",
            get(job_events::job_events),
        )
        .route(
            "/api/v1/analysis/job/{job_id}/results/{table}",
            get(job_results::job_results),
        )
        .route(
            "/api/v1/analysis/download/{filename}",
            get(download::download),
        )
        .route("/api/v1/analysis/stats", get(admin::get_stats))
        .route("/api/v1/analysis/jobs", get(admin::get_all_jobs))
        .route("/api/v1/analysis/cleanup", post(admin::cleanup))
        .merge(openapi::routes())
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(edge::EdgeLayer::new(state.clone()));
    let router = match socketio {
        Some(socketio) => {
            let unknown = tower::service_fn(|_: axum::extract::Request| async {
                Ok::<_, std::convert::Infallible>(ApiError::route_not_found().into_response())
            });
            let service = tower::Layer::layer(&socketio, unknown);
            router
                .route_service("/socket.io", service.clone())
                .route_service("/socket.io/", service)
        }
        None => router,
    };
    // Outside the edge, so that a refusal still carries the CORS headers a browser needs to
    // read it, and preflights are answered before authentication.
    let router = match cors(&state.config.server.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router.with_state(state)
}

/// CORS from `server.cors_origins`: none = same-origin only (no CORS layer, no CORS headers),
/// `*` = any origin. Browsers need the polling and job headers exposed, and may send the auth
/// and conditional headers.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{HeaderName, Method, header};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| o.parse().ok()))
    };
    let layer = CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            crate::auth::X_API_KEY,
            header::IF_NONE_MATCH,
            HeaderName::from_static("last-event-id"),
            header::CONTENT_TYPE,
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::LOCATION,
            crate::request_id::HEADER,
        ]);
    Some(layer)
}
