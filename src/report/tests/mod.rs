//! Tests of the workbook writer: every workbook is written from a generated results
//! directory and read back with calamine (and, for hyperlinks, from the sheet XML).

mod generator;
mod limits;
mod order;

use calamine::Data;
use serde_json::json;

use super::ReportOptions;
use generator::*;

pub(crate) fn small_opts() -> ReportOptions {
    ReportOptions::default()
}

pub(crate) fn query_page_results() -> Results {
    let mut r = Results::new("gsc_query_page");
    r.onpage = vec![
        onpage_row(
            "https://example.com/b",
            vec![issue("title_too_long", "medium")],
        ),
        onpage_row(
            "https://example.com/a",
            vec![
                issue("title_missing", "high"),
                issue("title_too_long", "medium"),
            ],
        ),
        onpage_row("https://example.com/c", vec![issue("status_4xx", "high")]),
        onpage_row("https://example.com/d", vec![]),
    ];
    r.keywords = vec![
        with_opportunity(
            keyword_row("alpha", &["https://example.com/a"]),
            "striking_distance",
            9,
        ),
        cannibalised(
            keyword_row("beta", &["https://example.com/a", "https://example.com/b"]),
            "medium",
        ),
        with_opportunity(
            keyword_row("gamma", &["https://example.com/c"]),
            "quick_win",
            3,
        ),
        cannibalised(
            keyword_row(
                "delta",
                &[
                    "https://example.com/c",
                    "https://example.com/d",
                    "https://example.com/e",
                ],
            ),
            "high",
        ),
        with_opportunity(
            keyword_row("epsilon", &["https://example.com/d"]),
            "quick_win",
            40,
        ),
        keyword_row("zeta", &[]),
    ];
    r
}

#[test]
fn every_sheet_reads_back_with_its_header_and_the_ndjson_row_counts() {
    let r = query_page_results();
    let (out, stats) = r.write(&small_opts()).expect("report");
    let sheets = read_sheets(&out);
    let expected = [
        "Summary",
        "On-Page Issues",
        "Issues",
        "Keyword Mapping",
        "Cannibalisation",
        "Opportunities",
        "Checks",
    ];
    assert_eq!(names(&sheets), expected);
    assert_eq!(stats.sheets, expected);

    let onpage = sheet(&sheets, "On-Page Issues");
    assert_eq!(header(onpage)[..3], ["URL", "Status Code", "Indexability"]);
    assert_eq!(
        header(onpage).last().map(String::as_str),
        Some("Priority Score")
    );
    assert_eq!(onpage.len() - 1, r.onpage.len());
    let issues = sheet(&sheets, "Issues");
    assert_eq!(
        header(issues),
        [
            "URL",
            "Check ID",
            "Check",
            "Category",
            "Severity",
            "Value",
            "Threshold",
            "Message",
            "Recommendation"
        ]
    );
    assert_eq!(issues.len() - 1, 4);
    let mapping = sheet(&sheets, "Keyword Mapping");
    assert_eq!(header(mapping)[..2], ["Keyword", "Best URL"]);
    assert_eq!(mapping.len() - 1, r.keywords.len());
    let cannibal = sheet(&sheets, "Cannibalisation");
    assert_eq!(header(cannibal)[..3], ["Keyword", "URL", "Is Best"]);
    assert_eq!(cannibal.len() - 1, 2 + 3);
    let opportunities = sheet(&sheets, "Opportunities");
    assert_eq!(header(opportunities)[..3], ["Type", "Keyword", "URL"]);
    assert_eq!(opportunities.len() - 1, 3);
    let checks = sheet(&sheets, "Checks");
    assert_eq!(
        header(checks),
        [
            "Check ID",
            "Label",
            "Category",
            "Severity",
            "Threshold",
            "Why it matters",
            "Source"
        ]
    );
    assert_eq!(checks.len() - 1, r.checks.len());
    assert_eq!(stats.rows_written, (4 + 4 + 6 + 5 + 3 + 3) as u64);
}

#[test]
fn cells_keep_their_types_numbers_booleans_and_partial_flags() {
    let r = query_page_results();
    let (out, _) = r.write(&small_opts()).expect("report");
    let sheets = read_sheets(&out);
    let onpage = sheet(&sheets, "On-Page Issues");
    let row = &onpage[1];
    assert_eq!(row[1], Data::Float(200.0));
    assert_eq!(row[18], Data::Float(0.075));
    assert_eq!(row[21], Data::Bool(true));
    assert_eq!(row[22], Data::Bool(false));
    assert_eq!(text(&row[23]), "partial");
    assert_eq!(row[24], Data::Empty);
    assert_eq!(text(&row[26]), "medium");
    let second = &onpage[2];
    assert_eq!(text(&second[27]), "title_missing; title_too_long");
    let mapping = sheet(&sheets, "Keyword Mapping");
    assert_eq!(text(&mapping[1][12]), "commercial");
    assert_eq!(mapping[1][11], Data::Float(1.25));
}

