//! Upload type sniffing (contract §1.1): decides from the first bytes of an upload, and the
//! client's file name, which [`UploadKind`] it is, and refuses content that does not belong to
//! the extension's family.
//!
//! It never parses a whole file: [`sniff`] looks only at the head; [`sniff_file`] additionally
//! opens a zip's central directory (at the end of the file) to list member names, because a
//! workbook writer may put `[Content_Types].xml` after the sheets, beyond the first 8 KiB.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::UploadKind;
use super::text::is_text;

/// How many leading bytes of an upload the sniffer looks at.
pub const SNIFF_HEAD_BYTES: usize = 8 * 1024;

const ZIP_LOCAL_HEADER: &[u8; 4] = b"PK\x03\x04";
const ZIP_EMPTY_ARCHIVE: &[u8; 4] = b"PK\x05\x06";
const ZIP_CENTRAL_HEADER: &[u8; 4] = b"PK\x01\x02";
const OLE2_MAGIC: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
const XLSX_CONTENT_TYPES: &[u8] = b"[Content_Types].xml";

/// Why an upload was refused; maps to 415 `unsupported_file_type`, `Display` becomes `details`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SniffError {
    /// The file name's extension is not one rankmap accepts (or there is none).
    #[error("{}", unsupported_extension_text(extension))]
    UnsupportedExtension {
        /// The extension as the client sent it, lowercased, without the dot ("" when absent).
        extension: String,
    },
    /// The content belongs to another family than the extension promises.
    #[error(
        "The file is named .{extension} but its content is {detected}. Upload the export in \
         its original format, or rename it to match its content."
    )]
    ContentMismatch {
        /// The extension, lowercased, without the dot.
        extension: String,
        /// What the content looks like, as a phrase ("a zip archive", "binary data", …).
        detected: &'static str,
    },
}

fn unsupported_extension_text(extension: &str) -> String {
    let accepted = "Upload a .csv, .tsv, .txt, .xlsx, .xls, .ods file, or a .zip of CSV files.";
    if extension.is_empty() {
        format!("The file name has no extension. {accepted}")
    } else {
        format!("Files of type .{extension} are not supported. {accepted}")
    }
}

/// A failure of [`sniff_file`]: either the upload is refused, or it could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SniffFileError {
    /// The upload is of a type rankmap does not accept (415 `unsupported_file_type`).
    #[error(transparent)]
    Rejected(#[from] SniffError),
    /// The stored upload could not be read back (a server-side problem, 500 `internal`).
    #[error("the stored upload could not be read: {0}")]
    Io(#[from] io::Error),
}

/// The extension families of contract §1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Text,
    Spreadsheet,
    Zip,
}

/// What the head bytes look like, before the extension is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Text,
    Xlsx,
    Xls,
    Ods,
    /// A zip that is certainly neither an xlsx nor an ods.
    Zip,
    /// A zip whose head did not show enough of the archive to tell (see [`sniff`]).
    ZipUndecided,
    Binary,
}

/// Classifies an upload from its first up-to-8 KiB (`head`) and the client's `file_name`
/// (extension compared case-insensitively).
///
/// Within the spreadsheet family the content decides the kind: an `.xls` that is really an
/// xlsx workbook comes back as [`UploadKind::Xlsx`], so conversion reads it correctly. When the
/// head shows a zip but not enough of it to tell an xlsx from a plain zip (a writer may store
/// `[Content_Types].xml` last), the extension decides; [`sniff_file`] avoids that guess.
pub fn sniff(head: &[u8], file_name: &str) -> Result<UploadKind, SniffError> {
    decide(classify_head(head), file_name)
}

/// Like [`sniff`], but reads the head from the stored upload at `path` and, for a zip, opens
/// the archive's central directory to list member names. Blocking (std I/O).
pub fn sniff_file(path: &Path, file_name: &str) -> Result<UploadKind, SniffFileError> {
    // The extension is checked first so an unsupported name is refused without reading.
    family_of(file_name)?;
    let mut file = File::open(path)?;
    let mut head = Vec::with_capacity(SNIFF_HEAD_BYTES);
    (&mut file)
        .take(SNIFF_HEAD_BYTES as u64)
        .read_to_end(&mut head)?;
    let mut content = classify_head(&head);
    if matches!(
        content,
        Content::Xlsx | Content::Zip | Content::ZipUndecided
    ) {
        // An archive whose directory cannot be read keeps the head's verdict: conversion then
        // fails with a clear `unreadable_spreadsheet` instead of a confusing 415.
        if let Ok(archive) = zip::ZipArchive::new(File::open(path)?) {
            let has_content_types = archive
                .file_names_raw()
                .any(|name| name == XLSX_CONTENT_TYPES);
            content = if has_content_types {
                Content::Xlsx
            } else {
                Content::Zip
            };
        }
    }
    Ok(decide(content, file_name)?)
}

