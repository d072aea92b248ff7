//! Table sheets in constant-memory mode: header, widths, frozen panes, autofilter and
//! conditional formats, and the continuation onto `<name> (2)`, `(3)`… once a sheet reaches the
//! row limit. Also the crate limits on cell contents: text is always a string (never a
//! formula), truncated to Excel's 32,767 UTF-16 units; a URL becomes a hyperlink only when its
//! scheme is allowed, it fits in 2,080 characters and the sheet still has link budget.

use std::borrow::Cow;

use rust_xlsxwriter::{Format, RowNum, Url, Workbook, Worksheet, XlsxError};
use serde_json::Value;

use super::ReportError;
use super::rows::Flag;
use super::style::{Kind, Styles};

/// Excel's longest cell text, in UTF-16 code units.
pub(crate) const MAX_TEXT_UTF16: usize = 32_767;
/// Excel's longest hyperlink target.
const MAX_URL_UTF16: usize = 2_080;
/// Excel's longest sheet name.
const MAX_SHEET_NAME: usize = 31;
/// The text of the single row of a table that found nothing (analysis-spec §0.25).
pub(crate) const NONE_FOUND: &str = "None found";

/// One column of a table sheet.
pub(crate) struct Column {
    pub title: &'static str,
    pub kind: Kind,
}

/// Shorthand for the column lists of the sheet modules.
pub(crate) const fn col(title: &'static str, kind: Kind) -> Column {
    Column { title, kind }
}

/// Adds a table's conditional formats over data rows `1..=last_row` of one sheet part.
pub(crate) type Decorate = fn(&mut Worksheet, RowNum) -> Result<(), XlsxError>;

/// A decoration for tables without conditional formats.
pub(crate) fn no_decoration(_: &mut Worksheet, _: RowNum) -> Result<(), XlsxError> {
    Ok(())
}

/// The workbook being written, with the bookkeeping every sheet shares.
pub(crate) struct Book {
    pub wb: Workbook,
    pub styles: Styles,
    pub max_rows: u32,
    pub max_links: u32,
    /// Hyperlinks left for the whole workbook: the writer keeps every link in memory until
    /// the save, so continuation sheets must not each get a fresh allowance.
    pub links_left: u64,
    pub sheets: Vec<String>,
    pub rows_written: u64,
    /// Every finished table sheet with its data rows, in workbook order.
    pub sheet_rows: Vec<(String, u64)>,
}

impl Book {
    /// Adds a constant-memory worksheet named `name` and returns its index.
    pub(crate) fn add_sheet(&mut self, name: &str) -> Result<usize, ReportError> {
        let ws = self.wb.add_worksheet_with_constant_memory()?;
        ws.set_name(name)?;
        self.sheets.push(name.to_string());
        Ok(self.sheets.len() - 1)
    }
}

/// Writes one logical table, possibly over several sheets.
pub(crate) struct Table<'b> {
    book: &'b mut Book,
    base: &'static str,
    columns: &'static [Column],
    decorate: Decorate,
    part: u32,
    sheet: usize,
    next_row: RowNum,
    links: u32,
    part_rows: u64,
    data_rows: u64,
}

impl<'b> Table<'b> {
    /// Starts the table's first sheet and writes its header.
    pub(crate) fn open(
        book: &'b mut Book,
        base: &'static str,
        columns: &'static [Column],
        decorate: Decorate,
    ) -> Result<Self, ReportError> {
        let mut table = Self {
            book,
            base,
            columns,
            decorate,
            part: 0,
            sheet: 0,
            next_row: 0,
            links: 0,
            part_rows: 0,
            data_rows: 0,
        };
        table.start_part()?;
        Ok(table)
    }

