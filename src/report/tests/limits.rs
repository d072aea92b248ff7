//! The crate and Excel limits: text stays text, long text is cut, URLs that cannot be links
//! become text, the per-sheet link cap, the row limit's continuation sheets, bad input.

use serde_json::json;

use super::generator::*;
use crate::report::table::{clamp_text, linkable, part_name};
use crate::report::{ReportError, ReportOptions};

#[test]
fn formula_looking_input_is_read_back_as_text() {
    let formulas = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "@SUM(A1)",
        "+1+1",
        "-2",
        "=1/0",
    ];
    let mut r = Results::new("gsc_query_page");
    r.keywords = formulas
        .iter()
        .map(|f| keyword_row(f, &["https://example.com/a"]))
        .collect();
    let mut row = onpage_row("https://example.com/a", vec![]);
    row["title"] = json!("=SUM(1,2)");
    r.onpage = vec![row];
    let (out, _) = r.write(&ReportOptions::default()).expect("report");
    let sheets = read_sheets(&out);
    let mapping = sheet(&sheets, "Keyword Mapping");
    let got: Vec<&str> = mapping[1..].iter().map(|row| text(&row[0])).collect();
    assert_eq!(got, formulas);
    assert_eq!(text(&sheet(&sheets, "On-Page Issues")[1][4]), "=SUM(1,2)");
    for index in 1..=sheets.len() {
        assert!(
            !sheet_xml(&out, index).contains("<f>"),
            "sheet {index} has a formula"
        );
    }
}

#[test]
fn a_table_over_the_row_limit_continues_on_numbered_sheets_with_their_header() {
    let mut r = Results::new("gsc_query_page");
    r.keywords = (0..9)
        .map(|i| keyword_row(&format!("kw {i}"), &["https://e.com/"]))
        .collect();
    let opts = ReportOptions {
        max_rows_per_sheet: 5,
        ..ReportOptions::default()
    };
    let (out, stats) = r.write(&opts).expect("report");
    let sheets = read_sheets(&out);
    let parts = [
        "Keyword Mapping",
        "Keyword Mapping (2)",
        "Keyword Mapping (3)",
    ];
    for name in parts {
        assert!(
            stats.sheets.iter().any(|s| s == name),
            "{name} in {:?}",
            stats.sheets
        );
    }
    let mut keywords = Vec::new();
    for (name, want) in parts.iter().zip([4, 4, 1]) {
        let rows = sheet(&sheets, name);
        assert_eq!(header(rows)[0], "Keyword", "{name}");
        assert_eq!(rows.len() - 1, want, "{name}");
        keywords.extend(rows[1..].iter().map(|row| text(&row[0]).to_string()));
    }
    let expected: Vec<String> = (0..9).map(|i| format!("kw {i}")).collect();
    assert_eq!(keywords, expected);
    // The part sheets stay beside their first sheet, before Cannibalisation.
    let position = |n: &str| stats.sheets.iter().position(|s| s == n).expect("sheet");
    assert!(position("Keyword Mapping (3)") < position("Cannibalisation"));
}

#[test]
fn urls_that_excel_cannot_link_are_written_as_text() {
    let long = format!("https://example.com/{}", "a".repeat(2_100));
    let urls = [
        "https://example.com/ok",
        long.as_str(),
        "javascript:alert(1)",
        "data:text/html,hi",
    ];
    let mut r = Results::new("gsc_query_page");
    r.keywords = urls.iter().map(|u| keyword_row("kw", &[u])).collect();
    let (out, stats) = r.write(&ReportOptions::default()).expect("report");
    let sheets = read_sheets(&out);
    let mapping = sheet(&sheets, "Keyword Mapping");
    let got: Vec<&str> = mapping[1..].iter().map(|row| text(&row[1])).collect();
    assert_eq!(got, urls);
    let index = 1 + stats
        .sheets
        .iter()
        .position(|s| s == "Keyword Mapping")
        .expect("sheet");
    assert_eq!(hyperlinks(&out, index), 1);
    assert!(sheet_xml(&out, index).contains("<hyperlink "));
}

#[test]
fn links_beyond_the_per_sheet_cap_are_written_as_text() {
    let mut r = Results::new("gsc_query_page");
    r.keywords = (0..6)
        .map(|i| keyword_row(&format!("kw {i}"), &[&format!("https://example.com/{i}")]))
        .collect();
    let opts = ReportOptions {
        max_links_per_sheet: 3,
        ..ReportOptions::default()
    };
    let (out, stats) = r.write(&opts).expect("report");
    let index = 1 + stats
        .sheets
        .iter()
        .position(|s| s == "Keyword Mapping")
        .expect("sheet");
    assert_eq!(hyperlinks(&out, index), 3);
    let sheets = read_sheets(&out);
    let mapping = sheet(&sheets, "Keyword Mapping");
    for (i, row) in mapping[1..].iter().enumerate() {
        assert_eq!(text(&row[1]), format!("https://example.com/{i}"));
    }
}

