//! How one spreadsheet cell is written into a converted CSV (analysis-spec §2.9): numbers in
//! their shortest round-trip form without exponent, dates as `YYYY-MM-DD[ HH:MM:SS]`, booleans
//! as `true`/`false`, error cells empty, text as stored. Formula cells arrive here as their
//! cached value, and percentage cells as the fraction they hold, so neither needs a rule.

use calamine::{DataType, ExcelDateTime};

/// The text of `cell` in the converted CSV; empty for empty and error cells.
pub fn cell_text<T: DataType>(cell: &T) -> String {
    if let Some(text) = cell.get_string() {
        return text.to_owned();
    }
    if let Some(x) = cell.get_float() {
        return number_text(x);
    }
    if let Some(i) = cell.get_int() {
        return i.to_string();
    }
    if let Some(b) = cell.get_bool() {
        return b.to_string();
    }
    if let Some(dt) = cell.get_datetime() {
        return datetime_text(&dt);
    }
    if let Some(iso) = cell.get_datetime_iso() {
        return iso_datetime_text(iso);
    }
    if let Some(iso) = cell.get_duration_iso() {
        return iso_duration_text(iso);
    }
    // Empty and error cells (`#N/A`, `#DIV/0!`): the analysis reads an empty field as missing.
    String::new()
}

/// Shortest round-trip decimal form: Rust's `Display` for `f64` is exactly that and never uses
/// an exponent, so `8100.0` prints `8100` and `0.037` prints `0.037`. Beyond 1e21 the digits
/// would only be padding zeros, so an exponent is used there (the spec requires none below 1e15).
pub fn number_text(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    if x == 0.0 {
        // Also turns `-0` into `0`.
        return "0".to_owned();
    }
    if x.abs() >= 1e21 {
        return format!("{x:e}");
    }
    format!("{x}")
}

fn datetime_text(dt: &ExcelDateTime) -> String {
    let serial = dt.as_f64();
    if dt.is_duration() {
        return duration_text(serial);
    }
    let (year, month, day, hour, minute, second, _milli) = dt.to_ymd_hms_milli();
    let has_time = hour != 0 || minute != 0 || second != 0;
    // A serial below 1 has no date part: a time-of-day cell, written as the time alone.
    if (0.0..1.0).contains(&serial) && has_time {
        return format!("{hour:02}:{minute:02}:{second:02}");
    }
    if has_time {
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02}")
    }
}

/// A duration in days (Excel's `[h]:mm:ss`), as hours (possibly over 24), minutes, seconds.
fn duration_text(days: f64) -> String {
    let total = (days * 86_400.0).round();
    if !total.is_finite() || total.abs() > 1e15 {
        return String::new();
    }
    // Exact: `total` is a whole number well inside i64's range.
    let total = total as i64;
    let sign = if total < 0 { "-" } else { "" };
    let total = total.unsigned_abs();
    format!(
        "{sign}{}:{:02}:{:02}",
        total / 3600,
        (total / 60) % 60,
        total % 60
    )
}

/// ISO 8601 date-times as stored by OpenDocument (`office:date-value`) or xlsx `t="d"` cells:
/// `2026-03-01` stays, `2026-03-01T14:05:00[.123][Z]` becomes `2026-03-01 14:05:00`, and a
/// midnight time is dropped as for Excel serials. Anything else is written as stored.
fn iso_datetime_text(iso: &str) -> String {
    let bytes = iso.as_bytes();
    let is_date = |s: &[u8]| {
        s.len() == 10
            && s.iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
    };
    let is_time = |s: &[u8]| {
        s.len() == 8
            && s.iter().enumerate().all(|(i, b)| {
                if i == 2 || i == 5 {
                    *b == b':'
                } else {
                    b.is_ascii_digit()
                }
            })
    };
    match (bytes.get(..10), bytes.get(10), bytes.get(11..19)) {
        (Some(date), None, _) if is_date(date) => iso.to_owned(),
        (Some(date), Some(b'T'), Some(time)) if is_date(date) && is_time(time) => {
            if time == b"00:00:00" {
                iso[..10].to_owned()
            } else {
                format!("{} {}", &iso[..10], &iso[11..19])
            }
        }
        // An OpenDocument time-of-day may come as a bare `HH:MM:SS`.
        (_, _, _) => iso.to_owned(),
    }
}

