//! Wire types: the bodies the frontend reads, with the seed field names of contract §1.
//!
//! The processing and failed bodies are small and rendered from the [`Job`] record. The
//! completed body carries inline rows; it is rendered once, when the job completes, from the
//! ingested result, and stored — see [`completed_body`].

use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::jobs::id::JobId;
use crate::jobs::model::{FilterOption, Job, Phase, Status, format_timestamp};
use crate::results::Ingested;

/// The pattern of a job id (contract §0), for the OpenAPI document.
pub const JOB_ID_PATTERN: &str = "^job_[0-9]{13}_[0-9a-f]{16}$";

/// The `status` of a processing body, for the OpenAPI document.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ProcessingStatus {
    Processing,
}

/// The `status` of a completed body, for the OpenAPI document.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum CompletedStatus {
    Completed,
}

/// The `status` of a failed body, for the OpenAPI document.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum FailedStatus {
    Failed,
}

/// The 202 answer to an upload (seed).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Accepted<'a> {
    pub success: bool,
    #[schema(pattern = "^job_[0-9]{13}_[0-9a-f]{16}$")]
    pub job_id: &'a str,
    #[schema(value_type = ProcessingStatus)]
    pub status: Status,
    /// `Analysis started. Use the jobId to check progress.`
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

/// The status body of a queued or running job.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProcessingBody<'a> {
    /// Always `true`.
    success: bool,
    #[schema(pattern = "^job_[0-9]{13}_[0-9a-f]{16}$")]
    job_id: &'a str,
    #[schema(value_type = ProcessingStatus)]
    status: Status,
    /// 0–99, never goes down.
    #[schema(maximum = 99)]
    progress: u8,
    /// `Analysis in progress`.
    message: &'static str,
    phase: Phase,
    /// 1-based while queued, `null` while running.
    #[schema(required = true, minimum = 1)]
    queue_position: Option<u32>,
    /// The script's last progress message, or `null`.
    #[schema(required = true)]
    progress_message: Option<&'a str>,
    /// `null` while queued.
    #[schema(required = true, format = DateTime)]
    started_at: Option<String>,
    original_filename: &'a str,
    filter_option: FilterOption,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

/// The status body of a failed (or cancelled) job.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailedBody<'a> {
    /// Always `false`.
    success: bool,
    #[schema(pattern = "^job_[0-9]{13}_[0-9a-f]{16}$")]
    job_id: &'a str,
    #[schema(value_type = FailedStatus)]
    status: Status,
    /// The progress reached before the failure.
    progress: u8,
    /// Why the job failed; `code` is one of the job-failure codes.
    error: &'a ErrorBody,
    /// The phase the job was in when it failed.
    phase: Phase,
    /// `null` when the job never started.
    #[schema(required = true, format = DateTime)]
    started_at: Option<String>,
    #[schema(required = true, format = DateTime)]
    finished_at: Option<String>,
    #[schema(required = true)]
    duration_ms: Option<i64>,
    /// When the job and its files are removed.
    #[schema(required = true, format = DateTime)]
    expires_at: Option<String>,
    original_filename: &'a str,
    filter_option: FilterOption,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
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

/// How many rows each table holds in all.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultCounts {
    onpage_results: u64,
    keyword_mapping: u64,
}

/// The status body of a completed job, with the first `results.inline_rows` rows of each table.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompletedBody<'a> {
    /// Always `true`.
    success: bool,
    #[schema(pattern = "^job_[0-9]{13}_[0-9a-f]{16}$")]
    job_id: &'a str,
    #[schema(value_type = CompletedStatus)]
    status: Status,
    /// Always 100.
    progress: u8,
    /// `Analysis completed successfully`.
    message: &'static str,
    /// Where the Excel report is downloaded; with auth on it carries a signed `token` and
    /// `expires`.
    download_url: String,
    /// `rankmap_<jobId>.xlsx`.
    excel_file: &'a str,
    /// What kind of export the analyzer recognised, e.g. `gsc_query_page`.
    data_source: &'a str,
    /// The analyzer's summary.
    #[schema(value_type = Object)]
    summary: &'a RawValue,
    /// The first rows of the on-page audit.
    #[schema(value_type = Vec<Object>)]
    onpage_results: &'a [Box<RawValue>],
    /// The first rows of the keyword map.
    #[schema(value_type = Vec<Object>)]
    keyword_mapping: &'a [Box<RawValue>],
    result_counts: ResultCounts,
    /// Whether either inline table holds fewer rows than `resultCounts`.
    results_truncated: bool,
    #[schema(required = true, format = DateTime)]
    started_at: Option<String>,
    #[schema(required = true, format = DateTime)]
    finished_at: Option<String>,
    #[schema(required = true)]
    duration_ms: Option<i64>,
    #[schema(required = true, format = DateTime)]
    expires_at: Option<String>,
    original_filename: &'a str,
    filter_option: FilterOption,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

/// A job's status body: processing, completed or failed (contract §1.2).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum JobStatusBody<'a> {
    Processing(ProcessingBody<'a>),
    Completed(CompletedBody<'a>),
    Failed(FailedBody<'a>),
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
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultsPage {
    pub success: bool,
    #[schema(pattern = "^job_[0-9]{13}_[0-9a-f]{16}$")]
    pub job_id: String,
    /// `onpageResults` or `keywordMapping`.
    #[schema(value_type = crate::results::Table)]
    pub table: &'static str,
    pub offset: u64,
    #[schema(minimum = 1, maximum = 5000)]
    pub limit: u64,
    /// Rows in the whole table.
    pub total: u64,
    /// The rows, in the same order and shape as the inline arrays of the completed body.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Box<RawValue>>,
}

/// The 200 answer of `DELETE …/job/{jobId}`: the cancelled job's body, or the purge receipt.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum CancelAnswer<'a> {
    Cancelled(FailedBody<'a>),
    Purged(Purged<'a>),
}

/// The answer to `DELETE …/job/{jobId}?purge=true`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Purged<'a> {
    pub success: bool,
    #[schema(pattern = "^job_[0-9]{13}_[0-9a-f]{16}$")]
    pub job_id: &'a str,
    /// Always `true`.
    pub purged: bool,
}
