"""The whole pipeline on synthetic datasets: row scopes, filters, priorities, summary, orders."""

from __future__ import annotations

import math
import unittest

from rankmap_analysis.checks.scope import Scope

from tests.test_pipeline_builders import (CRAWL_FIELDS, dataset, gsc_pages_from_rows, gsc_row,
                                          html_page, kw_row, make_page, run_result)

SUMMARY_KEYS = ["source", "filterOption", "generatedAt", "analysisVersion", "rows", "dateRange",
                "totals", "pages", "issues", "keywords", "opportunities", "healthScore",
                "ctrCurve", "thresholds", "filteredCounts", "warnings"]
ONPAGE_KEYS = ["url", "contentType", "statusCode", "status", "indexability",
               "indexabilityStatus", "title", "titleLength", "titlePixelWidth",
               "metaDescription", "metaDescriptionLength", "metaDescriptionPixelWidth", "h1",
               "h1Length", "h1Count", "h2", "canonical", "metaRobots", "wordCount",
               "crawlDepth", "inlinks", "responseTime", "urlLength", "clicks", "impressions",
               "ctr", "position", "keywordsCount", "traffic", "targetKeyword", "keywordInTitle",
               "keywordInH1", "keywordInUrl", "keywordInMetaDescription", "issues",
               "issueCount", "highestSeverity", "priorityScore"]
KEYWORD_KEYS = ["keyword", "bestUrl", "position", "previousPosition", "clicks", "impressions",
                "ctr", "searchVolume", "traffic", "keywordDifficulty", "cpc", "intent",
                "serpFeatures", "urlCount", "competingUrls", "cannibalization", "opportunity",
                "expectedCtr", "priorityScore"]
ISSUE_KEYS = ["id", "label", "category", "severity", "message", "value", "threshold",
              "recommendation", "relatedUrls"]


def crawl():
    """A small crawl: healthy page, long title, redirect, 404 image, OK image, blocked row."""
    return dataset("screaming_frog_internal", pages=[
        html_page("https://ex.com/"),
        html_page("https://ex.com/long", title_length=80, title_pixel_width=700,
                  title="T" * 80),
        html_page("https://ex.com/old", status_code=301, status="Moved Permanently",
                  indexability="Non-Indexable", indexability_status="Redirected",
                  redirect_url="https://ex.com/new", title_length=5, canonical=None),
        make_page("https://ex.com/broken.png", content_type="image/png", is_html=False,
                  status_code=404, status="Not Found"),
        make_page("https://ex.com/fine.png", content_type="image/png", is_html=False,
                  status_code=200, status="OK"),
        make_page("https://ex.com/private/", status_code=0, status="Blocked by robots.txt",
                  indexability="Non-Indexable", indexability_status="Blocked by robots.txt"),
        html_page("https://ex.com/noindex", meta_robots="noindex", indexability="Non-Indexable",
                  indexability_status="noindex", title_length=10),
    ])


def by_url(result):
    return {row["url"]: row for row in result["onpageResults"]}


def issue_ids(row):
    return [issue["id"] for issue in row["issues"]]


