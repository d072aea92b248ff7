//! The runner seen through the API: whatever ends a job, no process of its group is left; the
//! dispatcher never runs more than `runner.concurrency` scripts; the script's environment is an
//! allow-list; a missing analyzer fails jobs cleanly.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{TestApp, repo_root, spawn_app_with, stub_command};

fn script(name: &str) -> String {
    repo_root()
        .join("tests/fixtures/scripts")
        .join(name)
        .display()
        .to_string()
}

/// Pids whose process group is `pgid`, zombies excluded (they are gone but not yet reaped).
fn live_members(pgid: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc")
        .expect("/proc is readable")
        .flatten()
    {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces; the fields after its closing parenthesis do not.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() > 2 && fields[0] != "Z" && fields[2] == pgid.to_string() {
            pids.push(pid);
        }
    }
    pids
}

async fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.trim().is_empty()
        {
            return text.trim().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn assert_group_gone(pgid: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = live_members(pgid);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "processes of group {pgid} survived the job: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn hanging_job(app: &TestApp) -> (String, u32) {
    let id = app.submit().await;
    let pid = wait_for_file(&app.uploads.join(&id).join("pid.txt")).await;
    (id, pid.parse().expect("pid"))
}

#[tokio::test]
async fn a_timeout_kills_a_script_that_ignores_sigterm_and_its_grandchild() {
    let app = spawn_app_with(|c| {
        c.runner.command = vec!["sh".into(), script("hang.sh")];
        c.runner.timeout = Duration::from_secs(1);
        c.runner.kill_grace = Duration::from_secs(1);
    })
    .await;
    let (id, pgid) = hanging_job(&app).await;
    assert!(
        live_members(pgid).len() >= 2,
        "the script and its sleep are running"
    );
    let body = app.wait_for_job(&id).await;
    assert_eq!(body["error"]["code"], "analysis_timeout");
    assert_eq!(body["error"]["message"], "Analysis timeout");
    assert_eq!(
        body["error"]["details"],
        "The analysis took longer than 1 seconds"
    );
    assert_group_gone(pgid).await;
}

#[tokio::test]
async fn cancelling_a_running_job_leaves_no_process() {
    let app = spawn_app_with(|c| {
        c.runner.command = vec!["sh".into(), script("hang.sh")];
        c.runner.kill_grace = Duration::from_secs(1);
    })
    .await;
    let (id, pgid) = hanging_job(&app).await;
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/analysis/job/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "cancelled"
    );
    assert_group_gone(pgid).await;
    assert_eq!(
        app.status(&id).await.1["error"]["code"],
        "cancelled",
        "the first terminal state stays"
    );
}

#[tokio::test]
async fn two_hundred_jobs_with_concurrency_two_all_complete_without_overlapping_more_than_two() {
    let log = tempfile::tempdir().unwrap();
    let log_dir = log.path().display().to_string();
    let app = spawn_app_with(|c| {
        c.runner.command = vec![
            "sh".into(),
            repo_root()
                .join("tests/fixtures/stub/overlap.sh")
                .display()
                .to_string(),
            log_dir,
        ];
        c.runner.concurrency = std::num::NonZeroUsize::new(2).unwrap();
    })
    .await;
    let mut ids = Vec::new();
    for _ in 0..200 {
        ids.push(app.submit().await);
    }
    // The last job's position only ever shrinks while it waits.
    let last = ids.last().unwrap().clone();
    let mut previous = u64::MAX;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, body) = app.status(&last).await;
        if body["phase"] != "queued" {
            break;
        }
        let position = body["queuePosition"].as_u64().unwrap();
        assert!(
            position <= previous,
            "position grew from {previous} to {position}"
        );
        previous = position;
        assert!(Instant::now() < deadline, "the queue did not drain");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut intervals = Vec::new();
    for id in &ids {
        let body = app
            .wait_until(id, Duration::from_secs(120), |b| {
                b["status"] != "processing"
            })
            .await;
        assert_eq!(body["status"], "completed", "{body}");
        let record = std::fs::read_to_string(log.path().join(id)).unwrap();
        let stamp = |word: &str| -> u128 {
            record
                .lines()
                .find_map(|l| l.strip_prefix(word))
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        };
        intervals.push((stamp("start "), stamp("end ")));
    }
    let mut events: Vec<(u128, i32)> = intervals
        .iter()
        .flat_map(|&(s, e)| [(s, 1), (e, -1)])
        .collect();
    events.sort_by_key(|&(t, delta)| (t, delta));
    let (mut alive, mut most) = (0, 0);
    for (_, delta) in events {
        alive += delta;
        most = most.max(alive);
    }
    assert!(most <= 2, "{most} scripts overlapped");
    assert_eq!(intervals.len(), 200);
}

