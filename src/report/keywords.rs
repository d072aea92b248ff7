//! The `Keyword Mapping` sheet (one row per keyword, in result order). Its single streaming
//! pass over `keywordMapping.ndjson` also queues the rows of `Cannibalisation` and
//! `Opportunities` (see `queued`) into external sorts, so only the sort budget is ever held
//! in memory.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Color, RowNum, Worksheet, XlsxError};

use super::decor::{self, bad, fill, first, rule};
use super::queued::{CannibalRecord, OpportunityRecord};
use super::rows::{KeywordRow, NdjsonReader, TopOpportunity};
use super::sort::ExternalSorter;
use super::style::{GREEN, Kind, LIGHT_RED, OK_FILL, RED_FONT, severity_rank};
use super::table::{Book, Column, Table, col};
use super::{ReportError, pipe};

const KEYWORD_COLUMNS: &[Column] = &[
    col("Keyword", Kind::Text),
    col("Best URL", Kind::Url),
    col("Position", Kind::Position),
    col("Previous Position", Kind::Position),
    col("Clicks", Kind::Count),
    col("Impressions", Kind::Count),
    col("CTR", Kind::Percent),
    col("Expected CTR", Kind::Percent),
    col("Search Volume", Kind::Count),
    col("Traffic", Kind::Count),
    col("KD", Kind::Count),
    col("CPC", Kind::Decimal),
    col("Intent", Kind::Text),
    col("SERP Features", Kind::Text),
    col("URL Count", Kind::Count),
    col("Cannibalised", Kind::Flag),
    col("Cannibalisation Severity", Kind::Severity),
    col("Opportunity Type", Kind::Label),
    col("Potential Clicks/Traffic", Kind::Count),
    col("Priority Score", Kind::Position),
];

/// Severity rank, then keyword order.
pub(crate) type CannibalKey = (u8, u64);
/// Type rank, negated potential, then keyword order.
pub(crate) type OpportunityKey = (u8, i64, u64);

/// The sorted rows waiting for their sheets after the keyword pass.
pub(crate) struct Pending {
    cannibalised: ExternalSorter<CannibalKey, CannibalRecord>,
    opportunities: ExternalSorter<OpportunityKey, OpportunityRecord>,
}

impl Pending {
    pub(crate) fn new(temp_dir: PathBuf, sort_budget: usize) -> Self {
        Self {
            cannibalised: ExternalSorter::new(temp_dir.clone(), sort_budget / 2),
            opportunities: ExternalSorter::new(temp_dir, sort_budget / 2),
        }
    }

    pub(crate) fn has_cannibalised(&self) -> bool {
        !self.cannibalised.is_empty()
    }

    pub(crate) fn has_opportunities(&self) -> bool {
        !self.opportunities.is_empty()
    }

    /// Queues page-level opportunities (`gsc_pages`, from `summary.opportunities.top`).
    pub(crate) fn push_top(&mut self, top: Vec<TopOpportunity>) -> Result<(), ReportError> {
        for (seq, entry) in top.into_iter().enumerate() {
            let record = OpportunityRecord::from(entry);
            let key = opportunity_key(record.kind.as_deref(), record.potential, seq as u64);
            self.opportunities.push(key, &record)?;
        }
        Ok(())
    }
}

fn opportunity_key(kind: Option<&str>, potential: Option<f64>, seq: u64) -> OpportunityKey {
    const ORDER: [&str; 5] = [
        "quick_win",
        "striking_distance",
        "ctr_gap",
        "new_or_improved",
        "declined",
    ];
    let rank = kind
        .and_then(|k| ORDER.iter().position(|o| *o == k))
        .unwrap_or(ORDER.len()) as u8;
    let potential = potential.filter(|p| p.is_finite()).unwrap_or(0.0).round() as i64;
    (rank, potential.saturating_neg(), seq)
}

/// Writes `Keyword Mapping` and queues the rows of the other two sheets
/// (`collect_opportunities` is false for `gsc_pages`, whose opportunities are page-level).
/// Rows are parsed and queued on a second thread while this one writes the cells.
pub(crate) fn write_mapping(
    book: &mut Book,
    ndjson: &Path,
    mut pending: Pending,
    collect_opportunities: bool,
) -> Result<(u64, Pending), ReportError> {
    let mut reader = NdjsonReader::open(ndjson)?;
    let mut table = Table::open(book, "Keyword Mapping", KEYWORD_COLUMNS, decorate_mapping)?;
    let pending = pipe::pipeline(
        move |sink| {
            let mut seq = 0u64;
            while let Some(row) = reader.next_row::<KeywordRow>()? {
                queue(&mut pending, &row, seq, collect_opportunities)?;
                seq += 1;
                if !sink.push(row) {
                    break;
                }
            }
            Ok(pending)
        },
        |row| write_mapping_row(&mut table, &row),
    )?;
    Ok((table.finish()?, pending))
}