class RowScopes(unittest.TestCase):
    def test_non_html_rows_get_response_checks_only_and_ok_resources_are_not_listed(self):
        rows = by_url(run_result(crawl())[0])
        self.assertEqual(issue_ids(rows["https://ex.com/broken.png"]), ["status_4xx"])
        self.assertNotIn("https://ex.com/fine.png", rows)

    def test_redirects_get_the_section_5_1_checks_only(self):
        row = by_url(run_result(crawl())[0])["https://ex.com/old"]
        self.assertEqual(issue_ids(row), ["redirect_3xx"])  # no title_too_short, no URL checks

    def test_robots_blocked_rows_are_listed_with_blocked_by_robots_only(self):
        row = by_url(run_result(crawl())[0])["https://ex.com/private/"]
        self.assertEqual(issue_ids(row), ["blocked_by_robots"])

    def test_only_checks_whose_columns_exist_run(self):
        data = crawl()
        data.fields = CRAWL_FIELDS - {"titlePixelWidth", "canonical", "hash", "crawlDepth"}
        ran = {check["id"] for check in run_result(data)[0]["checks"]}
        self.assertNotIn("title_too_long_pixels", ran)
        self.assertNotIn("canonical_missing", ran)
        self.assertNotIn("exact_duplicate", ran)
        self.assertNotIn("crawl_depth_high", ran)
        self.assertIn("title_too_long_chars", ran)
        self.assertIn("canonicalised", ran)  # still from Indexability Status

    def test_checks_catalogue_lists_every_check_that_ran_in_spec_order(self):
        result = run_result(crawl())[0]
        ids = [check["id"] for check in result["checks"]]
        self.assertEqual(ids[:3], ["status_4xx", "status_5xx", "no_response"])
        self.assertEqual(list(result["checks"][0]), ["id", "label", "category", "severity",
                                                     "threshold", "why", "source"])
        labels = {check["id"]: check["label"] for check in result["checks"]}
        for row in result["onpageResults"]:
            for issue in row["issues"]:
                self.assertEqual(issue["label"], labels[issue["id"]])

    def test_keyword_sources_get_url_checks_but_not_crawl_only_checks(self):
        data = dataset("semrush_positions",
                       kw_rows=[kw_row("blue shoes", "https://ex.com/Red_Hat", position=3,
                                       search_volume=100, traffic=5)])
        data.pages = {p.url_norm: p for p in [make_page("https://ex.com/Red_Hat", traffic=5)]}
        ran = {check["id"] for check in run_result(data)[0]["checks"]}
        self.assertIn("url_underscores", ran)
        self.assertIn("keyword_missing_in_url", ran)
        self.assertNotIn("title_missing", ran)
        self.assertNotIn("low_ctr_for_position", ran)
        scope = Scope(data, pages_have_metrics=False)
        self.assertFalse(scope.performance)


class Priorities(unittest.TestCase):
    def test_page_priority_is_penalty_times_traffic_factor(self):
        data = crawl()
        data.pages["https://ex.com/long"].clicks = 99
        row = by_url(run_result(data)[0])["https://ex.com/long"]
        # title_too_long_chars (low 1) + title_too_long_pixels (medium 3) = 4; 1 + log10(100)
        self.assertEqual(row["priorityScore"], 12.0)

    def test_penalty_is_capped_at_10_and_inlinks_are_the_fallback(self):
        data = crawl()
        page = data.pages["https://ex.com/long"]
        page.title_length, page.h1_length, page.meta_description_length = 0, 0, 0
        page.word_count, page.unique_inlinks = 10, 9
        row = by_url(run_result(data)[0])["https://ex.com/long"]
        self.assertEqual(row["priorityScore"], round(10 * (1 + math.log10(10)), 1))

    def test_the_bound_keyword_sort_keys_equal_keyword_sort_key(self):
        from types import SimpleNamespace

        from rankmap_analysis import priority
        for clicks, volume in ((None, None), (0, 5), (12, None), (3.5, 7.25)):
            result = SimpleNamespace(priority=1.5, clicks=clicks, search_volume=volume,
                                     keyword_norm="k")
            for is_gsc in (True, False):
                self.assertEqual(priority.keyword_sort_key_for(is_gsc)(result),
                                 priority.keyword_sort_key(result, is_gsc))

    def test_onpage_rows_are_sorted_by_priority_then_url(self):
        rows = run_result(crawl())[0]["onpageResults"]
        keys = [(-row["priorityScore"], row["url"]) for row in rows]
        self.assertEqual(keys, sorted(keys))

    def test_issues_of_a_row_are_sorted_by_severity_then_catalogue_order(self):
        row = by_url(run_result(crawl())[0])["https://ex.com/long"]
        self.assertEqual(issue_ids(row), ["title_too_long_pixels", "title_too_long_chars"])
        self.assertEqual(row["highestSeverity"], "medium")
        self.assertEqual(list(row["issues"][0]), ISSUE_KEYS)