fn extension_of(file_name: &str) -> String {
    // Browsers may send a full client path; only the last component names the file.
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

fn family_of(file_name: &str) -> Result<(String, Family), SniffError> {
    let extension = extension_of(file_name);
    let family = match extension.as_str() {
        "csv" | "tsv" | "txt" => Family::Text,
        "xlsx" | "xls" | "ods" => Family::Spreadsheet,
        "zip" => Family::Zip,
        _ => return Err(SniffError::UnsupportedExtension { extension }),
    };
    Ok((extension, family))
}

fn decide(content: Content, file_name: &str) -> Result<UploadKind, SniffError> {
    let (extension, family) = family_of(file_name)?;
    let kind = match (family, content) {
        (Family::Text, Content::Text) => Some(UploadKind::Text),
        (Family::Spreadsheet, Content::Xlsx) => Some(UploadKind::Xlsx),
        (Family::Spreadsheet, Content::Xls) => Some(UploadKind::Xls),
        (Family::Spreadsheet, Content::Ods) => Some(UploadKind::Ods),
        (Family::Spreadsheet, Content::ZipUndecided) if extension == "xlsx" => {
            Some(UploadKind::Xlsx)
        }
        (Family::Zip, Content::Zip | Content::ZipUndecided) => Some(UploadKind::Zip),
        _ => None,
    };
    kind.ok_or_else(|| SniffError::ContentMismatch {
        extension,
        detected: describe(content),
    })
}

fn describe(content: Content) -> &'static str {
    match content {
        Content::Text => "plain text",
        Content::Xlsx => "an Excel workbook (.xlsx)",
        Content::Xls => "an Excel 97-2003 workbook (.xls)",
        Content::Ods => "an OpenDocument spreadsheet (.ods)",
        Content::Zip | Content::ZipUndecided => "a zip archive",
        Content::Binary => "binary data, not text",
    }
}

fn classify_head(head: &[u8]) -> Content {
    if head.starts_with(ZIP_LOCAL_HEADER) {
        classify_zip_head(head)
    } else if head.starts_with(ZIP_EMPTY_ARCHIVE) {
        Content::Zip
    } else if head.starts_with(OLE2_MAGIC) {
        Content::Xls
    } else if is_text(head) {
        Content::Text
    } else {
        Content::Binary
    }
}

/// One local file header of a zip, as far as the sniffer needs it.
struct LocalEntry<'a> {
    name: &'a [u8],
    stored: bool,
    data: &'a [u8],
    /// Where the next local header starts, when the sizes allow skipping the data.
    next: Option<usize>,
}

fn read_u16(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at + 2)?;
    Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at + 4)?;
    usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
}

fn local_entry(head: &[u8], at: usize) -> Option<LocalEntry<'_>> {
    if head.get(at..at + 4)? != ZIP_LOCAL_HEADER {
        return None;
    }
    let flags = read_u16(head, at + 6)?;
    let method = read_u16(head, at + 8)?;
    let compressed = read_u32(head, at + 18)?;
    let name_len = read_u16(head, at + 26)?;
    let extra_len = read_u16(head, at + 28)?;
    let name_start = at + 30;
    let name = head.get(name_start..name_start + name_len)?;
    let data_start = name_start + name_len + extra_len;
    let data_end = data_start.saturating_add(compressed).min(head.len());
    let data = head.get(data_start..data_end).unwrap_or(&[]);
    // Bit 3: sizes follow the data in a descriptor, so the next header cannot be located.
    let has_descriptor = flags & 0x8 != 0;
    let next = (!has_descriptor).then(|| data_start.saturating_add(compressed));
    Some(LocalEntry {
        name,
        stored: method == 0,
        data,
        next,
    })
}

fn classify_zip_head(head: &[u8]) -> Content {
    if let Some(first) = local_entry(head, 0)
        && first.name == b"mimetype"
        && first.stored
        && first.data == ODS_MIMETYPE
    {
        return Content::Ods;
    }
    // Walk the local headers that lie inside the head.
    let mut at = Some(0);
    while let Some(offset) = at {
        let Some(entry) = local_entry(head, offset) else {
            break;
        };
        if entry.name == XLSX_CONTENT_TYPES {
            return Content::Xlsx;
        }
        at = entry.next;
    }
    // A small archive may have its whole central directory inside the head.
    let central_names = head
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == ZIP_CENTRAL_HEADER)
        .filter_map(|(i, _)| {
            let name_len = read_u16(head, i + 28)?;
            head.get(i + 46..i + 46 + name_len)
        });
    let mut saw_central_directory = false;
    for name in central_names {
        saw_central_directory = true;
        if name == XLSX_CONTENT_TYPES {
            return Content::Xlsx;
        }
    }
    let saw_end = head.windows(4).any(|w| w == ZIP_EMPTY_ARCHIVE);
    if saw_central_directory && saw_end {
        Content::Zip
    } else {
        Content::ZipUndecided
    }
}

#[cfg(test)]
#[path = "sniff_tests.rs"]
mod tests;
