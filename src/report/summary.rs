//! The `Summary` sheet (analysis-spec §10 sheet 1): where the data came from, the key figures,
//! the top issues and opportunities, warnings, omitted sheets and why, the sheets written, and
//! the colour legend. Everything comes from `summary.json`; it is written last (into the first
//! sheet) because the omitted and continued sheets are only known then.

use rust_xlsxwriter::{
    Color, ConditionalFormat3ColorScale, ConditionalFormatType, Format, RowNum, Worksheet,
    XlsxError,
};
use serde_json::Value;

use super::ReportError;
use super::style::{Kind, SEVERITIES, Styles};
use super::table::{Book, NONE_FOUND, clamp_text};

/// What the table passes learnt, for the Summary.
pub(crate) struct Outline<'a> {
    pub original_filename: &'a str,
    pub job_id: &'a str,
    pub data_source: &'a str,
    pub omitted: &'a [(&'static str, &'static str)],
    /// Every sheet after the Summary, with its data rows.
    pub sheet_rows: &'a [(String, u64)],
}

struct Writer<'a> {
    ws: &'a mut Worksheet,
    styles: &'a Styles,
    row: RowNum,
}

impl Writer<'_> {
    fn text(&mut self, col: u16, text: &str, format: Option<&Format>) -> Result<(), XlsxError> {
        if text.is_empty() {
            return Ok(());
        }
        let text = clamp_text(text);
        match format {
            Some(f) => self.ws.write_string_with_format(self.row, col, text, f)?,
            None => self.ws.write_string(self.row, col, text)?,
        };
        Ok(())
    }

    fn value(&mut self, col: u16, value: &Value, kind: Kind) -> Result<(), XlsxError> {
        match value {
            Value::Number(n) => {
                if let Some(v) = n.as_f64() {
                    match self.styles.cell(kind, false) {
                        Some(f) => self.ws.write_number_with_format(self.row, col, v, f)?,
                        None => self.ws.write_number(self.row, col, v)?,
                    };
                }
                Ok(())
            }
            Value::String(s) => self.text(col, s, None),
            Value::Bool(b) => {
                self.ws.write_boolean(self.row, col, *b)?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn kv(&mut self, label: &str, value: &Value, kind: Kind) -> Result<(), XlsxError> {
        let bold = self.styles.bold.clone();
        self.text(0, label, Some(&bold))?;
        self.value(1, value, kind)?;
        self.row += 1;
        Ok(())
    }

    fn section(&mut self, title: &str) -> Result<(), XlsxError> {
        self.row += 1;
        let format = self.styles.section.clone();
        self.text(0, title, Some(&format))?;
        self.row += 1;
        Ok(())
    }

    fn header(&mut self, titles: &[&str]) -> Result<(), XlsxError> {
        let format = self.styles.header.clone();
        for (i, t) in titles.iter().enumerate() {
            self.text(i as u16, t, Some(&format))?;
        }
        self.row += 1;
        Ok(())
    }

    fn severity(&mut self, col: u16, severity: &str) -> Result<(), XlsxError> {
        let format = self.styles.severity(severity).cloned();
        self.text(col, severity, format.as_ref())
    }
}

fn at<'v>(v: &'v Value, path: &str) -> &'v Value {
    v.pointer(path).unwrap_or(&Value::Null)
}

