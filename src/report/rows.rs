//! The row objects the workbook reads (analysis-spec §9.2–§9.4) and a line-by-line NDJSON
//! reader. Rows are decoded one at a time into these structs, so a table is never held whole.
//! Every field is optional: the writer shows what is there and leaves the rest blank, but a
//! field of the wrong JSON type is an error naming the line.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ReportError;

/// `true` / `false` / `"partial"` of the keyword-alignment fields (§5.7).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub(crate) enum Flag {
    Bool(bool),
    Text(String),
}

/// One `onpageResults` row (§9.2), only the fields the workbook shows.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct OnpageRow {
    pub url: Option<String>,
    pub status_code: Option<f64>,
    pub indexability: Option<String>,
    pub indexability_status: Option<String>,
    pub title: Option<String>,
    pub title_length: Option<f64>,
    pub title_pixel_width: Option<f64>,
    pub meta_description: Option<String>,
    pub meta_description_length: Option<f64>,
    pub meta_description_pixel_width: Option<f64>,
    pub h1: Option<String>,
    pub h1_count: Option<f64>,
    pub word_count: Option<f64>,
    pub canonical: Option<String>,
    pub crawl_depth: Option<f64>,
    pub inlinks: Option<f64>,
    pub clicks: Option<f64>,
    pub impressions: Option<f64>,
    pub ctr: Option<f64>,
    pub position: Option<f64>,
    pub target_keyword: Option<String>,
    pub keyword_in_title: Option<Flag>,
    pub keyword_in_h1: Option<Flag>,
    pub keyword_in_url: Option<Flag>,
    pub keyword_in_meta_description: Option<Flag>,
    pub issues: Option<Vec<Issue>>,
    pub issue_count: Option<f64>,
    pub highest_severity: Option<String>,
    pub priority_score: Option<f64>,
}

/// One issue object (§9.3).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Issue {
    pub id: Option<String>,
    pub label: Option<String>,
    pub category: Option<String>,
    pub severity: Option<String>,
    pub message: Option<String>,
    pub value: Value,
    pub threshold: Value,
    pub recommendation: Option<String>,
}

/// One `keywordMapping` row (§9.4).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct KeywordRow {
    pub keyword: Option<String>,
    pub best_url: Option<String>,
    pub position: Option<f64>,
    pub previous_position: Option<f64>,
    pub clicks: Option<f64>,
    pub impressions: Option<f64>,
    pub ctr: Option<f64>,
    pub search_volume: Option<f64>,
    pub traffic: Option<f64>,
    pub keyword_difficulty: Option<f64>,
    pub cpc: Option<f64>,
    pub intent: Option<Vec<String>>,
    pub serp_features: Option<Vec<String>>,
    pub url_count: Option<f64>,
    pub competing_urls: Option<Vec<CompetingUrl>>,
    pub cannibalization: Option<Cannibalization>,
    pub opportunity: Option<Opportunity>,
    pub expected_ctr: Option<f64>,
    pub priority_score: Option<f64>,
}

/// One entry of `competingUrls`.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct CompetingUrl {
    pub url: Option<String>,
    pub position: Option<f64>,
    pub clicks: Option<f64>,
    pub impressions: Option<f64>,
    pub click_share: Option<f64>,
    pub impression_share: Option<f64>,
    pub is_best: Option<bool>,
}

/// The `cannibalization` object of a keyword row.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Cannibalization {
    pub is_cannibalized: Option<bool>,
    pub severity: Option<String>,
    pub reason: Option<String>,
    pub recommendation: Option<String>,
}

/// The `opportunity` object of a keyword row.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Opportunity {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub target_position: Option<f64>,
    pub expected_ctr: Option<f64>,
    pub potential_clicks: Option<f64>,
    pub potential_traffic: Option<f64>,
    pub action_hint: Option<String>,
}

/// One `summary.opportunities.top` entry (§9.1), the Opportunities rows of `gsc_pages`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct TopOpportunity {
    pub keyword: Option<String>,
    pub url: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub position: Option<f64>,
    pub clicks: Option<f64>,
    pub impressions: Option<f64>,
    pub ctr: Option<f64>,
    pub expected_ctr: Option<f64>,
    pub target_position: Option<f64>,
    pub potential: Option<f64>,
    pub action_hint: Option<String>,
}

/// One `checks` entry (§9.6).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Check {
    pub id: Option<String>,
    pub label: Option<String>,
    pub category: Option<String>,
    pub severity: Option<String>,
    pub threshold: Value,
    pub why: Option<String>,
    pub source: Option<String>,
}

/// Reads an NDJSON file one line at a time, reusing one line buffer; blank lines are skipped.
pub(crate) struct NdjsonReader {
    path: PathBuf,
    reader: BufReader<File>,
    line: String,
    line_no: u64,
}

impl NdjsonReader {
    pub(crate) fn open(path: &Path) -> Result<Self, ReportError> {
        let file = File::open(path).map_err(|source| ReportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(256 * 1024, file),
            line: String::new(),
            line_no: 0,
        })
    }

    /// The next row, or `None` at the end of the file.
    pub(crate) fn next_row<T: DeserializeOwned>(&mut self) -> Result<Option<T>, ReportError> {
        loop {
            self.line.clear();
            let n = self
                .reader
                .read_line(&mut self.line)
                .map_err(|source| ReportError::Read {
                    path: self.path.clone(),
                    source,
                })?;
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            if self.line.trim().is_empty() {
                continue;
            }
            return serde_json::from_str(&self.line)
                .map(Some)
                .map_err(|source| ReportError::Row {
                    path: self.path.clone(),
                    line: self.line_no,
                    source,
                });
        }
    }
}
