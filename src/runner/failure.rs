//! Turning how a script ended into the job's outcome, with the exact texts of contract §2.
//!
//! Everything here is decided from the exit status, the stderr ring and the output file; no
//! process is touched. Every text that reaches a job goes through the [`Redactor`].

use std::path::Path;
use std::process::ExitStatus;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::AsyncReadExt;

use super::stderr::{self, DETAILS_BYTES, Redactor};

/// The generic failure message of contract §2.
pub(crate) const ANALYSIS_FAILED: &str = "Analysis failed";
/// The timeout message of contract §2.
pub(crate) const ANALYSIS_TIMEOUT: &str = "Analysis timeout";
/// Details of an exit 0 without a usable result.
pub(crate) const NO_VALID_RESULT: &str = "The analysis exited without writing a valid result";
/// Details of a result over `runner.max_result_bytes`.
pub(crate) const RESULT_TOO_LARGE: &str = "result too large";
/// Longest user-facing message, in characters.
pub(crate) const MESSAGE_CHARS: usize = 500;
/// Largest error file that is read for an exit-2 failure.
const ERROR_FILE_BYTES: u64 = 1024 * 1024;

/// Why a run did not produce a result. Each variant maps to one job failure code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptFailure {
    /// The script failed (crash, non-zero exit, exit 2 with its own error, no valid result,
    /// result too large): job code `analysis_failed`.
    #[error("{message}")]
    Failed {
        /// User-facing message, at most 500 characters.
        message: String,
        /// More context, at most 4 KiB, server paths redacted.
        details: Option<String>,
    },
    /// The script ran past `runner.timeout_secs`: job code `analysis_timeout`.
    #[error("{message}")]
    TimedOut {
        /// Always `Analysis timeout`.
        message: String,
        /// `The analysis took longer than N seconds`.
        details: String,
    },
    /// Stopped by [`super::RunControl::cancel`]; the caller has already recorded the cancel.
    #[error("cancelled")]
    Cancelled,
    /// Stopped by [`super::RunControl::shutdown`]: job code `shutdown`.
    #[error("shutdown")]
    Shutdown,
    /// The interpreter or the script is missing or not executable: job code `analysis_failed`.
    #[error("{message}: {details}")]
    Unavailable {
        /// Always `Analysis failed`.
        message: String,
        /// What is missing, e.g. `The analysis command "python3" was not found on PATH`.
        details: String,
    },
}

impl ScriptFailure {
    /// The job failure code of contract §0 for this outcome.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Failed { .. } | Self::Unavailable { .. } => "analysis_failed",
            Self::TimedOut { .. } => "analysis_timeout",
            Self::Cancelled => "cancelled",
            Self::Shutdown => "shutdown",
        }
    }

    /// The user-facing message (`None` for cancel and shutdown, which the caller words).
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Failed { message, .. }
            | Self::TimedOut { message, .. }
            | Self::Unavailable { message, .. } => Some(message),
            Self::Cancelled | Self::Shutdown => None,
        }
    }

    /// The details shown beside the message, if any.
    pub fn details(&self) -> Option<&str> {
        match self {
            Self::Failed { details, .. } => details.as_deref(),
            Self::TimedOut { details, .. } | Self::Unavailable { details, .. } => Some(details),
            Self::Cancelled | Self::Shutdown => None,
        }
    }

    pub(crate) fn failed(details: impl Into<String>) -> Self {
        Self::Failed {
            message: ANALYSIS_FAILED.to_owned(),
            details: Some(details.into()),
        }
    }

    pub(crate) fn unavailable(details: String) -> Self {
        Self::Unavailable {
            message: ANALYSIS_FAILED.to_owned(),
            details,
        }
    }

    pub(crate) fn timed_out(limit: Duration) -> Self {
        Self::TimedOut {
            message: ANALYSIS_TIMEOUT.to_owned(),
            details: format!(
                "The analysis took longer than {} seconds",
                format_secs(limit)
            ),
        }
    }
}

/// Whole seconds as an integer, anything finer with its fraction (`600`, `0.5`).
pub(crate) fn format_secs(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        duration.as_secs().to_string()
    } else {
        format!("{}", duration.as_secs_f64())
    }
}

/// The conventional name of a signal, for `Killed by signal SIGSEGV (11)`.
pub(crate) fn signal_name(signal: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    let index = usize::try_from(signal).ok()?.checked_sub(1)?;
    NAMES.get(index).copied()
}

