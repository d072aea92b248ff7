//! GET /api/v1/analysis/job/{jobId}/events: Server-Sent Events from the one event source.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestApp, assert_envelope, spawn_app_with, stub_command};
use crate::sse_client::{SseEvent, SseReader};

const SOON: Duration = Duration::from_secs(5);

async fn events(app: &TestApp, id: &str, last_event_id: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url(&format!("/api/v1/analysis/job/{id}/events")));
    if let Some(last) = last_event_id {
        request = request.header("last-event-id", last);
    }
    request.send().await.expect("events request")
}

async fn open(app: &TestApp, id: &str) -> SseReader {
    SseReader::new(events(app, id, None).await)
}

/// The exact bytes the status route answers.
async fn status_bytes(app: &TestApp, id: &str) -> String {
    app.client
        .get(app.url(&format!("/api/v1/analysis/job/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn assert_strictly_rising(events: &[SseEvent]) {
    for pair in events.windows(2) {
        assert!(
            pair[0].version() < pair[1].version(),
            "ids must rise: {:?} then {:?}",
            pair[0].id,
            pair[1].id
        );
    }
}

#[tokio::test]
async fn a_job_with_progress_streams_retry_state_progress_and_one_completed_in_order() {
    let app = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--mode", "progress", "--sleep", "0.3"]);
    })
    .await;
    let id = app.submit().await;
    let mut stream = open(&app, &id).await;
    let first = stream.next(SOON).await.unwrap();
    assert_eq!(first.retry.as_deref(), Some("3000"), "retry comes first");
    assert!(!first.is_event());
    let events = stream.rest(Duration::from_secs(20)).await;
    assert!(events.len() >= 4, "{events:?}");
    assert_strictly_rising(&events);
    let (last, progress) = events.split_last().unwrap();
    assert!(
        progress
            .iter()
            .all(|e| e.event.as_deref() == Some("progress"))
    );
    assert_eq!(last.event.as_deref(), Some("completed"));
    let percents: Vec<u64> = progress
        .iter()
        .map(|e| e.json()["progress"].as_u64().unwrap())
        .collect();
    assert!(percents.windows(2).all(|p| p[0] <= p[1]), "{percents:?}");
    for seen in [10, 50, 90] {
        assert!(percents.contains(&seen), "progress {seen} in {percents:?}");
    }
    let messages: Vec<Value> = progress
        .iter()
        .map(|e| e.json()["progressMessage"].clone())
        .collect();
    assert!(
        messages.contains(&Value::from("Mapping keywords")),
        "{messages:?}"
    );
    // The completed event is the stored body, byte for byte, and the job's version.
    assert_eq!(last.data.as_deref().unwrap(), status_bytes(&app, &id).await);
    let job_id: rankmap::jobs::id::JobId = id.parse().unwrap();
    let job = app.state.jobs.get(&job_id).await.unwrap().unwrap();
    assert_eq!(last.version(), job.version);
}

#[tokio::test]
async fn connecting_after_completion_sends_the_terminal_event_at_once_and_ends() {
    let app = spawn_app_with(|_| {}).await;
    let id = app.submit().await;
    app.wait_for_job(&id).await;
    let mut stream = open(&app, &id).await;
    let events = stream.rest(Duration::from_secs(1)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].event.as_deref(), Some("completed"));
    assert_eq!(
        events[0].data.as_deref().unwrap(),
        status_bytes(&app, &id).await
    );
}

#[tokio::test]
async fn reconnecting_with_last_event_id_repeats_nothing_and_gets_204_after_the_terminal_event() {
    let app = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--mode", "progress", "--sleep", "0.5"]);
    })
    .await;
    let id = app.submit().await;
    let mut stream = open(&app, &id).await;
    let seen = stream.next_event(SOON).await.unwrap();
    drop(stream);

    let again = SseReader::new(events(&app, &id, seen.id.as_deref()).await)
        .rest(Duration::from_secs(20))
        .await;
    assert!(!again.is_empty());
    assert!(
        again.iter().all(|e| e.version() > seen.version()),
        "{again:?}"
    );
    assert_strictly_rising(&again);
    let terminal = again.last().unwrap();
    assert_eq!(terminal.event.as_deref(), Some("completed"));

    let done = events(&app, &id, terminal.id.as_deref()).await;
    assert_eq!(done.status(), 204);
    // An older id gets the current (terminal) state once; garbage is ignored.
    for last in [seen.id.clone().unwrap(), "not-a-number".to_owned()] {
        let events = SseReader::new(events(&app, &id, Some(&last)).await)
            .rest(SOON)
            .await;
        assert_eq!(events.len(), 1, "Last-Event-ID {last}: {events:?}");
        assert_eq!(events[0].id, terminal.id);
    }
}