class RecommendedFilter(unittest.TestCase):
    def test_recommended_keeps_indexable_or_broken_rows_with_a_medium_issue(self):
        kept = by_url(run_result(crawl(), "recommended")[0])
        self.assertIn("https://ex.com/long", kept)  # indexable, medium issue
        self.assertIn("https://ex.com/broken.png", kept)  # internal 4xx of any type
        self.assertNotIn("https://ex.com/", kept)  # no issue
        self.assertNotIn("https://ex.com/old", kept)  # redirect, no traffic
        self.assertNotIn("https://ex.com/private/", kept)
        self.assertNotIn("https://ex.com/noindex", kept)  # intentional noindex, no traffic

    def test_non_indexable_pages_with_traffic_stay(self):
        data = crawl()
        data.fields = CRAWL_FIELDS | {"clicks", "impressions"}
        data.pages["https://ex.com/noindex"].clicks = 5
        kept = by_url(run_result(data, "recommended")[0])
        self.assertIn("non_indexable_with_traffic", issue_ids(kept["https://ex.com/noindex"]))

    def test_recommended_drops_info_issues_and_keeps_scores(self):
        data = crawl()
        page = data.pages["https://ex.com/long"]
        page.h1 = page.title
        everything = by_url(run_result(data)[0])["https://ex.com/long"]
        kept = by_url(run_result(data, "recommended")[0])["https://ex.com/long"]
        self.assertIn("title_same_as_h1", issue_ids(everything))
        self.assertNotIn("title_same_as_h1", issue_ids(kept))
        self.assertEqual(kept["issueCount"], len(kept["issues"]))
        self.assertEqual(kept["priorityScore"], everything["priorityScore"])

    def test_summary_is_computed_on_the_full_data_in_both_filters(self):
        full, kept = run_result(crawl())[0], run_result(crawl(), "recommended")[0]
        for key in ("issues", "pages", "keywords", "totals", "healthScore"):
            self.assertEqual(full["summary"][key], kept["summary"][key])
        self.assertEqual(kept["summary"]["filteredCounts"]["onpageResults"],
                         len(kept["onpageResults"]))
        self.assertLess(len(kept["onpageResults"]), len(full["onpageResults"]))

    def test_recommended_onpage_rows_are_capped_at_500(self):
        pages = [html_page(f"https://ex.com/p{n:04d}", title_pixel_width=700)
                 for n in range(520)]
        result = run_result(dataset("screaming_frog_internal", pages=pages), "recommended")[0]
        self.assertEqual(len(result["onpageResults"]), 500)
        self.assertEqual(len(run_result(dataset("screaming_frog_internal", pages=pages))[0]
                             ["onpageResults"]), 520)


def gsc_dataset():
    rows = [
        gsc_row("quick", "https://ex.com/a", 10, 1000, 6.0),
        gsc_row("far", "https://ex.com/b", 0, 40, 30.0),
        gsc_row("tiny", "https://ex.com/b", 0, 10, 5.0),
        gsc_row("shared", "https://ex.com/a", 30, 300, 2.0),
        gsc_row("shared", "https://ex.com/b", 20, 300, 3.0),
        gsc_row("top", "https://ex.com/a", 500, 1000, 1.0),
    ]
    return dataset("gsc_query_page", pages=gsc_pages_from_rows(rows), kw_rows=rows)


def kw_by_name(result):
    return {row["keyword"]: row for row in result["keywordMapping"]}