#[test]
fn text_over_32767_characters_is_cut_at_a_character_boundary() {
    // 'é' is 2 UTF-8 bytes and 1 UTF-16 unit, '😀' 4 bytes and 2 units.
    let long: String = "é😀x".repeat(20_000);
    let mut r = Results::new("screaming_frog_internal");
    let mut row = onpage_row("https://example.com/a", vec![]);
    row["title"] = json!(long);
    r.onpage = vec![row];
    let (out, _) = r.write(&ReportOptions::default()).expect("report");
    let sheets = read_sheets(&out);
    let title = text(&sheet(&sheets, "On-Page Issues")[1][4]).to_string();
    let units = title.encode_utf16().count();
    assert!((32_764..=32_767).contains(&units), "{units} UTF-16 units");
    assert!(long.starts_with(&title));
}

#[test]
fn a_malformed_row_fails_with_its_line_number_and_leaves_no_file() {
    let mut r = Results::new("gsc_query_page");
    r.keywords = vec![keyword_row("ok", &[]), json!({"keyword": 12})];
    let err = r.write(&ReportOptions::default()).expect_err("bad row");
    match &err {
        ReportError::Row { line, .. } => assert_eq!(*line, 2),
        other => panic!("expected a row error, got {other}"),
    }
    assert!(err.to_string().contains("keywordMapping.ndjson"));
    let leftovers: Vec<_> = std::fs::read_dir(r.dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("xlsx"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_row_limit_below_two_is_refused() {
    let r = Results::new("gsc_query_page");
    let opts = ReportOptions {
        max_rows_per_sheet: 1,
        ..ReportOptions::default()
    };
    assert!(matches!(r.write(&opts), Err(ReportError::Options(_))));
}

#[test]
fn an_unknown_data_source_keeps_every_sheet() {
    let r = Results::new("some_future_source");
    let (_, stats) = r.write(&ReportOptions::default()).expect("report");
    assert_eq!(stats.sheets.len(), 7, "{:?}", stats.sheets);
    assert_eq!(stats.rows_written, 3, "only the checks have rows");
}

#[test]
fn continuation_sheet_names_stay_within_31_characters() {
    assert_eq!(part_name("Keyword Mapping", 1), "Keyword Mapping");
    assert_eq!(part_name("Keyword Mapping", 12), "Keyword Mapping (12)");
    let long = part_name("A very long sheet name that overflows", 3);
    assert_eq!(long.chars().count(), 31);
    assert!(long.ends_with(" (3)"));
}

#[test]
fn only_allowed_schemes_of_a_linkable_length_become_links() {
    assert!(linkable("https://example.com/a"));
    assert!(linkable("HTTP://EXAMPLE.COM/"));
    assert!(linkable("mailto:someone@example.com"));
    assert!(!linkable("javascript:alert(1)"));
    assert!(!linkable("example.com/no-scheme"));
    assert!(!linkable("https://example.com/a\nb"));
    // Spaces are escaped to %20 by the writer, so they count three times.
    assert!(!linkable(&format!("https://e.com/{}", " ".repeat(700))));
    assert!(linkable(&format!("https://e.com/{}", "a".repeat(2_000))));
}

#[test]
fn short_text_is_not_copied_and_long_text_is_cut_to_the_limit() {
    assert!(matches!(clamp_text("short"), std::borrow::Cow::Borrowed(_)));
    let cut = clamp_text(&"x".repeat(40_000)).into_owned();
    assert_eq!(cut.len(), 32_767);
}

#[test]
fn the_workbook_link_budget_is_shared_by_all_sheets() {
    let mut r = Results::new("gsc_query_page");
    r.keywords = (0..6)
        .map(|i| {
            let urls = [
                format!("https://example.com/{i}"),
                format!("https://example.com/x{i}"),
            ];
            cannibalised(
                keyword_row(&format!("kw {i}"), &[&urls[0], &urls[1]]),
                "high",
            )
        })
        .collect();
    let opts = ReportOptions {
        max_links_per_workbook: 4,
        ..ReportOptions::default()
    };
    let (out, stats) = r.write(&opts).expect("report");
    let index = |name: &str| 1 + stats.sheets.iter().position(|s| s == name).expect("sheet");
    assert_eq!(hyperlinks(&out, index("Keyword Mapping")), 4);
    assert_eq!(hyperlinks(&out, index("Cannibalisation")), 0);
    let sheets = read_sheets(&out);
    assert_eq!(
        text(&sheet(&sheets, "Cannibalisation")[12][1]),
        "https://example.com/x5"
    );
}