#[tokio::test]
async fn cancelling_a_job_ends_its_stream_with_failed_cancelled() {
    let app = spawn_app_with(|c| c.runner.command = stub_command(&["--mode", "hang"])).await;
    let id = app.submit().await;
    let mut stream = open(&app, &id).await;
    let current = stream.next_event(SOON).await.unwrap();
    assert_eq!(current.event.as_deref(), Some("progress"));
    let cancel = app
        .client
        .delete(app.url(&format!("/api/v1/analysis/job/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 200);
    let rest = stream.rest(SOON).await;
    let (last, before) = rest.split_last().unwrap();
    assert!(
        before
            .iter()
            .all(|e| e.event.as_deref() == Some("progress"))
    );
    assert_eq!(last.event.as_deref(), Some("failed"));
    let body = last.json();
    assert_eq!(body["error"]["code"], "cancelled", "{body}");
    assert_eq!(body["status"], "failed");
}

#[tokio::test]
async fn malformed_unknown_and_expired_ids_are_answered_before_the_stream() {
    let app = spawn_app_with(|_| {}).await;
    assert_envelope(events(&app, "job_123", None).await, 400, "invalid_job_id").await;
    let fresh = format!(
        "job_{}_0123456789abcdef",
        jiff::Timestamp::now().as_millisecond()
    );
    assert_envelope(events(&app, &fresh, None).await, 404, "job_not_found").await;
    let old = "job_1000000000000_a1b2c3d4e5f6a7b8";
    let body = assert_envelope(events(&app, old, None).await, 410, "job_expired").await;
    assert_eq!(body["error"]["message"], "Job expired");
}

#[tokio::test]
async fn a_subscriber_that_never_reads_delays_neither_the_job_nor_another_subscriber() {
    let app = spawn_app_with(|c| {
        // A large completed body and many progress events, so idle sockets fill up.
        c.results.inline_rows = 5000;
        c.runner.command =
            stub_command(&["--mode", "progress", "--sleep", "0.05", "--rows", "5000"]);
    })
    .await;
    let id = app.submit().await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        let response = events(&app, &id, None).await;
        assert_eq!(response.status(), 200);
        idle.push(response); // held open, never read
    }
    let mut reader = open(&app, &id).await;
    let events = reader.rest(Duration::from_secs(20)).await;
    assert_eq!(events.last().unwrap().event.as_deref(), Some("completed"));
    let body = app
        .wait_until(&id, Duration::from_secs(5), |b| b["status"] == "completed")
        .await;
    assert_eq!(body["resultCounts"]["onpageResults"], 5000);
    // A second job is not held up by the idle streams of the first either.
    let second = app.submit().await;
    let done = app.wait_for_job(&second).await;
    assert_eq!(done["status"], "completed");
    drop(idle);
}

#[tokio::test]
async fn the_etag_changes_exactly_when_the_version_does() {
    let app = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--mode", "progress", "--sleep", "0.2"]);
    })
    .await;
    let id = app.submit().await;
    let job_id: rankmap::jobs::id::JobId = id.parse().unwrap();
    let mut seen: Vec<(u64, String)> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        assert!(tokio::time::Instant::now() < deadline, "job never finished");
        let before = app.state.jobs.get(&job_id).await.unwrap().unwrap();
        let response = app
            .client
            .get(app.url(&format!("/api/v1/analysis/job/{id}")))
            .send()
            .await
            .unwrap();
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let after = app.state.jobs.get(&job_id).await.unwrap().unwrap();
        // Only polls that saw one version throughout can be attributed to it.
        if before.version == after.version {
            seen.push((after.version, etag));
        }
        if after.is_terminal() && before.version == after.version {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let versions: std::collections::BTreeSet<u64> = seen.iter().map(|(v, _)| *v).collect();
    assert!(
        versions.len() >= 4,
        "too few versions observed: {versions:?}"
    );
    for (va, ea) in &seen {
        for (vb, eb) in &seen {
            assert_eq!(
                va == vb,
                ea == eb,
                "versions {va}/{vb} with etags {ea}/{eb}"
            );
        }
    }
}

#[tokio::test]
async fn a_quiet_stream_gets_keep_alive_comments_and_ends_when_the_server_drains() {
    let app = spawn_app_with(|c| {
        c.runner.command = stub_command(&["--mode", "hang"]);
        c.sse.keep_alive = Duration::from_millis(200);
        c.server.shutdown_grace = Duration::from_millis(200);
        c.runner.kill_grace = Duration::from_secs(1);
    })
    .await;
    let id = app.submit().await;
    let mut stream = open(&app, &id).await;
    stream.next_event(SOON).await.unwrap();
    let mut comments = 0;
    while comments < 2 {
        let block = stream.next(Duration::from_secs(2)).await.unwrap();
        if block.comment {
            comments += 1;
        }
    }
    let stopping = tokio::spawn(app.stop());
    let started = tokio::time::Instant::now();
    let rest = stream.rest(Duration::from_secs(3)).await;
    assert!(started.elapsed() < Duration::from_secs(3), "{rest:?}");
    stopping.await.unwrap();
}
