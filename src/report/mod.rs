//! The Excel report: a minimal workbook holding the summary.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::Workbook;

/// Where the report's inputs are.
pub struct ReportInput<'a> {
    pub summary_json: &'a Path,
    pub onpage_ndjson: &'a Path,
    pub keyword_ndjson: &'a Path,
    pub original_filename: &'a str,
    pub job_id: &'a str,
}

/// Writer parameters.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub temp_dir: Option<PathBuf>,
}

/// What was written.
#[derive(Debug)]
pub struct ReportStats {
    pub sheets: Vec<String>,
}

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot read the results: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// Writes the workbook to `out` (through a temporary name in the same directory).
pub fn write_report(
    input: &ReportInput,
    out: &Path,
    _opts: &ReportOptions,
) -> Result<ReportStats, ReportError> {
    let summary = std::fs::read_to_string(input.summary_json)?;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Summary")?;
    sheet.write_string(0, 0, "rankmap report")?;
    sheet.write_string(1, 0, input.original_filename)?;
    sheet.write_string(2, 0, input.job_id)?;
    sheet.write_string(3, 0, summary.chars().take(32_000).collect::<String>())?;
    let tmp = out.with_extension("xlsx.tmp");
    workbook.save(&tmp)?;
    std::fs::rename(&tmp, out)?;
    Ok(ReportStats {
        sheets: vec!["Summary".into()],
    })
}
