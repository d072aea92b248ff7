//! Operations (contract §1.8): health and readiness here; the admin routes, metrics and logs in
//! the submodules.

mod admin;
mod logs;
mod metrics;

use serde_json::Value;

use crate::helpers::{TestApp, assert_envelope, spawn_app, spawn_app_with};

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn healthz_answers_ok_with_the_version() {
    let app = spawn_app().await;
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
}

#[tokio::test]
async fn readyz_is_ready_when_every_check_passes() {
    let app = spawn_app().await;
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"status": "ready", "checks": {
            "store": "ok", "uploadsDir": "ok", "resultsDir": "ok", "analyzer": "ok"}})
    );
}

#[tokio::test]
async fn readyz_names_a_missing_analyzer_without_server_paths() {
    let app = spawn_app_with(|c| c.runner.command = vec!["rankmap-no-such-analyzer".into()]).await;
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    let body = assert_envelope(response, 503, "not_ready").await;
    assert_eq!(body["status"], "unavailable", "{body}");
    assert!(body["requestId"].is_string(), "{body}");
    let analyzer = body["checks"]["analyzer"].as_str().unwrap();
    assert!(analyzer.contains("rankmap-no-such-analyzer"), "{body}");
    assert!(analyzer.contains("not found on PATH"), "{body}");
    for ok in ["store", "uploadsDir", "resultsDir"] {
        assert_eq!(body["checks"][ok], "ok", "{body}");
    }
    assert!(
        body["error"]["details"]
            .as_str()
            .unwrap()
            .contains("analyzer")
    );

    let dirs = tempfile::tempdir().unwrap();
    let script = dirs.path().join("gone/analyze.py");
    let script_text = script.display().to_string();
    let app = spawn_app_with(|c| c.runner.command = vec!["python3".into(), script_text]).await;
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, 503);
    let analyzer = body["checks"]["analyzer"].as_str().unwrap();
    assert!(analyzer.contains("\"analyze.py\" does not exist"), "{body}");
    let text = body.to_string();
    assert!(!text.contains(&dirs.path().display().to_string()), "{text}");
}

#[tokio::test]
async fn readyz_names_a_directory_that_cannot_take_files_and_recovers() {
    let app = spawn_app().await;
    // The results directory replaced by a regular file: even root cannot create files in it.
    std::fs::remove_dir_all(&app.results).unwrap();
    std::fs::write(&app.results, b"not a directory").unwrap();
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "not_ready");
    assert_eq!(body["checks"]["resultsDir"], "not a directory", "{body}");
    assert_eq!(body["checks"]["uploadsDir"], "ok", "{body}");
    assert_eq!(body["checks"]["analyzer"], "ok", "{body}");

    // The uploads directory removed.
    std::fs::remove_dir_all(&app.uploads).unwrap();
    let (_, body) = get(&app, "/readyz").await;
    assert_eq!(
        body["checks"]["uploadsDir"], "the directory does not exist",
        "{body}"
    );

    std::fs::remove_file(&app.results).unwrap();
    std::fs::create_dir(&app.results).unwrap();
    std::fs::create_dir(&app.uploads).unwrap();
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        crate::helpers::entries(&app.results),
        Vec::<String>::new(),
        "no probe left"
    );
}

#[tokio::test]
async fn readyz_says_draining_once_the_server_drains() {
    let app = spawn_app().await;
    app.state.draining.cancel();
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    let body = assert_envelope(response, 503, "not_ready").await;
    assert_eq!(body["status"], "draining", "{body}");
    assert_eq!(body["checks"]["analyzer"], "ok", "{body}");
}
