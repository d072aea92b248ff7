//! `GET|HEAD /api/v1/analysis/download/{filename}`: the Excel report (contract §1.3).
//!
//! The name is parsed as `rankmap_<jobId>.xlsx` and compared with the held job's `excelFile`;
//! the file opened is built from the parsed id, so no client string ever reaches a path. Every
//! other name — traversal, encoded traversal, absolute paths, another job's upload — is 404
//! `result_not_found`. Single byte ranges are served; the body is never compressed.

use std::io::SeekFrom;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::params::if_none_match;
use crate::error::{ApiError, ErrorCode};
use crate::jobs::id::JobId;
use crate::jobs::model::Status;
use crate::results::etag_of;
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Serves a completed job's workbook.
#[utoipa::path(
    method(get, head),
    path = "/api/v1/analysis/download/{filename}",
    tag = "analysis",
    summary = "The Excel report",
    description = "The workbook of a completed job, never compressed. Single byte ranges answer \
        206; conditional requests answer 304. With auth on, a signed link (`token` and \
        `expires`, as in `downloadUrl`) replaces the key.",
    params(
        ("filename" = String, Path, description = "`rankmap_<jobId>.xlsx`, the job's `excelFile`.", pattern = "^rankmap_job_[0-9]{13}_[0-9a-f]{16}\\.xlsx$"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`; lists and other units are ignored."),
        ("If-None-Match" = Option<String>, Header, description = "ETags (a list, or `*`) the client holds."),
        ("token" = Option<String>, Query, description = "Signature of a signed download link."),
        ("expires" = Option<i64>, Query, description = "Expiry of a signed download link, Unix seconds."),
    ),
    responses(
        (status = 200, description = "The workbook.",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = String,
            headers(
                ("Content-Disposition" = String, description = "`attachment; filename=\"rankmap_<jobId>.xlsx\"; filename*=UTF-8''<original-stem>-rankmap.xlsx`"),
                ("Content-Length" = u64),
                ("ETag" = String),
                ("Last-Modified" = String),
                ("Cache-Control" = String, description = "`private, no-cache`"),
                ("Accept-Ranges" = String, description = "`bytes`"),
            )),
        (status = 206, description = "One byte range of the workbook.",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = String,
            headers(
                ("Content-Range" = String, description = "`bytes <first>-<last>/<length>`"),
                ("Content-Length" = u64),
                ("ETag" = String),
                ("Accept-Ranges" = String, description = "`bytes`"),
            )),
        (status = 304, description = "`If-None-Match` matched: no body.", headers(("ETag" = String))),
        (status = 401, description = "`unauthorized`: missing or wrong API key.", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`result_not_found`: not the report name of a held completed job.", body = crate::error::Envelope),
        (status = 416, description = "The range cannot be satisfied: no body.",
            headers(("Content-Range" = String, description = "`bytes */<length>`"))),
    ),
    security((), ("bearerAuth" = []), ("apiKey" = []))
)]
pub async fn download(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let name = path.map(|Path(n)| n).unwrap_or_default();
    let id = parse_report_name(&name).ok_or_else(not_found)?;
    let job = state
        .jobs
        .get(&id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(not_found)?;
    let done = job
        .completion
        .as_ref()
        .filter(|_| job.status == Status::Completed);
    if done.is_none_or(|d| d.excel_file != name) {
        return Err(not_found());
    }
    let path = state.jobs.results.report_path(&id);
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| not_found())?;
    let meta = file.metadata().await.map_err(ApiError::internal)?;
    let len = meta.len();
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok());
    let etag = etag_of(format!("{id}:{len}:{modified:?}").as_bytes());

    let mut response = Response::new(Body::empty());
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&name, &job.original_filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(t) = modified {
        let http_date = t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string();
        if let Ok(v) = HeaderValue::from_str(&http_date) {
            h.insert(header::LAST_MODIFIED, v);
        }
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if if_none_match(&headers, &etag) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return Ok(response);
    }
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let (start, end) = match range.map(|r| parse_range(r, len)) {
        None | Some(RangeAnswer::Ignore) => (0, len),
        Some(RangeAnswer::Unsatisfiable) => {
            *response.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            let h = response.headers_mut();
            h.remove(header::CONTENT_TYPE);
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                h.insert(header::CONTENT_RANGE, v);
            }
            return Ok(response);
        }
        Some(RangeAnswer::Bytes(start, end)) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let value = format!("bytes {start}-{}/{len}", end - 1);
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            (start, end)
        }
    };
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    file.seek(SeekFrom::Start(start))
        .await
        .map_err(ApiError::internal)?;
    *response.body_mut() = Body::from_stream(ReaderStream::new(file.take(end - start)));
    Ok(response)
}