fn killed_by(signal: i32) -> String {
    match signal_name(signal) {
        Some(name) => format!("Killed by signal {name} ({signal})"),
        None => format!("Killed by signal {signal}"),
    }
}

/// The failure for a script that ended on its own with a non-zero status or a signal.
/// `None` for exit 0, which is judged by [`check_result`].
pub(crate) async fn from_exit(
    status: ExitStatus,
    stderr_raw: &[u8],
    output: &Path,
    redactor: &Redactor,
) -> Option<ScriptFailure> {
    use std::os::unix::process::ExitStatusExt;
    let tail = || stderr::details_tail(stderr_raw, redactor, DETAILS_BYTES);
    if let Some(signal) = status.signal() {
        return Some(ScriptFailure::failed(
            tail().unwrap_or_else(|| killed_by(signal)),
        ));
    }
    match status.code() {
        Some(0) => None,
        Some(2) => Some(match read_error_file(output, redactor).await {
            Some(failure) => failure,
            None => ScriptFailure::failed(tail().unwrap_or_else(|| "Exited with code 2".into())),
        }),
        Some(code) => Some(ScriptFailure::failed(
            tail().unwrap_or_else(|| format!("Exited with code {code}")),
        )),
        None => Some(ScriptFailure::failed(
            tail().unwrap_or_else(|| status.to_string()),
        )),
    }
}

#[derive(Deserialize)]
struct ErrorFile {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
    #[serde(default)]
    details: Option<String>,
}

/// The script's own error from an exit-2 output file, or `None` when it is missing or invalid.
pub(crate) async fn read_error_file(output: &Path, redactor: &Redactor) -> Option<ScriptFailure> {
    let file = tokio::fs::File::open(output).await.ok()?;
    let mut bytes = Vec::new();
    file.take(ERROR_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .await
        .ok()?;
    if bytes.len() as u64 > ERROR_FILE_BYTES {
        return None;
    }
    parse_error_file(&bytes, redactor)
}

/// Parses `{"error": {"message": …, "details": …}}`, enforcing the length limits.
pub(crate) fn parse_error_file(bytes: &[u8], redactor: &Redactor) -> Option<ScriptFailure> {
    let parsed: ErrorFile = serde_json::from_slice(bytes).ok()?;
    let message = redactor.apply(parsed.error.message.trim());
    if message.is_empty() {
        return None;
    }
    let details = parsed
        .error
        .details
        .map(|details| redactor.apply(&details))
        .filter(|details| !details.trim().is_empty())
        .map(|details| stderr::head_on_char_boundary(&details, DETAILS_BYTES).to_owned());
    Some(ScriptFailure::Failed {
        message: message.chars().take(MESSAGE_CHARS).collect(),
        details,
    })
}

/// The cheap check after exit 0: the result exists, fits `max_bytes`, and starts like a JSON
/// object. Returns its size. Full validation happens when the result is ingested.
pub(crate) async fn check_result(
    output: &Path,
    max_bytes: u64,
    stderr_raw: &[u8],
    redactor: &Redactor,
) -> Result<u64, ScriptFailure> {
    let invalid = || {
        let budget = DETAILS_BYTES - NO_VALID_RESULT.len() - 1;
        match stderr::details_tail(stderr_raw, redactor, budget) {
            Some(tail) => ScriptFailure::failed(format!("{NO_VALID_RESULT}\n{tail}")),
            None => ScriptFailure::failed(NO_VALID_RESULT),
        }
    };
    let Ok(meta) = tokio::fs::metadata(output).await else {
        return Err(invalid());
    };
    if !meta.is_file() {
        return Err(invalid());
    }
    if meta.len() > max_bytes {
        return Err(ScriptFailure::failed(RESULT_TOO_LARGE));
    }
    match starts_like_object(output).await {
        Ok(true) => Ok(meta.len()),
        _ => Err(invalid()),
    }
}

async fn starts_like_object(path: &Path) -> std::io::Result<bool> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut chunk = [0u8; 4096];
    loop {
        let n = file.read(&mut chunk).await?;
        if n == 0 {
            return Ok(false);
        }
        if let Some(&first) = chunk[..n]
            .iter()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            return Ok(first == b'{');
        }
    }
}

#[cfg(test)]
#[path = "failure_tests.rs"]
mod tests;
