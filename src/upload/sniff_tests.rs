use super::*;
use crate::upload::test_support::{
    deflated, ods_bytes, real_fixture, stored, upload_fixture, zip_bytes,
};
use crate::upload::text::is_utf8_allowing_cut_end;

fn xlsx_bytes() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "Keyword").expect("write");
    workbook.save_to_buffer().expect("xlsx")
}

fn head(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min(SNIFF_HEAD_BYTES)]
}

fn mismatch(result: Result<UploadKind, SniffError>) -> &'static str {
    match result {
        Err(SniffError::ContentMismatch { detected, .. }) => detected,
        other => panic!("expected a content mismatch, got {other:?}"),
    }
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    text.encode_utf16()
        .flat_map(|u| {
            if little_endian {
                u.to_le_bytes()
            } else {
                u.to_be_bytes()
            }
        })
        .collect()
}

const CSV: &str = "Keyword,Position,URL\nseo audit,3,https://example.com/audit\n";

#[test]
fn plain_utf8_csv_is_text() {
    assert_eq!(sniff(CSV.as_bytes(), "Queries.csv"), Ok(UploadKind::Text));
    assert_eq!(
        sniff("Mot clé;Clics\n".as_bytes(), "x.tsv"),
        Ok(UploadKind::Text)
    );
}

#[test]
fn utf8_bom_and_utf16_boms_are_text() {
    let mut utf8 = b"\xEF\xBB\xBF".to_vec();
    utf8.extend_from_slice(CSV.as_bytes());
    assert_eq!(sniff(&utf8, "a.csv"), Ok(UploadKind::Text));
    let mut le = b"\xFF\xFE".to_vec();
    le.extend(utf16(CSV, true));
    assert_eq!(sniff(&le, "a.csv"), Ok(UploadKind::Text));
    let mut be = b"\xFE\xFF".to_vec();
    be.extend(utf16(CSV, false));
    assert_eq!(sniff(&be, "a.txt"), Ok(UploadKind::Text));
}

#[test]
fn utf16_without_bom_in_either_byte_order_is_text() {
    assert_eq!(sniff(&utf16(CSV, true), "a.csv"), Ok(UploadKind::Text));
    assert_eq!(sniff(&utf16(CSV, false), "a.csv"), Ok(UploadKind::Text));
}

#[test]
fn utf16_head_cut_inside_a_surrogate_pair_is_text() {
    let mut bytes = utf16("keyword,clicks\n🚀 rocket,3\n", true);
    // Cut between the two code units of the emoji: the last unit is a lone high surrogate.
    let emoji_start = utf16("keyword,clicks\n", true).len();
    bytes.truncate(emoji_start + 2);
    assert_eq!(sniff(&bytes, "a.csv"), Ok(UploadKind::Text));
}

#[test]
fn a_utf8_sequence_cut_by_the_end_of_the_head_is_still_text() {
    let mut text = "a".repeat(SNIFF_HEAD_BYTES - 1).into_bytes();
    text.extend_from_slice("é".as_bytes());
    assert_eq!(text.len(), SNIFF_HEAD_BYTES + 1);
    let cut = head(&text);
    assert!(
        std::str::from_utf8(cut).is_err(),
        "the head must end mid-sequence"
    );
    assert!(is_utf8_allowing_cut_end(cut));
    assert_eq!(sniff(cut, "a.csv"), Ok(UploadKind::Text));
}

#[test]
fn invalid_utf8_in_the_middle_is_not_excused_as_a_cut() {
    assert!(!is_utf8_allowing_cut_end(b"caf\xE9,1\nmore"));
}

#[test]
fn cp1252_text_is_text() {
    assert_eq!(
        sniff(b"Mot cl\xE9;Clics\ncaf\xE9;3\n", "a.csv"),
        Ok(UploadKind::Text)
    );
}

#[test]
fn bytes_that_are_neither_utf8_nor_cp1252_are_binary() {
    let detected = mismatch(sniff(b"\x81\x8D\x8F\x90\x9D\xFF", "a.csv"));
    assert_eq!(detected, "binary data, not text");
}

