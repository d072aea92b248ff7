"""Best page per keyword and cannibalisation (spec §6.1, §6.2, §0.2, §0.6)."""

from __future__ import annotations

import unittest

from rankmap_analysis import mapping

from tests.test_pipeline_builders import dataset, gsc_row, kw_row


def build(source, rows):
    return {result.keyword_norm: result for result in mapping.build(dataset(source, kw_rows=rows))}


def urls(result):
    return [row.url for row in result.rows]


class BestPage(unittest.TestCase):
    def test_gsc_best_is_most_clicks_then_impressions_then_lowest_position(self):
        result = build("gsc_query_page", [
            gsc_row("q", "https://ex.com/a", 5, 100, 3.0),
            gsc_row("q", "https://ex.com/b", 6, 50, 9.0),
        ])["q"]
        self.assertEqual(result.best.url, "https://ex.com/b")
        result = build("gsc_query_page", [
            gsc_row("q", "https://ex.com/a", 5, 100, 3.0),
            gsc_row("q", "https://ex.com/b", 5, 120, 9.0),
        ])["q"]
        self.assertEqual(result.best.url, "https://ex.com/b")
        result = build("gsc_query_page", [
            gsc_row("q", "https://ex.com/a", 5, 100, 3.0),
            gsc_row("q", "https://ex.com/b", 5, 100, 2.0),
        ])["q"]
        self.assertEqual(result.best.url, "https://ex.com/b")

    def test_a_full_tie_goes_to_the_smaller_normalised_url(self):
        result = build("gsc_query_page", [
            gsc_row("q", "https://ex.com/z", 5, 100, 3.0),
            gsc_row("q", "https://ex.com/m", 5, 100, 3.0),
        ])["q"]
        self.assertEqual(urls(result), ["https://ex.com/m", "https://ex.com/z"])

    def test_rank_trackers_take_the_lowest_position_then_traffic(self):
        result = build("semrush_positions", [
            kw_row("q", "https://ex.com/a", position=7, traffic=50, search_volume=100),
            kw_row("q", "https://ex.com/b", position=3, traffic=1, search_volume=100),
            kw_row("q", "https://ex.com/c", position=3, traffic=9, search_volume=100),
        ])["q"]
        self.assertEqual(urls(result), ["https://ex.com/c", "https://ex.com/b",
                                        "https://ex.com/a"])

    def test_generic_lists_take_the_first_listed_url(self):
        result = build("generic_keyword_url", [
            kw_row("q", "https://ex.com/z"), kw_row("q", "https://ex.com/a"),
        ])["q"]
        self.assertEqual(result.best.url, "https://ex.com/z")

    def test_keyword_identity_keeps_punctuation(self):
        results = build("gsc_queries", [gsc_row("duo", None, 1, 10, 1.0),
                                        gsc_row("duo.", None, 1, 10, 1.0)])
        self.assertEqual(sorted(results), ["duo", "duo."])

    def test_gsc_totals_sum_the_urls_and_single_rows_keep_their_ctr(self):
        result = build("gsc_query_page", [gsc_row("q", "https://ex.com/a", 3, 100, 2.0),
                                          gsc_row("q", "https://ex.com/b", 1, 100, 5.0)])["q"]
        self.assertEqual((result.clicks, result.impressions, result.ctr), (4, 200, 0.02))
        single = build("gsc_queries", [gsc_row("q", None, 37, 1000, 2.0, ctr=0.037)])["q"]
        self.assertEqual(single.ctr, 0.037)


def gsc_pair(first, second, total_first=90, total_second=10, pos=(2.0, 3.0),
             urls_=("https://ex.com/a", "https://ex.com/b")):
    return [gsc_row("q", urls_[0], first, total_first, pos[0]),
            gsc_row("q", urls_[1], second, total_second, pos[1])]


