//! Spawning the script in its own process group, watching it exit, and reaping it.
//!
//! The exit of the direct child is observed with `waitid(WNOWAIT)` (woken by SIGCHLD), which
//! does *not* reap it: the zombie keeps the group id reserved while the rest of the group is
//! SIGKILLed, and only then is the child reaped. Nothing here talks to a shell.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use rustix::process::{Pid, WaitId, WaitIdOptions, waitid};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::ScriptRun;
use super::control::{GroupGuard, RunControl, StopReason};

/// Environment variables always copied from the server when set.
const BASE_ENV: [&str; 3] = ["PATH", "HOME", "LANG"];
/// Used when the server itself has no `PATH`.
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";
/// Used when the server itself has no `LANG`, so Python writes UTF-8.
const DEFAULT_LANG: &str = "C.UTF-8";
/// How often the exit watcher looks at the child when it gets no SIGCHLD notifications.
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// How often it looks anyway when it does.
const SIGCHLD_BACKSTOP: Duration = Duration::from_millis(250);

/// The full argv: the configured command followed by the protocol arguments of contract §2.
pub(crate) fn script_args(run: &ScriptRun) -> Vec<&OsStr> {
    let mut args: Vec<&OsStr> = run.command.iter().skip(1).map(OsStr::new).collect();
    for input in &run.inputs {
        args.push(OsStr::new("--input"));
        args.push(input.path.as_os_str());
        if let Some(name) = &input.name {
            args.push(OsStr::new("--input-name"));
            args.push(OsStr::new(name));
        }
    }
    args.extend([OsStr::new("--filter"), OsStr::new(&run.filter)]);
    args.extend([OsStr::new("--output"), run.output.as_os_str()]);
    args
}

/// The child's whole environment: the allow-list of contract §2, nothing inherited.
pub(crate) fn script_env(
    run: &ScriptRun,
    lookup: impl Fn(&str) -> Option<String>,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut set = |name: &str, value: String| {
        env.retain(|(existing, _)| existing != name);
        env.push((name.to_owned(), value));
    };
    for name in &run.env_passthrough {
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            continue;
        }
        if let Some(value) = lookup(name) {
            set(name, value);
        }
    }
    for name in BASE_ENV {
        if let Some(value) = lookup(name) {
            set(name, value);
        }
    }
    if lookup("PATH").is_none() {
        set("PATH", DEFAULT_PATH.to_owned());
    }
    if lookup("LANG").is_none() {
        set("LANG", DEFAULT_LANG.to_owned());
    }
    set("PYTHONUNBUFFERED", "1".to_owned());
    set("RANKMAP_JOB_ID", run.job_id.clone());
    env
}

