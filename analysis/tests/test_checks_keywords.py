"""Keyword alignment and target keywords (spec §5.7, decision §0.11)."""

from __future__ import annotations

import unittest

from rankmap_analysis import mapping
from rankmap_analysis.checks import keywords as alignment
from rankmap_analysis.checks.catalogue import CHECKS

from tests.test_pipeline_builders import dataset, gsc_row, html_page, kw_row

ALL = frozenset(check.id for check in CHECKS)


def aligned(keyword, **page_values):
    out = []
    result = alignment.align(html_page("https://ex.com/p", **page_values), keyword, ALL, out)
    return result, [issue.check.id for issue in out]


class Matching(unittest.TestCase):
    def test_full_partial_and_none_at_the_50_percent_line(self):
        tokens = alignment.tokens
        self.assertIs(alignment.match(tokens("blue shoes"), tokens("Blue Shoes for men")), True)
        self.assertEqual(alignment.match(tokens("blue suede shoes"), tokens("blue shoes")),
                         "partial")  # 2 of 3
        self.assertEqual(alignment.match(tokens("blue shoes"), tokens("blue hats")),
                         "partial")  # 1 of 2 is exactly 50 %
        self.assertIs(alignment.match(tokens("red suede shoes"), tokens("red hats")), False)

    def test_accents_punctuation_and_stop_words_are_ignored(self):
        self.assertEqual(alignment.tokens("Crème-brûlée  recipe!"),
                         frozenset({"creme", "brulee", "recipe"}))
        self.assertEqual(alignment.tokens("how to tie a tie"), frozenset({"tie"}))
        self.assertEqual(alignment.tokens("the who"), frozenset({"the", "who"}))

    def test_fast_paths_equal_the_per_character_rules_for_every_code_point(self):
        import unicodedata
        every = "".join(map(chr, range(0x110000)))
        self.assertEqual(alignment._to_spaces(every),
                         "".join(ch if ch.isalnum() else " " for ch in every))
        ascii_text = "".join(map(chr, range(128)))
        self.assertEqual(alignment._to_spaces(ascii_text),
                         "".join(ch if ch.isalnum() else " " for ch in ascii_text))
        self.assertEqual(alignment._strip_accents(ascii_text), "".join(
            ch for ch in unicodedata.normalize("NFKD", ascii_text)
            if not unicodedata.combining(ch)))
        self.assertEqual(alignment._strip_accents("Crème ﬁ"), "Creme fi")

    def test_the_url_is_matched_on_its_decoded_path_only(self):
        result, issues = aligned("example shoes", title="Shoes", h1="Shoes",
                                 meta_description="Shoes")
        self.assertEqual(result.url, False)  # "example" is the host, not the path
        self.assertIn("keyword_missing_in_url", issues)
        page = html_page("https://ex.com/blue_shoes/caf%C3%A9", title="x", h1="x",
                         meta_description="x")
        out = []
        found = alignment.align(page, "blue café shoes", ALL, out)
        self.assertIs(found.url, True)

    def test_each_field_gets_its_own_issue_only_when_nothing_matches(self):
        result, issues = aligned("blue shoes", title="Blue shoes", h1="Blue hats",
                                 meta_description="Nothing related")
        self.assertEqual((result.title, result.h1, result.meta_description),
                         (True, "partial", False))
        self.assertEqual(sorted(issues), ["keyword_missing_in_meta_description",
                                          "keyword_missing_in_url"])

    def test_empty_or_absent_fields_are_not_computable(self):
        result, issues = aligned("blue shoes", title=None, h1="", meta_description=None)
        self.assertEqual((result.title, result.h1, result.meta_description), (None,) * 3)
        self.assertEqual(issues, ["keyword_missing_in_url"])


class TargetKeywords(unittest.TestCase):
    def targets(self, rows, source="gsc_query_page"):
        results = mapping.build(dataset(source, kw_rows=rows))
        chosen = alignment.choose_targets(results)
        return {url: row.keyword for url, row in chosen.items()}

    def test_target_is_the_keyword_with_most_clicks_among_those_the_url_is_best_for(self):
        rows = [gsc_row("alpha", "https://ex.com/a", 10, 100, 3.0),
                gsc_row("beta", "https://ex.com/a", 50, 500, 3.0),
                gsc_row("beta", "https://ex.com/b", 60, 500, 2.0),  # b is best for beta
                gsc_row("gamma", "https://ex.com/a", 20, 100, 3.0)]
        self.assertEqual(self.targets(rows), {"https://ex.com/a": "gamma",
                                              "https://ex.com/b": "beta"})

    def test_a_url_that_is_best_for_nothing_uses_all_its_keywords(self):
        rows = [gsc_row("beta", "https://ex.com/a", 5, 100, 3.0),
                gsc_row("beta", "https://ex.com/b", 60, 500, 2.0),
                gsc_row("delta", "https://ex.com/a", 1, 100, 9.0),
                gsc_row("delta", "https://ex.com/c", 9, 100, 9.0)]
        self.assertEqual(self.targets(rows)["https://ex.com/a"], "beta")

    def test_ties_fall_to_impressions_volume_position_then_keyword(self):
        rows = [gsc_row("zeta", "https://ex.com/a", 5, 100, 3.0),
                gsc_row("eta", "https://ex.com/a", 5, 100, 3.0)]
        self.assertEqual(self.targets(rows)["https://ex.com/a"], "eta")
        rows = [gsc_row("zeta", "https://ex.com/a", 5, 100, 2.0),
                gsc_row("eta", "https://ex.com/a", 5, 100, 3.0)]
        self.assertEqual(self.targets(rows)["https://ex.com/a"], "zeta")
        rows = [kw_row("zeta", "https://ex.com/a", position=3, search_volume=900),
                kw_row("eta", "https://ex.com/a", position=3, search_volume=100)]
        self.assertEqual(self.targets(rows, "semrush_positions")["https://ex.com/a"], "zeta")


if __name__ == "__main__":
    unittest.main()
