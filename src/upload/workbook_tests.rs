use std::path::PathBuf;

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

use super::*;
use crate::upload::test_support::{ods_bytes, upload_fixture};
use crate::upload::{ConvertedInput, convert};

struct Converted {
    _dir: tempfile::TempDir,
    result: Result<Vec<ConvertedInput>, ConvertError>,
}

fn convert_bytes(bytes: &[u8], kind: UploadKind, limits: &ConvertLimits) -> Converted {
    let dir = tempfile::tempdir().expect("tempdir");
    let upload = dir.path().join("upload");
    std::fs::write(&upload, bytes).expect("write upload");
    let result = convert(&upload, kind, dir.path(), limits);
    Converted { _dir: dir, result }
}

/// (sheet name, CSV text) of every converted input.
fn sheets(inputs: &[ConvertedInput]) -> Vec<(String, String)> {
    inputs
        .iter()
        .map(|input| {
            let text = std::fs::read_to_string(&input.path).expect("utf-8 csv");
            (input.name.clone().expect("sheet name"), text)
        })
        .collect()
}

fn sample_xlsx() -> Vec<u8> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let percent = Format::new().set_num_format("0.0%");
    let day = ExcelDateTime::from_ymd(2026, 3, 1).expect("date");
    let moment = ExcelDateTime::from_ymd(2026, 3, 1)
        .and_then(|d| d.and_hms(14, 5, 0))
        .expect("datetime");

    let sheet = book.add_worksheet().set_name("Keywords").expect("name");
    let header = [
        "Keyword", "Volume", "Avg", "CTR", "Date", "Seen", "Flag", "Double",
    ];
    for (col, title) in (0u16..).zip(header) {
        sheet.write_string(0, col, title).expect("header");
    }
    sheet
        .write_string(1, 0, "say \"hi\", then\nleave")
        .expect("text");
    sheet.write_number(1, 1, 8100.0).expect("int");
    sheet.write_number(1, 2, 1234.5).expect("float");
    sheet
        .write_number_with_format(1, 3, 0.037, &percent)
        .expect("percent");
    sheet
        .write_datetime_with_format(1, 4, day, &date)
        .expect("date");
    sheet
        .write_datetime_with_format(1, 5, moment, &datetime)
        .expect("datetime");
    sheet.write_boolean(1, 6, true).expect("bool");
    sheet
        .write_formula(1, 7, Formula::new("=B2*2").set_result("16200"))
        .expect("formula");
    sheet.write_string(2, 0, "plain").expect("text");
    sheet.write_boolean(2, 6, false).expect("bool");

    book.add_worksheet().set_name("Empty").expect("name");
    let formatted_only = book.add_worksheet().set_name("Formatted").expect("name");
    formatted_only.write_blank(4, 4, &percent).expect("blank");

    let offset = book.add_worksheet().set_name("Offset").expect("name");
    offset.write_string(2, 2, "Page").expect("text");
    offset.write_string(2, 3, "Clicks").expect("text");
    offset.write_number(4, 3, 7.0).expect("number");
    book.save_to_buffer().expect("xlsx")
}

#[test]
fn xlsx_sheets_become_csv_files_in_workbook_order_with_each_cell_rule() {
    let out = convert_bytes(&sample_xlsx(), UploadKind::Xlsx, &ConvertLimits::default());
    let inputs = out.result.expect("converted");
    let converted = sheets(&inputs);
    let names: Vec<_> = converted.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Keywords", "Offset"],
        "empty and formatting-only sheets are skipped"
    );
    assert_eq!(
        converted[0].1,
        "Keyword,Volume,Avg,CTR,Date,Seen,Flag,Double\r\n\
         \"say \"\"hi\"\", then\nleave\",8100,1234.5,0.037,2026-03-01,2026-03-01 14:05:00,true,16200\r\n\
         plain,,,,,,false,\r\n"
    );
    // The used area starts at C3; the empty fourth row is kept as an empty record.
    assert_eq!(converted[1].1, "Page,Clicks\r\n,\r\n,7\r\n");
}

