//! Synthetic results in the analysis-spec §9 shapes, written to a temp dir as a results
//! directory (contract §3), plus helpers that read a written workbook back with calamine.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use serde_json::{Value, json};

use crate::report::{ReportError, ReportInput, ReportOptions, ReportStats, write_report};

/// A results directory under construction.
pub(crate) struct Results {
    pub dir: tempfile::TempDir,
    pub data_source: String,
    pub summary: Value,
    pub checks: Vec<Value>,
    pub onpage: Vec<Value>,
    pub keywords: Vec<Value>,
}

impl Results {
    pub(crate) fn new(data_source: &str) -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            data_source: data_source.to_string(),
            summary: json!({
                "source": {"id": data_source, "label": format!("Label of {data_source}"),
                           "inputName": null},
                "filterOption": "all", "generatedAt": "2026-12-01T10:00:00Z",
                "pages": {"total": 3, "indexable": 2, "withIssues": 1},
                "issues": {"total": 2, "bySeverity": {"critical": 0, "high": 1, "medium": 1,
                           "low": 0, "info": 0},
                           "byCheck": [{"id": "title_missing", "label": "Title missing",
                                        "severity": "high", "count": 1}]},
                "healthScore": 72, "totals": {"clicks": 10, "impressions": 100, "ctr": 0.1},
                "opportunities": {"totalPotentialClicks": 5, "unit": "clicks_in_period",
                                  "top": []},
                "warnings": ["A warning from the analysis"],
            }),
            checks: vec![
                check("status_4xx", "response", "high"),
                check("title_missing", "title", "high"),
                check("title_too_long", "title", "medium"),
            ],
            onpage: Vec::new(),
            keywords: Vec::new(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes the three files and the workbook; returns the workbook path and the stats.
    pub(crate) fn write(
        &self,
        opts: &ReportOptions,
    ) -> Result<(PathBuf, ReportStats), ReportError> {
        let summary = json!({"dataSource": self.data_source, "summary": self.summary,
                             "checks": self.checks});
        std::fs::write(self.path("summary.json"), summary.to_string()).expect("summary");
        write_ndjson(&self.path("onpageResults.ndjson"), &self.onpage);
        write_ndjson(&self.path("keywordMapping.ndjson"), &self.keywords);
        let (s, o, k) = (
            self.path("summary.json"),
            self.path("onpageResults.ndjson"),
            self.path("keywordMapping.ndjson"),
        );
        let input = ReportInput {
            summary_json: &s,
            onpage_ndjson: &o,
            keyword_ndjson: &k,
            original_filename: "export.csv",
            job_id: "job_test",
        };
        let out = self.path("rankmap_job_test.xlsx");
        let stats = write_report(&input, &out, opts)?;
        Ok((out, stats))
    }
}

fn write_ndjson(path: &Path, rows: &[Value]) {
    let mut file = std::fs::File::create(path).expect("ndjson");
    for row in rows {
        writeln!(file, "{row}").expect("row");
    }
}

pub(crate) fn check(id: &str, category: &str, severity: &str) -> Value {
    json!({"id": id, "label": format!("Label {id}"), "category": category,
           "severity": severity, "threshold": 60, "why": "Why it matters.",
           "source": "Screaming Frog SEO Spider default"})
}

pub(crate) fn issue(id: &str, severity: &str) -> Value {
    json!({"id": id, "label": format!("Label {id}"), "category": "title", "severity": severity,
           "message": format!("Message {id}"), "value": 72, "threshold": "60",
           "recommendation": "Fix it.", "relatedUrls": []})
}

pub(crate) fn onpage_row(url: &str, issues: Vec<Value>) -> Value {
    let highest = issues
        .first()
        .map_or(Value::Null, |i| i["severity"].clone());
    json!({"url": url, "contentType": "text/html", "statusCode": 200, "status": "OK",
           "indexability": "Indexable", "indexabilityStatus": null, "title": "A title",
           "titleLength": 7, "titlePixelWidth": 60, "metaDescription": "A description",
           "metaDescriptionLength": 13, "h1": "A heading", "h1Count": 1, "wordCount": 321,
           "canonical": url, "crawlDepth": 1, "inlinks": 4, "clicks": 3, "impressions": 40,
           "ctr": 0.075, "position": 4.2, "targetKeyword": "a keyword",
           "keywordInTitle": true, "keywordInH1": false, "keywordInUrl": "partial",
           "keywordInMetaDescription": null, "issueCount": issues.len(), "issues": issues,
           "highestSeverity": highest, "priorityScore": 3.5, "urlLength": url.len()})
}

/// A keyword row; `urls` are its competing URLs, best first.
pub(crate) fn keyword_row(keyword: &str, urls: &[&str]) -> Value {
    let competing: Vec<Value> = urls
        .iter()
        .enumerate()
        .map(|(i, u)| {
            json!({"url": u, "position": 3.0 + i as f64, "clicks": 10 - i,
                             "impressions": 100, "clickShare": 0.5, "impressionShare": 0.5,
                             "isBest": i == 0})
        })
        .collect();
    json!({"keyword": keyword, "bestUrl": urls.first(), "position": 3.0,
           "previousPosition": null, "clicks": 10, "impressions": 100, "ctr": 0.1,
           "searchVolume": 320, "traffic": null, "keywordDifficulty": 12, "cpc": 1.25,
           "intent": ["commercial"], "serpFeatures": ["sitelinks"], "urlCount": urls.len(),
           "competingUrls": competing,
           "cannibalization": {"isCannibalized": false, "severity": null, "reason": null,
                               "recommendation": null},
           "opportunity": null, "expectedCtr": 0.11, "priorityScore": 1.0})
}

pub(crate) fn cannibalised(mut row: Value, severity: &str) -> Value {
    row["cannibalization"] = json!({"isCannibalized": true, "severity": severity,
        "reason": "multiple_pages", "recommendation": "Pick one target page."});
    row
}

pub(crate) fn with_opportunity(mut row: Value, kind: &str, potential: u32) -> Value {
    row["opportunity"] = json!({"type": kind, "targetPosition": 3, "expectedCtr": 0.11,
        "potentialClicks": potential, "potentialTraffic": null,
        "actionHint": format!("Hint for {kind}")});
    row
}

/// Every sheet of the workbook as rows of cells.
pub(crate) fn read_sheets(path: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("workbook opens");
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).expect("sheet reads");
            let rows = range.rows().map(<[Data]>::to_vec).collect();
            (name, rows)
        })
        .collect()
}

