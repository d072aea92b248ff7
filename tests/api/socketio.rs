//! socket.io (contract §1.7) spoken at the engine.io level over the polling transport: the
//! handshake, a subscription and the auth refusal. The real socket.io client runs in
//! `tests/e2e`.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with};

/// An engine.io session on the polling transport.
struct Polling<'a> {
    app: &'a TestApp,
    sid: String,
    /// Packets received but not yet looked for.
    pending: std::cell::RefCell<std::collections::VecDeque<String>>,
}

/// The body of a long-polling `GET`.
async fn get_text(app: &TestApp, url: String) -> String {
    app.client
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

impl<'a> Polling<'a> {
    /// The handshake; returns the session and the open packet.
    async fn open(app: &'a TestApp) -> (Self, Value) {
        let text = get_text(app, app.url("/socket.io/?EIO=4&transport=polling")).await;
        let open: Value =
            serde_json::from_str(text.strip_prefix('0').expect("open packet")).unwrap();
        let sid = open["sid"].as_str().unwrap().to_owned();
        let pending = Default::default();
        (Self { app, sid, pending }, open)
    }

    fn url(&self) -> String {
        self.app.url(&format!(
            "/socket.io/?EIO=4&transport=polling&sid={}",
            self.sid
        ))
    }

    async fn send(&self, packet: &str) {
        let response = self
            .app
            .client
            .post(self.url())
            .body(packet.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// Polls until a packet starting with `prefix` arrives (answering pings); returns it and
    /// drops the packets before it.
    async fn until(&self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            let next = self.pending.borrow_mut().pop_front();
            if let Some(packet) = next {
                if packet.starts_with(prefix) {
                    return packet;
                }
                seen.push(packet);
                continue;
            }
            let text = get_text(self.app, self.url()).await;
            for packet in text.split('\u{1e}') {
                if packet == "2" {
                    self.send("3").await;
                } else {
                    self.pending.borrow_mut().push_back(packet.to_owned());
                }
            }
        }
        panic!("no packet {prefix}… in 20 s; got {seen:?}");
    }
}

#[tokio::test]
async fn the_handshake_announces_the_configured_max_payload() {
    let app = spawn_app_with(|c| c.socketio.max_payload_bytes = 123_456).await;
    let (_, open) = Polling::open(&app).await;
    assert_eq!(open["maxPayload"], 123_456);
    app.stop().await;
}

#[tokio::test]
async fn a_subscription_gets_the_current_state_with_its_version_then_the_ack() {
    let app = spawn_app_with(|_| {}).await;
    let id = app.submit().await;
    let polled = app.wait_for_job(&id).await;
    let (session, _) = Polling::open(&app).await;
    session.send("40").await;
    session.until("40").await;
    session
        .send(&format!(r#"421["subscribe-job",{{"jobId":"{id}"}}]"#))
        .await;
    let event = session.until(r#"42["job-completed""#).await;
    let (_, body): (String, Value) = serde_json::from_str(&event[2..]).unwrap();
    let mut body = body.as_object().unwrap().clone();
    let version = body.remove("version").expect("version");
    let job = app
        .state
        .jobs
        .get(&id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(version, job.version);
    assert_eq!(Value::Object(body), polled);
    assert_eq!(session.until("431").await, r#"431[{"success":true}]"#);
    app.stop().await;
}

#[tokio::test]
async fn with_auth_on_a_wrong_token_is_a_connect_error_and_a_right_one_connects() {
    let app = spawn_app_with(|c| c.auth.api_keys = vec!["sekret".into()]).await;
    let (refused, _) = Polling::open(&app).await;
    refused.send(r#"40{"token":"nope"}"#).await;
    assert_eq!(refused.until("44").await, r#"44{"message":"unauthorized"}"#);
    let (accepted, _) = Polling::open(&app).await;
    accepted.send(r#"40{"token":"sekret"}"#).await;
    assert!(accepted.until("4").await.starts_with("40{\"sid\""));
    app.stop().await;
}
