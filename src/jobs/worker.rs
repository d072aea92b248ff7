//! The job path: one job from its worker slot to a terminal state.
//!
//! start → inputs → script → ingest `result.json` → workbook → completed body → completed.
//! Every step that can fail turns into a failed job (a failed job is data, not an error), and
//! whatever ends the job, its scratch directory is deleted and its slot freed. The job body runs
//! in a task of its own so that a panic fails the job instead of taking the worker down.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;
use tokio::sync::mpsc;

use super::id::JobId;
use super::model::{Completion, Job};
use super::queue::Slot;
use super::service::JobService;
use crate::api::dto::completed_body;
use crate::error::{ErrorBody, ErrorCode};
use crate::report::{ReportInput, ReportOptions, write_report};
use crate::results::{STATUS_FILE, Table, etag_of, excel_file_name, ingest};
use crate::runner::{ScriptFailure, ScriptInput, ScriptRun, run_script};
use crate::upload::{ConvertLimits, convert};

impl JobService {
    /// Runs a job that got a slot; the slot is freed when this returns.
    pub(crate) async fn run_job(self: Arc<Self>, id: JobId, slot: Slot) {
        let started = Timestamp::now();
        let Some(job) = self.update(&id, |j| j.start(started)).await else {
            return;
        };
        if job.is_terminal() || job.started_at != Some(started) {
            // Cancelled (or removed) while it waited.
            self.remove_scratch(&id).await;
            return;
        }
        tracing::info!(job.id = %id, "job started");
        crate::ops::metrics::job_started(
            Duration::try_from(started.duration_since(job.created_at)).unwrap_or_default(),
        );
        let service = Arc::clone(&self);
        let task_id = id.clone();
        let outcome = tokio::spawn(async move { service.execute(&task_id, &job).await }).await;
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error),
            Err(join_error) => {
                tracing::error!(job.id = %id, error = %join_error, "job task panicked");
                Some(ErrorBody {
                    message: "Analysis failed".into(),
                    details: Some("An internal error stopped the analysis.".into()),
                    code: ErrorCode::AnalysisFailed,
                })
            }
        };
        if let Some(error) = failure {
            self.fail(&id, error).await;
        }
        self.forget_control(&id);
        self.remove_scratch(&id).await;
        let ran = Duration::try_from(Timestamp::now().duration_since(started)).unwrap_or_default();
        self.record_duration(ran);
        crate::ops::metrics::job_ran(ran);
        drop(slot);
    }

    /// The steps of a running job. `Err` is the job's failure.
    async fn execute(self: &Arc<Self>, id: &JobId, job: &Job) -> Result<(), ErrorBody> {
        let scratch = self.uploads.scratch_dir(id);
        // Registered first, so that a cancel during conversion stops the script from starting.
        let control = self.register_control(id);
        let inputs = self.script_inputs(job, &scratch).await?;
        let cfg = &self.config.runner;
        let run = ScriptRun {
            command: cfg.command.clone(),
            inputs,
            filter: job.filter.as_str().to_owned(),
            output: scratch.join("result.json"),
            work_dir: scratch.clone(),
            job_id: id.to_string(),
            env_passthrough: cfg.env.clone(),
            timeout: cfg.timeout,
            kill_grace: cfg.kill_grace,
            max_result_bytes: cfg.max_result_bytes,
            redact_paths: self.server_paths(),
        };
        let (progress_tx, mut progress_rx) = mpsc::unbounded_channel();
        let script = run_script(run, control, move |p| {
            let _ = progress_tx.send(p);
        });
        tokio::pin!(script);
        let outcome = loop {
            tokio::select! {
                biased;
                Some(p) = progress_rx.recv() => {
                    self.update(id, |j| j.set_progress(p.percent, p.message.clone(), Timestamp::now())).await;
                }
                outcome = &mut script => break outcome,
            }
        };
        let success = outcome.map_err(failure_body)?;

        let began = self.update(id, |j| j.begin_report(Timestamp::now())).await;
        if !began.is_some_and(|j| j.writing_report && !j.is_terminal()) {
            return Ok(()); // cancelled or removed meanwhile: nothing to write
        }
        let results_dir = self.results.job_dir(id);
        tokio::fs::create_dir_all(&results_dir)
            .await
            .map_err(internal)?;
        let inline_rows = self.config.results.inline_rows;
        let (result_path, dir) = (success.result_path.clone(), results_dir.clone());
        let ingested = tokio::task::spawn_blocking(move || ingest(&result_path, &dir, inline_rows))
            .await
            .map_err(internal)?
            .map_err(|e| match e {
                crate::results::IngestError::Invalid(why) => ErrorBody {
                    message: "Analysis failed".into(),
                    details: Some(truncate_details(format!(
                        "The analysis exited without writing a valid result ({why}).{}",
                        if success.stderr_tail.is_empty() {
                            String::new()
                        } else {
                            format!("\n{}", success.stderr_tail)
                        }
                    ))),
                    code: ErrorCode::AnalysisFailed,
                },
                other => internal(other),
            })?;

        let excel_file = excel_file_name(id);
        let (dir, report_path) = (results_dir.clone(), self.results.report_path(id));
        let (original, job_id) = (job.original_filename.clone(), id.to_string());
        tokio::task::spawn_blocking(move || {
            let input = ReportInput {
                summary_json: &dir.join(crate::results::SUMMARY_FILE),
                onpage_ndjson: &Table::OnpageResults.rows_path(&dir),
                keyword_ndjson: &Table::KeywordMapping.rows_path(&dir),
                original_filename: &original,
                job_id: &job_id,
            };
            write_report(&input, &report_path, &ReportOptions::default())
        })
        .await
        .map_err(internal)?
        .map_err(|e| ErrorBody {
            message: "The report could not be written".into(),
            details: Some(e.to_string()),
            code: ErrorCode::ReportFailed,
        })?;

        self.finish(id, excel_file, &ingested).await
    }

    /// Renders and stores the completed body, then makes the job completed.
    async fn finish(
        &self,
        id: &JobId,
        excel_file: String,
        ingested: &crate::results::Ingested,
    ) -> Result<(), ErrorBody> {
        let now = Timestamp::now();
        let Some(current) = self.get(id).await.map_err(internal)? else {
            self.remove_files(id).await; // purged while the report was written
            return Ok(());
        };
        // The body is rendered from the record as it will be once completed.
        let mut preview = Job::clone(&current);
        let placeholder = Completion {
            excel_file: excel_file.clone(),
            onpage_rows: ingested.counts[0],
            keyword_rows: ingested.counts[1],
            etag: String::new(),
        };
        if !preview.complete(placeholder.clone(), now) {
            return Ok(()); // already failed (shutdown): keep that outcome
        }
        let download_url = self.download_url(&preview, &excel_file);
        let body = completed_body(
            &preview,
            &excel_file,
            download_url,
            ingested,
            self.config.cleanup.max_age,
        )
        .map_err(internal)?;
        let etag = etag_of(&body);
        let dir = self.results.job_dir(id);
        tokio::fs::write(dir.join(STATUS_FILE), &body)
            .await
            .map_err(internal)?;
        let completion = Completion {
            etag,
            ..placeholder
        };
        let body = Bytes::from(body);
        let mut completed = false;
        // `now` is reused so that updatedAt/finishedAt match the stored body exactly.
        let job = self
            .update(id, |j| {
                completed = j.complete(completion.clone(), now);
                completed
            })
            .await;
        match job {
            Some(_) if completed => {
                self.cache_completed_body(id, body);
                tracing::info!(job.id = %id, job.status = "completed", "job completed");
                crate::ops::metrics::job_finished("completed", crate::ops::metrics::NO_CODE);
            }
            Some(_) => {}
            None => self.remove_files(id).await,
        }
        Ok(())
    }

    /// `/api/v1/analysis/download/<file>`; with auth on, signed until the job expires so that a
    /// plain browser link works without a header.
    fn download_url(&self, job: &Job, excel_file: &str) -> String {
        let url = format!("/api/v1/analysis/download/{excel_file}");
        if !self.keys.enabled() {
            return url;
        }
        let expires = job
            .expires_at(self.config.cleanup.max_age)
            .map_or(0, |t| t.as_second());
        format!(
            "{url}?token={}&expires={expires}",
            self.keys.sign(&job.id, expires)
        )
    }

    /// The script's inputs: the upload itself for text, or the CSVs converted from a workbook
    /// or extracted from a zip (in the job's slot, off the async threads).
    async fn script_inputs(
        &self,
        job: &Job,
        scratch: &Path,
    ) -> Result<Vec<ScriptInput>, ErrorBody> {
        let (kind, upload, dir) = (
            job.input_kind,
            scratch.join(&job.upload_name),
            scratch.to_owned(),
        );
        let converted = tokio::task::spawn_blocking(move || {
            convert(&upload, kind, &dir, &ConvertLimits::default())
        })
        .await
        .map_err(internal)?
        .map_err(|e| ErrorBody {
            message: "The spreadsheet could not be read".into(),
            details: Some(e.to_string()),
            code: ErrorCode::UnreadableSpreadsheet,
        })?;
        Ok(converted
            .into_iter()
            .map(|c| ScriptInput {
                path: c.path,
                name: c.name,
            })
            .collect())
    }
}