fn not_found() -> ApiError {
    ApiError::with_details(
        ErrorCode::ResultNotFound,
        "Report not found",
        "Download names look like rankmap_<jobId>.xlsx and belong to a completed job.",
    )
}

/// `rankmap_<jobId>.xlsx` → the id; anything else → `None`.
fn parse_report_name(name: &str) -> Option<JobId> {
    name.strip_prefix("rankmap_")?
        .strip_suffix(".xlsx")?
        .parse()
        .ok()
}

/// `attachment; filename="rankmap_<id>.xlsx"; filename*=UTF-8''<original stem>-rankmap.xlsx`.
fn content_disposition(name: &str, original: &str) -> String {
    let stem = std::path::Path::new(original)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("report");
    let friendly = format!("{stem}-rankmap.xlsx");
    let mut encoded = String::with_capacity(friendly.len() * 3);
    for b in friendly.bytes() {
        // RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{name}\"; filename*=UTF-8''{encoded}")
}

#[derive(Debug, PartialEq, Eq)]
enum RangeAnswer {
    /// Not a single byte range we serve: answer with the whole file.
    Ignore,
    Unsatisfiable,
    /// `[start, end)`.
    Bytes(u64, u64),
}

/// A single `bytes=` range (`a-b`, `a-`, `-n`); lists and other units are ignored.
fn parse_range(value: &str, len: u64) -> RangeAnswer {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeAnswer::Ignore;
    };
    if spec.contains(',') {
        return RangeAnswer::Ignore;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeAnswer::Ignore;
    };
    let (a, b) = (a.trim(), b.trim());
    let parsed = match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (Some(start), Some(last)) if a.len() + b.len() > 0 && start <= last => {
            Some((start, last.saturating_add(1).min(len)))
        }
        (Some(_), Some(_)) => return RangeAnswer::Ignore,
        (Some(start), None) if b.is_empty() => Some((start, len)),
        (None, Some(n)) if a.is_empty() => {
            if n == 0 {
                return RangeAnswer::Unsatisfiable;
            }
            Some((len.saturating_sub(n), len))
        }
        _ => return RangeAnswer::Ignore,
    };
    match parsed {
        Some((start, end)) if start < len && start < end => RangeAnswer::Bytes(start, end),
        _ => RangeAnswer::Unsatisfiable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_report_names_parse() {
        assert!(parse_report_name("rankmap_job_1738268400000_a1b2c3d4e5f6a7b8.xlsx").is_some());
        for bad in [
            "rankmap_job_1738268400000_a1b2c3d4e5f6a7b8.xlsx/",
            "../rankmap_job_1738268400000_a1b2c3d4e5f6a7b8.xlsx",
            "rankmap_job_1738268400000_a1b2c3d4e5f6a7b8.XLSX",
            "upload.csv",
            "/etc/passwd",
            "..",
        ] {
            assert!(parse_report_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn single_ranges_are_served_and_impossible_ones_refused() {
        assert_eq!(parse_range("bytes=0-9", 100), RangeAnswer::Bytes(0, 10));
        assert_eq!(parse_range("bytes=90-", 100), RangeAnswer::Bytes(90, 100));
        assert_eq!(parse_range("bytes=-10", 100), RangeAnswer::Bytes(90, 100));
        assert_eq!(
            parse_range("bytes=50-500", 100),
            RangeAnswer::Bytes(50, 100)
        );
        assert_eq!(parse_range("bytes=100-", 100), RangeAnswer::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), RangeAnswer::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeAnswer::Ignore);
        assert_eq!(parse_range("items=0-1", 100), RangeAnswer::Ignore);
        assert_eq!(parse_range("bytes=9-1", 100), RangeAnswer::Ignore);
    }

    #[test]
    fn the_friendly_name_is_percent_encoded() {
        let cd = content_disposition("rankmap_x.xlsx", "Requêtes 2026.csv");
        assert_eq!(
            cd,
            "attachment; filename=\"rankmap_x.xlsx\"; filename*=UTF-8''Requ%C3%AAtes%202026-rankmap.xlsx"
        );
    }
}
