//! The `On-Page Issues` sheet (one row per URL, in result order) and the `Issues` sheet (one
//! row per (URL, issue), sorted by severity, then the check's place in the `checks`
//! catalogue, then URL). One streaming pass over `onpageResults.ndjson` writes the first and
//! feeds the issues to an external sort that writes the second.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{RowNum, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use super::decor::{self, bad, first, rule, warn};
use super::rows::{Issue, NdjsonReader, OnpageRow};
use super::sort::ExternalSorter;
use super::style::{Kind, severity_rank};
use super::table::{Book, Column, Table, col, no_decoration};
use super::{ReportError, pipe};

const ONPAGE_COLUMNS: &[Column] = &[
    col("URL", Kind::Url),
    col("Status Code", Kind::Count),
    col("Indexability", Kind::Label),
    col("Indexability Status", Kind::Label),
    col("Title", Kind::Text),
    col("Title Length", Kind::Count),
    col("Title Px", Kind::Count),
    col("Meta Description", Kind::Text),
    col("Meta Desc Length", Kind::Count),
    col("Meta Desc Px", Kind::Count),
    col("H1", Kind::Text),
    col("H1 Count", Kind::Count),
    col("Word Count", Kind::Count),
    col("Canonical", Kind::Url),
    col("Crawl Depth", Kind::Count),
    col("Inlinks", Kind::Count),
    col("Clicks", Kind::Count),
    col("Impressions", Kind::Count),
    col("CTR", Kind::Percent),
    col("Position", Kind::Position),
    col("Target Keyword", Kind::Text),
    col("KW in Title", Kind::Flag),
    col("KW in H1", Kind::Flag),
    col("KW in URL", Kind::Flag),
    col("KW in Meta", Kind::Flag),
    col("Issue Count", Kind::Count),
    col("Highest Severity", Kind::Severity),
    col("Issues", Kind::Text),
    col("Priority Score", Kind::Position),
];

const ISSUE_COLUMNS: &[Column] = &[
    col("URL", Kind::Url),
    col("Check ID", Kind::Label),
    col("Check", Kind::Text),
    col("Category", Kind::Label),
    col("Severity", Kind::Severity),
    col("Value", Kind::Mixed),
    col("Threshold", Kind::Mixed),
    col("Message", Kind::Text),
    col("Recommendation", Kind::Text),
];

/// Severity rank, check rank, check id, URL, then input order: a total order.
type IssueKey = (u8, u32, String, String, u64);

#[derive(Serialize, Deserialize)]
struct IssueRecord {
    url: Option<String>,
    issue: Issue,
}

/// Writes `On-Page Issues` and `Issues`; returns the number of URL rows.
pub(crate) fn write(
    book: &mut Book,
    ndjson: &Path,
    check_order: &HashMap<String, u32>,
    temp_dir: PathBuf,
    sort_budget: usize,
) -> Result<u64, ReportError> {
    let mut sorter: ExternalSorter<IssueKey, IssueRecord> =
        ExternalSorter::new(temp_dir, sort_budget);
    let mut reader = NdjsonReader::open(ndjson)?;
    let mut table = Table::open(book, "On-Page Issues", ONPAGE_COLUMNS, decorate_onpage)?;
    // Parsing and queueing the issues run on a second thread while this one writes cells.
    let sorter = pipe::pipeline(
        move |sink| {
            let mut seq = 0u64;
            while let Some(row) = reader.next_row::<OnpageRow>()? {
                for issue in row.issues.iter().flatten() {
                    let id = issue.id.clone().unwrap_or_default();
                    let key = (
                        severity_rank(issue.severity.as_deref()),
                        check_order.get(&id).copied().unwrap_or(u32::MAX),
                        id,
                        row.url.clone().unwrap_or_default(),
                        seq,
                    );
                    seq += 1;
                    let record = IssueRecord {
                        url: row.url.clone(),
                        issue: issue.clone(),
                    };
                    sorter.push(key, &record)?;
                }
                if !sink.push(row) {
                    break;
                }
            }
            Ok(sorter)
        },
        |row| write_onpage_row(&mut table, &row),
    )?;
    let urls = table.finish()?;

    let mut sorted = sorter.finish()?;
    let mut table = Table::open(book, "Issues", ISSUE_COLUMNS, no_decoration)?;
    pipe::pipeline(
        move |sink| {
            while let Some((_, record)) = sorted.next_record()? {
                if !sink.push(record) {
                    break;
                }
            }
            Ok(())
        },
        |record| write_issue(&mut table, &record),
    )?;
    table.finish()?;
    Ok(urls)
}

