//! The error envelope and the one table of error codes.
//!
//! Every error the HTTP API answers — handler errors, extractor rejections, body limits, the
//! router's 404/405 fallbacks — is an [`ApiError`] rendered as
//! `{"success": false, "error": {"message", "details", "code"}}`. Job failures use the same
//! codes inside the failed status body, so [`ErrorCode`] covers both; [`ErrorCode::status`] is
//! the single place where a code meets its HTTP status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Stable, snake_case error codes (contract §0).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidMultipart,
    InvalidFilterOption,
    FileMissing,
    FileEmpty,
    FileTooLarge,
    UnsupportedFileType,
    StorageFull,
    QueueFull,
    Shutdown,
    InvalidJobId,
    JobNotFound,
    JobExpired,
    JobFinished,
    JobNotCompleted,
    InvalidTable,
    InvalidPagination,
    ResultNotFound,
    InvalidRequest,
    RouteNotFound,
    MethodNotAllowed,
    RequestTimeout,
    Unauthorized,
    Forbidden,
    NotReady,
    Internal,
    AnalysisFailed,
    AnalysisTimeout,
    Cancelled,
    UnreadableSpreadsheet,
    ReportFailed,
}

impl ErrorCode {
    /// The HTTP status of a code that is an HTTP answer. Job-failure codes never answer a request
    /// on their own; they map to 500 only so that misuse is visible.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            InvalidMultipart | InvalidFilterOption | FileMissing | FileEmpty | InvalidJobId
            | InvalidTable | InvalidPagination | InvalidRequest => StatusCode::BAD_REQUEST,
            FileTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedFileType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            QueueFull | Shutdown | NotReady => StatusCode::SERVICE_UNAVAILABLE,
            JobNotFound | ResultNotFound | RouteNotFound => StatusCode::NOT_FOUND,
            JobExpired => StatusCode::GONE,
            JobFinished | JobNotCompleted => StatusCode::CONFLICT,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Unauthorized => StatusCode::UNAUTHORIZED,
            Forbidden => StatusCode::FORBIDDEN,
            Internal
            | AnalysisFailed
            | AnalysisTimeout
            | Cancelled
            | UnreadableSpreadsheet
            | ReportFailed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code as written on the wire.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidMultipart => "invalid_multipart",
            InvalidFilterOption => "invalid_filter_option",
            FileMissing => "file_missing",
            FileEmpty => "file_empty",
            FileTooLarge => "file_too_large",
            UnsupportedFileType => "unsupported_file_type",
            StorageFull => "storage_full",
            QueueFull => "queue_full",
            Shutdown => "shutdown",
            InvalidJobId => "invalid_job_id",
            JobNotFound => "job_not_found",
            JobExpired => "job_expired",
            JobFinished => "job_finished",
            JobNotCompleted => "job_not_completed",
            InvalidTable => "invalid_table",
            InvalidPagination => "invalid_pagination",
            ResultNotFound => "result_not_found",
            InvalidRequest => "invalid_request",
            RouteNotFound => "route_not_found",
            MethodNotAllowed => "method_not_allowed",
            RequestTimeout => "request_timeout",
            Unauthorized => "unauthorized",
            Forbidden => "forbidden",
            NotReady => "not_ready",
            Internal => "internal",
            AnalysisFailed => "analysis_failed",
            AnalysisTimeout => "analysis_timeout",
            Cancelled => "cancelled",
            UnreadableSpreadsheet => "unreadable_spreadsheet",
            ReportFailed => "report_failed",
        }
    }
}

/// The `error` object of the envelope; also the `error` of a failed job's status body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Human readable (**seed**).
    pub message: String,
    /// More context, or `null` (**seed**).
    #[schema(required = true)]
    pub details: Option<String>,
    pub code: ErrorCode,
}

/// An error answered over HTTP.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub body: ErrorBody,
    /// Seconds for a `Retry-After` header (queue full, draining).
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// An error with a message and optional details.
    pub fn new(code: ErrorCode, message: impl Into<String>, details: Option<String>) -> Self {
        let retry_after = match code {
            ErrorCode::QueueFull => Some(30),
            ErrorCode::Shutdown => Some(5),
            _ => None,
        };
        Self {
            body: ErrorBody {
                message: message.into(),
                details,
                code,
            },
            retry_after,
        }
    }

    /// An error whose details are a fixed explanation.
    pub fn with_details(code: ErrorCode, message: &str, details: impl Into<String>) -> Self {
        Self::new(code, message, Some(details.into()))
    }

    /// An unexpected failure; the cause is logged, never sent to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        // Named here too: a read's `request` span is only recorded at `debug`.
        tracing::error!(error = %cause, request_id = %crate::request_id::current(), "internal error");
        Self::new(ErrorCode::Internal, "Internal server error", None)
    }

    pub fn route_not_found() -> Self {
        Self::new(ErrorCode::RouteNotFound, "Route not found", None)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(ErrorCode::MethodNotAllowed, "Method not allowed", None)
    }
}

/// The body of every error answer: `{"success": false, "error": {…}}`, plus `requestId` on 5xx.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ErrorEnvelope)]
pub struct Envelope<'a> {
    /// Always `false`.
    success: bool,
    error: &'a ErrorBody,
    /// The request's `x-request-id`; only on 5xx answers.
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.body.code.status();
        // 5xx bodies name the request so an operator can find its log lines.
        let request_id = status.is_server_error().then(crate::request_id::current);
        let bytes = serde_json::to_vec(&Envelope {
            success: false,
            error: &self.body,
            request_id: request_id.as_deref(),
        })
        .unwrap_or_default();
        let mut response = (status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serialises_as_its_wire_name() {
        use ErrorCode::*;
        for code in [
            InvalidMultipart,
            InvalidFilterOption,
            FileMissing,
            FileEmpty,
            FileTooLarge,
            UnsupportedFileType,
            StorageFull,
            QueueFull,
            Shutdown,
            InvalidJobId,
            JobNotFound,
            JobExpired,
            JobFinished,
            JobNotCompleted,
            InvalidTable,
            InvalidPagination,
            ResultNotFound,
            InvalidRequest,
            RouteNotFound,
            MethodNotAllowed,
            RequestTimeout,
            Unauthorized,
            Forbidden,
            NotReady,
            Internal,
            AnalysisFailed,
            AnalysisTimeout,
            Cancelled,
            UnreadableSpreadsheet,
            ReportFailed,
        ] {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn http_codes_map_to_the_contract_statuses() {
        assert_eq!(
            ErrorCode::FileTooLarge.status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            ErrorCode::StorageFull.status(),
            StatusCode::INSUFFICIENT_STORAGE
        );
        assert_eq!(ErrorCode::JobExpired.status(), StatusCode::GONE);
        assert_eq!(
            ErrorCode::QueueFull.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(ErrorCode::JobFinished.status(), StatusCode::CONFLICT);
    }
}