/// OpenDocument time cells (`office:time-value="PT14H05M00S"`) as `14:05:00`; other forms as
/// stored.
fn iso_duration_text(iso: &str) -> String {
    let Some(rest) = iso.strip_prefix("PT") else {
        return iso.to_owned();
    };
    let mut fields = [0u64; 3];
    let mut number = String::new();
    for c in rest.chars() {
        let slot = match c {
            '0'..='9' => {
                number.push(c);
                continue;
            }
            'H' => 0,
            'M' => 1,
            'S' => 2,
            // Fractional seconds are dropped, like an Excel serial's milliseconds.
            '.' => {
                fields[2] = number.parse().unwrap_or(0);
                number.clear();
                break;
            }
            _ => return iso.to_owned(),
        };
        let Ok(value) = number.parse() else {
            return iso.to_owned();
        };
        fields[slot] = value;
        number.clear();
    }
    let [hours, minutes, seconds] = fields;
    format!("{hours:02}:{minutes:02}:{seconds:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, Data, ExcelDateTimeType};

    #[test]
    fn numbers_are_written_in_their_shortest_round_trip_form() {
        assert_eq!(number_text(8100.0), "8100");
        assert_eq!(number_text(0.037), "0.037");
        assert_eq!(number_text(1234.5), "1234.5");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number_text(123_456_789_012_345.0), "123456789012345");
        assert_eq!(number_text(1e-7), "0.0000001");
        assert_eq!(number_text(2.5e22), "2.5e22");
        assert_eq!(number_text(f64::NAN), "");
        for x in [0.037, 1234.5, 1e14 + 0.5, 3.0e-5, 987_654.321] {
            assert_eq!(number_text(x).parse::<f64>().expect("parses"), x);
        }
    }

    #[test]
    fn each_cell_type_is_written_by_its_rule() {
        assert_eq!(cell_text(&Data::Int(42)), "42");
        assert_eq!(cell_text(&Data::Float(8100.0)), "8100");
        assert_eq!(cell_text(&Data::Bool(true)), "true");
        assert_eq!(cell_text(&Data::Bool(false)), "false");
        assert_eq!(cell_text(&Data::String("a, \"b\"".into())), "a, \"b\"");
        assert_eq!(cell_text(&Data::Error(CellErrorType::NA)), "");
        assert_eq!(cell_text(&Data::Error(CellErrorType::Div0)), "");
        assert_eq!(cell_text(&Data::Empty), "");
    }

    #[test]
    fn excel_serial_dates_get_a_time_only_when_they_have_one() {
        let date = |v| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
        // 46082 = 2026-03-01 in the 1900 system.
        assert_eq!(cell_text(&date(46082.0)), "2026-03-01");
        assert_eq!(
            cell_text(&date(46082.0 + (14.0 * 60.0 + 5.0) / 1440.0)),
            "2026-03-01 14:05:00"
        );
        assert_eq!(cell_text(&date((14.0 * 60.0 + 5.0) / 1440.0)), "14:05:00");
        let span = Data::DateTime(ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false));
        assert_eq!(cell_text(&span), "36:00:00");
    }

    #[test]
    fn iso_dates_and_durations_are_normalised() {
        assert_eq!(
            cell_text(&Data::DateTimeIso("2026-03-01".into())),
            "2026-03-01"
        );
        assert_eq!(
            cell_text(&Data::DateTimeIso("2026-03-01T14:05:00.250".into())),
            "2026-03-01 14:05:00"
        );
        assert_eq!(
            cell_text(&Data::DateTimeIso("2026-03-01T00:00:00".into())),
            "2026-03-01"
        );
        assert_eq!(cell_text(&Data::DateTimeIso("soon".into())), "soon");
        assert_eq!(
            cell_text(&Data::DurationIso("PT14H05M00S".into())),
            "14:05:00"
        );
        assert_eq!(
            cell_text(&Data::DurationIso("PT1H2M3.5S".into())),
            "01:02:03"
        );
        assert_eq!(cell_text(&Data::DurationIso("P1D".into())), "P1D");
    }
}
