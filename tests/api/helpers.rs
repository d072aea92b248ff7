//! Starting a server for a test and talking to it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rankmap::config::Config;
use rankmap::startup::Application;
use serde_json::Value;
use tokio::sync::oneshot;

/// A running server with its own directories.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub uploads: PathBuf,
    pub results: PathBuf,
    /// The server's shared state, for driving the job service directly (e.g. a sweep at a
    /// chosen time).
    pub state: rankmap::state::AppState,
    _dirs: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    pub stopped: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// The repository root (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `runner.command` for the stub analyzer with extra arguments (`--mode`, `--rows`, …).
pub fn stub_command(args: &[&str]) -> Vec<String> {
    let script = repo_root().join("tests/fixtures/stub/analyzer.py");
    let mut command = vec!["python3".to_owned(), script.display().to_string()];
    command.extend(args.iter().map(|a| (*a).to_owned()));
    command
}

/// Starts a server with the stub analyzer, after `adjust` has changed the test defaults.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_in(tempfile::tempdir().expect("temp dir"), adjust).await
}

/// Like [`spawn_app_with`], with the uploads and results directories under `dirs`.
pub async fn spawn_app_in(dirs: tempfile::TempDir, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::defaults(&repo_root()).expect("defaults load");
    config.server.bind = "127.0.0.1:0".parse().expect("addr");
    config.storage.uploads_dir = dirs.path().join("uploads");
    config.storage.results_dir = dirs.path().join("results");
    config.storage.min_free_bytes = 0;
    config.runner.command = stub_command(&[]);
    config.runner.concurrency = std::num::NonZeroUsize::new(2).expect("2");
    config.runner.timeout = Duration::from_secs(60);
    adjust(&mut config);
    let (uploads, results) = (
        config.storage.uploads_dir.clone(),
        config.storage.results_dir.clone(),
    );
    let app = Application::build(config).await.expect("server builds");
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (stop, stopped_rx) = oneshot::channel::<()>();
    let stopped = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped_rx.await;
    }));
    TestApp {
        base,
        client: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        uploads,
        results,
        state,
        _dirs: dirs,
        stop: Some(stop),
        stopped: Some(stopped),
    }
}

/// A server with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

impl TestApp {
    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Uploads `bytes` as a file part named `name`, with an optional `filterOption`.
    pub async fn upload(
        &self,
        name: &str,
        bytes: &[u8],
        filter: Option<&str>,
    ) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned());
        let mut form = reqwest::multipart::Form::new().part("file", part);
        if let Some(filter) = filter {
            form = form.text("filterOption", filter.to_owned());
        }
        self.client
            .post(self.url("/api/v1/analysis/analyze-file"))
            .multipart(form)
            .send()
            .await
            .expect("upload request")
    }

    /// Uploads a small CSV and returns the job id.
    pub async fn submit(&self) -> String {
        let response = self
            .upload("Queries.csv", b"query,clicks\nduo,1\n", None)
            .await;
        assert_eq!(response.status(), 202, "upload refused");
        let body: Value = response.json().await.expect("json");
        body["jobId"].as_str().expect("jobId").to_owned()
    }

    /// GET a job's status body.
    pub async fn status(&self, id: &str) -> (reqwest::StatusCode, Value) {
        let response = self
            .client
            .get(self.url(&format!("/api/v1/analysis/job/{id}")))
            .send()
            .await
            .expect("get");
        let status = response.status();
        (status, response.json().await.expect("json body"))
    }

    /// Polls until `done(body)` holds, failing with the last body after `within`.
    pub async fn wait_until(
        &self,
        id: &str,
        within: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let (_, body) = self.status(id).await;
            if done(&body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "job {id} did not get there in {within:?}; last body: {body}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Polls until the job is completed or failed.
    pub async fn wait_for_job(&self, id: &str) -> Value {
        self.wait_until(id, Duration::from_secs(30), |b| b["status"] != "processing")
            .await
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.stopped.take() {
            handle.await.expect("server task").expect("clean stop");
        }
    }
}

/// Entries of a directory (empty when it does not exist).
pub fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts the error envelope and its code; returns the body.
pub async fn assert_envelope(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status for {code}");
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_owned());
    assert_eq!(
        content_type.as_deref(),
        Some("application/json"),
        "content type for {code}"
    );
    let body: Value = response.json().await.expect("json envelope");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["error"].get("details").is_some(),
        "details present (maybe null): {body}"
    );
    body
}
