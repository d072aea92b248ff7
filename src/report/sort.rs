//! A small external merge sort for the tables whose order differs from their NDJSON file
//! (Issues, Cannibalisation, Opportunities).
//!
//! Trade-off: records are kept in memory up to a byte budget, then sorted and spilled to an
//! anonymous temp file as JSON lines (a "run"); at the end the runs are merged with a heap. So
//! memory stays bounded by the budget plus one record per run, at the price of writing and
//! re-reading the spilled records once. JSON keeps the run format trivially correct; a binary
//! format would be faster but these tables are usually far smaller than `keywordMapping`. A
//! single merge level is used: with the default 64 MiB budget even a few GiB of records make
//! only a few dozen runs.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ReportError;

/// Sorts `(key, payload)` records by key; keys must be unique for a total order.
pub(crate) struct ExternalSorter<K, P> {
    dir: PathBuf,
    budget: usize,
    buffer: Vec<(K, String)>,
    buffered_bytes: usize,
    runs: Vec<File>,
    _payload: PhantomData<P>,
}

impl<K, P> ExternalSorter<K, P>
where
    K: Ord + Serialize + DeserializeOwned,
    P: Serialize + DeserializeOwned,
{
    pub(crate) fn new(dir: PathBuf, budget: usize) -> Self {
        Self {
            dir,
            budget: budget.max(1),
            buffer: Vec::new(),
            buffered_bytes: 0,
            runs: Vec::new(),
            _payload: PhantomData,
        }
    }

    fn temp_err(&self, source: std::io::Error) -> ReportError {
        ReportError::Temp {
            dir: self.dir.clone(),
            source,
        }
    }

    /// Adds one record; may spill a sorted run to disk.
    pub(crate) fn push(&mut self, key: K, payload: &P) -> Result<(), ReportError> {
        let line = serde_json::to_string(&(&key, payload)).map_err(|e| self.temp_err(e.into()))?;
        // The key is counted twice: once in the line, once as the in-memory key.
        self.buffered_bytes += 2 * line.len() + std::mem::size_of::<(K, String)>();
        self.buffer.push((key, line));
        if self.buffered_bytes >= self.budget {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> Result<(), ReportError> {
        self.buffer.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let file = tempfile::tempfile_in(&self.dir).map_err(|e| self.temp_err(e))?;
        let mut out = BufWriter::new(file);
        for (_, line) in self.buffer.drain(..) {
            out.write_all(line.as_bytes())
                .and_then(|()| out.write_all(b"\n"))
                .map_err(|e| ReportError::Temp {
                    dir: self.dir.clone(),
                    source: e,
                })?;
        }
        let mut file = out
            .into_inner()
            .map_err(|e| self.temp_err(e.into_error()))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| self.temp_err(e))?;
        self.runs.push(file);
        self.buffered_bytes = 0;
        Ok(())
    }

    /// Whether any record was pushed.
    pub(crate) fn is_empty(&self) -> bool {
        self.buffer.is_empty() && self.runs.is_empty()
    }

    /// The records in key order.
    pub(crate) fn finish(mut self) -> Result<Sorted<K, P>, ReportError> {
        if self.runs.is_empty() {
            self.buffer.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let lines = std::mem::take(&mut self.buffer).into_iter();
            return Ok(Sorted {
                dir: self.dir,
                source: Source::Memory(lines),
            });
        }
        if !self.buffer.is_empty() {
            self.spill()?;
        }
        let mut readers = Vec::with_capacity(self.runs.len());
        let mut heads = Vec::with_capacity(self.runs.len());
        let mut heap = BinaryHeap::new();
        for file in self.runs.drain(..) {
            let mut reader = RunReader {
                reader: BufReader::with_capacity(64 * 1024, file),
                line: String::new(),
            };
            let head = reader.next(&self.dir)?;
            let index = readers.len();
            readers.push(reader);
            if let Some((key, payload)) = head {
                heap.push(Reverse(HeapKey { key, index }));
                heads.push(Some(payload));
            } else {
                heads.push(None);
            }
        }
        Ok(Sorted {
            dir: self.dir,
            source: Source::Merge {
                readers,
                heads,
                heap,
            },
        })
    }
}

struct RunReader {
    reader: BufReader<File>,
    line: String,
}

impl RunReader {
    fn next<K: DeserializeOwned, P: DeserializeOwned>(
        &mut self,
        dir: &std::path::Path,
    ) -> Result<Option<(K, P)>, ReportError> {
        self.line.clear();
        let n = self
            .reader
            .read_line(&mut self.line)
            .map_err(|source| ReportError::Temp {
                dir: dir.to_path_buf(),
                source,
            })?;
        if n == 0 {
            return Ok(None);
        }
        decode(&self.line, dir).map(Some)
    }
}

fn decode<K: DeserializeOwned, P: DeserializeOwned>(
    line: &str,
    dir: &std::path::Path,
) -> Result<(K, P), ReportError> {
    serde_json::from_str(line).map_err(|e| ReportError::Temp {
        dir: dir.to_path_buf(),
        source: e.into(),
    })
}

struct HeapKey<K> {
    key: K,
    index: usize,
}

impl<K: Ord> PartialEq for HeapKey<K> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl<K: Ord> Eq for HeapKey<K> {}
impl<K: Ord> PartialOrd for HeapKey<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<K: Ord> Ord for HeapKey<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key).then(self.index.cmp(&other.index))
    }
}

enum Source<K, P> {
    Memory(std::vec::IntoIter<(K, String)>),
    Merge {
        readers: Vec<RunReader>,
        heads: Vec<Option<P>>,
        heap: BinaryHeap<Reverse<HeapKey<K>>>,
    },
}

/// Sorted records, read back one at a time.
pub(crate) struct Sorted<K, P> {
    dir: PathBuf,
    source: Source<K, P>,
}

impl<K, P> Sorted<K, P>
where
    K: Ord + DeserializeOwned,
    P: DeserializeOwned,
{
    /// The next record in key order.
    pub(crate) fn next_record(&mut self) -> Result<Option<(K, P)>, ReportError> {
        match &mut self.source {
            Source::Memory(lines) => match lines.next() {
                Some((_, line)) => decode(&line, &self.dir).map(Some),
                None => Ok(None),
            },
            Source::Merge {
                readers,
                heads,
                heap,
            } => {
                let Some(Reverse(HeapKey { key, index })) = heap.pop() else {
                    return Ok(None);
                };
                let payload = heads[index].take();
                if let Some((next_key, next_payload)) = readers[index].next(&self.dir)? {
                    heap.push(Reverse(HeapKey {
                        key: next_key,
                        index,
                    }));
                    heads[index] = Some(next_payload);
                }
                match payload {
                    Some(p) => Ok(Some((key, p))),
                    None => Ok(None),
                }
            }
        }
    }
}
