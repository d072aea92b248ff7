//! The workbook's look (analysis-spec §10): header style, column kinds with their widths and
//! number formats, severity and opportunity-type colours, and the fills used by conditional
//! formats. All `Format`s are built once per workbook and reused for every cell.

use rust_xlsxwriter::{Color, Format, FormatAlign};

/// Dark blue header fill.
pub(crate) const HEADER_BLUE: u32 = 0x1F4E78;
/// Light green fill of "OK" and good values, with its dark green font.
pub(crate) const OK_FILL: u32 = 0xC6EFCE;
pub(crate) const OK_FONT: u32 = 0x006100;
/// Strong green (position 1–3).
pub(crate) const GREEN: u32 = 0x63BE7B;
/// Amber fill for warnings.
pub(crate) const AMBER: u32 = 0xFFEB9C;
/// Light red fill for bad values.
pub(crate) const LIGHT_RED: u32 = 0xFFC7CE;
/// Red font (CTR below expected).
pub(crate) const RED_FONT: u32 = 0xC00000;
/// Blue of the CTR-gap opportunity type.
pub(crate) const CTR_GAP_BLUE: u32 = 0xBDD7EE;
/// Light grey of every other keyword group on the Cannibalisation sheet.
const BAND: u32 = 0xF2F2F2;

/// What a column holds; decides its width, number format and how cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A URL, written as a hyperlink when the crate limits allow (width 60).
    Url,
    /// Free text (width 50).
    Text,
    /// A short id or enum value such as a category or a check id (width 18).
    Label,
    /// A severity, filled with its colour (width 12).
    Severity,
    /// An integer count, `#,##0`.
    Count,
    /// A fraction shown as a percentage, `0.00%`.
    Percent,
    /// A search position, `0.0`.
    Position,
    /// Money and other two-decimal values, `0.00`.
    Decimal,
    /// A boolean or `"partial"` (width 12).
    Flag,
    /// A number or a string (issue values and thresholds, width 18).
    Mixed,
}

const KINDS: [Kind; 10] = [
    Kind::Url,
    Kind::Text,
    Kind::Label,
    Kind::Severity,
    Kind::Count,
    Kind::Percent,
    Kind::Position,
    Kind::Decimal,
    Kind::Flag,
    Kind::Mixed,
];

impl Kind {
    pub(crate) fn width(self) -> f64 {
        match self {
            Kind::Url => 60.0,
            Kind::Text => 50.0,
            Kind::Label | Kind::Mixed => 18.0,
            _ => 12.0,
        }
    }

    fn num_format(self) -> Option<&'static str> {
        match self {
            Kind::Count => Some("#,##0"),
            Kind::Percent => Some("0.00%"),
            Kind::Position => Some("0.0"),
            Kind::Decimal => Some("0.00"),
            _ => None,
        }
    }

    fn index(self) -> usize {
        KINDS.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// The severities of §5, most severe first; the index is the sort rank.
pub(crate) const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// Sort rank of a severity (unknown values last).
pub(crate) fn severity_rank(severity: Option<&str>) -> u8 {
    severity
        .and_then(|s| SEVERITIES.iter().position(|x| x.eq_ignore_ascii_case(s)))
        .map_or(SEVERITIES.len() as u8, |i| i as u8)
}

/// Every format the workbook uses.
pub(crate) struct Styles {
    pub header: Format,
    pub title: Format,
    pub section: Format,
    pub bold: Format,
    /// `[kind][band]`; `None` for the default format, which needs no per-cell lookup.
    cells: Vec<[Option<Format>; 2]>,
    /// `[severity rank][band]`; rank 5 (unknown) falls back to plain text.
    severities: Vec<Format>,
    pub ok: Format,
    quick_win: Format,
    striking: Format,
    ctr_gap: Format,
    pub hyperlink: [Format; 2],
}

impl Styles {
    pub(crate) fn new() -> Self {
        let header = Format::new()
            .set_bold()
            .set_font_color(Color::White)
            .set_background_color(Color::RGB(HEADER_BLUE))
            .set_text_wrap()
            .set_align(FormatAlign::Top);
        let cells = KINDS
            .iter()
            .map(|kind| {
                let plain = kind.num_format().map(|f| Format::new().set_num_format(f));
                let banded = plain
                    .clone()
                    .unwrap_or_default()
                    .set_background_color(Color::RGB(BAND));
                [plain, Some(banded)]
            })
            .collect();
        let fill = |bg: u32, font: u32| {
            Format::new()
                .set_background_color(Color::RGB(bg))
                .set_font_color(Color::RGB(font))
        };
        let severities = vec![
            fill(0xC00000, 0xFFFFFF).set_bold(),
            fill(0xFF7C80, 0x000000),
            fill(0xFFC000, 0x000000),
            fill(0xFFF2CC, 0x000000),
            fill(0xD9D9D9, 0x000000),
        ];
        let link = Format::new().set_hyperlink();
        Self {
            header,
            title: Format::new().set_bold().set_font_size(16),
            section: Format::new()
                .set_bold()
                .set_font_size(12)
                .set_font_color(Color::RGB(HEADER_BLUE)),
            bold: Format::new().set_bold(),
            cells,
            severities,
            ok: fill(OK_FILL, OK_FONT),
            quick_win: fill(OK_FILL, OK_FONT),
            striking: fill(AMBER, 0x000000),
            ctr_gap: fill(CTR_GAP_BLUE, 0x000000),
            hyperlink: [link.clone(), link.set_background_color(Color::RGB(BAND))],
        }
    }

    /// The format of an ordinary cell of this kind (`None` = the default format).
    pub(crate) fn cell(&self, kind: Kind, band: bool) -> Option<&Format> {
        self.cells[kind.index()][usize::from(band)].as_ref()
    }

    /// The fill of a severity value, or `None` for an unknown one.
    pub(crate) fn severity(&self, severity: &str) -> Option<&Format> {
        self.severities
            .get(usize::from(severity_rank(Some(severity))))
    }

    /// The fill of an opportunity type (§10: quick win green, striking distance amber,
    /// CTR gap blue), or `None` for the other types.
    pub(crate) fn opportunity_type(&self, kind: &str) -> Option<&Format> {
        match kind {
            "quick_win" => Some(&self.quick_win),
            "striking_distance" => Some(&self.striking),
            "ctr_gap" => Some(&self.ctr_gap),
            _ => None,
        }
    }
}