#[tokio::test]
async fn the_script_environment_is_an_allow_list() {
    // Cargo sets CARGO_MANIFEST_DIR for the test process, so the server has it too.
    let closed = spawn_app_with(|_| {}).await;
    let id = closed.submit().await;
    let env = closed.wait_for_job(&id).await["summary"]["env"].clone();
    assert_eq!(
        env["CARGO_MANIFEST_DIR"],
        Value::Null,
        "a server variable does not leak"
    );
    assert_eq!(env["RANKMAP_JOB_ID"], id.as_str());
    assert_eq!(env["PYTHONUNBUFFERED"], "1");
    let open = spawn_app_with(|c| c.runner.env = vec!["CARGO_MANIFEST_DIR".into()]).await;
    let id = open.submit().await;
    let env = open.wait_for_job(&id).await["summary"]["env"].clone();
    assert_eq!(
        env["CARGO_MANIFEST_DIR"],
        env!("CARGO_MANIFEST_DIR"),
        "a listed variable arrives"
    );
}

#[tokio::test]
async fn a_missing_interpreter_or_script_fails_the_job_with_a_clear_message() {
    for command in [
        vec!["/nonexistent/python3".to_owned(), "analyze.py".to_owned()],
        vec!["python3".to_owned(), "/nonexistent/analyze.py".to_owned()],
    ] {
        let app = spawn_app_with(|c| c.runner.command = command.clone()).await;
        let id = app.submit().await;
        let body = app.wait_for_job(&id).await;
        assert_eq!(body["error"]["code"], "analysis_failed", "{body}");
        let details = body["error"]["details"].as_str().unwrap();
        assert!(
            details.contains("does not exist") || details.contains("not found"),
            "{details}"
        );
        // The server keeps answering.
        let again = app.submit().await;
        assert_eq!(app.wait_for_job(&again).await["status"], "failed");
    }
}

#[tokio::test]
async fn progress_rises_through_the_status_body_with_its_messages() {
    let app = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--mode", "progress", "--sleep", "0.4"])
    })
    .await;
    let id = app.submit().await;
    let mut seen: Vec<(u64, String)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = app.status(&id).await;
        if body["status"] != "processing" {
            assert_eq!(body["status"], "completed");
            break;
        }
        let progress = body["progress"].as_u64().unwrap();
        let message = body["progressMessage"].as_str().unwrap_or("").to_owned();
        if seen.last().is_none_or(|(p, _)| *p != progress) {
            seen.push((progress, message));
        }
        assert!(
            Instant::now() < deadline,
            "job did not finish; saw {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress went down: {seen:?}"
    );
    for expected in [
        (10, "Reading file"),
        (50, "Mapping keywords"),
        (90, "Writing result"),
    ] {
        assert!(
            seen.iter().any(|(p, m)| (*p, m.as_str()) == expected),
            "{expected:?} not seen in {seen:?}"
        );
    }
}

#[tokio::test]
async fn purging_a_running_job_stops_it_and_removes_everything() {
    let app = spawn_app_with(|c| {
        c.runner.command = vec!["sh".into(), script("hang.sh")];
        c.runner.kill_grace = Duration::from_secs(1);
    })
    .await;
    let (id, pgid) = hanging_job(&app).await;
    let url = app.url(&format!("/api/v1/analysis/job/{id}?purge=true"));
    let r = app.client.delete(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_group_gone(pgid).await;
    assert_eq!(app.status(&id).await.0, 404);
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.uploads.join(&id).exists() {
        assert!(Instant::now() < deadline, "scratch dir left behind");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