    fn start_part(&mut self) -> Result<(), ReportError> {
        self.part += 1;
        let name = part_name(self.base, self.part);
        self.sheet = self.book.add_sheet(&name)?;
        self.next_row = 1;
        self.links = 0;
        self.part_rows = 0;
        let Book { wb, styles, .. } = &mut *self.book;
        let ws = wb.worksheet_from_index(self.sheet)?;
        // Widths, the header height and panes must be set before any row is flushed.
        for (i, column) in self.columns.iter().enumerate() {
            ws.set_column_width(i as u16, column.kind.width())?;
        }
        ws.set_row_height(0, 30)?;
        ws.set_freeze_panes(1, 1)?;
        for (i, column) in self.columns.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, column.title, &styles.header)?;
        }
        Ok(())
    }

    fn finish_part(&mut self) -> Result<(), ReportError> {
        let last_row = self.next_row - 1;
        let last_col = (self.columns.len() - 1) as u16;
        let ws = self.book.wb.worksheet_from_index(self.sheet)?;
        ws.autofilter(0, 0, last_row, last_col)?;
        if last_row >= 1 {
            (self.decorate)(ws, last_row)?;
        }
        let name = self.book.sheets[self.sheet].clone();
        self.book.sheet_rows.push((name, self.part_rows));
        Ok(())
    }

    /// The writer of the next data row; opens the next sheet part when this one is full.
    pub(crate) fn row(&mut self, band: bool) -> Result<RowWriter<'_>, ReportError> {
        if self.next_row >= self.book.max_rows {
            self.finish_part()?;
            self.start_part()?;
        }
        let row = self.next_row;
        self.next_row += 1;
        self.data_rows += 1;
        self.part_rows += 1;
        self.book.rows_written += 1;
        let Book {
            wb,
            styles,
            max_links,
            links_left,
            ..
        } = &mut *self.book;
        Ok(RowWriter {
            ws: wb.worksheet_from_index(self.sheet)?,
            styles,
            columns: self.columns,
            row,
            band,
            links: &mut self.links,
            max_links: *max_links,
            links_left,
        })
    }

    /// Ends the table: a single `None found` row when no data row was written, then the
    /// autofilter and conditional formats of the last part.
    pub(crate) fn finish(mut self) -> Result<u64, ReportError> {
        if self.data_rows == 0 {
            let ws = self.book.wb.worksheet_from_index(self.sheet)?;
            ws.write_string(1, 0, NONE_FOUND)?;
            self.next_row = 2;
        }
        self.finish_part()?;
        Ok(self.data_rows)
    }
}

/// `Keyword Mapping`, `Keyword Mapping (2)`, … kept within Excel's 31 characters.
pub(crate) fn part_name(base: &str, part: u32) -> String {
    if part <= 1 {
        return base.chars().take(MAX_SHEET_NAME).collect();
    }
    let suffix = format!(" ({part})");
    let keep = MAX_SHEET_NAME.saturating_sub(suffix.chars().count());
    let mut name: String = base.chars().take(keep).collect();
    name.push_str(&suffix);
    name
}

/// Writes the cells of one data row.
pub(crate) struct RowWriter<'a> {
    ws: &'a mut Worksheet,
    styles: &'a Styles,
    columns: &'static [Column],
    row: RowNum,
    band: bool,
    links: &'a mut u32,
    max_links: u32,
    links_left: &'a mut u64,
}