class KeywordTable(unittest.TestCase):
    def test_keyword_rows_have_the_section_9_4_keys_and_competing_urls(self):
        rows = kw_by_name(run_result(gsc_dataset())[0])
        shared = rows["shared"]
        self.assertEqual(list(shared), KEYWORD_KEYS)
        self.assertEqual([u["isBest"] for u in shared["competingUrls"]], [True, False])
        self.assertEqual(shared["competingUrls"][0]["clickShare"], 0.6)
        self.assertEqual(shared["competingUrls"][1]["impressionShare"], 0.5)
        self.assertEqual(shared["cannibalization"]["reason"], "multiple_pages")
        self.assertEqual((shared["clicks"], shared["impressions"]), (50, 600))
        self.assertEqual(rows["quick"]["opportunity"]["type"], "quick_win")
        self.assertIsNone(rows["far"]["opportunity"])

    def test_keyword_priority_and_its_order(self):
        result = run_result(gsc_dataset())[0]
        rows = kw_by_name(result)
        quick = rows["quick"]
        self.assertEqual(quick["priorityScore"], quick["opportunity"]["potentialClicks"])
        # shared: cannibalised high with no opportunity → 0 × 1.25 + 10.
        self.assertEqual(rows["shared"]["priorityScore"], 10.0)
        keys = [(-row["priorityScore"], row["clicks"] is None, -(row["clicks"] or 0),
                 row["keyword"]) for row in result["keywordMapping"]]
        self.assertEqual(keys, sorted(keys))

    def test_recommended_keywords_need_an_opportunity_or_cannibalisation(self):
        full = run_result(gsc_dataset())[0]
        kept = kw_by_name(run_result(gsc_dataset(), "recommended")[0])
        self.assertEqual(sorted(kept), ["quick", "shared"])
        self.assertEqual(len(full["keywordMapping"]), 5)

    def test_summary_keywords_and_opportunities(self):
        summary = run_result(gsc_dataset())[0]["summary"]
        keywords = summary["keywords"]
        self.assertEqual((keywords["total"], keywords["withMultipleUrls"],
                          keywords["cannibalized"], keywords["cannibalizedHigh"],
                          keywords["quickWins"]), (5, 1, 1, 1, 1))
        self.assertEqual(keywords["positionBuckets"],
                         {"1-3": 2, "4-10": 2, "11-20": 0, "21-50": 1, "51-100": 0})
        opportunities = summary["opportunities"]
        self.assertEqual(opportunities["unit"], "clicks_in_period")
        self.assertEqual([e["keyword"] for e in opportunities["top"]], ["quick"])
        self.assertEqual(opportunities["totalPotentialClicks"],
                         opportunities["top"][0]["potential"])
        self.assertEqual(list(opportunities["top"][0]),
                         ["keyword", "url", "type", "position", "clicks", "impressions", "ctr",
                          "expectedCtr", "targetPosition", "potential", "actionHint"])

    def test_target_keyword_and_alignment_land_on_the_page_rows(self):
        rows = by_url(run_result(gsc_dataset())[0])
        self.assertEqual(rows["https://ex.com/a"]["targetKeyword"], "top")
        self.assertEqual(rows["https://ex.com/a"]["keywordInUrl"], False)
        self.assertIsNone(rows["https://ex.com/a"]["keywordInTitle"])

    def test_gsc_pages_put_page_opportunities_in_the_summary_with_a_null_keyword(self):
        pages = [make_page("https://ex.com/a", clicks=10, impressions=1000, ctr=0.01,
                           position=6.0),
                 make_page("https://ex.com/b", clicks=10, impressions=49, ctr=0.2,
                           position=6.0)]
        data = dataset("gsc_pages", pages=pages, fields={"url", "clicks", "impressions", "ctr",
                                                         "position"})
        result = run_result(data)[0]
        self.assertEqual(result["keywordMapping"], [])
        top = result["summary"]["opportunities"]["top"]
        self.assertEqual([(e["keyword"], e["url"], e["type"]) for e in top],
                         [(None, "https://ex.com/a", "quick_win")])
        self.assertEqual(result["summary"]["keywords"]["quickWins"], 1)


