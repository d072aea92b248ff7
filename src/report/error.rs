//! Errors of the workbook writer. Every variant fails the job with `report_failed`; the
//! messages name the file and line so a broken results directory can be traced.

use std::path::PathBuf;

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A results file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `summary.json` is not the expected JSON object.
    #[error("{path} is not a valid result summary: {reason}")]
    Summary {
        /// The summary file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// One NDJSON line is not a valid row object.
    #[error("{path}, line {line}: invalid row: {source}")]
    Row {
        /// The NDJSON file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// A temporary file (external sort run, output temp name) failed.
    #[error("temporary file in {dir}: {source}")]
    Temp {
        /// The directory temporary files go to.
        dir: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The spreadsheet writer refused an operation or failed to save.
    #[error("xlsx writer: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The finished workbook could not be moved onto the output path.
    #[error("cannot move the workbook onto {path}: {source}")]
    Persist {
        /// The final output path.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A bug: a worker thread of the writer panicked.
    #[error("internal error: {0}")]
    Internal(String),
    /// The options cannot produce a valid workbook (e.g. a row limit below 2).
    #[error("invalid report options: {0}")]
    Options(String),
}