/// Writes the Summary into the workbook's first sheet.
pub(crate) fn write(
    book: &mut Book,
    root: &Value,
    outline: &Outline<'_>,
) -> Result<(), ReportError> {
    let Book { wb, styles, .. } = book;
    let ws = wb.worksheet_from_index(0)?;
    for (col, width) in [28.0, 50.0, 50.0, 14.0, 14.0, 60.0].into_iter().enumerate() {
        ws.set_column_width(col as u16, width)?;
    }
    let mut w = Writer { ws, styles, row: 0 };
    let s = at(root, "/summary");
    let title = w.styles.title.clone();
    w.text(0, "rankmap report", Some(&title))?;
    w.row += 2;
    w.kv(
        "Source file",
        &Value::from(outline.original_filename),
        Kind::Text,
    )?;
    if let Some(name) = at(s, "/source/inputName").as_str() {
        w.kv(
            "Analysed sheet or zip member",
            &Value::from(name),
            Kind::Text,
        )?;
    }
    let label = at(s, "/source/label");
    let label = if label.is_string() {
        label.clone()
    } else {
        Value::from(outline.data_source)
    };
    w.kv("Data source", &label, Kind::Text)?;
    w.kv(
        "Data source id",
        &Value::from(outline.data_source),
        Kind::Text,
    )?;
    w.kv("Filter option", at(s, "/filterOption"), Kind::Text)?;
    let range = match (
        at(s, "/dateRange/start").as_str(),
        at(s, "/dateRange/end").as_str(),
    ) {
        (Some(a), Some(b)) => Value::from(format!("{a} – {b}")),
        _ => Value::Null,
    };
    w.kv("Date range", &range, Kind::Text)?;
    w.kv("Generated at", at(s, "/generatedAt"), Kind::Text)?;
    w.kv("Analysis version", at(s, "/analysisVersion"), Kind::Text)?;
    w.kv("Job id", &Value::from(outline.job_id), Kind::Text)?;

    key_figures(&mut w, s)?;
    top_issues(&mut w, s)?;
    top_opportunities(&mut w, s)?;
    lists(&mut w, s, outline)?;
    legend(&mut w)?;
    Ok(())
}

fn key_figures(w: &mut Writer<'_>, s: &Value) -> Result<(), XlsxError> {
    w.section("Key figures")?;
    w.kv("Pages", at(s, "/pages/total"), Kind::Count)?;
    w.kv("Indexable pages", at(s, "/pages/indexable"), Kind::Count)?;
    w.kv("Pages with issues", at(s, "/pages/withIssues"), Kind::Count)?;
    w.kv("Issues", at(s, "/issues/total"), Kind::Count)?;
    for severity in SEVERITIES {
        w.severity(0, severity)?;
        w.value(
            1,
            at(s, &format!("/issues/bySeverity/{severity}")),
            Kind::Count,
        )?;
        w.row += 1;
    }
    let health_row = w.row;
    w.kv("Health score", at(s, "/healthScore"), Kind::Count)?;
    let scale = ConditionalFormat3ColorScale::new()
        .set_minimum(ConditionalFormatType::Number, 0)
        .set_midpoint(ConditionalFormatType::Number, 50)
        .set_maximum(ConditionalFormatType::Number, 100)
        .set_minimum_color(Color::RGB(0xF8696B))
        .set_midpoint_color(Color::RGB(0xFFEB84))
        .set_maximum_color(Color::RGB(0x63BE7B));
    w.ws.add_conditional_format(health_row, 1, health_row, 1, &scale)?;
    w.kv("Clicks", at(s, "/totals/clicks"), Kind::Count)?;
    w.kv("Impressions", at(s, "/totals/impressions"), Kind::Count)?;
    w.kv("CTR", at(s, "/totals/ctr"), Kind::Percent)?;
    w.kv(
        "Average position",
        at(s, "/totals/avgPosition"),
        Kind::Position,
    )?;
    w.kv("Search volume", at(s, "/totals/searchVolume"), Kind::Count)?;
    w.kv("Keywords", at(s, "/keywords/total"), Kind::Count)?;
    w.kv(
        "Cannibalised keywords",
        at(s, "/keywords/cannibalized"),
        Kind::Count,
    )?;
    w.kv(
        "Cannibalised (high)",
        at(s, "/keywords/cannibalizedHigh"),
        Kind::Count,
    )?;
    w.kv("Quick wins", at(s, "/keywords/quickWins"), Kind::Count)?;
    w.kv(
        "Striking distance",
        at(s, "/keywords/strikingDistance"),
        Kind::Count,
    )?;
    w.kv("CTR gaps", at(s, "/keywords/ctrGaps"), Kind::Count)?;
    let potential_row = w.row;
    w.kv(
        "Potential clicks (estimate)",
        at(s, "/opportunities/totalPotentialClicks"),
        Kind::Count,
    )?;
    if let Some(unit) = at(s, "/opportunities/unit").as_str() {
        let row = w.row;
        w.row = potential_row;
        w.text(2, unit, None)?;
        w.row = row;
    }
    Ok(())
}

