//! The analysis-script runner: contract §2, the script protocol.
//!
//! Owns everything between "run this command on these inputs" and "here is `result.json`" or
//! "here is why not": spawning without a shell in a fresh process group with an allow-listed
//! environment, turning stdout lines into progress, keeping a bounded stderr tail, the timeout
//! and cancel sequence (SIGTERM to the group, grace, SIGKILL), and the failure texts.
//!
//! Guarantee: when [`run_script`] returns — or its future is dropped, or it unwinds — no process
//! of the script's group is left running. The group id lives in [`RunControl`] behind a mutex,
//! is cleared before the direct child is reaped, and a drop guard SIGKILLs whatever is still
//! registered.
//!
//! It must not know about jobs, stores, HTTP or configuration: the caller maps
//! [`ScriptFailure`] to job codes (see [`ScriptFailure::code`]) and [`Progress`] to job updates.

mod control;
mod failure;
mod output;
mod process;
mod progress;
mod stderr;
mod supervise;

use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

pub use control::RunControl;
pub use failure::ScriptFailure;
pub use progress::Progress;

use control::StopReason;
use stderr::{DETAILS_BYTES, Redactor};
use supervise::{Collected, Ending};

/// One input file handed to the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptInput {
    /// Absolute path of the file (`--input P`).
    pub path: PathBuf,
    /// Its display name, e.g. a sheet name (`--input-name N`).
    pub name: Option<String>,
}

/// Everything needed to run the analysis once.
#[derive(Debug, Clone)]
pub struct ScriptRun {
    /// The argv prefix, e.g. `["python3", "/abs/analysis/analyze.py"]`; must not be empty.
    pub command: Vec<String>,
    /// The inputs, passed in order as `--input P [--input-name N]`.
    pub inputs: Vec<ScriptInput>,
    /// `all` or `recommended` (`--filter X`).
    pub filter: String,
    /// Absolute path of `result.json` (`--output P`).
    pub output: PathBuf,
    /// The job's scratch directory; the script's working directory.
    pub work_dir: PathBuf,
    /// Passed as `RANKMAP_JOB_ID`.
    pub job_id: String,
    /// Extra environment variable names copied from the server when set (`runner.env`).
    pub env_passthrough: Vec<String>,
    /// Time limit of the run (`runner.timeout_secs`).
    pub timeout: Duration,
    /// SIGTERM → SIGKILL grace (`runner.kill_grace_secs`).
    pub kill_grace: Duration,
    /// Largest accepted `result.json` (`runner.max_result_bytes`).
    pub max_result_bytes: u64,
    /// Absolute server paths replaced by `…` in failure texts (scratch, uploads, results and
    /// script directories).
    pub redact_paths: Vec<PathBuf>,
}

/// A run that ended with a usable result file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptSuccess {
    /// Where the result is (the run's `output`).
    pub result_path: PathBuf,
    /// Its size in bytes.
    pub result_bytes: u64,
    /// The last 4 KiB of stderr (redacted), e.g. for a debug log; empty when there was none.
    pub stderr_tail: String,
}

/// Start-up check that the configured command can run: `command[0]` is found on `PATH` (or is
/// an existing executable path) and, when the next argument ends in `.py`, that file exists.
/// The error is a sentence for one warning line, e.g. `The analysis command "python3" was not
/// found on PATH`.
pub fn check_command(command: &[String]) -> Result<(), String> {
    match process::unavailable_details(command) {
        Some(details) => Err(details),
        None => Ok(()),
    }
}

/// Runs the analysis script once (contract §2) and reports its result file or its failure.
///
/// `on_progress` receives rising progress updates, at most ten per second, only on change; the
/// latest one is delivered before a normal end (not after a cancel or shutdown). The caller
/// decides what a failure means for the job; see [`ScriptFailure::code`].
pub async fn run_script(
    run: ScriptRun,
    control: RunControl,
    mut on_progress: impl FnMut(Progress) + Send,
) -> Result<ScriptSuccess, ScriptFailure> {
    let redactor = Redactor::new(&run.redact_paths);
    if let Some(reason) = control.stop_reason() {
        return Err(stopped(reason));
    }
    if let Some(details) = process::unavailable_details(&run.command) {
        return Err(ScriptFailure::unavailable(redactor.apply(&details)));
    }
    if !run.work_dir.is_dir() {
        return Err(ScriptFailure::failed(
            "The job's working directory is missing",
        ));
    }
    let Some(program) = run.command.first().map(String::as_str) else {
        return Err(ScriptFailure::unavailable(
            "The analysis command is empty".to_owned(),
        ));
    };
    // From here on the spawned child owns a guard that kills the group however the run ends.
    let mut child = match process::spawn(&run, program, &control) {
        Err(reason) => return Err(stopped(reason)),
        Ok(Err(err)) => {
            let details = process::spawn_error_details(program, &err);
            return Err(ScriptFailure::unavailable(redactor.apply(&details)));
        }
        Ok(Ok(child)) => child,
    };
    let started = Instant::now();
    tracing::debug!(job.id = %run.job_id, pid = child.pid_raw, "analysis script spawned");
    let mut collected = supervise::collect(&mut child, &control, &run, &mut on_progress).await;
    tracing::debug!(
        job.id = %run.job_id,
        status = ?collected.status,
        ending = ?collected.ending,
        duration_ms = started.elapsed().as_millis(),
        "analysis script ended"
    );

    match collected.ending {
        Ending::Stopped(reason) => return Err(stopped(reason)),
        Ending::TimedOut => return Err(ScriptFailure::timed_out(run.timeout)),
        Ending::Exited => {}
    }
    // A stop that raced with a natural exit still wins: the caller has already recorded it.
    if let Some(reason) = control.stop_reason() {
        return Err(stopped(reason));
    }
    if let Some(progress) = collected.tracker.take_pending() {
        on_progress(progress);
    }
    judge(run, collected, &redactor).await
}

/// The outcome of a script that exited by itself: its failure, or its checked result.
async fn judge(
    run: ScriptRun,
    collected: Collected,
    redactor: &Redactor,
) -> Result<ScriptSuccess, ScriptFailure> {
    let status = collected
        .status
        .map_err(|err| ScriptFailure::failed(format!("Waiting for the analysis failed: {err}")))?;
    let stderr_raw = collected.stderr;
    if let Some(failure) = failure::from_exit(status, &stderr_raw, &run.output, redactor).await {
        return Err(failure);
    }
    let result_bytes =
        failure::check_result(&run.output, run.max_result_bytes, &stderr_raw, redactor).await?;
    Ok(ScriptSuccess {
        result_path: run.output,
        result_bytes,
        stderr_tail: stderr::details_tail(&stderr_raw, redactor, DETAILS_BYTES).unwrap_or_default(),
    })
}

fn stopped(reason: StopReason) -> ScriptFailure {
    match reason {
        StopReason::Cancel => ScriptFailure::Cancelled,
        StopReason::Shutdown => ScriptFailure::Shutdown,
    }
}

#[cfg(test)]
mod tests;
