//! Streamed ingestion of the script's `result.json` (contract §3).
//!
//! The file is parsed once, as a stream: each row of the two big arrays is copied to its NDJSON
//! table (with an offset index for paging) as soon as it is parsed, and only the first
//! `inline_rows` rows of each are kept for the completed status body. Every other top-level key
//! (`dataSource`, `summary`, `checks`, …) is kept verbatim in `summary.json`. The full result is
//! never in memory.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// The two paged tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub enum Table {
    OnpageResults,
    KeywordMapping,
}

impl Table {
    /// Both tables, in wire order.
    pub const ALL: [Table; 2] = [Table::OnpageResults, Table::KeywordMapping];

    /// The wire name (`onpageResults` / `keywordMapping`).
    pub fn name(self) -> &'static str {
        match self {
            Self::OnpageResults => "onpageResults",
            Self::KeywordMapping => "keywordMapping",
        }
    }

    /// Parses the wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The rows file inside a job's results directory.
    pub fn rows_path(self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.ndjson", self.name()))
    }

    /// The offset index (one little-endian u64 per row) beside the rows file.
    pub fn index_path(self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.idx", self.name()))
    }
}

/// Name of the file holding every top-level key but the two tables.
pub const SUMMARY_FILE: &str = "summary.json";

/// What ingestion keeps in memory: the small parts of the result.
#[derive(Debug)]
pub struct Ingested {
    pub data_source: String,
    pub summary: Box<RawValue>,
    /// The first `inline_rows` rows of each table, in [`Table::ALL`] order.
    pub inline: [Vec<Box<RawValue>>; 2],
    /// Total rows of each table.
    pub counts: [u64; 2],
}

/// Why a result could not be ingested.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file is not the object the protocol asks for; the text says what is wrong.
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write results: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads `result_path` into `dir` (which must exist).
pub fn ingest(result_path: &Path, dir: &Path, inline_rows: usize) -> Result<Ingested, IngestError> {
    let file = File::open(result_path)?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, file));
    let sink = ResultSink { dir, inline_rows };
    let parsed = sink
        .deserialize(&mut de)
        .map_err(|e| match e.io_error_kind() {
            Some(_) => IngestError::Io(std::io::Error::other(e.to_string())),
            None => IngestError::Invalid(e.to_string()),
        })?;
    de.end().map_err(|e| IngestError::Invalid(e.to_string()))?;
    let parsed = parsed?;
    let data_source = parsed
        .data_source
        .ok_or_else(|| IngestError::Invalid("`dataSource` is missing or not a string".into()))?;
    let summary = parsed
        .summary
        .ok_or_else(|| IngestError::Invalid("`summary` is missing".into()))?;
    if !summary.get().trim_start().starts_with('{') {
        return Err(IngestError::Invalid("`summary` is not an object".into()));
    }
    let [onpage, keywords] = parsed.tables;
    let (Some(onpage), Some(keywords)) = (onpage, keywords) else {
        return Err(IngestError::Invalid(
            "`onpageResults` and `keywordMapping` must both be arrays".into(),
        ));
    };
    write_summary_file(dir, &data_source, &parsed.others)?;
    Ok(Ingested {
        data_source,
        summary,
        inline: [onpage.inline, keywords.inline],
        counts: [onpage.count, keywords.count],
    })
}

fn write_summary_file(
    dir: &Path,
    data_source: &str,
    others: &[(String, Box<RawValue>)],
) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(dir.join(SUMMARY_FILE))?);
    out.write_all(b"{\"dataSource\":")?;
    serde_json::to_writer(&mut out, data_source)?;
    for (key, value) in others {
        out.write_all(b",")?;
        serde_json::to_writer(&mut out, key)?;
        out.write_all(b":")?;
        out.write_all(value.get().as_bytes())?;
    }
    out.write_all(b"}")?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()
}

struct TableOut {
    inline: Vec<Box<RawValue>>,
    count: u64,
}

struct Parsed {
    data_source: Option<String>,
    summary: Option<Box<RawValue>>,
    tables: [Option<TableOut>; 2],
    /// Every key but the tables, in file order (`summary` included).
    others: Vec<(String, Box<RawValue>)>,
}

struct ResultSink<'a> {
    dir: &'a Path,
    inline_rows: usize,
}

impl<'de> DeserializeSeed<'de> for ResultSink<'_> {
    type Value = Result<Parsed, IngestError>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResultSink<'_> {
    type Value = Result<Parsed, IngestError>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut parsed = Parsed {
            data_source: None,
            summary: None,
            tables: [None, None],
            others: Vec::new(),
        };
        while let Some(key) = map.next_key::<String>()? {
            if let Some(table) = Table::from_name(&key) {
                let slot = &mut parsed.tables[table as usize];
                if slot.is_some() {
                    return Err(de::Error::custom(format!("duplicate key `{key}`")));
                }
                let rows = RowsSink {
                    table,
                    dir: self.dir,
                    inline_rows: self.inline_rows,
                };
                match map.next_value_seed(rows)? {
                    Ok(out) => *slot = Some(out),
                    Err(e) => return Ok(Err(e)),
                }
                continue;
            }
            let value: Box<RawValue> = map.next_value()?;
            match key.as_str() {
                "dataSource" => {
                    parsed.data_source = serde_json::from_str::<String>(value.get()).ok();
                    continue;
                }
                "summary" => parsed.summary = Some(value.clone()),
                _ => {}
            }
            parsed.others.push((key, value));
        }
        Ok(Ok(parsed))
    }
}

