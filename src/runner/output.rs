//! The script's stdout: lines capped at 64 KiB, turned into progress updates.
//!
//! A line longer than the cap is skipped as it streams past, never buffered whole, so a script
//! printing a gigabyte without a newline costs 64 KiB of memory.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tokio::time::Instant;

use super::progress::{self, Progress, ProgressTracker};

/// Longest stdout line that is looked at (contract §2), without its newline.
pub(crate) const MAX_LINE_BYTES: usize = 64 * 1024;

/// Splits a byte stream into lines of at most `max` bytes, dropping longer ones.
#[derive(Debug)]
pub(crate) struct LineReader<R> {
    inner: R,
    max: usize,
    line: Vec<u8>,
    /// Set while the rest of an over-long line is skipped.
    discarding: bool,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub(crate) fn new(inner: R, max: usize) -> Self {
        Self {
            inner,
            max,
            line: Vec::new(),
            discarding: false,
        }
    }

    /// The next line within the cap (without `\n` or `\r\n`), or `None` at the end of the
    /// stream or on a read error. Every byte read is added to `activity`. Cancel-safe: a
    /// partial line is kept in `self`.
    pub(crate) async fn next_line(&mut self, activity: &AtomicU64) -> Option<Vec<u8>> {
        loop {
            let buf = match self.inner.fill_buf().await {
                Ok(buf) => buf,
                Err(_) => return None,
            };
            if buf.is_empty() {
                // A last line without a newline still counts.
                let line = std::mem::take(&mut self.line);
                let kept = !self.discarding && !line.is_empty();
                self.discarding = false;
                return kept.then(|| trim_cr(line));
            }
            let (used, complete) = match buf.iter().position(|&b| b == b'\n') {
                Some(at) => (at + 1, Some(at)),
                None => (buf.len(), None),
            };
            let content = &buf[..complete.unwrap_or(used)];
            if !self.discarding {
                if self.line.len() + content.len() > self.max {
                    self.discarding = true;
                    self.line = Vec::new();
                } else {
                    self.line.extend_from_slice(content);
                }
            }
            self.inner.consume(used);
            activity.fetch_add(used as u64, Ordering::Relaxed);
            if complete.is_some() {
                let line = std::mem::take(&mut self.line);
                let discarded = std::mem::replace(&mut self.discarding, false);
                if !discarded {
                    return Some(trim_cr(line));
                }
            }
        }
    }
}

fn trim_cr(mut line: Vec<u8>) -> Vec<u8> {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    line
}

/// Reads stdout to its end, feeding progress lines to `tracker` and delivering due updates to
/// `on_progress`, including held-back ones whose interval ran out while the script was quiet.
/// The caller delivers whatever is still held back when the run ends.
pub(crate) async fn pump<R, F>(
    mut lines: LineReader<R>,
    tracker: &mut ProgressTracker,
    on_progress: &mut F,
    activity: &AtomicU64,
) where
    R: AsyncBufRead + Unpin,
    F: FnMut(Progress),
{
    loop {
        let deadline = tracker.deadline();
        tokio::select! {
            line = lines.next_line(activity) => {
                let Some(line) = line else { return };
                if let Some(update) = progress::parse_line(&line)
                    && let Some(progress) = tracker.observe(update, Instant::now())
                {
                    on_progress(progress);
                }
            }
            () = sleep_until_some(deadline) => {
                if let Some(progress) = tracker.due(Instant::now()) {
                    on_progress(progress);
                }
            }
        }
    }
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines_of(input: &[u8], max: usize, capacity: usize) -> Vec<Vec<u8>> {
        let reader = tokio::io::BufReader::with_capacity(capacity, input);
        let mut lines = LineReader::new(reader, max);
        let mut out = Vec::new();
        let activity = AtomicU64::new(0);
        while let Some(line) = lines.next_line(&activity).await {
            out.push(line);
        }
        assert_eq!(activity.load(Ordering::Relaxed), input.len() as u64);
        out
    }

    #[tokio::test]
    async fn lines_over_the_cap_are_dropped_and_the_next_line_survives() {
        let mut input = b"first\n".to_vec();
        input.extend(vec![b'x'; 100]);
        input.extend(b"\nsecond\r\nlast");
        let lines = lines_of(&input, 10, 7).await;
        assert_eq!(
            lines,
            vec![b"first".to_vec(), b"second".to_vec(), b"last".to_vec()]
        );
    }

    #[tokio::test]
    async fn a_line_exactly_at_the_cap_is_kept() {
        let input = b"0123456789\n01234567890\n".to_vec();
        assert_eq!(lines_of(&input, 10, 4).await, vec![b"0123456789".to_vec()]);
    }

    #[tokio::test]
    async fn an_over_long_last_line_without_newline_is_dropped() {
        let input = b"ok\nxxxxxxxxxxxxxxxxxxxx".to_vec();
        assert_eq!(lines_of(&input, 10, 3).await, vec![b"ok".to_vec()]);
    }

    #[tokio::test]
    async fn the_pump_delivers_rising_progress_from_stdout() {
        let input = b"{\"progress\": 10, \"message\": \"a\"}\nnoise\n{\"progress\": 5}\n".to_vec();
        let reader = tokio::io::BufReader::new(&input[..]);
        let mut tracker = ProgressTracker::default();
        let mut seen = Vec::new();
        let lines = LineReader::new(reader, MAX_LINE_BYTES);
        let activity = AtomicU64::new(0);
        pump(lines, &mut tracker, &mut |p| seen.push(p), &activity).await;
        assert_eq!(
            seen,
            vec![Progress {
                percent: 10,
                message: Some("a".into())
            }]
        );
        assert_eq!(tracker.take_pending(), None);
    }
}
