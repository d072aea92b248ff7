//! The Excel report `rankmap_<jobId>.xlsx` (analysis-spec §10), written from a job's results
//! directory (contract §3): `summary.json` plus the `onpageResults` and `keywordMapping`
//! NDJSON tables.
//!
//! Owns the workbook layout and the crate limits; it does no HTTP, job or config work — the
//! caller runs [`write_report`] in `spawn_blocking` and fails the job with `report_failed` on
//! any [`ReportError`]. Memory stays bounded whatever the table sizes: every worksheet is in
//! rust_xlsxwriter's constant-memory mode (rows flushed to a temp file in order), the NDJSON
//! tables are read one line at a time, and the sheets whose order differs from the input go
//! through an external sort with a fixed budget ([`ReportOptions::sort_buffer_bytes`]).
//!
//! Layout: `summary` (sheet 1), `onpage` (On-Page Issues, Issues), `keywords` (Keyword
//! Mapping, Cannibalisation, Opportunities), `checks`; `table` is the split-aware table writer
//! and the cell limits, `style` the formats, `decor` the conditional formats, `capability`
//! which sheets a data source can produce, `rows` the row structs and NDJSON reader, `sort` the
//! external sort.

mod capability;
mod checks;
mod decor;
mod error;
mod keywords;
mod onpage;
mod pipe;
mod queued;
mod rows;
mod sort;
mod style;
mod summary;
pub(crate) mod table;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::Workbook;
use serde_json::Value;

pub use error::ReportError;

use capability::{Sheet, omission_reason};
use rows::{Check, NdjsonReader, TopOpportunity};
use style::Styles;
use table::Book;

/// Excel's row limit, header included.
pub const EXCEL_MAX_ROWS: u32 = 1_048_576;
/// The most hyperlinks Excel accepts on one sheet.
pub const EXCEL_MAX_LINKS: u32 = 65_530;

/// Where a job's results are and what to call the source in the workbook.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// `summary.json`: the result object without its two big arrays.
    pub summary_json: &'a Path,
    /// `onpageResults.ndjson`: one §9.2 row per line, in result order.
    pub onpage_ndjson: &'a Path,
    /// `keywordMapping.ndjson`: one §9.4 row per line, in result order.
    pub keyword_ndjson: &'a Path,
    /// The uploaded file's name, shown on the Summary sheet.
    pub original_filename: &'a str,
    /// The job id, shown on the Summary sheet.
    pub job_id: &'a str,
}

/// Limits of the writer; the defaults are Excel's own.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Rows per sheet including the header (2..=1,048,576); a longer table continues on
    /// `<name> (2)`, `(3)`…
    pub max_rows_per_sheet: u32,
    /// Hyperlinks per sheet; further URLs are written as text.
    pub max_links_per_sheet: u32,
    /// Hyperlinks in the whole workbook. rust_xlsxwriter keeps each link (about 600 bytes)
    /// in memory until the save, so this bounds memory when tables span many sheets.
    pub max_links_per_workbook: u64,
    /// Directory for the worksheets' temp files and sort runs; `None` = the output's
    /// directory (a tmpfs `/tmp` would move the data back into memory).
    pub temp_dir: Option<PathBuf>,
    /// Memory budget of each external sort before it spills a run to disk.
    pub sort_buffer_bytes: usize,
    /// Deflate level of the xlsx container, 1 (fastest) to 9.
    pub zip_compression_level: u8,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            max_rows_per_sheet: EXCEL_MAX_ROWS,
            max_links_per_sheet: EXCEL_MAX_LINKS,
            max_links_per_workbook: 4 * EXCEL_MAX_LINKS as u64,
            temp_dir: None,
            sort_buffer_bytes: 64 * 1024 * 1024,
            zip_compression_level: 1,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportStats {
    /// Sheet names in workbook order.
    pub sheets: Vec<String>,
    /// Data rows written to the table sheets (headers and `None found` rows excluded).
    pub rows_written: u64,
}

