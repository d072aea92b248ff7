//! A completed job's results on disk, and the cache of completed status bodies (contract §3).
//!
//! `storage.results_dir/<jobId>/` holds the two NDJSON tables with their offset indexes,
//! `summary.json`, `status.json` (the completed status body, serialised once) and the workbook.
//! Status polls are answered from [`BodyCache`], bounded by `results.cache_bytes`, which falls
//! back to `status.json`; paging reads rows through the index without scanning.

mod ingest;

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use dashmap::DashMap;

pub use ingest::{IngestError, Ingested, SUMMARY_FILE, Table, ingest};

use crate::jobs::id::JobId;

/// The stored completed status body.
pub const STATUS_FILE: &str = "status.json";

/// The report's file name for a job.
pub fn excel_file_name(id: &JobId) -> String {
    format!("rankmap_{id}.xlsx")
}

/// Paths of the results directories.
#[derive(Debug, Clone)]
pub struct ResultsDir {
    root: PathBuf,
}

impl ResultsDir {
    /// Results under `root` (`storage.results_dir`).
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A job's directory. The name is built from a parsed [`JobId`], never from client text.
    pub fn job_dir(&self, id: &JobId) -> PathBuf {
        self.root.join(id.as_str())
    }

    /// A job's workbook.
    pub fn report_path(&self, id: &JobId) -> PathBuf {
        self.job_dir(id).join(excel_file_name(id))
    }

    /// Reads `limit` rows of `table` from `offset` (callers check the bounds against the count).
    pub fn read_rows(
        &self,
        id: &JobId,
        table: Table,
        offset: u64,
        limit: u64,
    ) -> std::io::Result<Vec<Box<serde_json::value::RawValue>>> {
        let dir = self.job_dir(id);
        let mut index = File::open(table.index_path(&dir))?;
        index.seek(SeekFrom::Start(offset * 8))?;
        let mut start = [0u8; 8];
        if index.read_exact(&mut start).is_err() {
            return Ok(Vec::new());
        }
        let mut rows = File::open(table.rows_path(&dir))?;
        rows.seek(SeekFrom::Start(u64::from_le_bytes(start)))?;
        let reader = BufReader::with_capacity(1 << 16, rows);
        let mut out = Vec::new();
        for line in reader
            .lines()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
        {
            let line = line?;
            let row = serde_json::value::RawValue::from_string(line)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            out.push(row);
        }
        Ok(out)
    }
}

struct CachedBody {
    bytes: Bytes,
    last_used: AtomicU64,
}

/// Completed status bodies held in memory, least recently used evicted past the byte budget.
pub struct BodyCache {
    bodies: DashMap<JobId, Arc<CachedBody>>,
    budget: u64,
    used: AtomicU64,
    clock: AtomicU64,
}

impl BodyCache {
    /// A cache of at most `budget` bytes of bodies.
    pub fn new(budget: u64) -> Self {
        Self {
            bodies: DashMap::new(),
            budget,
            used: AtomicU64::new(0),
            clock: AtomicU64::new(0),
        }
    }

    /// The body, if cached.
    pub fn get(&self, id: &JobId) -> Option<Bytes> {
        let entry = self.bodies.get(id)?;
        entry.last_used.store(
            self.clock.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
        Some(entry.bytes.clone())
    }

    /// Caches a body (one larger than the whole budget is not cached).
    pub fn insert(&self, id: JobId, bytes: Bytes) {
        let len = bytes.len() as u64;
        if len > self.budget {
            return;
        }
        let body = Arc::new(CachedBody {
            bytes,
            last_used: AtomicU64::new(self.clock.fetch_add(1, Ordering::Relaxed)),
        });
        if let Some(old) = self.bodies.insert(id, body) {
            self.used
                .fetch_sub(old.bytes.len() as u64, Ordering::Relaxed);
        }
        self.used.fetch_add(len, Ordering::Relaxed);
        while self.used.load(Ordering::Relaxed) > self.budget {
            // Eviction scans, but it only runs when a completed body is added over budget.
            let oldest = self
                .bodies
                .iter()
                .min_by_key(|e| e.value().last_used.load(Ordering::Relaxed))
                .map(|e| e.key().clone());
            match oldest {
                Some(key) => self.remove(&key),
                None => break,
            }
        }
    }

    /// Forgets a body.
    pub fn remove(&self, id: &JobId) {
        if let Some((_, old)) = self.bodies.remove(id) {
            self.used
                .fetch_sub(old.bytes.len() as u64, Ordering::Relaxed);
        }
    }

    /// Bytes held.
    pub fn used_bytes(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

/// A strong ETag from the exact bytes: 16 hex digits of a 64-bit FNV-1a hash, quoted.
pub fn etag_of(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{hash:016x}\"")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn id() -> JobId {
        JobId::generate(jiff::Timestamp::now()).unwrap()
    }

    #[test]
    fn the_cache_evicts_the_least_recently_used_body_past_its_budget() {
        let cache = BodyCache::new(10);
        let (a, b, c) = (id(), id(), id());
        cache.insert(a.clone(), Bytes::from_static(b"aaaa"));
        cache.insert(b.clone(), Bytes::from_static(b"bbbb"));
        assert!(cache.get(&a).is_some());
        cache.insert(c.clone(), Bytes::from_static(b"cccc"));
        assert!(cache.get(&b).is_none(), "b was least recently used");
        assert!(cache.get(&a).is_some() && cache.get(&c).is_some());
        assert_eq!(cache.used_bytes(), 8);
        cache.insert(id(), Bytes::from_static(b"too large for it"));
        assert_eq!(cache.used_bytes(), 8);
    }

    #[test]
    fn etags_differ_when_bytes_differ() {
        assert_eq!(etag_of(b"abc"), etag_of(b"abc"));
        assert_ne!(etag_of(b"abc"), etag_of(b"abd"));
        assert_eq!(etag_of(b"").len(), 18);
    }
}
