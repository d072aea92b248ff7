//! The job record and its legal transitions.
//!
//! A job is queued → running → completed | failed. The methods here are the only way to change a
//! record and each returns whether the status body changed, so that [`super::service`] can bump
//! the version once per visible change. The first terminal transition wins: a job that completed
//! cannot fail afterwards, and a cancelled job stays cancelled.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::id::JobId;
use crate::error::ErrorBody;
use crate::upload::UploadKind;

/// The `filterOption` of an upload: every row, or only the rows worth acting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FilterOption {
    All,
    Recommended,
}

impl FilterOption {
    /// The value on the wire and on the script's command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Recommended => "recommended",
        }
    }
}

impl FromStr for FilterOption {
    type Err = ();

    /// Case-sensitive, as the contract says: `All` is refused.
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "all" => Ok(Self::All),
            "recommended" => Ok(Self::Recommended),
            _ => Err(()),
        }
    }
}

impl fmt::Display for FilterOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Processing,
    Completed,
    Failed,
}

/// The `phase` field of a processing (or failed) job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Queued,
    Running,
}

/// What the server keeps of a completed job; the rows and the body live on disk (§3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// `rankmap_<jobId>.xlsx`.
    pub excel_file: String,
    /// Rows of each table, for paging.
    pub onpage_rows: u64,
    pub keyword_rows: u64,
    /// The strong ETag of the stored completed body (`status.json`).
    pub etag: String,
}

/// One job, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub original_filename: String,
    pub filter: FilterOption,
    pub input_kind: UploadKind,
    /// The upload's file name inside the scratch directory.
    pub upload_name: String,
    pub status: Status,
    pub phase: Phase,
    pub queue_position: Option<u32>,
    pub progress: u8,
    pub progress_message: Option<String>,
    /// The script has exited 0 and the report is being written: cancel is refused from here on.
    pub writing_report: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub error: Option<ErrorBody>,
    pub completion: Option<Completion>,
    /// Grows with every change of the status body.
    pub version: u64,
}

impl Job {
    /// A new job waiting at `position` in the queue.
    pub fn new_queued(
        id: JobId,
        original_filename: String,
        filter: FilterOption,
        input_kind: UploadKind,
        upload_name: String,
        now: Timestamp,
    ) -> Self {
        Self {
            id,
            original_filename,
            filter,
            input_kind,
            upload_name,
            status: Status::Processing,
            phase: Phase::Queued,
            queue_position: None,
            progress: 0,
            progress_message: None,
            writing_report: false,
            created_at: now,
            updated_at: now,
            started_at: None,
            finished_at: None,
            error: None,
            completion: None,
            version: 1,
        }
    }

    /// Completed or failed.
    pub fn is_terminal(&self) -> bool {
        self.status != Status::Processing
    }

    /// `expiresAt`: when the cleanup sweep may remove a finished job.
    pub fn expires_at(&self, max_age: std::time::Duration) -> Option<Timestamp> {
        let age = jiff::SignedDuration::try_from(max_age).ok()?;
        self.finished_at.and_then(|t| t.checked_add(age).ok())
    }

    /// A new place in the queue. Returns whether anything changed.
    pub fn set_queue_position(&mut self, position: u32, now: Timestamp) -> bool {
        if self.status != Status::Processing || self.phase != Phase::Queued {
            return false;
        }
        self.touch_if(self.queue_position != Some(position), now, |j| {
            j.queue_position = Some(position)
        })
    }

    /// The job got a worker slot.
    pub fn start(&mut self, now: Timestamp) -> bool {
        if self.status != Status::Processing || self.phase != Phase::Queued {
            return false;
        }
        self.touch_if(true, now, |j| {
            j.phase = Phase::Running;
            j.queue_position = None;
            j.started_at = Some(now);
        })
    }

    /// A progress line from the script: never lower, at most 99 while processing.
    pub fn set_progress(&mut self, progress: u8, message: Option<String>, now: Timestamp) -> bool {
        if self.status != Status::Processing || self.writing_report {
            return false;
        }
        let progress = progress.min(99).max(self.progress);
        let message = message.or_else(|| self.progress_message.clone());
        let changed = progress != self.progress || message != self.progress_message;
        self.touch_if(changed, now, |j| {
            j.progress = progress;
            j.progress_message = message;
        })
    }

