//! Conditional-format helpers shared by the table sheets: formula rules over one column and
//! data bars. Formula rules guard with `ISNUMBER`/`ISLOGICAL` because Excel compares a blank
//! cell as 0 or FALSE, which would colour every empty cell.

use rust_xlsxwriter::{
    Color, ConditionalFormatDataBar, ConditionalFormatFormula, Format, RowNum, Worksheet,
    XlsxError, column_number_to_name,
};

use super::style::{AMBER, LIGHT_RED, OK_FILL, OK_FONT};

/// The reference of column `col` in the first data row (`G2`), for relative formulas.
pub(crate) fn first(col: u16) -> String {
    format!("{}2", column_number_to_name(col))
}

/// Colours cells of `col` in rows `1..=last` where `formula` (relative to row 2) is true.
pub(crate) fn rule(
    ws: &mut Worksheet,
    col: u16,
    last: RowNum,
    formula: &str,
    format: Format,
) -> Result<(), XlsxError> {
    let cf = ConditionalFormatFormula::new()
        .set_rule(format!("={formula}").as_str())
        .set_format(format);
    ws.add_conditional_format(1, col, last, col, &cf)?;
    Ok(())
}

/// A data bar over `col`.
pub(crate) fn data_bar(ws: &mut Worksheet, col: u16, last: RowNum) -> Result<(), XlsxError> {
    ws.add_conditional_format(1, col, last, col, &ConditionalFormatDataBar::new())?;
    Ok(())
}

/// Fill only.
pub(crate) fn fill(color: u32) -> Format {
    Format::new().set_background_color(Color::RGB(color))
}

/// Light red fill with dark red text.
pub(crate) fn bad() -> Format {
    fill(LIGHT_RED).set_font_color(Color::RGB(0x9C0006))
}

/// Amber fill with dark amber text.
pub(crate) fn warn() -> Format {
    fill(AMBER).set_font_color(Color::RGB(0x9C5700))
}

/// Green fill with dark green text.
pub(crate) fn good() -> Format {
    fill(OK_FILL).set_font_color(Color::RGB(OK_FONT))
}

/// `TRUE` green, `FALSE` light red, `partial` amber (the keyword-alignment flags).
pub(crate) fn flag_rules(ws: &mut Worksheet, col: u16, last: RowNum) -> Result<(), XlsxError> {
    let c = first(col);
    rule(
        ws,
        col,
        last,
        &format!("AND(ISLOGICAL({c}),{c}=FALSE)"),
        bad(),
    )?;
    rule(
        ws,
        col,
        last,
        &format!("AND(ISLOGICAL({c}),{c}=TRUE)"),
        good(),
    )?;
    rule(ws, col, last, &format!("{c}=\"partial\""), warn())?;
    Ok(())
}
