//! The script's stderr: a bounded ring of its last bytes, and the failure details cut from it.
//!
//! Only the last [`RING_BYTES`] are ever held, however much the script writes. Details are the
//! last [`DETAILS_BYTES`] of that, decoded leniently, cut on a UTF-8 boundary, with absolute
//! server paths replaced by `…` so a job's error never shows the server's layout.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt};

/// Bytes of stderr kept per run (contract §2).
pub(crate) const RING_BYTES: usize = 64 * 1024;
/// Largest failure `details` (contract §2).
pub(crate) const DETAILS_BYTES: usize = 4 * 1024;
/// What a redacted server path becomes.
pub(crate) const REDACTED: &str = "…";

/// The last [`RING_BYTES`] written to stderr.
#[derive(Debug, Default)]
pub(crate) struct StderrRing {
    bytes: VecDeque<u8>,
}

impl StderrRing {
    /// Appends a chunk, forgetting the oldest bytes beyond the ring size.
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        let chunk = &chunk[chunk.len().saturating_sub(RING_BYTES)..];
        let overflow = (self.bytes.len() + chunk.len()).saturating_sub(RING_BYTES);
        self.bytes.drain(..overflow);
        self.bytes.extend(chunk);
    }

    /// The kept bytes, oldest first.
    pub(crate) fn contents(&self) -> Vec<u8> {
        self.bytes.iter().copied().collect()
    }
}

/// Reads `stderr` to its end into `ring`, adding every byte read to `activity`. Cancel-safe: a
/// chunk is pushed as soon as it is read.
pub(crate) async fn pump(
    mut stderr: impl AsyncRead + Unpin,
    ring: &mut StderrRing,
    activity: &AtomicU64,
) {
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        match stderr.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                ring.push(&chunk[..n]);
                activity.fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
}

/// Replaces absolute server paths with [`REDACTED`], longest first so that a directory inside
/// another is replaced whole. The root and relative paths are never redacted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// Builds the redactor from the given paths and, where it differs, their canonical form.
    pub(crate) fn new(paths: &[PathBuf]) -> Self {
        let mut needles: Vec<String> = Vec::new();
        for path in paths {
            let canonical = std::fs::canonicalize(path).ok();
            for candidate in std::iter::once(path.as_path()).chain(canonical.as_deref()) {
                if let Some(needle) = needle(candidate)
                    && !needles.contains(&needle)
                {
                    needles.push(needle);
                }
            }
        }
        needles.sort_by_key(|needle| std::cmp::Reverse(needle.len()));
        Self { needles }
    }

    /// `text` with every server path replaced.
    pub(crate) fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), REDACTED);
            }
        }
        out
    }
}

fn needle(path: &Path) -> Option<String> {
    if !path.is_absolute() || path.parent().is_none() {
        return None;
    }
    let text = path.to_str()?.trim_end_matches('/');
    (!text.is_empty()).then(|| text.to_owned())
}

/// The last `max_bytes` of `text`, starting on a character boundary.
pub(crate) fn tail_on_char_boundary(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut start = text.len() - max_bytes;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// The first `max_bytes` of `text`, ending on a character boundary.
pub(crate) fn head_on_char_boundary(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The failure details cut from stderr: redacted, trailing whitespace trimmed, at most
/// `max_bytes`. `None` when stderr held nothing but whitespace.
pub(crate) fn details_tail(raw: &[u8], redactor: &Redactor, max_bytes: usize) -> Option<String> {
    // Redact before cutting, so a path straddling the cut cannot leave a fragment behind.
    let text = redactor.apply(&String::from_utf8_lossy(raw));
    let trimmed = text.trim_end();
    let tail = tail_on_char_boundary(trimmed, max_bytes);
    (!tail.trim().is_empty()).then(|| tail.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_only_the_last_64_kib() {
        let mut ring = StderrRing::default();
        for i in 0..200u32 {
            ring.push(format!("{i:04}").repeat(256).as_bytes());
        }
        let kept = ring.contents();
        assert_eq!(kept.len(), RING_BYTES);
        assert!(kept.ends_with(b"0199"));
        let mut one_big = StderrRing::default();
        one_big.push(&vec![b'a'; RING_BYTES * 3]);
        assert_eq!(one_big.contents().len(), RING_BYTES);
    }

    #[test]
    fn the_tail_never_splits_a_character() {
        let text = "é".repeat(3000);
        let tail = tail_on_char_boundary(&text, 4095);
        assert!(tail.len() <= 4095);
        assert!(tail.chars().all(|c| c == 'é'));
        assert_eq!(head_on_char_boundary("aé", 2), "a");
    }

    #[test]
    fn details_are_trimmed_and_empty_stderr_gives_none() {
        let redactor = Redactor::default();
        assert_eq!(details_tail(b"  \n\t\n", &redactor, 4096), None);
        assert_eq!(
            details_tail(b"Traceback\nValueError: x\n", &redactor, 4096).as_deref(),
            Some("Traceback\nValueError: x")
        );
    }

    #[test]
    fn server_paths_are_redacted_longest_first() {
        let redactor = Redactor::new(&[
            PathBuf::from("/srv/rankmap/uploads"),
            PathBuf::from("/srv/rankmap/uploads/job_1/"),
            PathBuf::from("/"),
            PathBuf::from("relative/dir"),
        ]);
        assert_eq!(
            redactor.apply("open /srv/rankmap/uploads/job_1/in.csv and /srv/rankmap/uploads/x"),
            "open …/in.csv and …/x"
        );
        assert_eq!(redactor.apply("relative/dir stays"), "relative/dir stays");
    }

    #[test]
    fn a_path_at_the_cut_is_redacted_before_cutting() {
        let redactor = Redactor::new(&[PathBuf::from("/very/secret/server/path")]);
        let raw = format!("{}/very/secret/server/path/file", "x".repeat(10));
        let details = details_tail(raw.as_bytes(), &redactor, 12).unwrap_or_default();
        assert_eq!(details, "xxxx…/file");
    }

    #[test]
    fn invalid_utf8_is_decoded_leniently_within_the_limit() {
        let mut raw = vec![0xff; 5000];
        raw.extend_from_slice(b"end");
        let details = details_tail(&raw, &Redactor::default(), DETAILS_BYTES).unwrap_or_default();
        assert!(details.len() <= DETAILS_BYTES);
        assert!(details.ends_with("end"));
    }
}
