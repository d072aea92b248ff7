//! The admin routes: stats, the paged job list with its status filter and cursor, cleanup.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;

use super::get;
use crate::helpers::{TestApp, assert_envelope, spawn_app, spawn_app_with, stub_command};

async fn post_cleanup(app: &TestApp, body: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/v1/analysis/cleanup"));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    request.send().await.unwrap()
}

/// Every job of the list, walking the cursor with `limit` per page.
async fn walk(app: &TestApp, query: &str, limit: usize) -> Vec<Value> {
    let (mut jobs, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let mut path = format!("/api/v1/analysis/jobs?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, body) = get(app, &path).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["success"], true, "{body}");
        let page = body["jobs"].as_array().unwrap();
        assert!(page.len() <= limit, "{body}");
        jobs.extend(page.iter().cloned());
        match body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return jobs,
        }
    }
}

async fn wait_until_running(app: &TestApp, id: &str) {
    app.wait_until(id, Duration::from_secs(20), |b| b["phase"] == "running")
        .await;
}

#[tokio::test]
async fn stats_agree_with_the_jobs_list() {
    let app = spawn_app_with(|c| {
        c.runner.concurrency = std::num::NonZeroUsize::new(1).unwrap();
        c.runner.command = stub_command(&["--sleep", "0.2"]);
    })
    .await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.submit().await);
    }
    for id in &ids[3..] {
        let response = app
            .client
            .delete(app.url(&format!("/api/v1/analysis/job/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    for id in &ids {
        app.wait_for_job(id).await;
    }
    let (status, stats) = get(&app, "/api/v1/analysis/stats").await;
    assert_eq!(status, 200);
    assert_eq!(
        stats,
        serde_json::json!({"success": true, "total": 5, "processing": 0, "completed": 3, "failed": 2})
    );
    let all = walk(&app, "", 2).await;
    assert_eq!(all.len() as u64, stats["total"].as_u64().unwrap());
    for status in ["completed", "failed", "processing"] {
        let listed = walk(&app, &format!("&status={status}"), 2).await;
        assert_eq!(
            listed.len() as u64,
            stats[status].as_u64().unwrap(),
            "{status}"
        );
        assert!(listed.iter().all(|j| j["status"] == status), "{listed:?}");
        let counted = all.iter().filter(|j| j["status"] == status).count();
        assert_eq!(listed.len(), counted, "{status}");
    }
    let row = all.iter().find(|j| j["status"] == "completed").unwrap();
    let keys: Vec<_> = row.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "jobId",
            "status",
            "phase",
            "progress",
            "originalFilename",
            "filterOption",
            "createdAt",
            "updatedAt",
            "finishedAt"
        ]
    );
    assert_eq!(row["progress"], 100);
    assert!(
        row["finishedAt"].is_string() && row["phase"].is_null(),
        "{row}"
    );
}

#[tokio::test]
async fn the_status_filter_tells_queued_from_running_jobs() {
    let app = spawn_app_with(|c| {
        c.runner.concurrency = std::num::NonZeroUsize::new(1).unwrap();
        c.runner.command = stub_command(&["--mode", "hang"]);
    })
    .await;
    let first = app.submit().await;
    wait_until_running(&app, &first).await;
    let (second, third) = (app.submit().await, app.submit().await);
    let ids = |jobs: Vec<Value>| -> Vec<String> {
        jobs.iter()
            .map(|j| j["jobId"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(walk(&app, "&status=running", 10).await), [first]);
    assert_eq!(
        ids(walk(&app, "&status=queued", 10).await),
        [third, second],
        "newest first"
    );
    assert_eq!(walk(&app, "&status=processing", 10).await.len(), 3);
    let (_, stats) = get(&app, "/api/v1/analysis/stats").await;
    assert_eq!(
        (stats["processing"].as_u64(), stats["total"].as_u64()),
        (Some(3), Some(3))
    );
}

#[tokio::test]
async fn a_cursor_walks_every_job_exactly_once_while_jobs_are_added() {
    let app = spawn_app_with(|c| {
        c.runner.concurrency = std::num::NonZeroUsize::new(1).unwrap();
        c.runner.command = stub_command(&["--mode", "hang"]);
    })
    .await;
    let mut original = HashSet::new();
    for _ in 0..23 {
        original.insert(app.submit().await);
    }
    let (mut seen, mut cursor) = (Vec::<Value>::new(), None::<String>);
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/analysis/jobs?limit=4&cursor={c}"),
            None => "/api/v1/analysis/jobs?limit=4".to_owned(),
        };
        let (status, body) = get(&app, &path).await;
        assert_eq!(status, 200, "{body}");
        seen.extend(body["jobs"].as_array().unwrap().iter().cloned());
        app.submit().await; // a job arrives between two pages
        match body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let ids: Vec<String> = seen
        .iter()
        .map(|j| j["jobId"].as_str().unwrap().to_owned())
        .collect();
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "a job was listed twice: {ids:?}");
    assert!(original.is_subset(&unique), "a job was skipped");
    let created: Vec<&str> = seen
        .iter()
        .map(|j| j["createdAt"].as_str().unwrap())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {created:?}"
    );
}

#[tokio::test]
async fn a_bad_jobs_query_is_an_invalid_request() {
    let app = spawn_app().await;
    for query in [
        "limit=0",
        "limit=501",
        "limit=ten",
        "status=done",
        "status=Completed",
        "cursor=not-a-cursor",
    ] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/analysis/jobs?{query}")))
            .send()
            .await
            .unwrap();
        assert_envelope(response, 400, "invalid_request").await;
    }
    let (status, body) = get(&app, "/api/v1/analysis/jobs?limit=500&status=").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["nextCursor"], Value::Null);
}

#[tokio::test]
async fn cleanup_removes_what_it_reports_and_never_a_live_job() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.submit().await);
    }
    for id in &ids {
        assert_eq!(app.wait_for_job(id).await["status"], "completed");
    }
    // An empty body, with or without a JSON content type, is the configured 24 hours.
    for body in [None, Some(""), Some("{}")] {
        let response = post_cleanup(&app, body).await;
        assert_eq!(response.status(), 200);
        let json: Value = response.json().await.unwrap();
        assert_eq!(json, serde_json::json!({"success": true, "removed": 0}));
    }
    let response = post_cleanup(&app, Some(r#"{"maxAgeSecs": 0}"#)).await;
    let json: Value = response.json().await.unwrap();
    assert_eq!(json, serde_json::json!({"success": true, "removed": 3}));
    for id in &ids {
        assert_eq!(app.status(id).await.0, 404);
        assert!(!app.results.join(id).exists());
    }
    let (_, stats) = get(&app, "/api/v1/analysis/stats").await;
    assert_eq!(stats["total"], 0);

    for bad in [r#"{"maxAgeSecs": -5}"#, r#"{"maxAge": 5}"#, "five"] {
        assert_envelope(post_cleanup(&app, Some(bad)).await, 400, "invalid_request").await;
    }

    let hanging = spawn_app_with(|c| c.runner.command = stub_command(&["--mode", "hang"])).await;
    let live = hanging.submit().await;
    wait_until_running(&hanging, &live).await;
    let json: Value = post_cleanup(&hanging, Some(r#"{"maxAgeSecs": 0}"#))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["removed"], 0);
    assert_eq!(hanging.status(&live).await.0, 200);
}
