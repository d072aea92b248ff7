//! What a socket.io client receives for one job record: the event name and the status body of
//! contract §1.2 with the job's `version` added.
//!
//! The completed body is the stored one: it is never re-serialised, only extended by one field
//! at its end, and rendered once per record however many sockets follow the job.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::api::dto::status_body;
use crate::error::ErrorBody;
use crate::jobs::model::{Job, Status};
use crate::state::AppState;

/// The event carrying a processing body.
pub const PROGRESS: &str = "job-progress";
/// The event carrying the completed body.
pub const COMPLETED: &str = "job-completed";
/// The event carrying a failed body.
pub const FAILED: &str = "job-failed";
/// The event carrying an error envelope (malformed, unknown or expired id, too many subscriptions).
pub const ERROR: &str = "job-error";

/// One rendered record, ready to be emitted to any number of sockets.
#[derive(Debug)]
pub struct Payload {
    pub event: &'static str,
    pub body: Box<RawValue>,
}

/// Renders `job` as its event; `None` when its completed body can no longer be read (the job
/// was removed under us).
pub async fn render(app: &AppState, job: &Job) -> Option<Payload> {
    let max_age = app.config.cleanup.max_age;
    let (event, body) = match job.status {
        Status::Completed => match app.jobs.completed_body(&job.id).await {
            Ok(bytes) => (COMPLETED, bytes.to_vec()),
            Err(e) => {
                tracing::warn!(job.id = %job.id, error = %e, "completed body unavailable");
                return None;
            }
        },
        Status::Failed => (FAILED, status_body(job, max_age)),
        Status::Processing => (PROGRESS, status_body(job, max_age)),
    };
    let body = with_version(body, job.version)?;
    match RawValue::from_string(body) {
        Ok(body) => Some(Payload { event, body }),
        Err(e) => {
            tracing::error!(job.id = %job.id, error = %e, "status body is not JSON");
            None
        }
    }
}

/// Appends `"version": N` to a JSON object's bytes; `None` if they do not end an object.
pub fn with_version(mut body: Vec<u8>, version: u64) -> Option<String> {
    while body.last().is_some_and(u8::is_ascii_whitespace) {
        body.pop();
    }
    if body.pop() != Some(b'}') {
        return None;
    }
    let empty = body.iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !empty {
        body.push(b',');
    }
    body.extend_from_slice(format!("\"version\":{version}}}").as_bytes());
    String::from_utf8(body).ok()
}

/// The `job-error` payload and the error ack: the error envelope of every HTTP error, with the
/// id the client sent (`null` when it sent no string).
#[derive(Debug, Serialize)]
pub struct ErrorEnvelope {
    pub success: bool,
    pub error: ErrorBody,
    #[serde(rename = "jobId")]
    pub job_id: Option<String>,
}

impl ErrorEnvelope {
    pub fn new(error: ErrorBody, job_id: Option<String>) -> Self {
        Self {
            success: false,
            error,
            job_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_appended_as_the_last_field_of_the_object() {
        assert_eq!(
            with_version(br#"{"a":1}"#.to_vec(), 7).as_deref(),
            Some(r#"{"a":1,"version":7}"#)
        );
        assert_eq!(
            with_version(b"{ }\n".to_vec(), 0).as_deref(),
            Some(r#"{ "version":0}"#)
        );
        assert_eq!(with_version(b"[1]".to_vec(), 1), None);
        assert_eq!(with_version(Vec::new(), 1), None);
    }
}
