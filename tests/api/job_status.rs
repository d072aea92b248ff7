//! GET /api/v1/analysis/job/{jobId}: the three bodies and the polling aids.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{spawn_app_with, stub_command};

fn keys(body: &Value) -> Vec<String> {
    body.as_object().unwrap().keys().cloned().collect()
}

/// RFC 3339 UTC with milliseconds and `Z`, e.g. `2026-11-29T10:00:00.123Z`.
fn is_timestamp(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 24
            && s.ends_with('Z')
            && s.as_bytes()[19] == b'.'
            && s.parse::<jiff::Timestamp>().is_ok()
    })
}

#[tokio::test]
async fn a_queued_and_a_running_job_have_the_processing_body() {
    let app = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--mode", "progress", "--sleep", "30"]);
        c.runner.concurrency = std::num::NonZeroUsize::new(1).unwrap();
    })
    .await;
    let running = app.submit().await;
    let body = app
        .wait_until(&running, Duration::from_secs(10), |b| b["progress"] == 10)
        .await;
    assert_eq!(
        keys(&body),
        [
            "success",
            "jobId",
            "status",
            "progress",
            "message",
            "phase",
            "queuePosition",
            "progressMessage",
            "startedAt",
            "originalFilename",
            "filterOption",
            "createdAt",
            "updatedAt"
        ]
    );
    assert_eq!(body["success"], true);
    assert_eq!(body["status"], "processing");
    assert_eq!(body["message"], "Analysis in progress");
    assert_eq!(body["phase"], "running");
    assert_eq!(body["queuePosition"], Value::Null);
    assert_eq!(body["progressMessage"], "Reading file");
    assert!(
        is_timestamp(&body["startedAt"])
            && is_timestamp(&body["createdAt"])
            && is_timestamp(&body["updatedAt"])
    );

    let queued = app.submit().await;
    let response = app
        .client
        .get(app.url(&format!("/api/v1/analysis/job/{queued}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "private, no-cache");
    assert_eq!(
        response.headers()["retry-after"],
        "5",
        "queued without history"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["phase"], "queued");
    assert_eq!(body["queuePosition"], 1);
    assert_eq!(body["progress"], 0);
    assert_eq!(body["startedAt"], Value::Null);
    assert_eq!(body["progressMessage"], Value::Null);
    let response = app
        .client
        .get(app.url(&format!("/api/v1/analysis/job/{running}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["retry-after"], "2", "running");
}

#[tokio::test]
async fn a_completed_job_has_every_field_and_inline_rows_are_capped() {
    let app = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--rows", "7"]);
        c.results.inline_rows = 5;
    })
    .await;
    let id = app.submit().await;
    let body = app.wait_for_job(&id).await;
    assert_eq!(
        keys(&body),
        [
            "success",
            "jobId",
            "status",
            "progress",
            "message",
            "downloadUrl",
            "excelFile",
            "dataSource",
            "summary",
            "onpageResults",
            "keywordMapping",
            "resultCounts",
            "resultsTruncated",
            "startedAt",
            "finishedAt",
            "durationMs",
            "expiresAt",
            "originalFilename",
            "filterOption",
            "createdAt",
            "updatedAt"
        ]
    );
    assert_eq!(body["status"], "completed");
    assert_eq!(body["progress"], 100);
    assert_eq!(body["message"], "Analysis completed successfully");
    assert_eq!(body["excelFile"], format!("rankmap_{id}.xlsx"));
    assert_eq!(
        body["downloadUrl"],
        format!("/api/v1/analysis/download/rankmap_{id}.xlsx")
    );
    assert_eq!(body["dataSource"], "gsc_queries");
    assert_eq!(body["summary"]["rows"]["read"], 7);
    assert_eq!(body["onpageResults"].as_array().unwrap().len(), 5);
    assert_eq!(body["keywordMapping"].as_array().unwrap().len(), 5);
    assert_eq!(
        body["onpageResults"][4]["url"], "https://example.com/p4",
        "rows keep their order"
    );
    assert_eq!(
        body["resultCounts"],
        serde_json::json!({"onpageResults": 7, "keywordMapping": 14})
    );
    assert_eq!(body["resultsTruncated"], true);
    for field in [
        "startedAt",
        "finishedAt",
        "expiresAt",
        "createdAt",
        "updatedAt",
    ] {
        assert!(is_timestamp(&body[field]), "{field}: {body}");
    }
    let finished: jiff::Timestamp = body["finishedAt"].as_str().unwrap().parse().unwrap();
    let expires: jiff::Timestamp = body["expiresAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires.as_second() - finished.as_second(), 86_400);
    assert!(body["durationMs"].as_i64().unwrap() >= 0);
    assert_eq!(
        body["summary"]["cwd"],
        id.as_str(),
        "the script runs in the job's scratch dir"
    );
}

#[tokio::test]
async fn small_results_are_not_truncated() {
    let app = spawn_app_with(|c| c.runner.command = stub_command(&["--rows", "2"])).await;
    let id = app.submit().await;
    let body = app.wait_for_job(&id).await;
    assert_eq!(body["resultsTruncated"], false);
    assert_eq!(body["keywordMapping"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn a_script_error_file_becomes_the_failed_body() {
    let app = spawn_app_with(|c| c.runner.command = stub_command(&["--mode", "fail2"])).await;
    let id = app.submit().await;
    let body = app.wait_for_job(&id).await;
    assert_eq!(
        keys(&body),
        [
            "success",
            "jobId",
            "status",
            "progress",
            "error",
            "phase",
            "startedAt",
            "finishedAt",
            "durationMs",
            "expiresAt",
            "originalFilename",
            "filterOption",
            "createdAt",
            "updatedAt"
        ]
    );
    assert_eq!(body["success"], false);
    assert_eq!(body["status"], "failed");
    assert_eq!(body["phase"], "running");
    assert_eq!(
        body["error"],
        serde_json::json!({"message": "The file contains no data rows",
                           "details": "Queries.csv has a header and nothing else", "code": "analysis_failed"})
    );
    assert!(is_timestamp(&body["expiresAt"]) && is_timestamp(&body["finishedAt"]));
}

#[tokio::test]
async fn a_crash_reports_the_stderr_tail() {
    let app = spawn_app_with(|c| c.runner.command = stub_command(&["--mode", "crash"])).await;
    let id = app.submit().await;
    let body = app.wait_for_job(&id).await;
    assert_eq!(body["error"]["message"], "Analysis failed");
    assert_eq!(body["error"]["code"], "analysis_failed");
    assert!(
        body["error"]["details"]
            .as_str()
            .unwrap()
            .contains("ValueError: boom"),
        "{body}"
    );
}

#[tokio::test]
async fn a_matching_etag_gets_304_for_processing_and_completed_jobs() {
    let app = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--mode", "progress", "--sleep", "0.3"])
    })
    .await;
    let id = app.submit().await;
    let url = app.url(&format!("/api/v1/analysis/job/{id}"));
    let first = app.client.get(&url).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 18,
        "{etag}"
    );
    let body = first.bytes().await.unwrap();
    let again = app
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    if again.status() == 304 {
        assert_eq!(again.headers()["etag"], etag.as_str());
        assert_eq!(again.headers()["cache-control"], "private, no-cache");
        assert!(again.headers().contains_key("retry-after"));
        assert!(again.bytes().await.unwrap().is_empty());
    } else {
        // The job moved on between the two polls: then the body must differ.
        assert_ne!(again.bytes().await.unwrap(), body);
    }
    app.wait_for_job(&id).await;
    let done = app.client.get(&url).send().await.unwrap();
    let etag = done.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = done.bytes().await.unwrap();
    assert_eq!(
        etag,
        rankmap::results::etag_of(&bytes),
        "the tag is computed from the bytes"
    );
    for header in [etag.clone(), format!("\"other\", {etag}"), "*".to_owned()] {
        let cached = app
            .client
            .get(&url)
            .header("if-none-match", header)
            .send()
            .await
            .unwrap();
        assert_eq!(cached.status(), 304);
        assert_eq!(cached.headers()["etag"], etag.as_str());
        assert!(
            !cached.headers().contains_key("retry-after"),
            "no Retry-After once completed"
        );
    }
    let stale = app
        .client
        .get(&url)
        .header("if-none-match", "\"0000000000000000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
    assert_eq!(
        stale.bytes().await.unwrap(),
        bytes,
        "served from the same stored bytes"
    );
}
