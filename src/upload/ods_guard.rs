//! A streaming pre-scan of an OpenDocument spreadsheet's `content.xml` that estimates how many
//! cells calamine would materialise, before calamine loads every sheet at once.
//!
//! OpenDocument compresses repetition into attributes (`table:number-rows-repeated`,
//! `table:number-columns-repeated`), so a few hundred bytes can describe a billion filled
//! cells. The scan multiplies them out and refuses a sheet, or a workbook, whose used area
//! exceeds [`ConvertLimits::max_sheet_cells`]. It over-estimates rather than under-estimates
//! (any cell with content or a value type counts), and leaves malformed files to calamine.

use std::fs::File;
use std::io::BufReader;

use quick_xml::events::{BytesStart, Event};

use super::{ConvertError, ConvertLimits};

/// The used area of the table being scanned, in expanded rows and columns.
#[derive(Default)]
struct TableScan {
    name: String,
    next_row: u64,
    first_used_row: Option<u64>,
    last_used_row: u64,
    width: u64,
}

impl TableScan {
    fn cells(&self) -> u64 {
        match self.first_used_row {
            None => 0,
            Some(first) => (self.last_used_row - first + 1).saturating_mul(self.width),
        }
    }
}

#[derive(Default)]
struct RowScan {
    repeat: u64,
    next_col: u64,
    used_width: u64,
}

/// Refuses the ods at `file` when a sheet's, or all sheets', expanded used area is too large.
/// An archive or XML it cannot read passes, so calamine reports the problem in its own words.
pub fn check_cell_count(file: BufReader<File>, limits: &ConvertLimits) -> Result<(), ConvertError> {
    let Ok(mut archive) = zip::ZipArchive::new(file) else {
        return Ok(());
    };
    let Ok(content) = archive.by_name("content.xml") else {
        return Ok(());
    };
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(content));
    let mut buf = Vec::new();
    let mut table = TableScan::default();
    let mut row = RowScan::default();
    let mut total: u64 = 0;
    let max = limits.max_sheet_cells;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) => return Ok(()),
        };
        match event {
            Event::Eof => return Ok(()),
            Event::Start(e) => on_open(&e, false, &mut table, &mut row),
            Event::Empty(e) => {
                on_open(&e, true, &mut table, &mut row);
                if e.name().as_ref() == "table:table-row" {
                    end_row(&mut table, &row);
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "table:table-row" => {
                    end_row(&mut table, &row);
                    check_sheet(&table, max)?;
                }
                "table:table" => {
                    total = total.saturating_add(table.cells());
                    if total > max {
                        return Err(ConvertError::WorkbookTooLarge { cells: total, max });
                    }
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
}

fn check_sheet(table: &TableScan, max: u64) -> Result<(), ConvertError> {
    let cells = table.cells();
    if cells > max {
        return Err(ConvertError::SheetTooLarge {
            sheet: table.name.clone(),
            cells,
            max,
        });
    }
    Ok(())
}

fn on_open(e: &BytesStart<'_>, empty: bool, table: &mut TableScan, row: &mut RowScan) {
    match e.name().as_ref() {
        "table:table" => {
            *table = TableScan {
                name: attribute(e, "table:name").unwrap_or_default(),
                ..TableScan::default()
            };
        }
        "table:table-row" => {
            *row = RowScan {
                repeat: repeat(e, "table:number-rows-repeated"),
                ..RowScan::default()
            };
        }
        "table:table-cell" | "table:covered-table-cell" => {
            let span = repeat(e, "table:number-columns-repeated");
            // A non-empty element may hold text without a value type: count it as used.
            let used = !empty || attribute(e, "office:value-type").is_some();
            row.next_col = row.next_col.saturating_add(span);
            if used {
                row.used_width = row.next_col;
            }
        }
        _ => {}
    }
}

fn end_row(table: &mut TableScan, row: &RowScan) {
    if row.used_width > 0 {
        table.first_used_row.get_or_insert(table.next_row);
        table.last_used_row = table.next_row.saturating_add(row.repeat - 1);
        table.width = table.width.max(row.used_width);
    }
    table.next_row = table.next_row.saturating_add(row.repeat);
}

fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let attr = e.try_get_attribute(name).ok()??;
    Some(attr.value.into_owned())
}

/// A repeat count; missing, zero or unparseable counts as 1 (calamine rejects the latter).
fn repeat(e: &BytesStart<'_>, name: &str) -> u64 {
    attribute(e, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upload::test_support::ods_bytes;

    fn check(tables_xml: &str, max: u64) -> Result<(), ConvertError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("book.ods");
        std::fs::write(&path, ods_bytes(tables_xml)).expect("write");
        let limits = ConvertLimits {
            max_sheet_cells: max,
            ..ConvertLimits::default()
        };
        check_cell_count(BufReader::new(File::open(&path).expect("open")), &limits)
    }

    const FILLED_CELL: &str = r#"<table:table-cell office:value-type="float" office:value="1"/>"#;

    #[test]
    fn repeated_filled_rows_and_columns_are_multiplied_out() {
        let xml = r#"<table:table table:name="Huge"><table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1000"/></table:table-row></table:table>"#;
        match check(xml, 20_000_000) {
            Err(ConvertError::SheetTooLarge { sheet, cells, .. }) => {
                assert_eq!(sheet, "Huge");
                assert_eq!(cells, 1_000_000_000);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn trailing_empty_repeated_rows_and_columns_do_not_count() {
        let xml = format!(
            r#"<table:table table:name="S"><table:table-row>{FILLED_CELL}{FILLED_CELL}<table:table-cell table:number-columns-repeated="16382"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#
        );
        assert!(check(&xml, 2).is_ok());
        assert!(matches!(
            check(&xml, 1),
            Err(ConvertError::SheetTooLarge { cells: 2, .. })
        ));
    }

    #[test]
    fn the_sum_over_sheets_is_bounded_too() {
        let sheet = |name: &str| {
            format!(
                r#"<table:table table:name="{name}"><table:table-row table:number-rows-repeated="6">{FILLED_CELL}</table:table-row></table:table>"#
            )
        };
        let xml = format!("{}{}", sheet("A"), sheet("B"));
        assert!(check(&xml, 12).is_ok());
        assert!(matches!(
            check(&xml, 10),
            Err(ConvertError::WorkbookTooLarge { cells: 12, max: 10 })
        ));
    }
}
