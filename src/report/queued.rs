//! The two sheets fed by the keyword pass through external sorts: `Cannibalisation` (one row
//! per competing URL of each cannibalised keyword, high severity first, keywords banded
//! alternately) and `Opportunities` (quick wins, then striking distance, then CTR gaps and the
//! other types, each by potential). Sorted records are decoded on a second thread.

use rust_xlsxwriter::{RowNum, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use super::keywords::{CannibalKey, OpportunityKey};
use super::rows::{CompetingUrl, TopOpportunity};
use super::sort::ExternalSorter;
use super::style::Kind;
use super::table::{Book, Column, Table, col};
use super::{ReportError, decor, pipe};

const CANNIBALISATION_COLUMNS: &[Column] = &[
    col("Keyword", Kind::Text),
    col("URL", Kind::Url),
    col("Is Best", Kind::Flag),
    col("Position", Kind::Position),
    col("Clicks", Kind::Count),
    col("Impressions", Kind::Count),
    col("Click Share", Kind::Percent),
    col("Impression Share", Kind::Percent),
    col("Severity", Kind::Severity),
    col("Reason", Kind::Label),
    col("Recommendation", Kind::Text),
];

const OPPORTUNITY_COLUMNS: &[Column] = &[
    col("Type", Kind::Label),
    col("Keyword", Kind::Text),
    col("URL", Kind::Url),
    col("Position", Kind::Position),
    col("Impressions/Volume", Kind::Count),
    col("Clicks/Traffic", Kind::Count),
    col("CTR", Kind::Percent),
    col("Expected CTR", Kind::Percent),
    col("Target Position", Kind::Position),
    col("Potential", Kind::Count),
    col("Action hint", Kind::Text),
];

#[derive(Serialize, Deserialize)]
pub(crate) struct CannibalRecord {
    pub(crate) keyword: Option<String>,
    pub(crate) best_url: Option<String>,
    pub(crate) severity: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) recommendation: Option<String>,
    pub(crate) urls: Vec<CompetingUrl>,
}

/// One Opportunities row, from a keyword row or a `summary.opportunities.top` entry.
#[derive(Serialize, Deserialize)]
pub(crate) struct OpportunityRecord {
    pub(crate) kind: Option<String>,
    pub(crate) keyword: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) position: Option<f64>,
    pub(crate) demand: Option<f64>,
    pub(crate) clicks: Option<f64>,
    pub(crate) ctr: Option<f64>,
    pub(crate) expected_ctr: Option<f64>,
    pub(crate) target_position: Option<f64>,
    pub(crate) potential: Option<f64>,
    pub(crate) action_hint: Option<String>,
}

impl From<TopOpportunity> for OpportunityRecord {
    fn from(t: TopOpportunity) -> Self {
        Self {
            kind: t.kind,
            keyword: t.keyword,
            url: t.url,
            position: t.position,
            demand: t.impressions,
            clicks: t.clicks,
            ctr: t.ctr,
            expected_ctr: t.expected_ctr,
            target_position: t.target_position,
            potential: t.potential,
            action_hint: t.action_hint,
        }
    }
}

/// Writes `Cannibalisation` from the queued keywords; returns its row count.
pub(crate) fn write_cannibalisation(
    book: &mut Book,
    pending: ExternalSorter<CannibalKey, CannibalRecord>,
) -> Result<u64, ReportError> {
    let mut sorted = pending.finish()?;
    let mut table = Table::open(
        book,
        "Cannibalisation",
        CANNIBALISATION_COLUMNS,
        decorate_cannibalisation,
    )?;
    let mut band = false;
    pipe::pipeline(
        move |sink| {
            while let Some((_, record)) = sorted.next_record()? {
                if !sink.push(record) {
                    break;
                }
            }
            Ok(())
        },
        |record| {
            write_cannibal_rows(&mut table, &record, band)?;
            band = !band;
            Ok(())
        },
    )?;
    table.finish()
}

fn write_cannibal_rows(
    table: &mut Table<'_>,
    record: &CannibalRecord,
    band: bool,
) -> Result<(), ReportError> {
    {
        let mut urls = record.urls.iter().map(Some).collect::<Vec<_>>();
        if urls.is_empty() {
            urls.push(None);
        }
        for url in urls {
            let mut w = table.row(band)?;
            w.text(0, record.keyword.as_deref())?;
            let address = url.and_then(|u| u.url.as_deref());
            w.url(1, address.or(record.best_url.as_deref()))?;
            w.boolean(2, url.and_then(|u| u.is_best))?;
            w.num(3, url.and_then(|u| u.position))?;
            w.num(4, url.and_then(|u| u.clicks))?;
            w.num(5, url.and_then(|u| u.impressions))?;
            w.num(6, url.and_then(|u| u.click_share))?;
            w.num(7, url.and_then(|u| u.impression_share))?;
            w.severity(8, record.severity.as_deref())?;
            w.text(9, record.reason.as_deref())?;
            w.text(10, record.recommendation.as_deref())?;
        }
    }
    Ok(())
}

/// Writes `Opportunities` from the queued rows; returns its row count.
pub(crate) fn write_opportunities(
    book: &mut Book,
    pending: ExternalSorter<OpportunityKey, OpportunityRecord>,
) -> Result<u64, ReportError> {
    let mut sorted = pending.finish()?;
    let mut table = Table::open(
        book,
        "Opportunities",
        OPPORTUNITY_COLUMNS,
        decorate_opportunities,
    )?;
    pipe::pipeline(
        move |sink| {
            while let Some((_, record)) = sorted.next_record()? {
                if !sink.push(record) {
                    break;
                }
            }
            Ok(())
        },
        |r| write_opportunity_row(&mut table, &r),
    )?;
    table.finish()
}

fn write_opportunity_row(table: &mut Table<'_>, r: &OpportunityRecord) -> Result<(), ReportError> {
    {
        let mut w = table.row(false)?;
        w.opportunity_type(0, r.kind.as_deref())?;
        w.text(1, r.keyword.as_deref())?;
        w.url(2, r.url.as_deref())?;
        w.num(3, r.position)?;
        w.num(4, r.demand)?;
        w.num(5, r.clicks)?;
        w.num(6, r.ctr)?;
        w.num(7, r.expected_ctr)?;
        w.num(8, r.target_position)?;
        w.num(9, r.potential)?;
        w.text(10, r.action_hint.as_deref())?;
    }
    Ok(())
}

/// §10 sheet 5: data bars on the two share columns (severity colours are cell formats).
fn decorate_cannibalisation(ws: &mut Worksheet, last: RowNum) -> Result<(), XlsxError> {
    decor::data_bar(ws, 6, last)?;
    decor::data_bar(ws, 7, last)
}

/// §10 sheet 6: data bar on Potential (type colours are cell formats).
fn decorate_opportunities(ws: &mut Worksheet, last: RowNum) -> Result<(), XlsxError> {
    decor::data_bar(ws, 9, last)
}
