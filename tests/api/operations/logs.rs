//! Logs of the real binary: `log.format = "json"` gives one JSON object per line, every line
//! of a request carries its request id, the job lifecycle is one info line per event with
//! `job.id`, and `log.level` filters by target.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::stub_command;

/// The binary serving on a free port; killed on drop if a test fails half-way.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    base: String,
    _dirs: tempfile::TempDir,
}

impl Server {
    fn start(format: &str, level: &str) -> Self {
        let dirs = tempfile::tempdir().unwrap();
        let command = serde_json::to_string(&stub_command(&[])).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rankmap"))
            .env_remove("RANKMAP_CONFIG")
            .env_remove("RUST_LOG")
            .env("RANKMAP__LOG__FORMAT", format)
            .env("RANKMAP__LOG__LEVEL", level)
            .env("RANKMAP__SERVER__BIND", "127.0.0.1:0")
            .env("RANKMAP__STORAGE__UPLOADS_DIR", dirs.path().join("uploads"))
            .env("RANKMAP__STORAGE__RESULTS_DIR", dirs.path().join("results"))
            .env("RANKMAP__STORAGE__MIN_FREE_BYTES", "0")
            .env("RANKMAP__RUNNER__COMMAND", command)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut server = Self {
            child,
            lines,
            base: String::new(),
            _dirs: dirs,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while server.base.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = server
                .lines
                .recv_timeout(left)
                .expect("the server logs `listening on`");
            if let Some((_, addr)) = line.split_once("listening on ") {
                let addr: String = addr
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                    .collect();
                server.base = format!("http://{addr}");
            }
        }
        server
    }

    /// SIGTERM, wait for a clean exit, and return every stderr line.
    fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "the server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "exit status {status}");
        let mut lines = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            lines.push(line);
        }
        lines
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Uploads a CSV with `request_id` and waits until the job is completed.
async fn run_one_job(base: &str, request_id: &str) -> String {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let part =
        reqwest::multipart::Part::bytes(b"query,clicks\nduo,1\n".to_vec()).file_name("Queries.csv");
    let response = client
        .post(format!("{base}/api/v1/analysis/analyze-file"))
        .header("x-request-id", request_id)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(response.headers()["x-request-id"], request_id);
    let id = response.json::<Value>().await.unwrap()["jobId"]
        .as_str()
        .unwrap()
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let url = format!("{base}/api/v1/analysis/job/{id}");
        let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
        if body["status"] == "completed" {
            return id;
        }
        assert!(Instant::now() < deadline, "job did not complete: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The request id of a JSON line's current span, if it is inside a request.
fn span_request_id(line: &Value) -> Option<&str> {
    line["span"]["request_id"].as_str()
}

#[tokio::test]
async fn json_logs_parse_line_by_line_and_carry_the_request_id() {
    let server = Server::start("json", "info");
    let request_id = format!("ops-log-test-{}", std::process::id());
    let job = run_one_job(&server.base, &request_id).await;
    let lines = server.stop();

    let parsed: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        parsed
            .iter()
            .all(|v| v.is_object() && v["level"].is_string())
    );
    let message = |v: &Value| v["message"].as_str().unwrap_or("").to_owned();
    let of_request: Vec<&Value> = parsed
        .iter()
        .filter(|v| span_request_id(v) == Some(request_id.as_str()))
        .collect();
    let said: Vec<String> = of_request.iter().map(|v| message(v)).collect();
    assert!(said.contains(&"upload accepted".to_owned()), "{lines:#?}");
    assert!(said.contains(&"job created".to_owned()), "{lines:#?}");
    // A line that names the upload without the request span would be a line missing its id.
    for line in &parsed {
        if message(line) == "upload accepted" {
            assert_eq!(span_request_id(line), Some(request_id.as_str()), "{line}");
        }
    }
    for event in ["job created", "job started", "job completed"] {
        let found = parsed.iter().any(|v| {
            message(v) == event && v["level"] == "INFO" && v["job.id"].as_str() == Some(&job)
        });
        assert!(found, "no info line {event:?} with job.id: {lines:#?}");
    }
}

#[tokio::test]
async fn log_level_filters_by_target() {
    let server = Server::start("text", "rankmap=info,rankmap::jobs=warn");
    let request_id = format!("ops-level-test-{}", std::process::id());
    run_one_job(&server.base, &request_id).await;
    let lines = server.stop();
    let accepted = lines
        .iter()
        .find(|l| l.contains("upload accepted"))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(
        accepted.contains(&format!("request_id={request_id}")),
        "{accepted}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("job created")),
        "rankmap::jobs is at warn: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| serde_json::from_str::<Value>(l).is_err()),
        "text format"
    );
}
