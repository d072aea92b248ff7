"""The one number parser and the other cell parsers (spec §2.6, §4)."""

import math
import unittest

from rankmap_analysis.values import (ColumnStats, as_count, is_approximation, keyword_norm,
                                     parse_bool, parse_date, parse_intents, parse_list,
                                     parse_number, parse_number_list)


class ParseNumberTest(unittest.TestCase):
    def test_empty_and_placeholder_values_are_null_not_zero(self):
        for raw in ("", "  ", "-", "—", "n/a", "N/A", "null", None):
            self.assertIsNone(parse_number(raw), raw)

    def test_plain_integers_and_decimals_are_read(self):
        self.assertEqual(parse_number("2235819"), 2235819)
        self.assertEqual(parse_number("3.63"), 3.63)
        self.assertEqual(parse_number("-3"), -3)

    def test_comma_is_a_thousands_separator_by_default(self):
        self.assertEqual(parse_number("8,100"), 8100)
        self.assertEqual(parse_number("1,234,567"), 1234567)

    def test_a_decimal_comma_column_reads_comma_as_the_decimal_mark(self):
        self.assertEqual(parse_number("2,7", decimal_comma=True), 2.7)
        self.assertEqual(parse_number("1.234", decimal_comma=True), 1234)

    def test_a_value_with_both_marks_uses_the_last_one_as_decimal(self):
        self.assertEqual(parse_number("1.234,5"), 1234.5)
        self.assertEqual(parse_number("1,234.5", decimal_comma=True), 1234.5)

    def test_nbsp_narrow_nbsp_and_spaces_are_thousands_separators(self):
        self.assertEqual(parse_number("1\u00a0234"), 1234)
        self.assertEqual(parse_number("1\u202f234\u202f567"), 1234567)
        self.assertEqual(parse_number("1 234"), 1234)

    def test_a_trailing_percent_divides_by_100(self):
        self.assertAlmostEqual(parse_number("3.7%"), 0.037)
        self.assertAlmostEqual(parse_number("12.5%"), 0.125)
        self.assertAlmostEqual(parse_number("5,0 %", decimal_comma=True), 0.05)
        self.assertEqual(parse_number("0%"), 0)

    def test_k_m_b_suffixes_multiply(self):
        self.assertEqual(parse_number("3.9K"), 3900)
        self.assertEqual(parse_number("117M"), 117_000_000)
        self.assertEqual(parse_number("1.1m"), 1_100_000)
        self.assertEqual(parse_number("2B"), 2_000_000_000)

    def test_exponent_forms_are_plain_numbers(self):
        self.assertEqual(parse_number("1e+15"), 1e15)
        self.assertAlmostEqual(parse_number("2.5E-7"), 2.5e-7)

    def test_bracketed_approximations_are_null_and_flagged(self):
        self.assertIsNone(parse_number("<10"))
        self.assertTrue(is_approximation("<10"))
        self.assertFalse(is_approximation("10"))

    def test_currency_signs_are_stripped(self):
        self.assertEqual(parse_number("$1.20"), 1.2)
        self.assertEqual(parse_number("€3"), 3)

    def test_nan_and_infinity_never_come_out(self):
        for raw in ("nan", "NaN", "inf", "-Infinity"):
            value = parse_number(raw)
            self.assertTrue(value is None or math.isfinite(value), raw)

    def test_text_is_null(self):
        self.assertIsNone(parse_number("lost"))
        self.assertIsNone(parse_number("abc%"))


class ColumnStatsTest(unittest.TestCase):
    def stats(self, *values):
        s = ColumnStats()
        for v in values:
            s.add(v)
        return s

    def test_comma_followed_by_one_or_two_digits_makes_a_decimal_comma_column(self):
        self.assertTrue(self.stats("2,7", "1 234").decimal_comma)
        self.assertTrue(self.stats("1,94").decimal_comma)

    def test_comma_followed_by_four_or_more_digits_makes_a_decimal_comma_column(self):
        self.assertTrue(self.stats("0,1586").decimal_comma)

    def test_comma_followed_by_three_digits_stays_thousands(self):
        self.assertFalse(self.stats("8,100", "6,600").decimal_comma)

    def test_any_dot_only_value_keeps_comma_as_thousands(self):
        self.assertFalse(self.stats("2,7", "1.26").decimal_comma)

    def test_percent_values_decide_ctr_is_not_a_plain_fraction(self):
        stats = self.stats("3.7%", "0.5%")
        self.assertFalse(stats.ctr_is_fraction())

    def test_ctr_without_percent_all_at_most_one_is_a_fraction(self):
        self.assertTrue(self.stats("0.62", "1", "0").ctr_is_fraction())

    def test_ctr_without_percent_above_one_is_in_percent_units(self):
        self.assertFalse(self.stats("0.62", "15.86").ctr_is_fraction())

    def test_ctr_decimal_comma_fractions_are_fractions(self):
        self.assertTrue(self.stats("0,62", "0,1").ctr_is_fraction())

    def test_a_column_with_a_dot_value_is_decided_early_unless_it_is_ctr(self):
        stats = self.stats("0.5")
        self.assertTrue(stats.decided(is_ctr=False))
        self.assertFalse(stats.decided(is_ctr=True))
        stats.add("2.5")
        self.assertTrue(stats.decided(is_ctr=True))


class OtherParsersTest(unittest.TestCase):
    def test_booleans(self):
        for raw, expected in (("true", True), ("FALSE", False), ("yes", True), ("no", False),
                              ("1", True), ("0", False), ("", None), ("maybe", None)):
            self.assertEqual(parse_bool(raw), expected, raw)

    def test_comma_lists_are_trimmed_and_deduplicated(self):
        self.assertEqual(parse_list("AI Overview, Thumbnail,  Sitelinks, Thumbnail"),
                         ["AI Overview", "Thumbnail", "Sitelinks"])
        self.assertEqual(parse_list(""), [])

    def test_semrush_trends_become_numbers(self):
        self.assertEqual(parse_number_list("[0,0,3,100]"), [0, 0, 3, 100])

    def test_intents_from_names_and_from_letters(self):
        self.assertEqual(parse_intents("commercial, informational"),
                         ["commercial", "informational"])
        self.assertEqual(parse_intents("I"), ["informational"])
        self.assertEqual(parse_intents("N, T"), ["navigational", "transactional"])
        self.assertEqual(parse_intents(None), [])

    def test_dates_in_iso_compact_and_datetime_forms(self):
        self.assertEqual(parse_date("2024-03-30"), "2024-03-30")
        self.assertEqual(parse_date("2026-01-05 21:07:39"), "2026-01-05")
        self.assertEqual(parse_date("20240330"), "2024-03-30")
        self.assertEqual(parse_date("2024/3/5"), "2024-03-05")
        self.assertIsNone(parse_date("Last 3 months"))
        self.assertIsNone(parse_date("2024-13-01"))

    def test_keyword_norm_keeps_punctuation_and_collapses_space(self):
        self.assertEqual(keyword_norm("  Duo   Security "), "duo security")
        self.assertNotEqual(keyword_norm("duo"), keyword_norm("duo."))
        self.assertEqual(keyword_norm("ﬁle"), "file")  # NFKC

    def test_whole_numbers_become_ints(self):
        self.assertIsInstance(as_count(8100.0), int)
        self.assertEqual(as_count(2.5), 2.5)
        self.assertIsNone(as_count(None))


if __name__ == "__main__":
    unittest.main()