#[test]
fn nul_bytes_scattered_over_both_parities_are_binary() {
    let bytes: Vec<u8> = (0..4000u32)
        .map(|i| if i % 3 == 0 { 0 } else { b'x' })
        .collect();
    assert_eq!(mismatch(sniff(&bytes, "a.csv")), "binary data, not text");
    assert_eq!(
        mismatch(sniff(&[0u8; 512], "a.csv")),
        "binary data, not text"
    );
}

#[test]
fn the_real_ahrefs_utf16le_export_is_text_with_and_without_its_bom() {
    let Some(path) = real_fixture("ahrefs_v3_organic_keywords_utf16le.csv") else {
        return;
    };
    let kind = sniff_file(&path, "ahrefs_v3_organic_keywords_utf16le.csv").expect("accepted");
    assert_eq!(kind, UploadKind::Text);
    let bytes = std::fs::read(&path).expect("read fixture");
    assert!(
        bytes.starts_with(b"\xFF\xFE"),
        "the fixture is expected to carry a BOM"
    );
    let without_bom = head(&bytes[2..]);
    assert!(without_bom.contains(&0), "the export contains NUL bytes");
    assert_eq!(sniff(without_bom, "export.csv"), Ok(UploadKind::Text));
}

#[test]
fn an_xlsx_workbook_is_xlsx_from_the_head_and_from_the_file() {
    let bytes = xlsx_bytes();
    assert_eq!(sniff(head(&bytes), "report.xlsx"), Ok(UploadKind::Xlsx));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("upload");
    std::fs::write(&path, &bytes).expect("write");
    assert_eq!(
        sniff_file(&path, "REPORT.XLSX").expect("sniff"),
        UploadKind::Xlsx
    );
}

#[test]
fn content_types_stored_last_is_found_by_reading_the_central_directory() {
    let filler: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let bytes = zip_bytes(&[
        stored("xl/worksheets/sheet1.xml", &filler),
        deflated("[Content_Types].xml", b"<Types/>"),
    ]);
    assert_eq!(classify_zip_head(head(&bytes)), Content::ZipUndecided);
    // Head only: the extension decides an undecided zip.
    assert_eq!(sniff(head(&bytes), "a.xlsx"), Ok(UploadKind::Xlsx));
    assert_eq!(sniff(head(&bytes), "a.zip"), Ok(UploadKind::Zip));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("upload");
    std::fs::write(&path, &bytes).expect("write");
    assert_eq!(
        sniff_file(&path, "a.xlsx").expect("sniff"),
        UploadKind::Xlsx
    );
    match sniff_file(&path, "a.zip") {
        Err(SniffFileError::Rejected(SniffError::ContentMismatch { detected, .. })) => {
            assert_eq!(detected, "an Excel workbook (.xlsx)");
        }
        other => panic!("a workbook named .zip must be refused, got {other:?}"),
    }
}