#[test]
fn converted_csv_has_no_bom_and_is_written_into_the_output_directory() {
    let out = convert_bytes(&sample_xlsx(), UploadKind::Xlsx, &ConvertLimits::default());
    let inputs = out.result.expect("converted");
    for input in &inputs {
        let bytes = std::fs::read(&input.path).expect("read");
        assert!(!bytes.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(input.path.parent(), Some(out._dir.path()));
    }
    let files: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    assert_eq!(
        files[0].file_name().and_then(|n| n.to_str()),
        Some("rankmap_input_01.csv")
    );
}

#[test]
fn a_workbook_without_data_is_an_error() {
    let mut book = Workbook::new();
    book.add_worksheet();
    let bytes = book.save_to_buffer().expect("xlsx");
    let err = convert_bytes(&bytes, UploadKind::Xlsx, &ConvertLimits::default())
        .result
        .expect_err("refused");
    assert!(matches!(err, ConvertError::NoData), "{err:?}");
}

#[test]
fn a_sheet_over_the_cell_limit_is_refused() {
    let limits = ConvertLimits {
        max_sheet_cells: 10,
        ..ConvertLimits::default()
    };
    let err = convert_bytes(&sample_xlsx(), UploadKind::Xlsx, &limits)
        .result
        .expect_err("refused");
    match err {
        ConvertError::SheetTooLarge { sheet, cells, max } => {
            assert_eq!((sheet.as_str(), cells, max), ("Keywords", 24, 10));
        }
        other => panic!("expected SheetTooLarge, got {other:?}"),
    }
}

#[test]
fn a_workbook_declaring_more_than_the_size_limit_is_refused() {
    let limits = ConvertLimits {
        max_uncompressed_bytes: 100,
        ..ConvertLimits::default()
    };
    let err = convert_bytes(&sample_xlsx(), UploadKind::Xlsx, &limits)
        .result
        .expect_err("refused");
    assert!(
        matches!(err, ConvertError::TooLarge { max: 100 }),
        "{err:?}"
    );
}

#[test]
fn corrupt_workbooks_are_errors_not_panics() {
    let xlsx = sample_xlsx();
    let truncated = &xlsx[..xlsx.len() / 2];
    let mut garbage = b"PK\x03\x04".to_vec();
    garbage.extend((0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let mut fake_ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    fake_ole.extend(std::iter::repeat_n(0xFFu8, 4096));
    let cases: [(&[u8], UploadKind); 5] = [
        (truncated, UploadKind::Xlsx),
        (&garbage, UploadKind::Xlsx),
        (&garbage, UploadKind::Ods),
        (&fake_ole, UploadKind::Xls),
        (b"not a workbook", UploadKind::Xls),
    ];
    for (bytes, kind) in cases {
        let result = convert_bytes(bytes, kind, &ConvertLimits::default()).result;
        let err = result.expect_err("a corrupt workbook must be refused");
        let message = err.to_string();
        assert!(!message.is_empty());
        assert!(!message.contains("/tmp"), "no server path in {message:?}");
    }
}

#[test]
fn an_ods_spreadsheet_becomes_one_csv_per_non_empty_table_in_order() {
    let tables = r#"
<table:table table:name="Data">
  <table:table-row>
    <table:table-cell office:value-type="string"><text:p>Keyword</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Volume</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>CTR</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Date</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Seen</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>Flag</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>A</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>B</text:p></table:table-cell>
  </table:table-row>
  <table:table-row>
    <table:table-cell office:value-type="string"><text:p>seo, "audit"</text:p></table:table-cell>
    <table:table-cell office:value-type="float" office:value="8100"><text:p>8100</text:p></table:table-cell>
    <table:table-cell office:value-type="percentage" office:value="0.037"><text:p>3.7%</text:p></table:table-cell>
    <table:table-cell office:value-type="date" office:date-value="2026-03-01"><text:p>01/03/2026</text:p></table:table-cell>
    <table:table-cell office:value-type="date" office:date-value="2026-03-01T14:05:00"><text:p>01/03/2026 14:05</text:p></table:table-cell>
    <table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>
    <table:table-cell office:value-type="float" office:value="1234.5" table:number-columns-repeated="2"><text:p>1234.5</text:p></table:table-cell>
  </table:table-row>
  <table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table>
<table:table table:name="Blank"><table:table-row><table:table-cell/></table:table-row></table:table>
<table:table table:name="Second">
  <table:table-row><table:table-cell office:value-type="string"><text:p>only</text:p></table:table-cell></table:table-row>
</table:table>"#;
    // Real writers put no whitespace between cells (and calamine expects none).
    let tables: String = tables.lines().map(str::trim).collect();
    let out = convert_bytes(
        &ods_bytes(&tables),
        UploadKind::Ods,
        &ConvertLimits::default(),
    );
    let converted = sheets(&out.result.expect("converted"));
    let names: Vec<_> = converted.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Data", "Second"]);
    assert_eq!(
        converted[0].1,
        "Keyword,Volume,CTR,Date,Seen,Flag,A,B\r\n\
         \"seo, \"\"audit\"\"\",8100,0.037,2026-03-01,2026-03-01 14:05:00,true,1234.5,1234.5\r\n"
    );
    assert_eq!(converted[1].1, "only\r\n");
}

#[test]
fn an_ods_whose_repeated_cells_expand_past_the_limit_is_refused_before_loading() {
    let tables = r#"<table:table table:name="Bomb"><table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16000"/></table:table-row></table:table>"#;
    let err = convert_bytes(
        &ods_bytes(tables),
        UploadKind::Ods,
        &ConvertLimits::default(),
    )
    .result
    .expect_err("refused");
    assert!(
        matches!(err, ConvertError::SheetTooLarge { ref sheet, .. } if sheet == "Bomb"),
        "{err:?}"
    );
}

#[test]
fn the_committed_xls_fixture_converts_every_non_empty_sheet() {
    let bytes = std::fs::read(upload_fixture("tiny.xls")).expect("fixture");
    let out = convert_bytes(&bytes, UploadKind::Xls, &ConvertLimits::default());
    let converted = sheets(&out.result.expect("converted"));
    let names: Vec<_> = converted.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Keywords", "Notes"]);
    assert_eq!(
        converted[0].1,
        "Keyword,Position,Volume,CTR,Date,Seen,Flag\r\n\
         blue widgets,3,8100,0.037,2026-03-01,2026-03-01 14:05:00,true\r\n\
         \"say \"\"hi\"\", then\nleave\",12.5,90,0.5,2025-12-31,2025-12-31 23:59:59,false\r\n"
    );
    assert_eq!(converted[1].1, "note\r\nsynthetic\r\n");
}

#[test]
fn text_uploads_are_passed_through_unnamed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let upload = dir.path().join("upload");
    std::fs::write(&upload, "a,b\n").expect("write");
    let inputs = convert(
        &upload,
        UploadKind::Text,
        dir.path(),
        &ConvertLimits::default(),
    )
    .expect("converted");
    assert_eq!(
        inputs,
        [ConvertedInput {
            path: upload,
            name: None
        }]
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
}

#[test]
fn an_output_name_never_overwrites_the_upload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let upload = dir.path().join("rankmap_input_01.csv");
    let bytes = sample_xlsx();
    std::fs::write(&upload, &bytes).expect("write");
    let err = convert(
        &upload,
        UploadKind::Xlsx,
        dir.path(),
        &ConvertLimits::default(),
    )
    .expect_err("refused");
    assert!(matches!(err, ConvertError::Io { .. }), "{err:?}");
    assert_eq!(std::fs::read(&upload).expect("read"), bytes);
}
