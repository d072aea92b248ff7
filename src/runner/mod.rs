//! Runs the analysis script (contract §2): minimal runner, to be hardened.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

/// One input of the script.
#[derive(Debug, Clone)]
pub struct ScriptInput {
    pub path: PathBuf,
    pub name: Option<String>,
}

/// Everything needed to run the script once.
#[derive(Debug, Clone)]
pub struct ScriptRun {
    pub command: Vec<String>,
    pub inputs: Vec<ScriptInput>,
    pub filter: String,
    pub output: PathBuf,
    pub work_dir: PathBuf,
    pub job_id: String,
    pub env_passthrough: Vec<String>,
    pub timeout: Duration,
    pub kill_grace: Duration,
    pub max_result_bytes: u64,
    pub redact_paths: Vec<PathBuf>,
}

/// A progress line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub percent: u8,
    pub message: Option<String>,
}

/// A successful run.
#[derive(Debug)]
pub struct ScriptSuccess {
    pub result_path: PathBuf,
    pub result_bytes: u64,
    pub stderr_tail: String,
}

/// A failed run.
#[derive(Debug)]
pub enum ScriptFailure {
    Failed {
        message: String,
        details: Option<String>,
    },
    TimedOut {
        message: String,
        details: String,
    },
    Cancelled,
    Shutdown,
    Unavailable {
        message: String,
        details: String,
    },
}

/// Cancels a run.
#[derive(Clone, Default)]
pub struct RunControl {
    token: CancellationToken,
    shutdown: Arc<Mutex<bool>>,
}

impl RunControl {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.token.cancel();
    }
    pub fn shutdown(&self) {
        if let Ok(mut s) = self.shutdown.lock() {
            *s = true;
        }
        self.token.cancel();
    }
}

/// Checks that the command can run.
pub fn check_command(command: &[String]) -> Result<(), String> {
    if command.is_empty() {
        Err("empty command".into())
    } else {
        Ok(())
    }
}

/// Runs the script.
pub async fn run_script(
    run: ScriptRun,
    control: RunControl,
    mut on_progress: impl FnMut(Progress) + Send,
) -> Result<ScriptSuccess, ScriptFailure> {
    let mut cmd = Command::new(&run.command[0]);
    cmd.args(&run.command[1..]);
    for input in &run.inputs {
        cmd.arg("--input").arg(&input.path);
        if let Some(name) = &input.name {
            cmd.arg("--input-name").arg(name);
        }
    }
    cmd.arg("--filter")
        .arg(&run.filter)
        .arg("--output")
        .arg(&run.output);
    cmd.current_dir(&run.work_dir)
        .env_clear()
        .process_group(0)
        .kill_on_drop(true);
    for name in ["PATH", "HOME", "LANG"] {
        if let Ok(v) = std::env::var(name) {
            cmd.env(name, v);
        }
    }
    cmd.env("PYTHONUNBUFFERED", "1")
        .env("RANKMAP_JOB_ID", &run.job_id);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| ScriptFailure::Unavailable {
        message: "Analysis failed".into(),
        details: format!("The analysis command could not start: {e}"),
    })?;
    let stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let stderr_task = tokio::spawn(async move {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut buf).await;
        }
        buf
    });
    let wait = async {
        if let Some(out) = stdout {
            let mut lines = BufReader::new(out).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                    && let Some(p) = v.get("progress").and_then(|p| p.as_f64())
                {
                    let message = v.get("message").and_then(|m| m.as_str()).map(str::to_owned);
                    on_progress(Progress {
                        percent: p.clamp(0.0, 99.0) as u8,
                        message,
                    });
                }
            }
        }
        child.wait().await
    };
    let status = tokio::select! {
        s = tokio::time::timeout(run.timeout, wait) => match s {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(ScriptFailure::Failed { message: "Analysis failed".into(), details: Some(e.to_string()) }),
            Err(_) => return Err(ScriptFailure::TimedOut {
                message: "Analysis timeout".into(),
                details: format!("The analysis took longer than {} seconds", run.timeout.as_secs()),
            }),
        },
        _ = control.token.cancelled() => {
            let shutdown = control.shutdown.lock().map(|s| *s).unwrap_or(false);
            return Err(if shutdown { ScriptFailure::Shutdown } else { ScriptFailure::Cancelled });
        }
    };
    let stderr = stderr_task.await.unwrap_or_default();
    let tail = String::from_utf8_lossy(&stderr[stderr.len().saturating_sub(4096)..]).into_owned();
    match status.code() {
        Some(0) => {
            let bytes = std::fs::metadata(&run.output).map(|m| m.len()).unwrap_or(0);
            if bytes == 0 {
                return Err(ScriptFailure::Failed {
                    message: "Analysis failed".into(),
                    details: Some(format!(
                        "The analysis exited without writing a valid result{tail}"
                    )),
                });
            }
            Ok(ScriptSuccess {
                result_path: run.output,
                result_bytes: bytes,
                stderr_tail: tail,
            })
        }
        Some(2) => {
            let parsed: Option<serde_json::Value> = std::fs::read(&run.output)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok());
            let err = parsed.as_ref().and_then(|v| v.get("error"));
            Err(ScriptFailure::Failed {
                message: err
                    .and_then(|e| e.get("message"))
                    .and_then(|m| m.as_str())
                    .unwrap_or("Analysis failed")
                    .to_owned(),
                details: err
                    .and_then(|e| e.get("details"))
                    .and_then(|m| m.as_str())
                    .map(str::to_owned),
            })
        }
        code => Err(ScriptFailure::Failed {
            message: "Analysis failed".into(),
            details: Some(if tail.is_empty() {
                format!("Exited with code {}", code.unwrap_or(-1))
            } else {
                tail
            }),
        }),
    }
}
