//! The OpenAPI 3.1 document (`GET /api/v1/openapi.json`) and the Swagger UI (`GET /docs`),
//! contract §1.8.
//!
//! The document is derived from the `#[utoipa::path]` annotation on each handler and the
//! `ToSchema` derives on the wire types, so a renamed or added field shows up here by
//! construction. `tests/api/openapi.rs` checks that every route the router serves is documented
//! (and agrees with `docs/api.md`); `tests/schemathesis/run.sh` checks that real answers —
//! statuses, headers, content types, bodies — match what the annotations say.
//! The UI is embedded in the binary (`utoipa-swagger-ui` with `vendored`): nothing is fetched at
//! build time or when a browser opens `/docs`.

use std::sync::OnceLock;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::state::AppState;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
/// Where the Swagger UI is served.
pub const DOCS_PATH: &str = "/docs";

/// Every documented operation and the schemas they use.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "rankmap",
        description = "Turns SEO exports into a keyword map, an on-page audit and an Excel \
            report, behind an asynchronous job API. Every error answers with the \
            `ErrorEnvelope` body; `405 method_not_allowed` (a known path with another method) \
            and `404 route_not_found` (no such path) can answer any request and are listed \
            under `components.responses`.",
    ),
    paths(
        super::analyze::analyze_file,
        super::job_status::job_status,
        super::job_cancel::cancel_job,
        super::job_events::job_events,
        super::job_results::job_results,
        super::download::download,
        super::admin::get_stats,
        super::admin::get_all_jobs,
        super::admin::cleanup,
        super::health::healthz,
        super::health::readyz,
        super::health::metrics,
        openapi_json,
        docs,
    ),
    components(schemas(
        crate::error::ErrorCode,
        crate::error::ErrorBody,
        crate::ops::listing::StatusFilter
    )),
    modifiers(&Conventions),
    tags(
        (name = "analysis", description = "Upload an export, follow the job, read and download its results."),
        (name = "admin", description = "Admin routes: need an admin key, or a loopback peer when no admin keys are set."),
        (name = "operations", description = "Health, readiness and metrics, at the root."),
        (name = "documentation", description = "This document and its Swagger UI."),
    ),
)]
pub struct ApiDoc;

/// The security schemes of contract §1.9, the responses any route can give, and unique
/// operation ids.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer <key>`, a key from `auth.api_keys` (or \
                         `auth.admin_keys` for admin routes). Needed only when `auth.api_keys` \
                         is set.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "The same keys as `bearerAuth`; both headers present and different → 401.",
            ))),
        );
        components.add_security_scheme(
            "accessToken",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "access_token",
                "The key as a query parameter, for `EventSource` (Server-Sent Events only); \
                 redacted in logs.",
            ))),
        );
        // `method(get, head)` gives both operations the handler's name; ids must be unique.
        for item in openapi.paths.paths.values_mut() {
            if let Some(head) = item.head.as_mut() {
                head.operation_id = head.operation_id.take().map(|id| format!("{id}_head"));
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        let envelope = || {
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ErrorEnvelope",
                ))))
                .build()
        };
        for (name, description) in [
            (
                "MethodNotAllowed",
                "`method_not_allowed`: the path exists, the method does not.",
            ),
            ("RouteNotFound", "`route_not_found`: no such route."),
            (
                "Internal",
                "`internal`: anything unexpected; the body carries `requestId`.",
            ),
        ] {
            components.responses.insert(
                name.to_owned(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content("application/json", envelope())
                        .build(),
                ),
            );
        }
    }
}

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// The OpenAPI 3.1 document of every route.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "documentation",
    summary = "This OpenAPI 3.1 document",
    responses((status = 200, description = "The document.", body = Object)),
)]
pub async fn openapi_json() -> Response {
    axum::Json(document()).into_response()
}

/// The Swagger UI's entry point (served by `utoipa-swagger-ui`, documented here).
#[utoipa::path(
    get,
    path = "/docs",
    tag = "documentation",
    summary = "Swagger UI",
    description = "Redirects to `/docs/`, the Swagger UI page, served from the binary; it reads \
        `/api/v1/openapi.json`.",
    responses(
        (status = 303, description = "To `/docs/`.", headers(("Location" = String, description = "`/docs/`"))),
        (status = 200, description = "The Swagger UI page (after the redirect).", content_type = "text/html", body = String),
    ),
)]
pub async fn docs() {}

/// `GET /api/v1/openapi.json` and the Swagger UI under `/docs`.
pub fn routes() -> Router<AppState> {
    let ui = SwaggerUi::new(DOCS_PATH).config(utoipa_swagger_ui::Config::from(OPENAPI_PATH));
    // The UI answers an unknown asset with a bare 404; make it the envelope like every error.
    let ui = Router::<AppState>::from(ui).layer(axum::middleware::map_response(
        |response: Response| async move {
            if response.status() == StatusCode::NOT_FOUND
                && !response.headers().contains_key(header::CONTENT_TYPE)
            {
                ApiError::route_not_found().into_response()
            } else {
                response
            }
        },
    ));
    Router::new()
        .route(OPENAPI_PATH, get(openapi_json))
        .merge(ui)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dto::JOB_ID_PATTERN;
    use crate::ops::listing::StatusFilter;
    use crate::results::Table;

    fn doc() -> serde_json::Value {
        serde_json::to_value(document()).unwrap()
    }

    fn enum_values(doc: &serde_json::Value, name: &str) -> Vec<String> {
        doc["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn enums_documented_by_name_are_the_names_the_server_parses() {
        let doc = doc();
        assert_eq!(
            enum_values(&doc, "Table"),
            Table::ALL.map(|t| t.name().to_owned())
        );
        let filters = enum_values(&doc, "StatusFilter");
        assert_eq!(filters.len(), 5);
        for value in filters {
            assert!(value.parse::<StatusFilter>().is_ok(), "{value}");
        }
        let codes = enum_values(&doc, "ErrorCode");
        assert!(codes.contains(&"route_not_found".to_owned()));
        assert!(codes.contains(&"analysis_timeout".to_owned()));
    }

    /// Every `jobId` (parameter or property) carries the one job-id pattern, and a real id
    /// matches it.
    #[test]
    fn every_job_id_has_the_job_id_pattern() {
        fn walk(value: &serde_json::Value, found: &mut Vec<String>) {
            match value {
                serde_json::Value::Object(map) => {
                    if let Some(schema) = map.get("jobId") {
                        found.push(schema["pattern"].as_str().unwrap_or("").to_owned());
                    }
                    if map.get("name").and_then(|n| n.as_str()) == Some("jobId") {
                        found.push(map["schema"]["pattern"].as_str().unwrap_or("").to_owned());
                    }
                    map.values().for_each(|v| walk(v, found));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        walk(&doc(), &mut found);
        assert!(found.len() >= 10, "{found:?}");
        assert!(found.iter().all(|p| p == JOB_ID_PATTERN), "{found:?}");
        let id = crate::jobs::id::JobId::generate(jiff::Timestamp::now()).unwrap();
        let digits = |s: &str, hex: bool| {
            s.chars()
                .all(|c| c.is_ascii_digit() || (hex && matches!(c, 'a'..='f')))
        };
        let parts: Vec<&str> = id.as_str().split('_').collect();
        assert_eq!(parts[0], "job");
        assert!(parts[1].len() == 13 && digits(parts[1], false));
        assert!(parts[2].len() == 16 && digits(parts[2], true));
    }
}