fn top_issues(w: &mut Writer<'_>, s: &Value) -> Result<(), XlsxError> {
    w.section("Top 10 issues")?;
    w.header(&["Check", "Severity", "Pages affected"])?;
    let checks = at(s, "/issues/byCheck")
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if checks.is_empty() {
        w.text(0, NONE_FOUND, None)?;
        w.row += 1;
    }
    for check in checks.iter().take(10) {
        let label = at(check, "/label").as_str().or(at(check, "/id").as_str());
        w.text(0, label.unwrap_or_default(), None)?;
        if let Some(sev) = at(check, "/severity").as_str() {
            w.severity(1, sev)?;
        }
        w.value(2, at(check, "/count"), Kind::Count)?;
        w.row += 1;
    }
    Ok(())
}

fn top_opportunities(w: &mut Writer<'_>, s: &Value) -> Result<(), XlsxError> {
    w.section("Top 10 opportunities")?;
    w.header(&[
        "Type",
        "Keyword",
        "URL",
        "Position",
        "Potential",
        "Action hint",
    ])?;
    let top = at(s, "/opportunities/top")
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if top.is_empty() {
        w.text(0, NONE_FOUND, None)?;
        w.row += 1;
    }
    for entry in top.iter().take(10) {
        w.value(0, at(entry, "/type"), Kind::Text)?;
        w.value(1, at(entry, "/keyword"), Kind::Text)?;
        // Plain text here: the Opportunities sheet carries the links.
        w.value(2, at(entry, "/url"), Kind::Text)?;
        w.value(3, at(entry, "/position"), Kind::Position)?;
        w.value(4, at(entry, "/potential"), Kind::Count)?;
        w.value(5, at(entry, "/actionHint"), Kind::Text)?;
        w.row += 1;
    }
    Ok(())
}

fn lists(w: &mut Writer<'_>, s: &Value, outline: &Outline<'_>) -> Result<(), XlsxError> {
    w.section("Warnings")?;
    let warnings = at(s, "/warnings")
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if warnings.is_empty() {
        w.text(0, "None", None)?;
        w.row += 1;
    }
    for warning in warnings {
        w.value(0, warning, Kind::Text)?;
        w.row += 1;
    }

    w.section("Omitted sheets")?;
    w.header(&["Sheet", "Why"])?;
    if outline.omitted.is_empty() {
        w.text(0, "None", None)?;
        w.row += 1;
    }
    for (sheet, why) in outline.omitted {
        w.text(0, sheet, None)?;
        w.text(1, &format!("Not produced: {why}."), None)?;
        w.row += 1;
    }

    w.section("Sheets")?;
    w.header(&["Sheet", "Rows"])?;
    for (sheet, rows) in outline.sheet_rows {
        w.text(0, sheet, None)?;
        w.value(1, &Value::from(*rows), Kind::Count)?;
        w.row += 1;
    }
    Ok(())
}

fn legend(w: &mut Writer<'_>) -> Result<(), XlsxError> {
    w.section("Legend")?;
    let meanings = [
        "Blocks indexing or breaks the page; fix first",
        "Likely to cost traffic",
        "Worth fixing",
        "Minor",
        "For information",
    ];
    for (severity, meaning) in SEVERITIES.iter().zip(meanings) {
        w.severity(0, severity)?;
        w.text(1, meaning, None)?;
        w.row += 1;
    }
    let ok = w.styles.ok.clone();
    w.text(0, "OK", Some(&ok))?;
    w.text(1, "No problem found", None)?;
    w.row += 1;
    Ok(())
}
