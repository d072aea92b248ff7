//! Progress lines: parsing one stdout line, and the monotonic, coalescing progress state.
//!
//! Pure logic with the clock passed in, so the rate limit is tested without real time. The
//! reported percent only ever rises and stays within 0–99 (100 belongs to completion); an
//! update is delivered only when the percent or the message changed, at most once per
//! [`MIN_INTERVAL`], and the latest state is always delivered in the end.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

/// Shortest gap between two delivered updates (at most 10 per second).
pub(crate) const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// Longest progress message, in characters.
pub(crate) const MESSAGE_CHARS: usize = 200;
/// Highest percent a running script may report.
const MAX_PERCENT: f64 = 99.0;

/// A progress update of a running script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Percent done, 0–99, never lower than a previous update of the same run.
    pub percent: u8,
    /// The script's latest message, at most 200 characters.
    pub message: Option<String>,
}

/// What one stdout line says, before it is merged into the state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LineUpdate {
    pub(crate) percent: u8,
    pub(crate) message: Option<String>,
}

/// Parses a progress line: a JSON object with a numeric `progress` and an optional string
/// `message`. Anything else is `None` and ignored by the caller.
pub(crate) fn parse_line(line: &[u8]) -> Option<LineUpdate> {
    let value: Value = serde_json::from_slice(line).ok()?;
    let object = value.as_object()?;
    let raw = object.get("progress")?.as_f64()?;
    // JSON has no NaN; clamping after the floor keeps huge and negative values in range.
    let percent = raw.floor().clamp(0.0, MAX_PERCENT) as u8;
    let message = object
        .get("message")
        .and_then(Value::as_str)
        .map(|text| text.chars().take(MESSAGE_CHARS).collect());
    Some(LineUpdate { percent, message })
}

/// The run's progress: what the script said last, and what was last delivered.
#[derive(Debug, Default)]
pub(crate) struct ProgressTracker {
    current: Progress,
    delivered: Progress,
    delivered_at: Option<Instant>,
}

impl ProgressTracker {
    /// Merges a line into the state; returns the update to deliver now, if any. A lower percent
    /// keeps the higher one; a line without a message keeps the previous message.
    pub(crate) fn observe(&mut self, update: LineUpdate, now: Instant) -> Option<Progress> {
        self.current.percent = self.current.percent.max(update.percent);
        if update.message.is_some() {
            self.current.message = update.message;
        }
        self.due(now)
    }

    /// When a held-back update becomes deliverable, if one is held back.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        if !self.has_pending() {
            return None;
        }
        Some(
            self.delivered_at
                .map_or_else(Instant::now, |at| at + MIN_INTERVAL),
        )
    }

    /// The held-back update, if its time has come.
    pub(crate) fn due(&mut self, now: Instant) -> Option<Progress> {
        if !self.has_pending() {
            return None;
        }
        let allowed = self
            .delivered_at
            .is_none_or(|at| now.saturating_duration_since(at) >= MIN_INTERVAL);
        allowed.then(|| self.deliver(now))
    }

    /// The held-back update regardless of the rate limit, for the end of the run.
    pub(crate) fn take_pending(&mut self) -> Option<Progress> {
        self.has_pending().then(|| self.deliver(Instant::now()))
    }

    fn has_pending(&self) -> bool {
        self.current != self.delivered
    }

    fn deliver(&mut self, now: Instant) -> Progress {
        self.delivered = self.current.clone();
        self.delivered_at = Some(now);
        self.current.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(percent: u8, message: Option<&str>) -> LineUpdate {
        LineUpdate {
            percent,
            message: message.map(str::to_owned),
        }
    }

    #[test]
    fn progress_is_floored_and_clamped() {
        let percent = |line: &str| parse_line(line.as_bytes()).map(|u| u.percent);
        assert_eq!(percent(r#"{"progress": 12.9}"#), Some(12));
        assert_eq!(percent(r#"{"progress": 150}"#), Some(99));
        assert_eq!(percent(r#"{"progress": 100}"#), Some(99));
        assert_eq!(percent(r#"{"progress": -5}"#), Some(0));
        assert_eq!(percent(r#"{"progress": 1e300}"#), Some(99));
    }

    #[test]
    fn lines_that_are_not_progress_objects_are_ignored() {
        for line in [
            r#"{"progress": "50"}"#,
            r#"{"progress": null}"#,
            r#"{"message": "no progress"}"#,
            r#"[{"progress": 5}]"#,
            "50",
            "plain text",
            "",
            r#"{"progress": 5"#,
        ] {
            assert_eq!(parse_line(line.as_bytes()), None, "{line}");
        }
    }

    #[test]
    fn messages_are_cut_to_200_characters() {
        let line = format!(r#"{{"progress": 1, "message": "{}"}}"#, "ü".repeat(300));
        let message = parse_line(line.as_bytes()).and_then(|u| u.message);
        assert_eq!(message.map(|m| m.chars().count()), Some(MESSAGE_CHARS));
        let not_text = parse_line(br#"{"progress": 1, "message": 7}"#);
        assert_eq!(not_text.and_then(|u| u.message), None);
    }

    #[test]
    fn progress_never_goes_down_but_a_new_message_still_counts() {
        let start = Instant::now();
        let mut tracker = ProgressTracker::default();
        let late = start + Duration::from_secs(10);
        assert_eq!(
            tracker.observe(update(50, Some("half")), start),
            Some(Progress {
                percent: 50,
                message: Some("half".into())
            })
        );
        assert_eq!(tracker.observe(update(30, None), late), None);
        assert_eq!(
            tracker.observe(update(20, Some("again")), late),
            Some(Progress {
                percent: 50,
                message: Some("again".into())
            })
        );
    }

    #[test]
    fn unchanged_updates_are_not_delivered() {
        let start = Instant::now();
        let mut tracker = ProgressTracker::default();
        assert_eq!(tracker.observe(update(0, None), start), None);
        assert!(tracker.observe(update(5, Some("a")), start).is_some());
        let later = start + Duration::from_secs(1);
        assert_eq!(tracker.observe(update(5, Some("a")), later), None);
        assert_eq!(tracker.observe(update(5, None), later), None);
        assert_eq!(tracker.take_pending(), None);
    }

    #[test]
    fn updates_inside_the_interval_are_coalesced_into_the_latest() {
        let start = Instant::now();
        let mut tracker = ProgressTracker::default();
        assert!(tracker.observe(update(1, None), start).is_some());
        for (i, percent) in (2..40).enumerate() {
            let now = start + Duration::from_millis(i as u64);
            assert_eq!(tracker.observe(update(percent, None), now), None);
        }
        assert_eq!(tracker.deadline(), Some(start + MIN_INTERVAL));
        assert_eq!(tracker.due(start + Duration::from_millis(99)), None);
        assert_eq!(
            tracker.due(start + MIN_INTERVAL),
            Some(Progress {
                percent: 39,
                message: None
            })
        );
        assert_eq!(tracker.deadline(), None);
    }

    #[test]
    fn the_last_held_back_update_is_delivered_at_the_end() {
        let start = Instant::now();
        let mut tracker = ProgressTracker::default();
        assert!(tracker.observe(update(10, None), start).is_some());
        assert_eq!(tracker.observe(update(90, Some("done")), start), None);
        assert_eq!(
            tracker.take_pending(),
            Some(Progress {
                percent: 90,
                message: Some("done".into())
            })
        );
        assert_eq!(tracker.take_pending(), None);
    }
}
