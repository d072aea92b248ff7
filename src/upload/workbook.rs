//! Workbooks (`.xlsx`, `.xls`, `.ods`) to CSV: one UTF-8 CSV (no BOM, `,`, RFC 4180 quoting,
//! CRLF line ends) per non-empty worksheet, in workbook order, cells written by `cells.rs`.
//!
//! xlsx sheets are streamed twice (a first pass finds the used area, the second writes it), so
//! a sheet is never held in memory; only the shared-strings table is. calamine loads xls and
//! ods sheets whole, so those are bounded beforehand: xls by its format (65,536 × 256 cells),
//! ods by `ods_guard`'s pre-scan. Every sheet's used area is bounded by
//! [`ConvertLimits::max_sheet_cells`], which also bounds the CSV written.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use calamine::{Data, DataType, Ods, Range, Reader, SheetType, Xls, Xlsx};

use super::cells::cell_text;
use super::{
    ConvertError, ConvertLimits, ConvertedInput, UploadKind, io_error, ods_guard, output_path,
};

/// Converts every non-empty worksheet of the workbook at `upload` (see [`super::convert`]).
pub fn convert_workbook(
    upload: &Path,
    kind: UploadKind,
    out_dir: &Path,
    limits: &ConvertLimits,
) -> Result<Vec<ConvertedInput>, ConvertError> {
    // Last resort: calamine parses untrusted binary and XML and has had panicking inputs in
    // the past. Nothing shared is mutated inside, so a caught panic leaves no broken state;
    // the file is then reported as corrupt like any other unreadable workbook.
    catch_unwind(AssertUnwindSafe(|| {
        convert_unguarded(upload, kind, out_dir, limits)
    }))
    .unwrap_or(Err(ConvertError::Corrupt))
}

fn convert_unguarded(
    upload: &Path,
    kind: UploadKind,
    out_dir: &Path,
    limits: &ConvertLimits,
) -> Result<Vec<ConvertedInput>, ConvertError> {
    let open = || {
        File::open(upload)
            .map(BufReader::new)
            .map_err(io_error("read"))
    };
    let mut sink = SheetSink {
        upload,
        out_dir,
        limits,
        inputs: Vec::new(),
    };
    match kind {
        UploadKind::Xlsx => {
            check_declared_size(open()?, limits)?;
            let mut book = Xlsx::new(open()?).map_err(workbook_error)?;
            for name in worksheet_names(&book) {
                stream_xlsx_sheet(&mut book, &name, &mut sink)?;
            }
        }
        UploadKind::Xls => {
            let book = Xls::new(open()?).map_err(workbook_error)?;
            write_loaded_sheets(book, &mut sink)?;
        }
        UploadKind::Ods => {
            check_declared_size(open()?, limits)?;
            ods_guard::check_cell_count(open()?, limits)?;
            let book = Ods::new(open()?).map_err(workbook_error)?;
            write_loaded_sheets(book, &mut sink)?;
        }
        UploadKind::Text | UploadKind::Zip => {
            return Err(ConvertError::Workbook("not a spreadsheet".to_owned()));
        }
    }
    if sink.inputs.is_empty() {
        return Err(ConvertError::NoData);
    }
    Ok(sink.inputs)
}

fn workbook_error(e: impl std::fmt::Display) -> ConvertError {
    ConvertError::Workbook(e.to_string())
}

/// Chart, dialog and macro sheets hold no table to analyse.
fn worksheet_names<R: Reader<BufReader<File>>>(book: &R) -> Vec<String> {
    book.sheets_metadata()
        .iter()
        .filter(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .collect()
}

/// xlsx and ods are zips: refuse one whose parts declare more than the limit in total. The
/// zip reader fails on a part that inflates past its central-directory size (even when the
/// part uses a data descriptor), so this bound still holds while calamine reads.
fn check_declared_size(file: BufReader<File>, limits: &ConvertLimits) -> Result<(), ConvertError> {
    let mut archive = zip::ZipArchive::new(file).map_err(workbook_error)?;
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let part = archive.by_index_raw(index).map_err(workbook_error)?;
        declared = declared.saturating_add(part.size());
        if declared > limits.max_uncompressed_bytes {
            return Err(ConvertError::TooLarge {
                max: limits.max_uncompressed_bytes,
            });
        }
    }
    Ok(())
}

/// Where converted sheets go, and what has been written so far.
struct SheetSink<'a> {
    upload: &'a Path,
    out_dir: &'a Path,
    limits: &'a ConvertLimits,
    inputs: Vec<ConvertedInput>,
}

impl SheetSink<'_> {
    /// Checks the used area against the limit, then opens the next output CSV.
    fn start(&self, sheet: &str, area: &Area) -> Result<(PathBuf, CsvOut), ConvertError> {
        let cells = area.cells();
        if cells > self.limits.max_sheet_cells {
            return Err(ConvertError::SheetTooLarge {
                sheet: sheet.to_owned(),
                cells,
                max: self.limits.max_sheet_cells,
            });
        }
        let path = output_path(self.upload, self.out_dir, self.inputs.len() + 1, "csv")?;
        let file = File::create(&path).map_err(io_error("converted"))?;
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(BufWriter::new(file));
        Ok((path, CsvOut { writer }))
    }

    fn finish(&mut self, sheet: &str, path: PathBuf, out: CsvOut) -> Result<(), ConvertError> {
        let mut inner = out
            .writer
            .into_inner()
            .map_err(|e| io_error("converted")(e.into_error()))?;
        inner.flush().map_err(io_error("converted"))?;
        self.inputs.push(ConvertedInput {
            path,
            name: Some(sheet.to_owned()),
        });
        Ok(())
    }
}