fn build_command(run: &ScriptRun, program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(script_args(run))
        .env_clear()
        .envs(script_env(run, |name| std::env::var(name).ok()))
        .current_dir(&run.work_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    cmd
}

/// A running script: the child, its pipes, and the means to see it exit.
pub(crate) struct Spawned {
    /// Declared first so it drops first: the group is SIGKILLed while the direct child is still
    /// unreaped (tokio may reap a dropped child at any time after its own drop).
    _guard: GroupGuard,
    child: Child,
    pid: Pid,
    /// SIGCHLD notifications; `None` if they could not be registered (then only polling).
    sigchld: Option<Signal>,
    exited: bool,
    /// The direct child's pid as a number, for logs.
    pub(crate) pid_raw: i32,
    pub(crate) stdout: Option<ChildStdout>,
    pub(crate) stderr: Option<ChildStderr>,
}

/// Spawns the script with its group registered in `control` (see
/// [`RunControl::spawn_registered`]). `Err` carries the stop request that prevented the spawn.
pub(crate) fn spawn(
    run: &ScriptRun,
    program: &str,
    control: &RunControl,
) -> Result<io::Result<Spawned>, StopReason> {
    let mut cmd = build_command(run, program);
    // Registered before the spawn so that no SIGCHLD of this child can be missed.
    let sigchld = match signal(SignalKind::child()) {
        Ok(stream) => Some(stream),
        Err(err) => {
            tracing::debug!(%err, "no SIGCHLD stream, polling for the script's exit");
            None
        }
    };
    control.spawn_registered(|| {
        let mut child = cmd.spawn()?;
        let pid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(Pid::from_raw)
            .ok_or_else(|| io::Error::other("the spawned script has no pid"))?;
        let spawned = Spawned {
            _guard: GroupGuard::new(control.clone()),
            pid_raw: pid.as_raw_nonzero().get(),
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
            child,
            pid,
            sigchld,
            exited: false,
        };
        Ok((spawned, pid))
    })
}

impl Spawned {
    /// Resolves once the direct child has died, leaving it an unreaped zombie so that its pid
    /// (the group id) stays reserved. Cancel-safe.
    pub(crate) async fn exited(&mut self) {
        while !self.exited {
            self.exited = match waitid(
                WaitId::Pid(self.pid),
                WaitIdOptions::EXITED | WaitIdOptions::NOWAIT | WaitIdOptions::NOHANG,
            ) {
                Ok(status) => status.is_some(),
                // Not our child any more (reaped elsewhere): it is gone either way.
                Err(_) => true,
            };
            if self.exited {
                return;
            }
            match &mut self.sigchld {
                // Any child's SIGCHLD wakes this; the periodic look covers coalesced signals.
                Some(stream) => {
                    let _ = tokio::time::timeout(SIGCHLD_BACKSTOP, stream.recv()).await;
                }
                None => tokio::time::sleep(POLL_INTERVAL).await,
            }
        }
    }

    /// Kills what is left of the group, forgets it, and only then reaps the direct child.
    pub(crate) async fn reap(&mut self, control: &RunControl) -> io::Result<ExitStatus> {
        self.exited().await;
        control.kill_and_forget();
        self.child.wait().await
    }
}

/// Why the configured command cannot run, in words for the job's failure details.
pub(crate) fn unavailable_details(command: &[String]) -> Option<String> {
    let Some(program) = command.first() else {
        return Some("The analysis command is empty".to_owned());
    };
    if program.contains('/') {
        let path = Path::new(program);
        if !path.is_file() {
            return Some(format!("The analysis command \"{program}\" does not exist"));
        }
        if !is_executable(path) {
            return Some(format!(
                "The analysis command \"{program}\" is not executable"
            ));
        }
    } else if find_on_path(program).is_none() {
        return Some(format!(
            "The analysis command \"{program}\" was not found on PATH"
        ));
    }
    if let Some(script) = command.get(1).filter(|arg| arg.ends_with(".py"))
        && !Path::new(script).is_file()
    {
        return Some(format!("The analysis script \"{script}\" does not exist"));
    }
    None
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| DEFAULT_PATH.into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file() && is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    rustix::fs::access(path, rustix::fs::Access::EXEC_OK).is_ok()
}

/// Maps a spawn error to the failure details shown on the job.
pub(crate) fn spawn_error_details(program: &str, err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound if program.contains('/') => {
            format!("The analysis command \"{program}\" does not exist")
        }
        io::ErrorKind::NotFound => {
            format!("The analysis command \"{program}\" was not found on PATH")
        }
        io::ErrorKind::PermissionDenied => {
            format!("The analysis command \"{program}\" is not executable")
        }
        _ => format!("The analysis command \"{program}\" could not be started: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::PathBuf;

    use super::*;

    fn run_with(passthrough: &[&str]) -> ScriptRun {
        ScriptRun {
            command: vec!["python3".into()],
            inputs: Vec::new(),
            filter: "all".into(),
            output: PathBuf::from("/tmp/result.json"),
            work_dir: PathBuf::from("/tmp"),
            job_id: "job_1".into(),
            env_passthrough: passthrough.iter().map(|name| (*name).to_owned()).collect(),
            timeout: Duration::from_secs(1),
            kill_grace: Duration::from_secs(1),
            max_result_bytes: 1,
            redact_paths: Vec::new(),
        }
    }

    fn env_of(run: &ScriptRun, server: &[(&str, &str)]) -> HashMap<String, String> {
        let server: HashMap<&str, &str> = server.iter().copied().collect();
        script_env(run, |name| server.get(name).map(|v| (*v).to_owned()))
            .into_iter()
            .collect()
    }

    #[test]
    fn the_environment_is_the_allow_list_with_defaults() {
        let env = env_of(&run_with(&[]), &[("SECRET", "x"), ("HOME", "/home/app")]);
        let expected: HashMap<String, String> = [
            ("PATH", DEFAULT_PATH),
            ("HOME", "/home/app"),
            ("LANG", DEFAULT_LANG),
            ("PYTHONUNBUFFERED", "1"),
            ("RANKMAP_JOB_ID", "job_1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(env, expected);
    }

    #[test]
    fn listed_names_pass_but_cannot_override_the_protocol_variables() {
        let run = run_with(&["SECRET", "MISSING", "RANKMAP_JOB_ID", "A=B", ""]);
        let server = [
            ("SECRET", "x"),
            ("RANKMAP_JOB_ID", "forged"),
            ("PATH", "/opt/bin"),
        ];
        let env = env_of(&run, &server);
        assert_eq!(env.get("SECRET").map(String::as_str), Some("x"));
        assert_eq!(env.get("RANKMAP_JOB_ID").map(String::as_str), Some("job_1"));
        assert_eq!(env.get("PATH").map(String::as_str), Some("/opt/bin"));
        assert!(!env.contains_key("MISSING"));
        assert_eq!(env.len(), 5);
    }
}