/// Writes the workbook for one job to `out`.
///
/// Synchronous and CPU/disk bound: run it in `spawn_blocking`. The workbook is written to a
/// temporary name in `out`'s directory and renamed onto `out`, so a reader never sees a
/// half-written file; on error nothing is left behind.
pub fn write_report(
    input: &ReportInput<'_>,
    out: &Path,
    opts: &ReportOptions,
) -> Result<ReportStats, ReportError> {
    if !(2..=EXCEL_MAX_ROWS).contains(&opts.max_rows_per_sheet) {
        return Err(ReportError::Options(format!(
            "max_rows_per_sheet must be between 2 and {EXCEL_MAX_ROWS}, got {}",
            opts.max_rows_per_sheet
        )));
    }
    let root = read_summary(input.summary_json)?;
    let data_source = root
        .get("dataSource")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    let checks: Vec<Check> = field(&root, "/checks", input.summary_json)?;
    let out_dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temp_dir = opts.temp_dir.clone().unwrap_or_else(|| out_dir.clone());

    let mut wb = Workbook::new();
    wb.set_tempdir(&temp_dir)?;
    // Deflating the sheet XML dominates the time of a large workbook; level 1 is about twice
    // as fast as the default 6 for a somewhat larger file (measured in report_bench).
    wb.set_zip_compression_level(opts.zip_compression_level);
    let mut book = Book {
        wb,
        styles: Styles::new(),
        max_rows: opts.max_rows_per_sheet,
        max_links: opts.max_links_per_sheet,
        links_left: opts.max_links_per_workbook,
        sheets: Vec::new(),
        rows_written: 0,
        sheet_rows: Vec::new(),
    };
    // The Summary is the first sheet but is filled last, when omissions are known; in
    // constant-memory mode every sheet has its own temp file, so that order is free.
    book.add_sheet("Summary")?;
    let mut omitted: Vec<(&'static str, &'static str)> = Vec::new();

    let check_order: HashMap<String, u32> = checks
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.id.clone().map(|id| (id, i as u32)))
        .collect();
    let onpage_reason = omission_reason(&data_source, Sheet::OnPage);
    if onpage_reason.is_none() || has_rows(input.onpage_ndjson)? {
        onpage::write(
            &mut book,
            input.onpage_ndjson,
            &check_order,
            temp_dir.clone(),
            opts.sort_buffer_bytes,
        )?;
    } else if let Some(why) = onpage_reason {
        omitted.push((Sheet::OnPage.name(), why));
        omitted.push((Sheet::Issues.name(), why));
    }

    write_keyword_sheets(
        &mut book,
        input,
        &root,
        &data_source,
        &temp_dir,
        opts,
        &mut omitted,
    )?;

    if checks.is_empty() {
        omitted.push(("Checks", "no on-page check ran on this input"));
    } else {
        checks::write(&mut book, &checks)?;
    }

    let outline = summary::Outline {
        original_filename: input.original_filename,
        job_id: input.job_id,
        data_source: &data_source,
        omitted: &omitted,
        sheet_rows: &book.sheet_rows.clone(),
    };
    summary::write(&mut book, &root, &outline)?;
    save(&mut book.wb, out, &out_dir)?;
    Ok(ReportStats {
        sheets: book.sheets,
        rows_written: book.rows_written,
    })
}

fn write_keyword_sheets(
    book: &mut Book,
    input: &ReportInput<'_>,
    root: &Value,
    data_source: &str,
    temp_dir: &Path,
    opts: &ReportOptions,
    omitted: &mut Vec<(&'static str, &'static str)>,
) -> Result<(), ReportError> {
    let mut pending = keywords::Pending::new(temp_dir.to_path_buf(), opts.sort_buffer_bytes);
    // gsc_pages has no keywords: its opportunities are the page-level summary entries (§7.1).
    let page_level = data_source == "gsc_pages";
    if page_level {
        let top: Vec<TopOpportunity> =
            field(root, "/summary/opportunities/top", input.summary_json)?;
        pending.push_top(top)?;
    }
    let mapping_reason = omission_reason(data_source, Sheet::KeywordMapping);
    if mapping_reason.is_none() || has_rows(input.keyword_ndjson)? {
        (_, pending) = keywords::write_mapping(book, input.keyword_ndjson, pending, !page_level)?;
    } else if let Some(why) = mapping_reason {
        omitted.push((Sheet::KeywordMapping.name(), why));
    }
    let cannibal_reason = omission_reason(data_source, Sheet::Cannibalisation);
    let opportunity_reason = omission_reason(data_source, Sheet::Opportunities);
    let (has_cannibal, has_opportunity) = (pending.has_cannibalised(), pending.has_opportunities());
    let (cannibalised, opportunities) = pending.into_parts();
    match cannibal_reason {
        Some(why) if !has_cannibal => omitted.push((Sheet::Cannibalisation.name(), why)),
        _ => {
            queued::write_cannibalisation(book, cannibalised)?;
        }
    }
    match opportunity_reason {
        Some(why) if !has_opportunity => omitted.push((Sheet::Opportunities.name(), why)),
        _ => {
            queued::write_opportunities(book, opportunities)?;
        }
    }
    Ok(())
}

fn read_summary(path: &Path) -> Result<Value, ReportError> {
    let file = File::open(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let root: Value =
        serde_json::from_reader(BufReader::new(file)).map_err(|e| ReportError::Summary {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    if !root.is_object() {
        return Err(ReportError::Summary {
            path: path.to_path_buf(),
            reason: "the top level is not a JSON object".into(),
        });
    }
    Ok(root)
}

/// A list at `pointer` of the summary file; missing or null is empty.
fn field<T: serde::de::DeserializeOwned>(
    root: &Value,
    pointer: &str,
    path: &Path,
) -> Result<Vec<T>, ReportError> {
    match root.pointer(pointer) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => Vec::<T>::deserialize(v).map_err(|e| ReportError::Summary {
            path: path.to_path_buf(),
            reason: format!("{pointer}: {e}"),
        }),
    }
}

use serde::Deserialize as _;

/// Whether an NDJSON table has at least one row (a missing file has none).
fn has_rows(path: &Path) -> Result<bool, ReportError> {
    if !path.exists() {
        return Ok(false);
    }
    let mut reader = NdjsonReader::open(path)?;
    Ok(reader.next_row::<serde::de::IgnoredAny>()?.is_some())
}

fn save(wb: &mut Workbook, out: &Path, out_dir: &Path) -> Result<(), ReportError> {
    let temp_err = |source| ReportError::Temp {
        dir: out_dir.to_path_buf(),
        source,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".rankmap-report-")
        .suffix(".xlsx.tmp")
        .tempfile_in(out_dir)
        .map_err(temp_err)?;
    {
        let mut writer = BufWriter::with_capacity(256 * 1024, tmp.as_file_mut());
        wb.save_to_writer(&mut writer)?;
        writer.flush().map_err(temp_err)?;
    }
    tmp.persist(out).map_err(|e| ReportError::Persist {
        path: out.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}
