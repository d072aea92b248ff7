//! Graceful shutdown of the real binary (contract §6): SIGTERM drains, finishes what can finish
//! within the grace, stops the rest, and exits 0 in time.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::repo_root;

#[tokio::test]
async fn sigterm_drains_finishes_short_jobs_stops_hanging_ones_and_exits_zero_in_time() {
    let dirs = tempfile::tempdir().unwrap();
    let stub = repo_root().join("tests/fixtures/stub/analyzer.py");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rankmap"))
        .env("RANKMAP__SERVER__BIND", "127.0.0.1:0")
        .env("RANKMAP__SERVER__SHUTDOWN_GRACE_SECS", "6")
        .env("RANKMAP__RUNNER__KILL_GRACE_SECS", "1")
        .env("RANKMAP__RUNNER__CONCURRENCY", "2")
        .env("RANKMAP__STORAGE__UPLOADS_DIR", dirs.path().join("uploads"))
        .env("RANKMAP__STORAGE__RESULTS_DIR", dirs.path().join("results"))
        .env("RANKMAP__STORAGE__MIN_FREE_BYTES", "0")
        .env(
            "RANKMAP__RUNNER__COMMAND",
            format!(
                r#"["python3", "{}", "--mode", "input-sleep"]"#,
                stub.display()
            ),
        )
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("server log ends before listening")
            .unwrap();
        if let Some(addr) = line.split("listening on ").nth(1) {
            break addr.trim().to_owned();
        }
    };
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            eprintln!("server: {line}");
        }
    }); // keep the pipe drained
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let upload = |seconds: &'static str| {
        let (client, url) = (
            client.clone(),
            format!("{base}/api/v1/analysis/analyze-file"),
        );
        async move {
            let part = reqwest::multipart::Part::bytes(format!("{seconds}\n").into_bytes())
                .file_name("q.csv");
            client
                .post(url)
                .multipart(reqwest::multipart::Form::new().part("file", part))
                .send()
                .await
                .unwrap()
        }
    };
    let job = |r: reqwest::Response| async move {
        r.json::<Value>().await.unwrap()["jobId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let status = |id: String| {
        let (client, url) = (client.clone(), format!("{base}/api/v1/analysis/job/{id}"));
        async move {
            client
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let short = job(upload("1").await).await;
    let hanging = job(upload("3600").await).await;
    let queued = job(upload("0").await).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while status(short.clone()).await["phase"] != "running"
        || status(hanging.clone()).await["phase"] != "running"
    {
        assert!(Instant::now() < deadline, "jobs did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status(queued.clone()).await["phase"], "queued");

    let signalled = Instant::now();
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    // While draining: uploads are refused, reads keep working, queued jobs failed at once.
    let deadline = Instant::now() + Duration::from_secs(2);
    let refused = loop {
        let r = upload("0").await;
        if r.status() == 503 {
            break r;
        }
        assert!(
            Instant::now() < deadline,
            "uploads still accepted while draining"
        );
    };
    assert_eq!(refused.headers()["retry-after"], "5");
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"]["code"],
        "shutdown"
    );
    let body = status(queued.clone()).await;
    assert_eq!(
        (body["status"].as_str(), body["error"]["code"].as_str()),
        (Some("failed"), Some("shutdown"))
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = status(short.clone()).await;
        if body["status"] == "completed" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the short job did not finish: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let exit = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    let took = signalled.elapsed();
    assert_eq!(exit.code(), Some(0));
    assert!(took < Duration::from_secs(6 + 1 + 5), "took {took:?}");
    assert!(
        took >= Duration::from_secs(6),
        "the hanging job got its grace: {took:?}"
    );
    let report = dirs
        .path()
        .join("results")
        .join(&short)
        .join(format!("rankmap_{short}.xlsx"));
    assert!(report.exists(), "the short job's report was written");
    let uploads: Vec<_> = std::fs::read_dir(dirs.path().join("uploads"))
        .unwrap()
        .collect();
    assert!(uploads.is_empty(), "scratch dirs left: {uploads:?}");
    let leftovers = std::process::Command::new("pgrep")
        .args(["-f", "input-sleep"])
        .output();
    if let Ok(out) = leftovers {
        let pids = String::from_utf8_lossy(&out.stdout).to_string();
        let ours: Vec<&str> = pids.lines().filter(|p| !p.is_empty()).collect();
        let alive: Vec<&&str> = ours
            .iter()
            .filter(|p| {
                std::fs::read_to_string(format!("/proc/{p}/cmdline"))
                    .is_ok_and(|c| c.contains(&*dirs.path().to_string_lossy()))
            })
            .collect();
        assert!(alive.is_empty(), "scripts outlived the server: {alive:?}");
    }
}