    /// The script succeeded; the report is being written (progress 99, "Writing report").
    pub fn begin_report(&mut self, now: Timestamp) -> bool {
        if self.status != Status::Processing {
            return false;
        }
        self.touch_if(true, now, |j| {
            j.writing_report = true;
            j.progress = 99;
            j.progress_message = Some("Writing report".to_owned());
        })
    }

    /// The first terminal transition: completed.
    pub fn complete(&mut self, completion: Completion, now: Timestamp) -> bool {
        if self.is_terminal() {
            return false;
        }
        self.touch_if(true, now, |j| {
            j.status = Status::Completed;
            j.progress = 100;
            j.finished_at = Some(now);
            j.completion = Some(completion);
        })
    }

    /// The first terminal transition: failed. Progress and phase stay where they were.
    pub fn fail(&mut self, error: ErrorBody, now: Timestamp) -> bool {
        if self.is_terminal() {
            return false;
        }
        self.touch_if(true, now, |j| {
            j.status = Status::Failed;
            j.queue_position = None;
            j.finished_at = Some(now);
            j.error = Some(error);
        })
    }

    fn touch_if(&mut self, changed: bool, now: Timestamp, apply: impl FnOnce(&mut Self)) -> bool {
        if changed {
            apply(self);
            // A clock that steps back must not make updatedAt go down.
            self.updated_at = now.max(self.updated_at);
            self.version += 1;
        }
        changed
    }
}

/// RFC 3339 UTC with milliseconds and `Z`, as every timestamp on the wire.
pub fn format_timestamp(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn job() -> Job {
        let now = Timestamp::from_millisecond(1_000).unwrap();
        let id = JobId::generate(now).unwrap();
        Job::new_queued(
            id,
            "q.csv".into(),
            FilterOption::All,
            UploadKind::Text,
            "upload.csv".into(),
            now,
        )
    }

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millisecond(ms).unwrap()
    }

    fn error(code: ErrorCode) -> ErrorBody {
        ErrorBody {
            message: "m".into(),
            details: None,
            code,
        }
    }

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(
            format_timestamp(at(1_738_268_400_123)),
            "2025-01-30T20:20:00.123Z"
        );
        assert_eq!(format_timestamp(at(0)), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn filter_option_is_case_sensitive() {
        assert_eq!("all".parse(), Ok(FilterOption::All));
        assert_eq!("recommended".parse(), Ok(FilterOption::Recommended));
        assert_eq!("All".parse::<FilterOption>(), Err(()));
        assert_eq!("".parse::<FilterOption>(), Err(()));
    }

    #[test]
    fn progress_never_goes_down_and_stays_below_100() {
        let mut j = job();
        j.start(at(2));
        assert!(j.set_progress(40, Some("Reading".into()), at(3)));
        assert!(!j.set_progress(30, None, at(4)));
        assert_eq!(j.progress, 40);
        assert!(j.set_progress(120, None, at(5)));
        assert_eq!(j.progress, 99);
        assert_eq!(j.progress_message.as_deref(), Some("Reading"));
    }

    #[test]
    fn every_visible_change_bumps_the_version_once() {
        let mut j = job();
        let v = j.version;
        assert!(j.set_queue_position(3, at(2)));
        assert!(!j.set_queue_position(3, at(3)));
        assert!(j.start(at(4)));
        assert_eq!(j.queue_position, None);
        assert_eq!(j.version, v + 2);
    }

    #[test]
    fn the_first_terminal_transition_wins() {
        let mut j = job();
        assert!(j.fail(error(ErrorCode::Cancelled), at(2)));
        let done = Completion {
            excel_file: "x".into(),
            onpage_rows: 0,
            keyword_rows: 0,
            etag: "e".into(),
        };
        assert!(!j.complete(done, at(3)));
        assert!(!j.fail(error(ErrorCode::AnalysisFailed), at(3)));
        assert_eq!(j.status, Status::Failed);
        assert_eq!(j.error.unwrap().code, ErrorCode::Cancelled);
    }

    #[test]
    fn writing_the_report_pins_progress_at_99() {
        let mut j = job();
        j.start(at(2));
        assert!(j.begin_report(at(3)));
        assert_eq!(
            (j.progress, j.progress_message.as_deref()),
            (99, Some("Writing report"))
        );
        assert!(!j.set_progress(10, Some("late".into()), at(4)));
    }
}
