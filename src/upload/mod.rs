//! Uploads before the analysis: what kind of file arrived ([`sniff`], contract §1.1) and how
//! it becomes the script's CSV inputs ([`convert`], contract §2 and analysis-spec §2.9).
//!
//! This module owns file-format knowledge only: it reads an upload already on disk and writes
//! converted inputs into a directory it is given. It knows nothing of HTTP, jobs or
//! configuration; the upload handler calls the sniffer and the job worker calls [`convert`]
//! (synchronous, so inside `spawn_blocking`).
//!
//! Layout: `sniff.rs` (type detection) with `text.rs` (its text rule), `archive.rs` (zip members), `workbook.rs` (sheets to
//! CSV), `cells.rs` (how each cell value is written), `ods_guard.rs` (a cell-count pre-scan of
//! OpenDocument content before it is loaded).

mod archive;
mod cells;
mod ods_guard;
mod sniff;
#[cfg(test)]
mod test_support;
mod text;
mod workbook;

use std::io;
use std::path::{Path, PathBuf};

pub use sniff::{SNIFF_HEAD_BYTES, SniffError, SniffFileError, sniff, sniff_file};

/// The kinds of upload rankmap accepts, told apart by content (contract §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UploadKind {
    /// A delimited text export (UTF-8, UTF-16 or cp1252); passed to the script as is.
    Text,
    /// An Office Open XML workbook.
    Xlsx,
    /// An Excel 97-2003 (BIFF, OLE2) workbook.
    Xls,
    /// An OpenDocument spreadsheet.
    Ods,
    /// Any other zip archive; its `.csv`/`.tsv`/`.txt` members are the inputs.
    Zip,
}

/// One input for the analysis script: `--input <path>` and, when set, `--input-name <name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertedInput {
    /// Absolute or caller-relative path of the file to analyse (inside the given `out_dir`,
    /// or the upload itself for text).
    pub path: PathBuf,
    /// The sheet name, or the member's name inside the zip; `None` for a text upload.
    pub name: Option<String>,
}

/// Bounds that keep a hostile spreadsheet or zip from exhausting memory or disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertLimits {
    /// Most file entries a zip upload may have (directories not counted).
    pub max_zip_members: usize,
    /// Most bytes a zip upload may expand to (its CSV members, counted while extracting), and
    /// the most a workbook's parts may declare in total.
    pub max_uncompressed_bytes: u64,
    /// Highest uncompressed ÷ compressed ratio of one zip member (members under 1 MiB are
    /// exempt: a short repetitive CSV compresses that well legitimately).
    pub max_compression_ratio: u64,
    /// Most cells (rows × columns of its used area) a sheet may convert to; xls and ods sheets
    /// are loaded whole, so this also bounds their memory.
    pub max_sheet_cells: u64,
}

impl Default for ConvertLimits {
    /// Contract §2: 20 members, 1 GiB, ratio 100; 20 million cells per sheet (an xlsx of a
    /// million rows and twenty columns, and about 640 MB of cells for a loaded xls/ods sheet).
    fn default() -> Self {
        Self {
            max_zip_members: 20,
            max_uncompressed_bytes: 1 << 30,
            max_compression_ratio: 100,
            max_sheet_cells: 20_000_000,
        }
    }
}

