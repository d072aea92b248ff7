//! Tests of [`run_script`] against real scripts from `tests/fixtures/scripts/`, and the helpers
//! they share: a scratch directory per test, bounded polling, and a `/proc` scan for the members
//! of a process group.

mod endings;
mod launch;
mod lifecycle;
mod streams;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

use super::*;

/// Serialises the tests that are heavy or timing-sensitive, so two busy cores stay enough.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Deadline for anything that should happen "soon" (generous for a loaded machine).
const SOON: Duration = Duration::from_secs(20);

pub(super) const JOB_ID: &str = "job_1738268400000_a1b2c3d4e5f6a7b8";

pub(super) fn script(name: &str) -> String {
    format!(
        "{}/tests/fixtures/scripts/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

pub(super) fn sh(name: &str, args: &[&str]) -> Vec<String> {
    let mut command = vec!["sh".to_owned(), script(name)];
    command.extend(args.iter().map(|arg| (*arg).to_owned()));
    command
}

pub(super) fn py(name: &str) -> Vec<String> {
    vec!["python3".to_owned(), script(name)]
}

/// A job's scratch directory for one test.
pub(super) struct Scratch {
    dir: TempDir,
}

impl Scratch {
    pub(super) fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir for the test");
        std::fs::write(dir.path().join("input.csv"), "keyword,clicks\nseo,1\n").expect("input");
        Self { dir }
    }

    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(super) fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A run of `command` in this directory with test-sized limits.
    pub(super) fn run(&self, command: Vec<String>) -> ScriptRun {
        ScriptRun {
            command,
            inputs: vec![ScriptInput {
                path: self.file("input.csv"),
                name: None,
            }],
            filter: "all".to_owned(),
            output: self.file("result.json"),
            work_dir: self.path().to_path_buf(),
            job_id: JOB_ID.to_owned(),
            env_passthrough: Vec::new(),
            timeout: Duration::from_secs(60),
            kill_grace: Duration::from_secs(2),
            max_result_bytes: 1024 * 1024,
            redact_paths: vec![self.path().to_path_buf()],
        }
    }

    /// Waits until the script wrote `name` (non-empty) and returns its trimmed contents.
    pub(super) async fn wait_for(&self, name: &str) -> String {
        let path = self.file(name);
        let deadline = tokio::time::Instant::now() + SOON;
        loop {
            if let Ok(text) = std::fs::read_to_string(&path)
                && !text.trim().is_empty()
            {
                return text.trim().to_owned();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} was not written within {SOON:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The pid the script wrote to `name`.
    pub(super) async fn pid(&self, name: &str) -> i32 {
        let text = self.wait_for(name).await;
        text.parse()
            .unwrap_or_else(|_| panic!("{name} holds no pid: {text:?}"))
    }
}

/// One process as `/proc/<pid>/stat` describes it.
#[derive(Debug)]
pub(super) struct ProcInfo {
    pub(super) pid: i32,
    pub(super) state: char,
    pub(super) pgrp: i32,
}

pub(super) fn proc_info(pid: i32) -> Option<ProcInfo> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some(ProcInfo { pid, state, pgrp })
}

/// Living (non-zombie) processes whose process group is `pgid`.
pub(super) fn group_members(pgid: i32) -> Vec<ProcInfo> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        panic!("/proc is not readable; the process checks need it");
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(proc_info)
        .filter(|info| info.pgrp == pgid && info.state != 'Z' && info.state != 'X')
        .collect()
}

pub(super) fn is_alive(pid: i32) -> bool {
    proc_info(pid).is_some_and(|info| info.state != 'Z' && info.state != 'X')
}

/// Waits until no living process is left in group `pgid`; fails listing the survivors.
pub(super) async fn assert_group_gone(pgid: i32) {
    let deadline = tokio::time::Instant::now() + SOON;
    loop {
        let members = group_members(pgid);
        if members.is_empty() {
            return;
        }
        let survivors: Vec<String> = members
            .iter()
            .map(|m| format!("{} ({})", m.pid, m.state))
            .collect();
        assert!(
            tokio::time::Instant::now() < deadline,
            "processes of group {pgid} still alive after {SOON:?}: {survivors:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A progress callback recording into a shared list (usable from spawned tasks).
pub(super) fn recorder() -> (
    std::sync::Arc<std::sync::Mutex<Vec<Progress>>>,
    impl FnMut(Progress) + Send + 'static,
) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&seen);
    let record = move |progress: Progress| {
        sink.lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(progress);
    };
    (seen, record)
}

pub(super) fn recorded(seen: &std::sync::Mutex<Vec<Progress>>) -> Vec<Progress> {
    seen.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

pub(super) fn progress(percent: u8, message: &str) -> Progress {
    Progress {
        percent,
        message: Some(message.to_owned()),
    }
}

/// The details of a failure, for compact assertions.
pub(super) fn failure_text(result: &Result<ScriptSuccess, ScriptFailure>) -> (String, String) {
    match result {
        Err(failure) => (
            failure.message().unwrap_or_default().to_owned(),
            failure.details().unwrap_or_default().to_owned(),
        ),
        Ok(success) => panic!("expected a failure, got {success:?}"),
    }
}
