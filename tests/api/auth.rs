//! Authentication (contract §1.9): keys, admin rights, the loopback rule, signed links.

use axum::extract::connect_info::MockConnectInfo;
use serde_json::Value;
use tower::ServiceExt;

use crate::helpers::{TestApp, assert_envelope, spawn_app_with};

async fn app_with_keys(admin: &[&str]) -> TestApp {
    let admin: Vec<String> = admin.iter().map(|s| (*s).to_owned()).collect();
    spawn_app_with(move |c| {
        c.auth.api_keys = vec!["k1".into(), "k2".into()];
        c.auth.admin_keys = admin;
    })
    .await
}

async fn submit_with_key(app: &TestApp) -> String {
    let part = reqwest::multipart::Part::bytes(b"query\nduo\n".to_vec()).file_name("q.csv");
    let r = app
        .client
        .post(app.url("/api/v1/analysis/analyze-file"))
        .bearer_auth("k1")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    r.json::<Value>().await.unwrap()["jobId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn analysis_routes_need_a_valid_key_in_either_header() {
    let app = app_with_keys(&["a1"]).await;
    let url = app.url("/api/v1/analysis/job/job_1738268400000_a1b2c3d4e5f6a7b8");
    let missing = app.client.get(&url).send().await.unwrap();
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert_envelope(missing, 401, "unauthorized").await;
    let wrong = app.client.get(&url).bearer_auth("k3").send().await.unwrap();
    assert_envelope(wrong, 401, "unauthorized").await;
    let both = app
        .client
        .get(&url)
        .bearer_auth("k1")
        .header("x-api-key", "k2")
        .send()
        .await
        .unwrap();
    assert_envelope(both, 401, "unauthorized").await;
    let bearer = app.client.get(&url).bearer_auth("k1").send().await.unwrap();
    assert_envelope(bearer, 410, "job_expired").await;
    let header = app
        .client
        .get(&url)
        .header("x-api-key", "k2")
        .send()
        .await
        .unwrap();
    assert_envelope(header, 410, "job_expired").await;
    let upload = app.upload("q.csv", b"query\nduo\n", None).await;
    assert_envelope(upload, 401, "unauthorized").await;
    assert!(
        crate::helpers::entries(&app.uploads).is_empty(),
        "a refused upload writes nothing"
    );
}

#[tokio::test]
async fn admin_routes_need_an_admin_key_when_admin_keys_exist() {
    let app = app_with_keys(&["a1"]).await;
    let stats = app.url("/api/v1/analysis/stats");
    let api_only = app
        .client
        .get(&stats)
        .bearer_auth("k1")
        .send()
        .await
        .unwrap();
    assert_envelope(api_only, 403, "forbidden").await;
    let none = app.client.get(&stats).send().await.unwrap();
    assert_envelope(none, 401, "unauthorized").await;
    let admin = app
        .client
        .get(&stats)
        .bearer_auth("a1")
        .send()
        .await
        .unwrap();
    assert!(
        ![401, 403].contains(&admin.status().as_u16()),
        "{}",
        admin.status()
    );
}

#[tokio::test]
async fn without_admin_keys_admin_routes_answer_loopback_peers_only() {
    let app = app_with_keys(&[]).await;
    let local = app
        .client
        .get(app.url("/api/v1/analysis/stats"))
        .bearer_auth("k1")
        .send()
        .await
        .unwrap();
    assert!(
        ![401, 403].contains(&local.status().as_u16()),
        "loopback is allowed: {}",
        local.status()
    );
    // A remote peer, without sending traffic anywhere: the router with a mocked peer address.
    for peer in [
        "203.0.113.7:4000",
        "[2001:db8::1]:4000",
        "[::ffff:10.1.2.3]:4000",
    ] {
        let router = rankmap::api::router(app.state.clone()).layer(MockConnectInfo(
            peer.parse::<std::net::SocketAddr>().unwrap(),
        ));
        let request = axum::http::Request::get("/api/v1/analysis/stats")
            .header("authorization", "Bearer k1")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), 403, "{peer}");
    }
}

#[tokio::test]
async fn a_signed_download_link_works_without_a_header_until_it_expires() {
    let app = app_with_keys(&[]).await;
    let id = submit_with_key(&app).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let done = loop {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/analysis/job/{id}")))
            .bearer_auth("k1")
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        if body["status"] == "completed" {
            break body;
        }
        assert!(std::time::Instant::now() < deadline, "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let link = done["downloadUrl"].as_str().unwrap();
    assert!(
        link.contains("?token=") && link.contains("&expires="),
        "{link}"
    );
    let browser = app.client.get(app.url(link)).send().await.unwrap();
    assert_eq!(browser.status(), 200, "a plain browser link works");
    let plain = app.url(&format!("/api/v1/analysis/download/rankmap_{id}.xlsx"));
    assert_envelope(
        app.client.get(&plain).send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let tampered = link.replace("token=", "token=00");
    assert_envelope(
        app.client.get(app.url(&tampered)).send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let past = jiff::Timestamp::now().as_second() - 10;
    let job_id: rankmap::jobs::id::JobId = id.parse().unwrap();
    let expired_token = app.state.jobs.keys.sign(&job_id, past);
    let expired = format!("{plain}?token={expired_token}&expires={past}");
    assert_envelope(
        app.client.get(&expired).send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let with_key = app
        .client
        .get(&plain)
        .header("x-api-key", "k2")
        .send()
        .await
        .unwrap();
    assert_eq!(with_key.status(), 200);
}