fn write_onpage_row(table: &mut Table<'_>, row: &OnpageRow) -> Result<(), ReportError> {
    let mut w = table.row(false)?;
    w.url(0, row.url.as_deref())?;
    w.num(1, row.status_code)?;
    w.text(2, row.indexability.as_deref())?;
    w.text(3, row.indexability_status.as_deref())?;
    w.text(4, row.title.as_deref())?;
    w.num(5, row.title_length)?;
    w.num(6, row.title_pixel_width)?;
    w.text(7, row.meta_description.as_deref())?;
    w.num(8, row.meta_description_length)?;
    w.num(9, row.meta_description_pixel_width)?;
    w.text(10, row.h1.as_deref())?;
    w.num(11, row.h1_count)?;
    w.num(12, row.word_count)?;
    w.url(13, row.canonical.as_deref())?;
    w.num(14, row.crawl_depth)?;
    w.num(15, row.inlinks)?;
    w.num(16, row.clicks)?;
    w.num(17, row.impressions)?;
    w.num(18, row.ctr)?;
    w.num(19, row.position)?;
    w.text(20, row.target_keyword.as_deref())?;
    w.flag(21, row.keyword_in_title.as_ref())?;
    w.flag(22, row.keyword_in_h1.as_ref())?;
    w.flag(23, row.keyword_in_url.as_ref())?;
    w.flag(24, row.keyword_in_meta_description.as_ref())?;
    let issues = row.issues.as_deref().unwrap_or_default();
    w.num(25, row.issue_count.or(Some(issues.len() as f64)))?;
    w.severity(26, row.highest_severity.as_deref())?;
    let ids: Vec<&str> = issues.iter().filter_map(|i| i.id.as_deref()).collect();
    w.text(27, Some(&ids.join("; ")))?;
    w.num(28, row.priority_score)?;
    Ok(())
}

fn write_issue(table: &mut Table<'_>, record: &IssueRecord) -> Result<(), ReportError> {
    let issue = &record.issue;
    let mut w = table.row(false)?;
    w.url(0, record.url.as_deref())?;
    w.text(1, issue.id.as_deref())?;
    w.text(2, issue.label.as_deref())?;
    w.text(3, issue.category.as_deref())?;
    w.severity(4, issue.severity.as_deref())?;
    w.mixed(5, &issue.value)?;
    w.mixed(6, &issue.threshold)?;
    w.text(7, issue.message.as_deref())?;
    w.text(8, issue.recommendation.as_deref())?;
    Ok(())
}

/// §10 sheet 2: title and meta-description lengths, word count, status code, the keyword
/// flags and a data bar on the priority score.
fn decorate_onpage(ws: &mut Worksheet, last: RowNum) -> Result<(), XlsxError> {
    let status = first(1);
    rule(
        ws,
        1,
        last,
        &format!("AND(ISNUMBER({status}),{status}>=400)"),
        bad(),
    )?;
    rule(
        ws,
        1,
        last,
        &format!("AND(ISNUMBER({status}),{status}>=300,{status}<400)"),
        warn(),
    )?;
    let title = first(5);
    rule(
        ws,
        5,
        last,
        &format!("AND(ISNUMBER({title}),OR({title}>60,{title}<30))"),
        bad(),
    )?;
    let px = first(6);
    rule(ws, 6, last, &format!("AND(ISNUMBER({px}),{px}>561)"), bad())?;
    let meta = first(8);
    rule(
        ws,
        8,
        last,
        &format!("AND(ISNUMBER({meta}),OR({meta}>160,{meta}<70))"),
        warn(),
    )?;
    let words = first(12);
    rule(
        ws,
        12,
        last,
        &format!("AND(ISNUMBER({words}),{words}<200)"),
        warn(),
    )?;
    for flag_col in 21..=24 {
        decor::flag_rules(ws, flag_col, last)?;
    }
    decor::data_bar(ws, 28, last)
}