#[test]
fn gsc_pages_opportunities_come_from_the_summary_top_entries() {
    let mut r = Results::new("gsc_pages");
    r.onpage = vec![onpage_row("https://example.com/a", vec![])];
    r.summary["opportunities"]["top"] = json!([
        {"keyword": null, "url": "https://example.com/a", "type": "striking_distance",
         "position": 12.0, "clicks": 1, "impressions": 500, "ctr": 0.002, "expectedCtr": 0.03,
         "targetPosition": 8, "potential": 14, "actionHint": "Move it to page one."},
        {"keyword": null, "url": "https://example.com/b", "type": "quick_win",
         "position": 5.0, "clicks": 1, "impressions": 90, "ctr": 0.01, "expectedCtr": 0.07,
         "targetPosition": 3, "potential": 7, "actionHint": "Reach the top 3."}
    ]);
    let (out, stats) = r.write(&small_opts()).expect("report");
    assert!(!stats.sheets.iter().any(|s| s == "Keyword Mapping"));
    let sheets = read_sheets(&out);
    let opp = sheet(&sheets, "Opportunities");
    assert_eq!(opp.len() - 1, 2);
    assert_eq!(text(&opp[1][0]), "quick_win");
    assert_eq!(opp[1][1], Data::Empty);
    assert_eq!(text(&opp[2][10]), "Move it to page one.");
}

#[test]
fn sheets_the_source_can_fill_but_where_nothing_was_found_say_none_found() {
    let mut r = Results::new("gsc_query_page");
    r.onpage = vec![onpage_row("https://example.com/a", vec![])];
    r.keywords = vec![keyword_row("alpha", &["https://example.com/a"])];
    let (out, _) = r.write(&small_opts()).expect("report");
    let sheets = read_sheets(&out);
    for name in ["Issues", "Cannibalisation", "Opportunities"] {
        let rows = sheet(&sheets, name);
        assert_eq!(rows.len(), 2, "{name}: a header and one row");
        assert_eq!(text(&rows[1][0]), "None found", "{name}");
        assert!(!header(rows)[0].is_empty(), "{name} keeps its header");
    }
}

#[test]
fn a_screaming_frog_result_omits_the_keyword_sheets_and_the_summary_says_why() {
    let mut r = Results::new("screaming_frog_internal");
    r.onpage = vec![onpage_row(
        "https://example.com/a",
        vec![issue("title_missing", "high")],
    )];
    let (out, stats) = r.write(&small_opts()).expect("report");
    assert_eq!(
        stats.sheets,
        ["Summary", "On-Page Issues", "Issues", "Checks"]
    );
    let sheets = read_sheets(&out);
    let summary = sheet(&sheets, "Summary");
    for omitted in ["Keyword Mapping", "Cannibalisation", "Opportunities"] {
        let row = summary
            .iter()
            .find(|row| row[0] == Data::String(omitted.to_string()))
            .unwrap_or_else(|| panic!("Summary names {omitted}"));
        assert!(
            text(&row[1]).contains("Screaming Frog"),
            "{omitted}: {:?}",
            row[1]
        );
    }
}

#[test]
fn an_ahrefs_v3_result_omits_only_cannibalisation() {
    let mut r = Results::new("ahrefs_organic_keywords");
    r.onpage = vec![onpage_row("https://example.com/a", vec![])];
    r.keywords = vec![keyword_row("alpha", &["https://example.com/a"])];
    let (_, stats) = r.write(&small_opts()).expect("report");
    assert!(!stats.sheets.iter().any(|s| s == "Cannibalisation"));
    assert!(stats.sheets.iter().any(|s| s == "Opportunities"));
    assert!(stats.sheets.iter().any(|s| s == "Keyword Mapping"));
}

#[test]
fn the_summary_shows_the_source_file_the_analysed_member_and_the_warnings() {
    let mut r = query_page_results();
    r.summary["source"]["inputName"] = json!("Queries.csv");
    let (out, _) = r.write(&small_opts()).expect("report");
    let sheets = read_sheets(&out);
    let summary = sheet(&sheets, "Summary");
    let value_of = |label: &str| {
        summary
            .iter()
            .find(|row| row[0] == Data::String(label.to_string()))
            .map(|row| row[1].clone())
            .unwrap_or_else(|| panic!("Summary has {label}"))
    };
    assert_eq!(value_of("Source file"), Data::String("export.csv".into()));
    assert_eq!(
        value_of("Analysed sheet or zip member"),
        Data::String("Queries.csv".into())
    );
    assert_eq!(value_of("Health score"), Data::Float(72.0));
    assert_eq!(
        value_of("Data source"),
        Data::String("Label of gsc_query_page".into())
    );
    assert!(
        summary
            .iter()
            .any(|row| row[0] == Data::String("A warning from the analysis".into()))
    );
    assert!(
        summary
            .iter()
            .any(|row| row[0] == Data::String("Title missing".into()))
    );
}
