//! `GET /api/v1/analysis/job/{jobId}/events`: the job's status as Server-Sent Events
//! (contract §1.6).
//!
//! The handler subscribes to the job's events first, then reads the job: that record is the
//! "current state" sent on connect, and the [`JobFeed`] forwards only newer versions, so the
//! client sees no gap, no duplicate and no reordering. Each event's `id:` is the job's version
//! and its data is the status body of §1.2 (the completed one from the stored bytes). Id errors
//! answer as the status route does, before any byte of the stream.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use jiff::Timestamp;

use super::dto::status_body;
use super::params::{job_id_path, not_held};
use crate::error::ApiError;
use crate::jobs::events::{JobFeed, POSITION_INTERVAL};
use crate::jobs::model::{Job, Status};
use crate::state::AppState;

/// The reconnection delay announced to `EventSource` clients.
const RETRY: Duration = Duration::from_millis(3000);

/// One event of the stream, for the OpenAPI document: `event` names the body that `data`
/// carries as JSON, `id` is the job's version.
pub struct JobEvent;

impl utoipa::PartialSchema for JobEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        use utoipa::openapi::{Ref, RefOr};
        let event = |name: &str, body: &str| {
            ObjectBuilder::new()
                .property(
                    "event",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some([name])),
                )
                .required("event")
                .property(
                    "id",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some("^[0-9]+$"))
                        .description(Some("The job's version.")),
                )
                .required("id")
                .property(
                    "data",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .content_media_type("application/json")
                        .content_schema(Some(Ref::from_schema_name(body))),
                )
                .required("data")
                .property("retry", ObjectBuilder::new().schema_type(Type::Integer))
        };
        RefOr::T(
            OneOfBuilder::new()
                .item(event("progress", "ProcessingBody"))
                .item(event("completed", "CompletedBody"))
                .item(event("failed", "FailedBody"))
                .description(Some(
                    "`progress` events, then one `completed` or `failed`. The stream opens with \
                     `retry: 3000`; keep-alives are comments.",
                ))
                .into(),
        )
    }
}

impl utoipa::ToSchema for JobEvent {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        for (name, schema) in [
            ("ProcessingBody", super::dto::ProcessingBody::schema()),
            ("CompletedBody", super::dto::CompletedBody::schema()),
            ("FailedBody", super::dto::FailedBody::schema()),
        ] {
            schemas.push((name.to_owned(), schema));
        }
    }
}

/// The job's status as an event stream, ending after the terminal event.
#[utoipa::path(
    get,
    path = "/api/v1/analysis/job/{jobId}/events",
    tag = "analysis",
    summary = "Job status as Server-Sent Events",
    description = "`retry: 3000`, then `event: progress` (data = the processing body) for each \
        change, then exactly one `event: completed` or `event: failed` (data = the status body), \
        then the stream ends. Each event's `id:` is the job's version. A comment keep-alive is \
        sent every `sse.keep_alive_secs`. Browsers that cannot set headers pass the key as \
        `?access_token=`.",
    params(
        ("jobId" = String, Path, description = "The job id, `job_<unix ms>_<16 hex digits>`.", pattern = "^job_[0-9]{13}_[0-9a-f]{16}$"),
        ("Last-Event-ID" = Option<String>, Header, description = "The last version the client received; an unparseable value is ignored."),
    ),
    responses(
        (status = 200, description = "The event stream.", content_type = "text/event-stream", body = JobEvent),
        (status = 204, description = "The client already has the terminal event: stop reconnecting."),
        (status = 400, description = "`invalid_job_id`: the id does not match the job-id pattern.", body = crate::error::Envelope),
        (status = 401, description = "`unauthorized`: missing or wrong API key.", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`job_not_found`: the id is well-formed but not held.", body = crate::error::Envelope),
        (status = 410, description = "`job_expired`: not held, and its embedded time is older than `cleanup.max_age_secs`.", body = crate::error::Envelope),
    ),
    security((), ("bearerAuth" = []), ("apiKey" = []), ("accessToken" = []))
)]
pub async fn job_events(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = job_id_path(path)?;
    let subscription = state.jobs.subscribe(&id);
    let job = state.jobs.get(&id).await.map_err(ApiError::internal)?;
    let job = job.ok_or_else(|| not_held(&id, state.config.cleanup.max_age, Timestamp::now()))?;
    // A version the server never issued (another instance, a restart) is ignored like garbage.
    let known = last_event_id(&headers).filter(|&v| v <= job.version);
    if known == Some(job.version) && job.is_terminal() {
        // The client has the terminal event: 204 tells EventSource to stop reconnecting.
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let snapshot = (known != Some(job.version)).then(|| Arc::clone(&job));
    let feed = JobFeed::new(subscription, job, POSITION_INTERVAL);
    let stream = event_stream(state.clone(), snapshot, feed);
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(state.config.sse.keep_alive))
        .into_response();
    // Reverse proxies (nginx) would otherwise buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// `Last-Event-ID` as a version; anything unparseable is ignored.
fn last_event_id(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("last-event-id")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

enum Step {
    Retry,
    Snapshot,
    Live,
    Done,
}

struct StreamState {
    app: AppState,
    step: Step,
    snapshot: Option<Arc<Job>>,
    feed: JobFeed,
}

/// `retry:`, then the snapshot (when the client lacks it), then live events until a terminal
/// one, the job's removal or the server draining.
fn event_stream(
    app: AppState,
    snapshot: Option<Arc<Job>>,
    feed: JobFeed,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let start = StreamState {
        app,
        step: Step::Retry,
        snapshot,
        feed,
    };
    futures::stream::unfold(start, |mut s| async move {
        loop {
            let job = match s.step {
                Step::Done => return None,
                Step::Retry => {
                    s.step = Step::Snapshot;
                    return Some((Ok(Event::default().retry(RETRY)), s));
                }
                Step::Snapshot => {
                    s.step = Step::Live;
                    match s.snapshot.take() {
                        Some(job) => job,
                        None => continue,
                    }
                }
                Step::Live => {
                    let next = tokio::select! {
                        _ = s.app.draining.cancelled() => None,
                        next = s.feed.next() => next,
                    };
                    match next {
                        Some(job) => job,
                        None => return None,
                    }
                }
            };
            if job.is_terminal() {
                s.step = Step::Done;
            }
            match render(&s.app, &job).await {
                Some(event) => return Some((Ok(event), s)),
                None => return None,
            }
        }
    })
}

/// The event for one record: `progress`, `completed` or `failed`, `id:` = version.
async fn render(app: &AppState, job: &Job) -> Option<Event> {
    let (name, body) = match job.status {
        Status::Completed => match app.jobs.completed_body(&job.id).await {
            Ok(bytes) => ("completed", bytes.to_vec()),
            Err(e) => {
                // Removed under us (purge): nothing true can be sent any more.
                tracing::warn!(job.id = %job.id, error = %e, "completed body unavailable");
                return None;
            }
        },
        Status::Failed => ("failed", status_body(job, app.config.cleanup.max_age)),
        Status::Processing => ("progress", status_body(job, app.config.cleanup.max_age)),
    };
    let data = String::from_utf8(body).ok()?;
    Some(
        Event::default()
            .event(name)
            .id(job.version.to_string())
            .data(data),
    )
}
