//! The `Checks` sheet: the result's `checks` catalogue (analysis-spec §9.6) as is, so the
//! workbook never carries its own copy of check names or explanations.

use super::ReportError;
use super::rows::Check;
use super::style::Kind;
use super::table::{Book, Column, Table, col, no_decoration};

const CHECK_COLUMNS: &[Column] = &[
    col("Check ID", Kind::Label),
    col("Label", Kind::Text),
    col("Category", Kind::Label),
    col("Severity", Kind::Severity),
    col("Threshold", Kind::Mixed),
    col("Why it matters", Kind::Text),
    col("Source", Kind::Text),
];

/// Writes the catalogue; returns its row count.
pub(crate) fn write(book: &mut Book, checks: &[Check]) -> Result<u64, ReportError> {
    let mut table = Table::open(book, "Checks", CHECK_COLUMNS, no_decoration)?;
    for check in checks {
        let mut w = table.row(false)?;
        w.text(0, check.id.as_deref())?;
        w.text(1, check.label.as_deref())?;
        w.text(2, check.category.as_deref())?;
        w.severity(3, check.severity.as_deref())?;
        w.mixed(4, &check.threshold)?;
        w.text(5, check.why.as_deref())?;
        w.text(6, check.source.as_deref())?;
    }
    table.finish()
}
