//! Zip uploads (contract §2): every `.csv`/`.tsv`/`.txt` member, in archive order, copied byte
//! for byte into the output directory, within the member-count, size and ratio bounds.
//!
//! Member paths are never joined onto the output directory: each member is written under a
//! generated name, so `../` or absolute names cannot escape it. Sizes are counted while
//! decompressing, not taken from the headers.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use zip::ZipArchive;

use super::{ConvertError, ConvertLimits, ConvertedInput, io_error, output_path};

/// Members smaller than this may exceed the compression ratio: a short, repetitive CSV can
/// legitimately compress very well, and it cannot exhaust anything.
const RATIO_GRACE_BYTES: u64 = 1 << 20;

const CHUNK_BYTES: usize = 64 * 1024;

/// A member selected for extraction.
struct CsvMember {
    index: usize,
    name: String,
    extension: &'static str,
}

/// Extracts the CSV members of the zip at `upload` into `out_dir` (see [`super::convert`]).
pub fn extract_csv_members(
    upload: &Path,
    out_dir: &Path,
    limits: &ConvertLimits,
) -> Result<Vec<ConvertedInput>, ConvertError> {
    let file = File::open(upload).map_err(io_error("read"))?;
    let mut archive =
        ZipArchive::new(BufReader::new(file)).map_err(|e| ConvertError::Archive(e.to_string()))?;

    let files = archive
        .file_names_raw()
        .filter(|name| !name.ends_with(b"/"))
        .count();
    if files > limits.max_zip_members {
        return Err(ConvertError::TooManyMembers {
            found: files,
            max: limits.max_zip_members,
        });
    }

    let mut members = Vec::new();
    let mut declared_total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| ConvertError::Archive(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let name = display_name(entry.name().ok().as_deref(), entry.name_raw());
        let Some(extension) = csv_extension(&name) else {
            continue;
        };
        if entry.encrypted() {
            return Err(ConvertError::Encrypted(name));
        }
        declared_total = declared_total.saturating_add(entry.size());
        members.push(CsvMember {
            index,
            name,
            extension,
        });
    }
    if members.is_empty() {
        return Err(ConvertError::NoCsvMembers);
    }
    // A cheap early refusal; the real bound is counted below while extracting.
    if declared_total > limits.max_uncompressed_bytes {
        return Err(ConvertError::TooLarge {
            max: limits.max_uncompressed_bytes,
        });
    }

    let mut total: u64 = 0;
    let mut inputs = Vec::with_capacity(members.len());
    for (position, member) in members.into_iter().enumerate() {
        let path = output_path(upload, out_dir, position + 1, member.extension)?;
        let entry = archive
            .by_index(member.index)
            .map_err(|e| ConvertError::Archive(format!("{}: {e}", member.name)))?;
        let mut out = File::create(&path).map_err(io_error("converted"))?;
        total = copy_bounded(entry, &mut out, &member.name, total, limits)?;
        out.flush().map_err(io_error("converted"))?;
        inputs.push(ConvertedInput {
            path,
            name: Some(member.name),
        });
    }
    Ok(inputs)
}

/// Copies one member, failing as soon as the running `total` or the member's ratio is over
/// its bound. Returns the new running total.
fn copy_bounded(
    mut entry: zip::read::ZipFile<'_, BufReader<File>>,
    out: &mut File,
    name: &str,
    mut total: u64,
    limits: &ConvertLimits,
) -> Result<u64, ConvertError> {
    let compressed = entry.compressed_size().max(1);
    let ratio_limit = compressed.saturating_mul(limits.max_compression_ratio);
    let mut written: u64 = 0;
    let mut buf = vec![0u8; CHUNK_BYTES];
    loop {
        let n = entry
            .read(&mut buf)
            .map_err(|e| ConvertError::Archive(format!("the member \"{name}\" is damaged: {e}")))?;
        if n == 0 {
            return Ok(total);
        }
        let n64 = n as u64;
        written += n64;
        total += n64;
        if total > limits.max_uncompressed_bytes {
            return Err(ConvertError::TooLarge {
                max: limits.max_uncompressed_bytes,
            });
        }
        if written > RATIO_GRACE_BYTES && written > ratio_limit {
            return Err(ConvertError::RatioTooHigh {
                member: name.to_owned(),
                max: limits.max_compression_ratio,
            });
        }
        out.write_all(&buf[..n]).map_err(io_error("converted"))?;
    }
}

/// The member's name as the user knows it, without control characters (it is passed to the
/// script as an argument, where a NUL could not even be represented).
fn display_name(decoded: Option<&str>, raw: &[u8]) -> String {
    let name = match decoded {
        Some(name) => name.to_owned(),
        None => String::from_utf8_lossy(raw).into_owned(),
    };
    name.chars().filter(|c| !c.is_control()).collect()
}

/// The lowercased extension when the member is a CSV input; `None` for other members and for
/// the resource-fork copies (`__MACOSX/`, `._name.csv`) that macOS adds to zips it creates.
fn csv_extension(name: &str) -> Option<&'static str> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if base.starts_with("._") || name.split(['/', '\\']).any(|part| part == "__MACOSX") {
        return None;
    }
    let (_, extension) = base.rsplit_once('.')?;
    match extension.to_ascii_lowercase().as_str() {
        "csv" => Some("csv"),
        "tsv" => Some("tsv"),
        "txt" => Some("txt"),
        _ => None,
    }
}

#[cfg(test)]
#[path = "archive_tests.rs"]
mod tests;
