//! What happens around a job: scratch dirs, results files, paging, cancel and purge.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{assert_envelope, entries, spawn_app, spawn_app_with, stub_command};

#[tokio::test]
async fn the_scratch_dir_is_deleted_at_every_terminal_state() {
    for mode in ["ok", "fail2", "crash"] {
        let app = spawn_app_with(|c| c.runner.command = stub_command(&["--mode", mode])).await;
        let id = app.submit().await;
        app.wait_for_job(&id).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !entries(&app.uploads).is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "{mode}: scratch dir left: {:?}",
                entries(&app.uploads)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test]
async fn results_are_stored_as_ndjson_with_summary_and_status() {
    let app = spawn_app_with(|c| c.runner.command = stub_command(&["--rows", "3"])).await;
    let id = app.submit().await;
    app.wait_for_job(&id).await;
    let mut files = entries(&app.results.join(&id));
    files.sort();
    assert_eq!(
        files,
        [
            "keywordMapping.idx",
            "keywordMapping.ndjson",
            "onpageResults.idx",
            "onpageResults.ndjson",
            &format!("rankmap_{id}.xlsx"),
            "status.json",
            "summary.json"
        ]
    );
    let summary: Value =
        serde_json::from_slice(&std::fs::read(app.results.join(&id).join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        summary["checks"][0]["id"], "title_missing",
        "extra keys are kept"
    );
    let rows =
        std::fs::read_to_string(app.results.join(&id).join("keywordMapping.ndjson")).unwrap();
    assert_eq!(rows.lines().count(), 6);
}

#[tokio::test]
async fn every_row_can_be_paged_in_order() {
    let app = spawn_app_with(|c| c.runner.command = stub_command(&["--rows", "12"])).await;
    let id = app.submit().await;
    app.wait_for_job(&id).await;
    let page = |q: String| {
        let url = app.url(&format!("/api/v1/analysis/job/{id}/results/{q}"));
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let body: Value = page(format!("keywordMapping?offset={offset}&limit=5"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["total"], 24);
        assert_eq!(body["table"], "keywordMapping");
        let rows = body["rows"].as_array().unwrap();
        if rows.is_empty() {
            break;
        }
        seen.extend(
            rows.iter()
                .map(|r| r["keyword"].as_str().unwrap().to_owned()),
        );
        offset += rows.len();
    }
    let expected: Vec<String> = (0..24).map(|i| format!("kw {i}")).collect();
    assert_eq!(seen, expected);
    for (query, code) in [
        ("keywordMapping?offset=25", "invalid_pagination"),
        ("keywordMapping?offset=-1", "invalid_pagination"),
        ("keywordMapping?limit=0", "invalid_pagination"),
        ("keywordMapping?limit=5001", "invalid_pagination"),
        ("keywordMapping?limit=1.5", "invalid_pagination"),
        ("pages", "invalid_table"),
    ] {
        assert_envelope(page(query.to_owned()).await, 400, code).await;
    }
    let default: Value = page("onpageResults".to_owned()).await.json().await.unwrap();
    assert_eq!(
        (default["offset"].as_u64(), default["limit"].as_u64()),
        (Some(0), Some(1000))
    );
    assert_eq!(default["rows"].as_array().unwrap().len(), 12);
}

#[tokio::test]
async fn paging_a_job_that_is_not_completed_is_a_conflict() {
    let app = spawn_app_with(|c| c.runner.command = stub_command(&["--mode", "hang"])).await;
    let id = app.submit().await;
    let r = app
        .client
        .get(app.url(&format!("/api/v1/analysis/job/{id}/results/onpageResults")))
        .send()
        .await
        .unwrap();
    assert_envelope(r, 409, "job_not_completed").await;
}

#[tokio::test]
async fn cancel_fails_a_running_job_once_and_refuses_a_completed_one() {
    let app = spawn_app_with(|c| c.runner.command = stub_command(&["--mode", "hang"])).await;
    let id = app.submit().await;
    app.wait_until(&id, Duration::from_secs(10), |b| b["phase"] == "running")
        .await;
    let url = app.url(&format!("/api/v1/analysis/job/{id}"));
    let first: Value = app
        .client
        .delete(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["status"], "failed");
    assert_eq!(first["error"]["code"], "cancelled");
    assert_eq!(first["error"]["message"], "Analysis cancelled");
    let again = app.client.delete(&url).send().await.unwrap();
    assert_eq!(again.status(), 200, "cancel is idempotent");
    assert_eq!(app.status(&id).await.1["error"]["code"], "cancelled");

    let done_app = spawn_app().await;
    let done = done_app.submit().await;
    done_app.wait_for_job(&done).await;
    let r = done_app
        .client
        .delete(done_app.url(&format!("/api/v1/analysis/job/{done}")))
        .send()
        .await
        .unwrap();
    assert_envelope(r, 409, "job_finished").await;
}

#[tokio::test]
async fn purge_removes_the_job_and_its_files() {
    let app = spawn_app().await;
    let id = app.submit().await;
    app.wait_for_job(&id).await;
    let url = app.url(&format!("/api/v1/analysis/job/{id}"));
    let body: Value = app
        .client
        .delete(format!("{url}?purge=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body,
        serde_json::json!({"success": true, "jobId": id, "purged": true})
    );
    assert!(!app.results.join(&id).exists());
    assert_envelope(
        app.client.get(&url).send().await.unwrap(),
        404,
        "job_not_found",
    )
    .await;
}

#[tokio::test]
async fn the_server_stops_cleanly() {
    let app = spawn_app().await;
    let id = app.submit().await;
    app.wait_for_job(&id).await;
    app.stop().await;
}