struct RowsSink<'a> {
    table: Table,
    dir: &'a Path,
    inline_rows: usize,
}

impl<'de> DeserializeSeed<'de> for RowsSink<'_> {
    type Value = Result<TableOut, IngestError>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSink<'_> {
    type Value = Result<TableOut, IngestError>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "`{}` as an array of row objects", self.table.name())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut writer = match TableWriter::create(self.table, self.dir) {
            Ok(w) => w,
            Err(e) => return Ok(Err(e.into())),
        };
        let mut inline = Vec::with_capacity(self.inline_rows.min(5000));
        while let Some(row) = seq.next_element::<Box<RawValue>>()? {
            if !row.get().starts_with('{') {
                return Err(de::Error::custom(format!(
                    "`{}` holds a value that is not an object",
                    self.table.name()
                )));
            }
            // NDJSON needs one row per line: a pretty-printed row is compacted first.
            let row = if row.get().contains('\n') {
                compact(&row)
            } else {
                row
            };
            if let Err(e) = writer.push(&row) {
                return Ok(Err(e.into()));
            }
            if inline.len() < self.inline_rows {
                inline.push(row);
            }
        }
        Ok(writer
            .finish()
            .map(|count| TableOut { inline, count })
            .map_err(IngestError::from))
    }
}

fn compact(row: &RawValue) -> Box<RawValue> {
    serde_json::from_str::<serde_json::Value>(row.get())
        .ok()
        .and_then(|v| serde_json::value::to_raw_value(&v).ok())
        .unwrap_or_else(|| row.to_owned())
}

/// Appends rows to a table's NDJSON file and its offset index.
struct TableWriter {
    rows: BufWriter<File>,
    index: BufWriter<File>,
    offset: u64,
    count: u64,
}

impl TableWriter {
    fn create(table: Table, dir: &Path) -> std::io::Result<Self> {
        Ok(Self {
            rows: BufWriter::with_capacity(1 << 16, File::create(table.rows_path(dir))?),
            index: BufWriter::new(File::create(table.index_path(dir))?),
            offset: 0,
            count: 0,
        })
    }

    fn push(&mut self, row: &RawValue) -> std::io::Result<()> {
        self.index.write_all(&self.offset.to_le_bytes())?;
        self.rows.write_all(row.get().as_bytes())?;
        self.rows.write_all(b"\n")?;
        self.offset += row.get().len() as u64 + 1;
        self.count += 1;
        Ok(())
    }

    fn finish(self) -> std::io::Result<u64> {
        self.rows
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        self.index
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        Ok(self.count)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(json: &str, inline: usize) -> (tempfile::TempDir, Result<Ingested, IngestError>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.json");
        std::fs::write(&path, json).unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let result = ingest(&path, &out, inline);
        (dir, result)
    }

    #[test]
    fn rows_go_to_ndjson_with_an_index_and_only_the_first_rows_stay_inline() {
        let json = r#"{"dataSource":"gsc_queries","summary":{"b":1,"a":2},
            "onpageResults":[],"keywordMapping":[{"k":1},
            {"k": 2,
             "x": [1]},{"k":3}],"checks":[{"id":"c"}]}"#;
        let (dir, result) = run(json, 2);
        let ingested = result.unwrap();
        assert_eq!(ingested.data_source, "gsc_queries");
        assert_eq!(ingested.counts, [0, 3]);
        assert_eq!(ingested.inline[1].len(), 2);
        let out = dir.path().join("out");
        let rows = std::fs::read_to_string(Table::KeywordMapping.rows_path(&out)).unwrap();
        assert_eq!(rows, "{\"k\":1}\n{\"k\":2,\"x\":[1]}\n{\"k\":3}\n");
        let index = std::fs::read(Table::KeywordMapping.index_path(&out)).unwrap();
        assert_eq!(index.len(), 24);
        assert_eq!(u64::from_le_bytes(index[8..16].try_into().unwrap()), 8);
        let summary = std::fs::read_to_string(out.join(SUMMARY_FILE)).unwrap();
        assert_eq!(
            summary,
            r#"{"dataSource":"gsc_queries","summary":{"b":1,"a":2},"checks":[{"id":"c"}]}"#
        );
    }

    #[test]
    fn a_result_without_the_required_keys_is_invalid() {
        for json in [
            r#"{"summary":{},"onpageResults":[],"keywordMapping":[]}"#,
            r#"{"dataSource":1,"summary":{},"onpageResults":[],"keywordMapping":[]}"#,
            r#"{"dataSource":"x","onpageResults":[],"keywordMapping":[]}"#,
            r#"{"dataSource":"x","summary":[],"onpageResults":[],"keywordMapping":[]}"#,
            r#"{"dataSource":"x","summary":{},"keywordMapping":[]}"#,
            r#"{"dataSource":"x","summary":{},"onpageResults":{},"keywordMapping":[]}"#,
            r#"{"dataSource":"x","summary":{},"onpageResults":[1],"keywordMapping":[]}"#,
            r#"[1,2]"#,
            r#"{"dataSource":"x","summary":{},"onpageResults":[],"keywordMapping":[]} trailing"#,
            r#"{"dataSource":"x","#,
        ] {
            let (_dir, result) = run(json, 10);
            assert!(
                matches!(result, Err(IngestError::Invalid(_))),
                "{json}: {result:?}"
            );
        }
    }
}
