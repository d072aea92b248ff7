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

#[tokio::test]
async fn cancel_takes_a_queued_job_out_of_the_queue_and_moves_the_others_up() {
    let app = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--mode", "hang"]);
        c.runner.concurrency = std::num::NonZeroUsize::new(1).unwrap();
    })
    .await;
    let running = app.submit().await;
    app.wait_until(&running, Duration::from_secs(10), |b| {
        b["phase"] == "running"
    })
    .await;
    let (first, second) = (app.submit().await, app.submit().await);
    assert_eq!(app.status(&second).await.1["queuePosition"], 2);
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/analysis/job/{first}")))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["phase"].as_str()),
        (Some("failed"), Some("queued"))
    );
    assert_eq!(body["error"]["code"], "cancelled");
    assert_eq!(body["startedAt"], Value::Null);
    app.wait_until(&second, Duration::from_secs(5), |b| b["queuePosition"] == 1)
        .await;
    assert!(
        !app.uploads.join(&first).exists(),
        "the cancelled job's upload is gone"
    );
    assert!(app.uploads.join(&second).exists());
}

#[tokio::test]
async fn the_sweep_removes_finished_jobs_after_their_retention_and_never_live_ones() {
    let app = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--mode", "progress", "--sleep", "0"])
    })
    .await;
    let done = app.submit().await;
    app.wait_for_job(&done).await;
    let hanging = spawn_app_with(|c| c.runner.command = stub_command(&["--mode", "hang"])).await;
    let live = hanging.submit().await;
    let jobs = &app.state.jobs;
    let day = Duration::from_secs(86_400);
    let now = jiff::Timestamp::now();
    assert_eq!(
        jobs.sweep_once(now, day).await.unwrap(),
        0,
        "not expired yet"
    );
    assert!(app.results.join(&done).exists());
    let later = now
        .checked_add(jiff::SignedDuration::from_hours(25))
        .unwrap();
    assert_eq!(
        hanging.state.jobs.sweep_once(later, day).await.unwrap(),
        0,
        "a running job is never swept"
    );
    assert_eq!(hanging.status(&live).await.1["status"], "processing");
    assert_eq!(jobs.sweep_once(later, day).await.unwrap(), 1);
    assert!(
        !app.results.join(&done).exists(),
        "its results directory went with it"
    );
    let (status, _) = app.status(&done).await;
    assert_eq!(
        status, 404,
        "removed early by the sweep's clock, so the id is not expired yet: 404"
    );
}

#[tokio::test]
async fn start_up_removes_only_what_rankmap_names() {
    let dirs = tempfile::tempdir().unwrap();
    let uploads = dirs.path().join("uploads");
    let results = dirs.path().join("results");
    std::fs::create_dir_all(uploads.join("job_1738268400000_a1b2c3d4e5f6a7b8")).unwrap();
    std::fs::create_dir_all(&results).unwrap();
    std::fs::write(
        results.join("rankmap_job_1738268400000_a1b2c3d4e5f6a7b8.xlsx"),
        "old",
    )
    .unwrap();
    std::fs::write(uploads.join("foreign.csv"), "keep me").unwrap();
    std::fs::write(results.join("notes.txt"), "keep me").unwrap();
    let app = crate::helpers::spawn_app_in(dirs, |_| {}).await;
    assert_eq!(entries(&app.uploads), ["foreign.csv"]);
    assert_eq!(entries(&app.results), ["notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(app.uploads.join("foreign.csv")).unwrap(),
        "keep me"
    );
}

#[tokio::test]
async fn uploads_are_refused_when_storage_is_low() {
    let app = spawn_app_with(|c| c.storage.min_free_bytes = u64::MAX).await;
    let r = app.upload("q.csv", b"query\nduo\n", None).await;
    assert_envelope(r, 507, "storage_full").await;
    assert!(entries(&app.uploads).is_empty());
}

#[tokio::test]
async fn retry_after_for_a_queued_job_uses_recent_durations() {
    let app =
        spawn_app_with(|c| c.runner.concurrency = std::num::NonZeroUsize::new(1).unwrap()).await;
    let quick = app.submit().await;
    app.wait_for_job(&quick).await;
    let hang = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--mode", "hang"]);
        c.runner.concurrency = std::num::NonZeroUsize::new(1).unwrap();
    })
    .await;
    let running = hang.submit().await;
    hang.wait_until(&running, Duration::from_secs(10), |b| {
        b["phase"] == "running"
    })
    .await;
    let queued = hang.submit().await;
    let retry = |app: &crate::helpers::TestApp, id: String| {
        let url = app.url(&format!("/api/v1/analysis/job/{id}"));
        let client = app.client.clone();
        async move {
            client.get(url).send().await.unwrap().headers()["retry-after"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(retry(&hang, queued).await, "5", "no finished job yet: 5");
    // With a history of quick jobs the estimate is clamped to at least 2 seconds.
    let app_running = app.submit().await;
    let _ = app_running;
    let second = app.submit().await;
    let value: u64 = retry(&app, second.clone()).await.parse().unwrap();
    assert!((2..=60).contains(&value), "{value}");
    let _ = app.wait_for_job(&second).await;
}