class OutputGuarantees(unittest.TestCase):
    def test_the_result_has_the_section_9_keys_in_order(self):
        result, _, _ = run_result(crawl())
        self.assertEqual(list(result), ["dataSource", "summary", "onpageResults",
                                        "keywordMapping", "checks"])
        self.assertEqual(list(result["summary"]), SUMMARY_KEYS)
        self.assertEqual(list(result["onpageResults"][0]), ONPAGE_KEYS)

    def test_nan_values_are_written_as_null(self):
        data = crawl()
        data.pages["https://ex.com/long"].response_time = float("nan")
        data.pages["https://ex.com/long"].word_count = float("inf")
        result, text, _ = run_result(data)
        self.assertNotIn("NaN", text)
        row = by_url(result)["https://ex.com/long"]
        self.assertIsNone(row["responseTime"])
        self.assertIsNone(row["wordCount"])

    def test_empty_text_is_null_and_lists_are_always_present(self):
        data = crawl()
        data.pages["https://ex.com/"].h2 = "  "
        row = by_url(run_result(data)[0])["https://ex.com/"]
        self.assertIsNone(row["h2"])
        result = run_result(dataset("keyword_list", kw_rows=[kw_row("a", search_volume=10)],
                                    fields={"keyword", "searchVolume"}))[0]
        self.assertEqual(result["onpageResults"], [])
        self.assertEqual(result["checks"], [])
        self.assertEqual(result["keywordMapping"][0]["competingUrls"], [])
        self.assertEqual(result["keywordMapping"][0]["intent"], [])
        self.assertIsNone(result["summary"]["healthScore"])
        self.assertIsNone(result["summary"]["pages"])

    def test_the_same_dataset_gives_the_same_bytes_apart_from_generated_at(self):
        for make in (crawl, gsc_dataset):
            for filter_option in ("all", "recommended"):
                first = run_result(make(), filter_option)[1]
                second = run_result(make(), filter_option)[1]
                self.assertEqual(_without_clock(first), _without_clock(second))

    def test_progress_reports_the_stages_that_apply_in_order(self):
        stages = run_result(gsc_dataset())[2]
        self.assertEqual(stages, [(65, "Checking pages"), (75, "Mapping keywords"),
                                  (85, "Finding opportunities"), (90, "Writing result")])
        stages = run_result(crawl())[2]
        self.assertEqual(stages, [(65, "Checking pages"), (90, "Writing result")])
        stages = run_result(dataset("keyword_list", kw_rows=[kw_row("a", search_volume=10)],
                                    fields={"keyword", "searchVolume"}))[2]
        self.assertEqual(stages, [(75, "Mapping keywords"), (90, "Writing result")])

    def test_health_score_from_html_page_penalties(self):
        summary = run_result(crawl())[0]["summary"]
        # HTML rows: / (0), /long (4), /old (3), /private/ (1, unknown type counts as HTML),
        # /noindex (noindex 5 + title_too_short 1 → 6 … capped per page at 10).
        self.assertEqual(summary["pages"]["html"], 5)
        self.assertEqual(summary["healthScore"], round(100 * (1 - (0 + 4 + 3 + 1 + 6) / 50)))


SOURCES = ("screaming_frog_internal", "screaming_frog_tab", "generic_onpage", "gsc_queries",
           "gsc_pages", "gsc_query_page", "semrush_positions", "ahrefs_organic_keywords",
           "ahrefs_organic_keywords_legacy", "moz_keywords", "generic_rankings", "keyword_list",
           "generic_keyword_url")


class SparseInputs(unittest.TestCase):
    def test_every_source_runs_with_rows_that_hold_no_values_at_all(self):
        fields = CRAWL_FIELDS | {"keyword", "clicks", "impressions", "ctr", "position",
                                 "searchVolume", "traffic", "previousPosition"}
        for source in SOURCES:
            with self.subTest(source=source):
                url_less = source in ("gsc_queries", "keyword_list")
                rows = [kw_row("k", None if url_less else "https://ex.com/x"),
                        kw_row("k", None if url_less else "https://ex.com/y", position=0.0)]
                pages = [] if url_less else [make_page("https://ex.com/x"),
                                             make_page("https://ex.com/y", clicks=0,
                                                       impressions=0)]
                for filter_option in ("all", "recommended"):
                    result = run_result(dataset(source, pages=pages, kw_rows=rows,
                                                fields=fields), filter_option)[0]
                    self.assertEqual(result["dataSource"], source)
                    self.assertEqual(result["summary"]["keywords"]["total"], 1)


def _without_clock(text):
    start = text.index('"generatedAt":')
    return text[:start] + text[text.index(",", start):]


if __name__ == "__main__":
    unittest.main()