fn failure_body(failure: ScriptFailure) -> ErrorBody {
    let (message, details, code) = match failure {
        ScriptFailure::Failed { message, details } => (message, details, ErrorCode::AnalysisFailed),
        ScriptFailure::Unavailable { message, details } => {
            (message, Some(details), ErrorCode::AnalysisFailed)
        }
        ScriptFailure::TimedOut { message, details } => {
            (message, Some(details), ErrorCode::AnalysisTimeout)
        }
        ScriptFailure::Cancelled => ("Analysis cancelled".into(), None, ErrorCode::Cancelled),
        ScriptFailure::Shutdown => (
            "The server is shutting down".into(),
            Some("The analysis was stopped before it finished; upload the file again.".into()),
            ErrorCode::Shutdown,
        ),
    };
    ErrorBody {
        message,
        details: details.map(truncate_details),
        code,
    }
}

/// `details` are at most 4 KiB (cut on a character boundary).
fn truncate_details(mut details: String) -> String {
    const MAX: usize = 4096;
    if details.len() > MAX {
        let mut cut = details.len() - MAX;
        while !details.is_char_boundary(cut) {
            cut += 1;
        }
        details.drain(..cut);
    }
    details
}

fn internal(e: impl std::fmt::Display) -> ErrorBody {
    tracing::error!(error = %e, "job step failed");
    ErrorBody {
        message: "Analysis failed".into(),
        details: Some("An internal error stopped the analysis.".into()),
        code: ErrorCode::AnalysisFailed,
    }
}