struct CsvOut {
    writer: csv::Writer<BufWriter<File>>,
}

impl CsvOut {
    fn row<'s>(&mut self, fields: impl IntoIterator<Item = &'s str>) -> Result<(), ConvertError> {
        self.writer
            .write_record(fields)
            .map_err(|e| ConvertError::Io {
                action: "converted",
                source: e.into(),
            })
    }
}

/// The smallest rectangle holding every non-blank cell (inclusive, absolute positions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Area {
    first_row: u32,
    last_row: u32,
    first_col: u32,
    last_col: u32,
}

impl Area {
    fn of(row: u32, col: u32) -> Self {
        Self {
            first_row: row,
            last_row: row,
            first_col: col,
            last_col: col,
        }
    }
    fn include(area: Option<Self>, row: u32, col: u32) -> Option<Self> {
        Some(match area {
            None => Self::of(row, col),
            Some(a) => Self {
                first_row: a.first_row.min(row),
                last_row: a.last_row.max(row),
                first_col: a.first_col.min(col),
                last_col: a.last_col.max(col),
            },
        })
    }
    fn width(&self) -> usize {
        (self.last_col - self.first_col) as usize + 1
    }
    fn cells(&self) -> u64 {
        u64::from(self.last_row - self.first_row + 1)
            * u64::from(self.last_col - self.first_col + 1)
    }
}

/// Blank cells write nothing, so they neither widen a sheet nor make it non-empty.
fn is_blank<T: DataType>(cell: &T) -> bool {
    cell.is_empty() || cell.is_error() || cell.get_string() == Some("")
}

fn stream_xlsx_sheet<RS: Read + Seek>(
    book: &mut Xlsx<RS>,
    sheet: &str,
    sink: &mut SheetSink<'_>,
) -> Result<(), ConvertError> {
    let mut area = None;
    let mut cells = book.worksheet_cells_reader(sheet).map_err(workbook_error)?;
    while let Some(cell) = cells.next_cell().map_err(workbook_error)? {
        if !is_blank(cell.get_value()) {
            let (row, col) = cell.get_position();
            area = Area::include(area, row, col);
        }
    }
    drop(cells);
    let Some(area) = area else {
        return Ok(());
    };

    let (path, mut out) = sink.start(sheet, &area)?;
    let mut fields = vec![String::new(); area.width()];
    let mut current = area.first_row;
    let mut cells = book.worksheet_cells_reader(sheet).map_err(workbook_error)?;
    while let Some(cell) = cells.next_cell().map_err(workbook_error)? {
        let value = cell.get_value();
        if is_blank(value) {
            continue;
        }
        let (row, col) = cell.get_position();
        if row < current {
            // Rows are written as they come; every known writer stores them in order.
            return Err(ConvertError::Workbook(format!(
                "the rows of sheet \"{sheet}\" are stored out of order"
            )));
        }
        while current < row {
            out.row(fields.iter().map(String::as_str))?;
            fields.iter_mut().for_each(String::clear);
            current += 1;
        }
        if let Some(field) = col
            .checked_sub(area.first_col)
            .and_then(|i| fields.get_mut(i as usize))
        {
            *field = cell_text(value);
        }
    }
    out.row(fields.iter().map(String::as_str))?;
    sink.finish(sheet, path, out)
}

fn write_loaded_sheets<R>(mut book: R, sink: &mut SheetSink<'_>) -> Result<(), ConvertError>
where
    R: Reader<BufReader<File>>,
    R::Error: std::fmt::Display,
{
    for sheet in worksheet_names(&book) {
        let range = book.worksheet_range(&sheet).map_err(workbook_error)?;
        write_range(&sheet, &range, sink)?;
    }
    Ok(())
}

fn write_range(
    sheet: &str,
    range: &Range<Data>,
    sink: &mut SheetSink<'_>,
) -> Result<(), ConvertError> {
    let mut area = None;
    for (row, col, cell) in range.used_cells() {
        if !is_blank(cell) {
            // Positions relative to the range; u32 by construction (calamine's grid).
            area = Area::include(area, row as u32, col as u32);
        }
    }
    let Some(area) = area else {
        return Ok(());
    };
    let (path, mut out) = sink.start(sheet, &area)?;
    let (first_col, last_col) = (area.first_col as usize, area.last_col as usize);
    let rows = range
        .rows()
        .skip(area.first_row as usize)
        .take((area.last_row - area.first_row) as usize + 1);
    for row in rows {
        let texts: Vec<String> = row[first_col..=last_col].iter().map(cell_text).collect();
        out.row(texts.iter().map(String::as_str))?;
    }
    sink.finish(sheet, path, out)
}

#[cfg(test)]
#[path = "workbook_tests.rs"]
mod tests;
