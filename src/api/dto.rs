//! Wire types: the bodies the frontend reads, with the seed field names of contract §1.
//!
//! The processing and failed bodies are small and rendered from the [`Job`] record. The
//! completed body carries inline rows; it is rendered once, when the job completes, from the
//! ingested result, and stored — see [`completed_body`].

use serde::Serialize;
use serde_json::value::RawValue;

use crate::error::ErrorBody;
use crate::jobs::id::JobId;
use crate::jobs::model::{FilterOption, Job, Phase, Status, format_timestamp};
use crate::results::Ingested;

/// The 202 answer to an upload (seed).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted<'a> {
    pub success: bool,
    pub job_id: &'a str,
    pub status: Status,
    pub message: &'static str,
}

impl<'a> Accepted<'a> {
    /// The seed body for a new job.
    pub fn new(id: &'a JobId) -> Self {
        Self {
            success: true,
            job_id: id.as_str(),
            status: Status::Processing,
            message: "Analysis started. Use the jobId to check progress.",
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProcessingBody<'a> {
    success: bool,
    job_id: &'a str,
    status: Status,
    progress: u8,
    message: &'static str,
    phase: Phase,
    queue_position: Option<u32>,
    progress_message: Option<&'a str>,
    started_at: Option<String>,
    original_filename: &'a str,
    filter_option: FilterOption,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FailedBody<'a> {
    success: bool,
    job_id: &'a str,
    status: Status,
    progress: u8,
    error: &'a ErrorBody,
    phase: Phase,
    started_at: Option<String>,
    finished_at: Option<String>,
    duration_ms: Option<i64>,
    expires_at: Option<String>,
    original_filename: &'a str,
    filter_option: FilterOption,
    created_at: String,
    updated_at: String,
}

/// The processing or failed body of a job (a completed job's body is stored, not rendered).
pub fn status_body(job: &Job, max_age: std::time::Duration) -> Vec<u8> {
    let started_at = job.started_at.map(format_timestamp);
    let rendered = match (&job.status, &job.error) {
        (Status::Failed, Some(error)) => serde_json::to_vec(&FailedBody {
            success: false,
            job_id: job.id.as_str(),
            status: Status::Failed,
            progress: job.progress,
            error,
            phase: job.phase,
            started_at,
            finished_at: job.finished_at.map(format_timestamp),
            duration_ms: duration_ms(job),
            expires_at: job.expires_at(max_age).map(format_timestamp),
            original_filename: &job.original_filename,
            filter_option: job.filter,
            created_at: format_timestamp(job.created_at),
            updated_at: format_timestamp(job.updated_at),
        }),
        _ => serde_json::to_vec(&ProcessingBody {
            success: true,
            job_id: job.id.as_str(),
            status: Status::Processing,
            progress: job.progress.min(99),
            message: "Analysis in progress",
            phase: job.phase,
            queue_position: job.queue_position,
            progress_message: job.progress_message.as_deref(),
            started_at,
            original_filename: &job.original_filename,
            filter_option: job.filter,
            created_at: format_timestamp(job.created_at),
            updated_at: format_timestamp(job.updated_at),
        }),
    };
    // Serialising these plain structs cannot fail.
    rendered.unwrap_or_default()
}

/// Milliseconds from the start (or, for a job that never started, its creation) to its end.
fn duration_ms(job: &Job) -> Option<i64> {
    let end = job.finished_at?;
    let start = job.started_at.unwrap_or(job.created_at);
    Some(end.as_millisecond() - start.as_millisecond())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultCounts {
    onpage_results: u64,
    keyword_mapping: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CompletedBody<'a> {
    success: bool,
    job_id: &'a str,
    status: Status,
    progress: u8,
    message: &'static str,
    download_url: String,
    excel_file: &'a str,
    data_source: &'a str,
    summary: &'a RawValue,
    onpage_results: &'a [Box<RawValue>],
    keyword_mapping: &'a [Box<RawValue>],
    result_counts: ResultCounts,
    results_truncated: bool,
    started_at: Option<String>,
    finished_at: Option<String>,
    duration_ms: Option<i64>,
    expires_at: Option<String>,
    original_filename: &'a str,
    filter_option: FilterOption,
    created_at: String,
    updated_at: String,
}

/// The completed body of `job` (already carrying its `finishedAt`), from the ingested result.
pub fn completed_body(
    job: &Job,
    excel_file: &str,
    download_url: String,
    ingested: &Ingested,
    max_age: std::time::Duration,
) -> serde_json::Result<Vec<u8>> {
    let [onpage, keywords] = &ingested.inline;
    let [onpage_count, keyword_count] = ingested.counts;
    serde_json::to_vec(&CompletedBody {
        success: true,
        job_id: job.id.as_str(),
        status: Status::Completed,
        progress: 100,
        message: "Analysis completed successfully",
        download_url,
        excel_file,
        data_source: &ingested.data_source,
        summary: &ingested.summary,
        onpage_results: onpage,
        keyword_mapping: keywords,
        result_counts: ResultCounts {
            onpage_results: onpage_count,
            keyword_mapping: keyword_count,
        },
        results_truncated: (onpage.len() as u64) < onpage_count
            || (keywords.len() as u64) < keyword_count,
        started_at: job.started_at.map(format_timestamp),
        finished_at: job.finished_at.map(format_timestamp),
        duration_ms: duration_ms(job),
        expires_at: job.expires_at(max_age).map(format_timestamp),
        original_filename: &job.original_filename,
        filter_option: job.filter,
        created_at: format_timestamp(job.created_at),
        updated_at: format_timestamp(job.updated_at),
    })
}

/// One page of a results table (§1.4).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultsPage {
    pub success: bool,
    pub job_id: String,
    pub table: &'static str,
    pub offset: u64,
    pub limit: u64,
    pub total: u64,
    pub rows: Vec<Box<RawValue>>,
}
