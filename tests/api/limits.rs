//! Request limits: slow bodies and headers are cut, connections are bounded, CORS is as
//! configured.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, entries, spawn_app_with};

fn addr(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

/// Reads until the peer closes or `within` passes; what was read.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&out).into_owned()),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

const HEAD: &str = "POST /api/v1/analysis/analyze-file HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"q.csv\"\r\n\r\nquery\n";

#[tokio::test]
async fn a_stalled_body_is_cut_with_408_and_its_partial_upload_deleted() {
    let app = spawn_app_with(|c| c.server.body_idle_timeout = Duration::from_millis(500)).await;
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    stream.write_all(HEAD.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("answered");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    assert!(
        entries(&app.uploads).is_empty(),
        "{:?}",
        entries(&app.uploads)
    );
}

#[tokio::test]
async fn a_body_trickled_under_the_idle_timeout_is_cut_at_the_deadline() {
    let app = spawn_app_with(|c| {
        c.server.body_idle_timeout = Duration::from_secs(2);
        c.server.body_deadline_floor = Duration::from_secs(1);
        c.server.body_min_rate_bytes = u64::MAX;
    })
    .await;
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    stream.write_all(HEAD.as_bytes()).await.unwrap();
    let started = Instant::now();
    let trickle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if stream.write_all(b"a").await.is_err() {
                break;
            }
            let mut buf = [0u8; 1024];
            if let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buf)).await
            {
                return String::from_utf8_lossy(&buf[..n]).into_owned();
            }
            assert!(started.elapsed() < Duration::from_secs(10), "never cut");
        }
        String::new()
    };
    let answer = trickle.await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !entries(&app.uploads).is_empty() {
        assert!(
            Instant::now() < deadline,
            "partial upload left: {:?}",
            entries(&app.uploads)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_client_that_trickles_headers_is_disconnected() {
    let app = spawn_app_with(|c| c.server.header_timeout = Duration::from_millis(500)).await;
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    stream
        .write_all(b"GET /api/v1/analysis/job/x HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(
        read_until_closed(&mut stream, Duration::from_secs(5))
            .await
            .is_some(),
        "still open"
    );
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_until_one_closes() {
    let app =
        spawn_app_with(|c| c.server.max_connections = std::num::NonZeroUsize::new(2).unwrap())
            .await;
    let request = b"GET /healthz-not-a-route HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr(&app)).await.unwrap();
        s.write_all(request).await.unwrap();
        let mut buf = [0u8; 512];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 404"));
        held.push(s);
    }
    let mut third = TcpStream::connect(addr(&app)).await.unwrap();
    third.write_all(request).await.unwrap();
    let mut buf = [0u8; 512];
    assert!(
        tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf))
            .await
            .is_err(),
        "a third connection was served while two were open"
    );
    drop(held.pop());
    let n = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 404"));
}

/// The origin the CORS tests allow.
const APP_ORIGIN: &str = "https://app.example";

/// A browser's preflight from [`APP_ORIGIN`] for a `GET` that will send `headers`.
async fn preflight(app: &TestApp, url: &str, headers: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .request(reqwest::Method::OPTIONS, url)
        .header("origin", APP_ORIGIN)
        .header("access-control-request-method", "GET");
    if let Some(headers) = headers {
        request = request.header("access-control-request-headers", headers);
    }
    request.send().await.unwrap()
}

/// A cross-origin `GET` from `origin`.
async fn get_from(app: &TestApp, url: &str, origin: &str) -> reqwest::Response {
    app.client
        .get(url)
        .header("origin", origin)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_answers_preflights_for_configured_origins_and_exposes_the_polling_headers() {
    let app = spawn_app_with(|c| c.server.cors_origins = vec!["https://app.example".into()]).await;
    let url = app.url("/api/v1/analysis/job/job_1738268400000_a1b2c3d4e5f6a7b8");
    let preflight = preflight(
        &app,
        &url,
        Some("if-none-match, authorization, x-api-key, last-event-id"),
    )
    .await;
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example");
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "authorization",
        "x-api-key",
        "if-none-match",
        "last-event-id",
        "content-type",
    ] {
        assert!(allowed.contains(name), "{name} not allowed: {allowed}");
    }
    let get = get_from(&app, &url, APP_ORIGIN).await;
    let exposed = get.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in ["etag", "retry-after", "location", "x-request-id"] {
        assert!(exposed.contains(name), "{name} not exposed: {exposed}");
    }
    let other = get_from(&app, &url, "https://evil.example").await;
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn with_auth_on_preflights_pass_and_a_refusal_is_readable_cross_origin() {
    let app = spawn_app_with(|c| {
        c.server.cors_origins = vec!["https://app.example".into()];
        c.auth.api_keys = vec!["k1".into()];
    })
    .await;
    let url = app.url("/api/v1/analysis/job/job_1738268400000_a1b2c3d4e5f6a7b8");
    // The browser sends the preflight without credentials: CORS answers it, not auth.
    let preflight = preflight(&app, &url, Some("authorization")).await;
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    // A request without a key is refused, and the refusal carries CORS headers, so the page
    // can read the 401 instead of seeing a network error.
    let refused = get_from(&app, &url, APP_ORIGIN).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert!(refused.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn without_configured_origins_there_are_no_cors_headers() {
    let app = spawn_app_with(|_| {}).await;
    let url = app.url("/api/v1/analysis/job/job_1738268400000_a1b2c3d4e5f6a7b8");
    let preflight = preflight(&app, &url, None).await;
    assert_eq!(preflight.status(), 405);
    assert!(
        !preflight
            .headers()
            .contains_key("access-control-allow-origin")
    );
    let get = get_from(&app, &url, APP_ORIGIN).await;
    // An id from long ago: expired, answered as usual, with no CORS headers.
    assert_eq!(get.status(), 410);
    assert!(!get.headers().contains_key("access-control-allow-origin"));
}
