//! A minimal Server-Sent Events reader over a streaming reqwest response, with deadlines.

use std::time::Duration;

use serde_json::Value;

/// One dispatched block of an event stream (fields as sent; `comment` for `:` lines).
#[derive(Debug, Clone, Default)]
pub struct SseEvent {
    pub event: Option<String>,
    pub id: Option<String>,
    pub retry: Option<String>,
    pub data: Option<String>,
    pub comment: bool,
}

impl SseEvent {
    /// `id:` as a version.
    pub fn version(&self) -> u64 {
        self.id.as_deref().unwrap().parse().unwrap()
    }

    /// `data:` as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.data.as_deref().unwrap()).unwrap()
    }

    /// Whether this block is a real event (has data), not `retry:` or a keep-alive.
    pub fn is_event(&self) -> bool {
        self.data.is_some()
    }
}

/// Reads blocks off an open `text/event-stream` response.
pub struct SseReader {
    response: reqwest::Response,
    buffer: String,
    ended: bool,
}

impl SseReader {
    /// Wraps a 200 `text/event-stream` response (asserted).
    pub fn new(response: reqwest::Response) -> Self {
        assert_eq!(response.status(), 200, "event stream status");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Self {
            response,
            buffer: String::new(),
            ended: false,
        }
    }

    /// The next block, or `None` when the stream ended; panics when nothing comes in `within`.
    pub async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(&block));
            }
            if self.ended {
                assert!(
                    self.buffer.trim().is_empty(),
                    "trailing bytes: {:?}",
                    self.buffer
                );
                return None;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .unwrap_or_else(|_| panic!("no event within {within:?}; have {:?}", self.buffer))
                .expect("stream read");
            match chunk {
                Some(bytes) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                None => self.ended = true,
            }
        }
    }

    /// The next block with data (skipping `retry:` and keep-alive comments).
    pub async fn next_event(&mut self, within: Duration) -> Option<SseEvent> {
        loop {
            let block = self.next(within).await?;
            if block.is_event() {
                return Some(block);
            }
        }
    }

    /// Every remaining event until the stream ends, which must happen within `within`.
    pub async fn rest(&mut self, within: Duration) -> Vec<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        let mut events = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_event(left).await {
                Some(event) => events.push(event),
                None => return events,
            }
        }
    }
}

fn parse(block: &str) -> SseEvent {
    let mut event = SseEvent::default();
    for line in block.lines().filter(|l| !l.is_empty()) {
        if line.starts_with(':') {
            event.comment = true;
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
        match field {
            "event" => event.event = Some(value),
            "id" => event.id = Some(value),
            "retry" => event.retry = Some(value),
            "data" => {
                event.data = Some(match event.data.take() {
                    Some(before) => format!("{before}\n{value}"),
                    None => value,
                })
            }
            other => panic!("unexpected field {other:?} in {block:?}"),
        }
    }
    event
}