fn write_mapping_row(table: &mut Table<'_>, row: &KeywordRow) -> Result<(), ReportError> {
    let mut w = table.row(false)?;
    let cannibal = row.cannibalization.as_ref();
    let opportunity = row.opportunity.as_ref();
    w.text(0, row.keyword.as_deref())?;
    w.url(1, row.best_url.as_deref())?;
    w.num(2, row.position)?;
    w.num(3, row.previous_position)?;
    w.num(4, row.clicks)?;
    w.num(5, row.impressions)?;
    w.num(6, row.ctr)?;
    w.num(7, row.expected_ctr)?;
    w.num(8, row.search_volume)?;
    w.num(9, row.traffic)?;
    w.num(10, row.keyword_difficulty)?;
    w.num(11, row.cpc)?;
    if let Some(intent) = row.intent.as_deref().filter(|i| !i.is_empty()) {
        w.text(12, Some(&intent.join("; ")))?;
    }
    if let Some(features) = row.serp_features.as_deref().filter(|f| !f.is_empty()) {
        w.text(13, Some(&features.join("; ")))?;
    }
    w.num(14, row.url_count)?;
    w.boolean(15, cannibal.and_then(|c| c.is_cannibalized))?;
    w.severity(16, cannibal.and_then(|c| c.severity.as_deref()))?;
    w.opportunity_type(17, opportunity.and_then(|o| o.kind.as_deref()))?;
    w.num(
        18,
        opportunity.and_then(|o| o.potential_clicks.or(o.potential_traffic)),
    )?;
    w.num(19, row.priority_score)?;
    Ok(())
}

fn queue(
    pending: &mut Pending,
    row: &KeywordRow,
    seq: u64,
    collect_opportunities: bool,
) -> Result<(), ReportError> {
    if collect_opportunities && let Some(o) = &row.opportunity {
        let potential = o.potential_clicks.or(o.potential_traffic);
        let record = OpportunityRecord {
            kind: o.kind.clone(),
            keyword: row.keyword.clone(),
            url: row.best_url.clone(),
            position: row.position,
            demand: row.impressions.or(row.search_volume),
            clicks: row.clicks.or(row.traffic),
            ctr: row.ctr,
            expected_ctr: o.expected_ctr.or(row.expected_ctr),
            target_position: o.target_position,
            potential,
            action_hint: o.action_hint.clone(),
        };
        let key = opportunity_key(o.kind.as_deref(), potential, seq);
        pending.opportunities.push(key, &record)?;
    }
    if let Some(c) = &row.cannibalization
        && c.is_cannibalized == Some(true)
    {
        let record = CannibalRecord {
            keyword: row.keyword.clone(),
            best_url: row.best_url.clone(),
            severity: c.severity.clone(),
            reason: c.reason.clone(),
            recommendation: c.recommendation.clone(),
            urls: row.competing_urls.clone().unwrap_or_default(),
        };
        let key = (severity_rank(record.severity.as_deref()), seq);
        pending.cannibalised.push(key, &record)?;
    }
    Ok(())
}

impl Pending {
    /// Splits into the two sorters, for the two sheet writers.
    #[allow(clippy::type_complexity)]
    pub(crate) fn into_parts(
        self,
    ) -> (
        ExternalSorter<CannibalKey, CannibalRecord>,
        ExternalSorter<OpportunityKey, OpportunityRecord>,
    ) {
        (self.cannibalised, self.opportunities)
    }
}

/// §10 sheet 4: position bands, CTR below expected, data bars, cannibalised flag.
fn decorate_mapping(ws: &mut Worksheet, last: RowNum) -> Result<(), XlsxError> {
    let p = first(2);
    let guard = format!("ISNUMBER({p})");
    rule(ws, 2, last, &format!("AND({guard},{p}<4)"), fill(GREEN))?;
    rule(
        ws,
        2,
        last,
        &format!("AND({guard},{p}>=4,{p}<=10)"),
        fill(OK_FILL),
    )?;
    rule(
        ws,
        2,
        last,
        &format!("AND({guard},{p}>10,{p}<=20)"),
        decor::warn(),
    )?;
    rule(
        ws,
        2,
        last,
        &format!("AND({guard},{p}>20)"),
        fill(LIGHT_RED),
    )?;
    let (ctr, expected) = (first(6), first(7));
    let red_font = rust_xlsxwriter::Format::new().set_font_color(Color::RGB(RED_FONT));
    rule(
        ws,
        6,
        last,
        &format!("AND(ISNUMBER({ctr}),ISNUMBER({expected}),{ctr}<{expected})"),
        red_font,
    )?;
    decor::data_bar(ws, 4, last)?;
    decor::data_bar(ws, 5, last)?;
    decor::data_bar(ws, 18, last)?;
    let c = first(15);
    rule(
        ws,
        15,
        last,
        &format!("AND(ISLOGICAL({c}),{c}=TRUE)"),
        bad(),
    )
}
