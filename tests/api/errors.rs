//! The error envelope on every error: fallbacks, malformed ids, unknown jobs.

use crate::helpers::{assert_envelope, spawn_app};

#[tokio::test]
async fn unknown_routes_and_wrong_methods_get_the_envelope() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_envelope(r, 404, "route_not_found").await;
    let r = app
        .client
        .get(app.url("/api/v1/analysis/analyze-file"))
        .send()
        .await
        .unwrap();
    assert_envelope(r, 405, "method_not_allowed").await;
    let r = app
        .client
        .put(app.url("/api/v1/analysis/job/job_1738268400000_a1b2c3d4e5f6a7b8"))
        .send()
        .await
        .unwrap();
    assert_envelope(r, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn malformed_expired_and_unknown_ids_are_told_apart() {
    let app = spawn_app().await;
    for bad in [
        "nope",
        "job_1738268400000_A1B2C3D4E5F6A7B8",
        "job_1738268400000_a1b2",
        "%FF",
    ] {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/analysis/job/{bad}")))
            .send()
            .await
            .unwrap();
        assert_envelope(r, 400, "invalid_job_id").await;
    }
    let old = app
        .client
        .get(app.url("/api/v1/analysis/job/job_1000000000000_a1b2c3d4e5f6a7b8"))
        .send()
        .await
        .unwrap();
    let body = assert_envelope(old, 410, "job_expired").await;
    assert_eq!(body["error"]["message"], "Job expired");
    assert_eq!(
        body["error"]["details"],
        "Results are kept for 24 hours after a job finishes."
    );
    let fresh = format!(
        "job_{}_a1b2c3d4e5f6a7b8",
        jiff::Timestamp::now().as_millisecond()
    );
    let r = app
        .client
        .get(app.url(&format!("/api/v1/analysis/job/{fresh}")))
        .send()
        .await
        .unwrap();
    assert_envelope(r, 404, "job_not_found").await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/nope"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
    let r = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(r.headers()["x-request-id"].len(), 16);
}