#[test]
fn a_large_plain_zip_is_refused_as_xlsx_once_its_directory_is_read() {
    let filler: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let bytes = zip_bytes(&[
        stored("Queries.csv", &filler),
        stored("Pages.csv", b"a,b\n"),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("upload");
    std::fs::write(&path, &bytes).expect("write");
    assert_eq!(
        sniff_file(&path, "export.zip").expect("sniff"),
        UploadKind::Zip
    );
    assert!(matches!(
        sniff_file(&path, "export.xlsx"),
        Err(SniffFileError::Rejected(SniffError::ContentMismatch { .. }))
    ));
}

#[test]
fn an_ods_spreadsheet_is_ods() {
    let bytes = ods_bytes("");
    assert_eq!(sniff(head(&bytes), "sheet.ods"), Ok(UploadKind::Ods));
    // Another OpenDocument type is a plain zip, not a spreadsheet.
    let text_doc = zip_bytes(&[stored(
        "mimetype",
        b"application/vnd.oasis.opendocument.text",
    )]);
    assert_eq!(sniff(&text_doc, "doc.zip"), Ok(UploadKind::Zip));
    assert!(sniff(&text_doc, "doc.ods").is_err());
}

#[test]
fn the_ole2_magic_is_xls() {
    let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    bytes.resize(512, 0);
    assert_eq!(sniff(&bytes, "old.xls"), Ok(UploadKind::Xls));
    let fixture = upload_fixture("tiny.xls");
    assert_eq!(
        sniff_file(&fixture, "tiny.xls").expect("sniff"),
        UploadKind::Xls
    );
}

#[test]
fn a_zip_of_csv_files_is_zip_and_an_empty_zip_too() {
    let bytes = zip_bytes(&[
        deflated("Countries.csv", b"Country,Clicks\n"),
        deflated("Queries.csv", b"q\n"),
    ]);
    assert_eq!(classify_zip_head(&bytes), Content::Zip);
    assert_eq!(sniff(&bytes, "gsc.zip"), Ok(UploadKind::Zip));
    assert_eq!(sniff(&zip_bytes(&[]), "empty.zip"), Ok(UploadKind::Zip));
}

#[test]
fn a_spreadsheet_extension_follows_the_content_within_the_family() {
    let bytes = xlsx_bytes();
    assert_eq!(sniff(head(&bytes), "legacy.xls"), Ok(UploadKind::Xlsx));
    assert_eq!(sniff(head(&ods_bytes("")), "x.xlsx"), Ok(UploadKind::Ods));
}

#[test]
fn a_csv_that_is_really_a_zip_is_refused() {
    let bytes = zip_bytes(&[deflated("Queries.csv", b"q\n")]);
    assert_eq!(mismatch(sniff(&bytes, "Queries.csv")), "a zip archive");
    assert_eq!(
        mismatch(sniff(head(&xlsx_bytes()), "a.csv")),
        "an Excel workbook (.xlsx)"
    );
    let mut ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    ole.resize(64, 0);
    assert_eq!(
        mismatch(sniff(&ole, "a.txt")),
        "an Excel 97-2003 workbook (.xls)"
    );
}

#[test]
fn a_spreadsheet_or_zip_that_is_text_is_refused() {
    assert_eq!(mismatch(sniff(CSV.as_bytes(), "a.xlsx")), "plain text");
    assert_eq!(mismatch(sniff(CSV.as_bytes(), "a.xls")), "plain text");
    assert_eq!(mismatch(sniff(CSV.as_bytes(), "a.ods")), "plain text");
    assert_eq!(mismatch(sniff(CSV.as_bytes(), "a.zip")), "plain text");
    assert_eq!(
        mismatch(sniff(head(&xlsx_bytes()), "a.zip")),
        "an Excel workbook (.xlsx)"
    );
}

#[test]
fn extensions_are_compared_case_insensitively_and_only_on_the_last_path_component() {
    assert_eq!(sniff(CSV.as_bytes(), "QUERIES.CSV"), Ok(UploadKind::Text));
    assert_eq!(
        sniff(CSV.as_bytes(), r"C:\exports.d\Queries.Csv"),
        Ok(UploadKind::Text)
    );
    assert_eq!(extension_of("dir.zip/readme"), "");
    assert_eq!(extension_of(".csv"), "");
}

#[test]
fn unsupported_extensions_are_refused_with_a_helpful_message() {
    let err = sniff(CSV.as_bytes(), "report.PDF").expect_err("refused");
    assert_eq!(
        err,
        SniffError::UnsupportedExtension {
            extension: "pdf".into()
        }
    );
    assert!(
        err.to_string()
            .starts_with("Files of type .pdf are not supported.")
    );
    assert!(err.to_string().contains(".xlsx"));
    let none = sniff(CSV.as_bytes(), "Queries").expect_err("refused");
    assert!(
        none.to_string()
            .starts_with("The file name has no extension.")
    );
}

#[test]
fn an_unsupported_extension_is_refused_before_the_file_is_read() {
    let missing = std::path::Path::new("/nonexistent/rankmap/upload");
    assert!(matches!(
        sniff_file(missing, "a.exe"),
        Err(SniffFileError::Rejected(
            SniffError::UnsupportedExtension { .. }
        ))
    ));
    assert!(matches!(
        sniff_file(missing, "a.csv"),
        Err(SniffFileError::Io(_))
    ));
}

#[test]
fn a_mismatch_message_names_the_extension_and_the_content() {
    let err = sniff(CSV.as_bytes(), "a.XLSX").expect_err("refused");
    assert_eq!(
        err.to_string(),
        "The file is named .xlsx but its content is plain text. Upload the export in its \
         original format, or rename it to match its content."
    );
}