pub(crate) fn sheet<'a>(sheets: &'a [(String, Vec<Vec<Data>>)], name: &str) -> &'a [Vec<Data>] {
    sheets
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, rows)| rows.as_slice())
        .unwrap_or_else(|| panic!("no sheet {name}"))
}

pub(crate) fn names(sheets: &[(String, Vec<Vec<Data>>)]) -> Vec<&str> {
    sheets.iter().map(|(n, _)| n.as_str()).collect()
}

pub(crate) fn header(rows: &[Vec<Data>]) -> Vec<String> {
    rows[0].iter().map(ToString::to_string).collect()
}

pub(crate) fn text(cell: &Data) -> &str {
    match cell {
        Data::String(s) => s,
        other => panic!("expected a string cell, got {other:?}"),
    }
}

/// The XML of the `index`-th worksheet (1-based), straight from the zip.
pub(crate) fn sheet_xml(path: &Path, index: usize) -> String {
    let file = std::fs::File::open(path).expect("xlsx");
    let mut zip = zip::ZipArchive::new(file).expect("zip");
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{index}.xml"))
        .expect("sheet xml")
        .read_to_string(&mut xml)
        .expect("utf-8");
    xml
}

pub(crate) fn hyperlinks(path: &Path, index: usize) -> usize {
    sheet_xml(path, index).matches("<hyperlink ").count()
}