class GscCannibalisation(unittest.TestCase):
    def canni(self, rows):
        return build("gsc_query_page", rows)["q"].cannibalization

    def test_ten_percent_impression_share_makes_a_url_compete(self):
        self.assertTrue(self.canni(gsc_pair(0, 0, 90, 10))["isCannibalized"])
        self.assertFalse(self.canni(gsc_pair(0, 0, 91, 9))["isCannibalized"])

    def test_ten_percent_click_share_also_makes_a_url_compete(self):
        self.assertTrue(self.canni(gsc_pair(9, 1, 95, 5))["isCannibalized"])
        self.assertFalse(self.canni(gsc_pair(10, 1, 95, 5))["isCannibalized"])

    def test_keywords_under_50_impressions_are_noise(self):
        self.assertFalse(self.canni(gsc_pair(0, 0, 25, 24))["isCannibalized"])
        self.assertTrue(self.canni(gsc_pair(0, 0, 25, 25))["isCannibalized"])

    def test_high_when_both_best_competitors_are_in_the_top_10(self):
        self.assertEqual(self.canni(gsc_pair(5, 5, 50, 50, pos=(2.0, 10.0)))["severity"], "high")
        self.assertEqual(self.canni(gsc_pair(5, 5, 50, 50, pos=(2.0, 10.5)))["severity"],
                         "medium")

    def test_reasons_and_recommendations(self):
        variants = self.canni(gsc_pair(5, 5, 50, 50, urls_=("https://ex.com/a",
                                                             "http://www.ex.com/a/?x=1")))
        self.assertEqual(variants["reason"], "url_variants")
        home = self.canni(gsc_pair(5, 5, 50, 50, pos=(1.0, 2.0),
                                   urls_=("https://ex.com/", "https://ex.com/a")))
        self.assertEqual(home["reason"], "homepage_and_page")
        self.assertEqual(home["severity"], "high")  # §0.2: not lowered for the home page
        pages = self.canni(gsc_pair(5, 5, 50, 50))
        self.assertEqual(pages["reason"], "multiple_pages")
        for found in (variants, home, pages):
            self.assertEqual(found["recommendation"], mapping.RECOMMENDATIONS[found["reason"]])

    def test_not_cannibalised_has_null_severity_reason_and_recommendation(self):
        self.assertEqual(self.canni([gsc_row("q", "https://ex.com/a", 5, 500, 2.0)]),
                         {"isCannibalized": False, "severity": None, "reason": None,
                          "recommendation": None})


class RankCannibalisation(unittest.TestCase):
    def test_rank_competitors_are_in_positions_up_to_20(self):
        def canni(second_position):
            rows = [kw_row("q", "https://ex.com/a", position=5, search_volume=100),
                    kw_row("q", "https://ex.com/b", position=second_position,
                           search_volume=100)]
            return build("semrush_positions", rows)["q"].cannibalization
        self.assertEqual(canni(20)["severity"], "medium")
        self.assertTrue(canni(20)["isCannibalized"])
        self.assertFalse(canni(21)["isCannibalized"])
        self.assertEqual(canni(10)["severity"], "high")

    def test_ahrefs_v3_and_url_less_sources_cannot_compute_cannibalisation(self):
        rows = [kw_row("q", "https://ex.com/a", position=5)]
        self.assertIsNone(build("ahrefs_organic_keywords", rows)["q"].cannibalization)
        self.assertIsNone(build("gsc_queries", [gsc_row("q", None, 1, 100, 3.0)])["q"]
                          .cannibalization)
        self.assertIsNone(build("keyword_list", [kw_row("q")])["q"].cannibalization)

    def test_generic_keyword_lists_without_positions_are_medium(self):
        rows = [kw_row("q", "https://ex.com/a"), kw_row("q", "https://ex.com/b")]
        found = build("generic_keyword_url", rows)["q"].cannibalization
        self.assertEqual((found["isCannibalized"], found["severity"]), (True, "medium"))


if __name__ == "__main__":
    unittest.main()
