//! Parsing of path and query parameters shared by the job routes.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::extract::rejection::PathRejection;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use jiff::Timestamp;

use crate::error::{ApiError, ErrorCode};
use crate::jobs::id::JobId;

/// A `{job_id}` path segment → a [`JobId`], or 400 `invalid_job_id`.
pub fn job_id(raw: &str) -> Result<JobId, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::with_details(
            ErrorCode::InvalidJobId,
            "Invalid job id",
            "A job id looks like job_1738268400000_a1b2c3d4e5f6a7b8.",
        )
    })
}

/// The path extractor's rejection (bad percent-encoding) is an invalid id too.
pub fn job_id_path(
    path: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<JobId, ApiError> {
    match path {
        Ok(axum::extract::Path(raw)) => job_id(&raw),
        Err(_) => job_id(""),
    }
}

/// The answer for an id the server does not hold: 410 when its embedded time is older than the
/// retention, 404 otherwise.
pub fn not_held(id: &JobId, max_age: Duration, now: Timestamp) -> ApiError {
    let age = now.as_millisecond() - id.created_at().as_millisecond();
    if age > i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX) {
        ApiError::with_details(
            ErrorCode::JobExpired,
            "Job expired",
            format!(
                "Results are kept for {} after a job finishes.",
                retention_text(max_age)
            ),
        )
    } else {
        ApiError::with_details(
            ErrorCode::JobNotFound,
            "Job not found",
            format!("No job {id} is held."),
        )
    }
}

/// `24 hours`, `90 minutes`, `45 seconds` — never `0 hours`.
pub fn retention_text(max_age: Duration) -> String {
    let secs = max_age.as_secs();
    let (n, unit) = if secs >= 3600 && secs.is_multiple_of(3600) {
        (secs / 3600, "hour")
    } else if secs >= 60 {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// Whether `If-None-Match` (a list, or `*`) matches `etag` (weak comparison, RFC 9110 §13.1.2).
pub fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    any_matches(headers.get_all(header::IF_NONE_MATCH).iter(), etag)
}

fn any_matches<'a>(lines: impl Iterator<Item = &'a HeaderValue>, etag: &str) -> bool {
    let mut lines = lines.peekable();
    // A poller sends back exactly the tag it was given: settle that without parsing the list.
    if lines
        .peek()
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return true;
    }
    let bare = |t: &'a str| t.trim().trim_start_matches("W/");
    let ours = etag.trim().trim_start_matches("W/");
    lines.filter_map(|v| v.to_str().ok()).any(|list| {
        list.split(',')
            .any(|tag| tag.trim() == "*" || bare(tag) == ours)
    })
}

/// The `If-None-Match` lines of a request, extracted without copying its other headers (a
/// polled route answers most requests with `304`, so this is its hot path).
pub struct IfNoneMatch(Vec<HeaderValue>);

impl IfNoneMatch {
    /// Whether the client already holds `etag`.
    pub fn matches(&self, etag: &str) -> bool {
        any_matches(self.0.iter(), etag)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let lines = parts.headers.get_all(header::IF_NONE_MATCH);
        Ok(Self(lines.iter().cloned().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn retention_is_rendered_in_whole_units_never_zero_hours() {
        assert_eq!(retention_text(Duration::from_secs(86_400)), "24 hours");
        assert_eq!(retention_text(Duration::from_secs(3_600)), "1 hour");
        assert_eq!(retention_text(Duration::from_secs(5_400)), "90 minutes");
        assert_eq!(retention_text(Duration::from_secs(60)), "1 minute");
        assert_eq!(retention_text(Duration::from_secs(30)), "30 seconds");
    }

    #[test]
    fn if_none_match_accepts_lists_star_and_weak_tags() {
        let mut h = HeaderMap::new();
        assert!(!if_none_match(&h, "\"abc\""));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(if_none_match(&h, "\"abc\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(if_none_match(&h, "\"abc\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abd\""));
        assert!(!if_none_match(&h, "\"abc\""));
    }

    #[test]
    fn an_old_unknown_id_is_expired_and_a_fresh_one_not_found() {
        let now = Timestamp::now();
        let fresh = JobId::generate(now).unwrap_or_else(|_| unreachable!());
        let old: JobId = "job_1000000000000_a1b2c3d4e5f6a7b8"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let day = Duration::from_secs(86_400);
        assert_eq!(not_held(&fresh, day, now).body.code, ErrorCode::JobNotFound);
        let expired = not_held(&old, day, now).body;
        assert_eq!(expired.code, ErrorCode::JobExpired);
        assert_eq!(expired.message, "Job expired");
    }
}
