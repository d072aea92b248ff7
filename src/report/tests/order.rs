//! Row order of the sheets whose order differs from their NDJSON file: Issues,
//! Cannibalisation and Opportunities, in memory and when the sort spills to disk.

use calamine::Data;

use super::generator::*;
use super::{query_page_results, small_opts};
use crate::report::ReportOptions;

#[test]
fn issues_are_sorted_by_severity_then_check_order_then_url() {
    let r = query_page_results();
    let (out, _) = r.write(&small_opts()).expect("report");
    let sheets = read_sheets(&out);
    let got: Vec<(String, String)> = sheet(&sheets, "Issues")[1..]
        .iter()
        .map(|row| (text(&row[1]).to_string(), text(&row[0]).to_string()))
        .collect();
    // status_4xx precedes title_missing in `checks`; both are high.
    let expected = [
        ("status_4xx", "https://example.com/c"),
        ("title_missing", "https://example.com/a"),
        ("title_too_long", "https://example.com/a"),
        ("title_too_long", "https://example.com/b"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn an_issue_sort_that_spills_to_disk_gives_the_same_order_as_in_memory() {
    let mut r = Results::new("screaming_frog_internal");
    let severities = ["low", "critical", "medium", "high", "info"];
    r.checks = (0..7)
        .map(|c| check(&format!("check_{c}"), "title", "low"))
        .collect();
    r.onpage = (0..60)
        .map(|i| {
            let issues = (0..3)
                .map(|j| {
                    issue(
                        &format!("check_{}", (i * 3 + j) % 7),
                        severities[(i + j) % 5],
                    )
                })
                .collect();
            onpage_row(
                &format!("https://example.com/p{:03}", (i * 37) % 60),
                issues,
            )
        })
        .collect();
    let in_memory = r.write(&small_opts()).expect("report").0;
    let spilled_opts = ReportOptions {
        sort_buffer_bytes: 700,
        ..small_opts()
    };
    let spilled = r.write(&spilled_opts).expect("report").0;
    let a = read_sheets(&in_memory);
    let b = read_sheets(&spilled);
    let (a, b) = (sheet(&a, "Issues"), sheet(&b, "Issues"));
    assert_eq!(a.len() - 1, 180);
    assert_eq!(a, b);
    let keys: Vec<(usize, String, String)> = a[1..]
        .iter()
        .map(|row| {
            let sev = severities
                .iter()
                .position(|s| *s == text(&row[4]))
                .expect("severity");
            let rank = ["critical", "high", "medium", "low", "info"]
                .iter()
                .position(|s| *s == severities[sev])
                .expect("rank");
            (rank, text(&row[1]).to_string(), text(&row[0]).to_string())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn cannibalisation_lists_every_competing_url_with_high_severity_first() {
    let r = query_page_results();
    let (out, _) = r.write(&small_opts()).expect("report");
    let sheets = read_sheets(&out);
    let rows: Vec<(String, String, String)> = sheet(&sheets, "Cannibalisation")[1..]
        .iter()
        .map(|row| {
            (
                text(&row[0]).into(),
                text(&row[1]).into(),
                text(&row[8]).into(),
            )
        })
        .collect();
    let want = [
        ("delta", "https://example.com/c", "high"),
        ("delta", "https://example.com/d", "high"),
        ("delta", "https://example.com/e", "high"),
        ("beta", "https://example.com/a", "medium"),
        ("beta", "https://example.com/b", "medium"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(rows, want);
    assert_eq!(sheet(&sheets, "Cannibalisation")[1][2], Data::Bool(true));
    assert_eq!(
        text(&sheet(&sheets, "Cannibalisation")[1][10]),
        "Pick one target page."
    );
}

#[test]
fn opportunities_are_grouped_by_type_then_ordered_by_potential() {
    let r = query_page_results();
    let (out, _) = r.write(&small_opts()).expect("report");
    let sheets = read_sheets(&out);
    let rows: Vec<(String, String, Data)> = sheet(&sheets, "Opportunities")[1..]
        .iter()
        .map(|row| (text(&row[0]).into(), text(&row[1]).into(), row[9].clone()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "quick_win".to_string(),
                "epsilon".to_string(),
                Data::Float(40.0)
            ),
            (
                "quick_win".to_string(),
                "gamma".to_string(),
                Data::Float(3.0)
            ),
            (
                "striking_distance".to_string(),
                "alpha".to_string(),
                Data::Float(9.0)
            ),
        ]
    );
    assert_eq!(
        text(&sheet(&sheets, "Opportunities")[1][10]),
        "Hint for quick_win"
    );
}