impl<'a> RowWriter<'a> {
    // Returns a reference that outlives the borrow of `self`, so cells can be written with it.
    fn format(&self, col: u16) -> Option<&'a Format> {
        let kind = self
            .columns
            .get(usize::from(col))
            .map_or(Kind::Text, |c| c.kind);
        let styles: &'a Styles = self.styles;
        styles.cell(kind, self.band)
    }

    /// Input text, always as a string cell, truncated to Excel's limit.
    pub(crate) fn text(&mut self, col: u16, text: Option<&str>) -> Result<(), XlsxError> {
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            return Ok(());
        };
        let format = self.format(col);
        self.text_with(col, text, format)
    }

    fn text_with(
        &mut self,
        col: u16,
        text: &str,
        format: Option<&Format>,
    ) -> Result<(), XlsxError> {
        // An explicit format costs a hash lookup per cell; most text cells need none.
        match format {
            Some(f) => self
                .ws
                .write_string_with_format(self.row, col, clamp_text(text), f)?,
            None => self.ws.write_string(self.row, col, clamp_text(text))?,
        };
        Ok(())
    }

    /// A URL: a hyperlink when allowed (scheme, length, the sheet's link budget), else text.
    pub(crate) fn url(&mut self, col: u16, url: Option<&str>) -> Result<(), XlsxError> {
        let Some(url) = url.filter(|u| !u.is_empty()) else {
            return Ok(());
        };
        if *self.links < self.max_links && *self.links_left > 0 && linkable(url) {
            let link = Url::new(url).set_text(url);
            let styles: &'a Styles = self.styles;
            let format = &styles.hyperlink[usize::from(self.band)];
            // The crate re-checks the URL; anything it still refuses is written as text.
            if self
                .ws
                .write_url_with_format(self.row, col, link, format)
                .is_ok()
            {
                *self.links += 1;
                *self.links_left -= 1;
                return Ok(());
            }
        }
        let styles: &'a Styles = self.styles;
        self.text_with(col, url, styles.cell(Kind::Text, self.band))
    }

    /// A number with the column's format; blank for null and non-finite values.
    pub(crate) fn num(&mut self, col: u16, value: Option<f64>) -> Result<(), XlsxError> {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            match self.format(col) {
                Some(f) => self.ws.write_number_with_format(self.row, col, v, f)?,
                None => self.ws.write_number(self.row, col, v)?,
            };
        }
        Ok(())
    }

    /// A boolean cell (`TRUE` / `FALSE`).
    pub(crate) fn boolean(&mut self, col: u16, value: Option<bool>) -> Result<(), XlsxError> {
        if let Some(v) = value {
            match self.format(col) {
                Some(f) => self.ws.write_boolean_with_format(self.row, col, v, f)?,
                None => self.ws.write_boolean(self.row, col, v)?,
            };
        }
        Ok(())
    }

    /// A keyword-alignment flag: a boolean, or its text (`partial`).
    pub(crate) fn flag(&mut self, col: u16, value: Option<&Flag>) -> Result<(), XlsxError> {
        match value {
            Some(Flag::Bool(b)) => self.boolean(col, Some(*b)),
            Some(Flag::Text(t)) => self.text(col, Some(t)),
            None => Ok(()),
        }
    }

    /// A severity, filled with its colour.
    pub(crate) fn severity(&mut self, col: u16, value: Option<&str>) -> Result<(), XlsxError> {
        let styles: &'a Styles = self.styles;
        match value.and_then(|s| styles.severity(s).map(|f| (s, f))) {
            Some((s, format)) => self.text_with(col, s, Some(format)),
            None => self.text(col, value),
        }
    }

    /// An opportunity type, filled with its colour.
    pub(crate) fn opportunity_type(
        &mut self,
        col: u16,
        value: Option<&str>,
    ) -> Result<(), XlsxError> {
        let styles: &'a Styles = self.styles;
        match value.and_then(|s| styles.opportunity_type(s).map(|f| (s, f))) {
            Some((s, format)) => self.text_with(col, s, Some(format)),
            None => self.text(col, value),
        }
    }

    /// A JSON value of unknown type (issue values, thresholds): numbers stay numbers.
    pub(crate) fn mixed(&mut self, col: u16, value: &Value) -> Result<(), XlsxError> {
        match value {
            Value::Null => Ok(()),
            Value::Bool(b) => self.boolean(col, Some(*b)),
            Value::Number(n) => self.num(col, n.as_f64()),
            Value::String(s) => self.text(col, Some(s)),
            other => self.text(col, Some(&other.to_string())),
        }
    }
}

/// Cuts text to Excel's cell limit (counted in UTF-16 units, as Excel does) on a char boundary.
pub(crate) fn clamp_text(text: &str) -> Cow<'_, str> {
    // A UTF-8 string never has more UTF-16 units than bytes.
    if text.len() <= MAX_TEXT_UTF16 {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    for (i, ch) in text.char_indices() {
        units += ch.len_utf16();
        if units > MAX_TEXT_UTF16 {
            return Cow::Owned(text[..i].to_string());
        }
    }
    Cow::Borrowed(text)
}

/// Whether `url` may be written as a hyperlink: an allowed scheme, no control characters, and
/// short enough for Excel once the crate has percent-escaped it.
pub(crate) fn linkable(url: &str) -> bool {
    const SCHEMES: [&str; 5] = ["http://", "https://", "ftp://", "mailto:", "file://"];
    let scheme_ok = SCHEMES.iter().any(|s| {
        url.get(..s.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(s))
    });
    if !scheme_ok || url.chars().any(char::is_control) {
        return false;
    }
    // The crate escapes these characters as `%XX` after its own length check.
    let escaped: usize = url
        .chars()
        .map(|c| match c {
            '%' | '"' | ' ' | '<' | '>' | '[' | ']' | '^' | '`' | '{' | '}' => 3,
            c => c.len_utf16(),
        })
        .sum();
    escaped <= MAX_URL_UTF16
}