/// Why an upload could not be converted; the job fails with `unreadable_spreadsheet` and the
/// `Display` text is shown to the user, so it never names a server path.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The upload or an output file could not be read or written.
    #[error("The file could not be {action}: {source}")]
    Io {
        /// What was being done ("read", "converted").
        action: &'static str,
        /// The underlying error (std I/O errors carry no path).
        source: io::Error,
    },
    /// The spreadsheet library refused the file.
    #[error(
        "The spreadsheet could not be read ({0}). Check that it opens in a spreadsheet application and upload it again, or export it as CSV."
    )]
    Workbook(String),
    /// The spreadsheet parser failed unexpectedly (treated as a corrupt file).
    #[error(
        "The spreadsheet could not be read: the file appears to be corrupt. Export it as CSV and upload that instead."
    )]
    Corrupt,
    /// Every sheet of the workbook is empty.
    #[error("The workbook has no sheet with data.")]
    NoData,
    /// A sheet's used area is larger than [`ConvertLimits::max_sheet_cells`].
    #[error(
        "The sheet \"{sheet}\" is too large to convert ({cells} cells, at most {max} allowed). Export it as CSV instead."
    )]
    SheetTooLarge {
        /// The sheet's name.
        sheet: String,
        /// Cells in its used area (or, for ods, cells with a value), as far as counted.
        cells: u64,
        /// The limit.
        max: u64,
    },
    /// An OpenDocument workbook's sheets together expand beyond
    /// [`ConvertLimits::max_sheet_cells`] (calamine loads them all at once).
    #[error(
        "The workbook is too large to convert ({cells} cells in all its sheets, at most {max} allowed). Export the sheet you need as CSV instead."
    )]
    WorkbookTooLarge {
        /// Cells counted over the sheets, as far as counted.
        cells: u64,
        /// The limit.
        max: u64,
    },
    /// The zip upload could not be read as an archive.
    #[error("The zip file could not be read ({0}).")]
    Archive(String),
    /// The zip has more entries than [`ConvertLimits::max_zip_members`].
    #[error("The zip file has {found} files; at most {max} are accepted.")]
    TooManyMembers {
        /// File entries found.
        found: usize,
        /// The limit.
        max: usize,
    },
    /// The content expands beyond [`ConvertLimits::max_uncompressed_bytes`].
    #[error(
        "The file expands to more than {max} bytes when uncompressed, which is more than rankmap accepts."
    )]
    TooLarge {
        /// The limit in bytes.
        max: u64,
    },
    /// A member compresses suspiciously well (a zip bomb).
    #[error(
        "The zip member \"{member}\" is compressed more than {max} to 1, which looks like a zip bomb; it was refused."
    )]
    RatioTooHigh {
        /// The member's name inside the zip.
        member: String,
        /// The allowed ratio.
        max: u64,
    },
    /// The zip holds no `.csv`, `.tsv` or `.txt` file.
    #[error("The zip file contains no CSV file (.csv, .tsv or .txt).")]
    NoCsvMembers,
    /// The zip member is encrypted.
    #[error("The zip member \"{0}\" is password-protected; upload an unencrypted zip.")]
    Encrypted(String),
}

/// Turns a stored upload into the script's inputs (contract §2). Synchronous and blocking.
///
/// - `Text` → the upload itself, without a name.
/// - `Xlsx`/`Xls`/`Ods` → one UTF-8 CSV (no BOM, `,`, RFC 4180 quoting) per non-empty sheet, in
///   workbook order, written into `out_dir`; name = the sheet name.
/// - `Zip` → every `.csv`/`.tsv`/`.txt` member, in archive order, copied byte for byte into
///   `out_dir` under a generated name; name = the member's name inside the zip.
///
/// Output files are named `rankmap_input_NN.<ext>` and are overwritten if present (so a retried
/// conversion is harmless), but never the upload itself. On error, files already written may
/// remain in `out_dir`; the caller deletes the scratch directory with the job.
pub fn convert(
    upload: &Path,
    kind: UploadKind,
    out_dir: &Path,
    limits: &ConvertLimits,
) -> Result<Vec<ConvertedInput>, ConvertError> {
    match kind {
        UploadKind::Text => Ok(vec![ConvertedInput {
            path: upload.to_path_buf(),
            name: None,
        }]),
        UploadKind::Zip => archive::extract_csv_members(upload, out_dir, limits),
        UploadKind::Xlsx | UploadKind::Xls | UploadKind::Ods => {
            workbook::convert_workbook(upload, kind, out_dir, limits)
        }
    }
}

/// The output path of the `index`-th converted input (1-based), refusing to overwrite the
/// upload when the caller put it in `out_dir` under that very name.
fn output_path(
    upload: &Path,
    out_dir: &Path,
    index: usize,
    extension: &str,
) -> Result<PathBuf, ConvertError> {
    let path = out_dir.join(format!("rankmap_input_{index:02}.{extension}"));
    let same = match (upload.canonicalize(), path.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(ConvertError::Io {
            action: "converted",
            source: io::Error::new(
                io::ErrorKind::AlreadyExists,
                "an output name collides with the upload",
            ),
        });
    }
    Ok(path)
}

fn io_error(action: &'static str) -> impl FnOnce(io::Error) -> ConvertError {
    move |source| ConvertError::Io { action, source }
}
