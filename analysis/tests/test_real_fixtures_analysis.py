"""The "must hold" values of analysis-spec §12 (and the §6.2 / §7.3 reference counts) for every
real export, run through the command line exactly as the server runs it.

The fixtures live beside the checkout (``<repo>/../shared/fixtures/real``) and are never copied
into the repository. When the folder is missing these tests are skipped with a loud reason,
except under ``CI=true`` where a missing folder is a failure.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
from urllib.parse import urlsplit

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "real")
ANALYZE = os.path.join(REPO, "analysis", "analyze.py")
MISSING = not os.path.isdir(FIXTURES)
MISSING_REASON = f"REAL FIXTURES MISSING: {FIXTURES} does not exist; §12 checks not run"

_CACHE: dict = {}


def _reject_constant(name):
    raise ValueError(f"invalid JSON constant {name}")


def analyse_in_process(name, filter_option="all"):
    """Run the command line's ``main`` in this process (no interpreter start-up per run)."""
    from rankmap_analysis.cli import main
    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, "result.json")
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()) as err:
            code = main(["--input", os.path.join(FIXTURES, name), "--filter", filter_option,
                         "--output", output])
        if code != 0:
            raise AssertionError(f"analysis exited {code} on {name}: {err.getvalue()[-2000:]}")
        with open(output, encoding="utf-8") as fh:
            return fh.read()


def analyse_text(name, filter_option="all"):
    """Run analyze.py in a fresh interpreter (its own string-hash seed); returns the text."""
    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, "result.json")
        done = subprocess.run(
            [sys.executable, ANALYZE, "--input", os.path.join(FIXTURES, name), "--filter",
             filter_option, "--output", output],
            cwd=scratch, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"analyze.py exited {done.returncode} on {name}: "
                                 f"{done.stderr[-2000:]}")
        with open(output, encoding="utf-8") as fh:
            return fh.read()


def analyse(name, filter_option="all"):
    key = (name, filter_option)
    if key not in _CACHE:
        _CACHE[key] = json.loads(analyse_in_process(name, filter_option),
                                 parse_constant=_reject_constant)
    return _CACHE[key]


def issue_ids(row):
    return {issue["id"] for issue in row["issues"]}


def rows_with(result, check_id, only_indexable=False):
    return [row for row in result["onpageResults"] if check_id in issue_ids(row)
            and (not only_indexable or row["indexability"] == "Indexable")]


def keyword(result, text):
    matches = [row for row in result["keywordMapping"] if row["keyword"] == text]
    if len(matches) != 1:
        raise AssertionError(f"expected one keyword {text!r}, found {len(matches)}")
    return matches[0]


class FixtureCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if MISSING:
            if os.environ.get("CI") == "true":
                raise AssertionError(MISSING_REASON)
            raise unittest.SkipTest(MISSING_REASON)


class SearchConsoleUiExports(FixtureCase):
    def test_english_queries_hold_the_section_12_values(self):
        result = analyse("gsc_ui_queries_en.csv")
        summary = result["summary"]
        self.assertEqual(result["dataSource"], "gsc_queries")
        self.assertEqual(summary["keywords"]["total"], 1000)
        self.assertEqual(len(result["keywordMapping"]), 1000)
        self.assertEqual(keyword(result, "duo")["ctr"], 0.037)
        self.assertTrue(any("1,000 rows" in w for w in summary["warnings"]))
        self.assertTrue(all(row["bestUrl"] is None for row in result["keywordMapping"]))
        self.assertEqual(summary["totals"]["clicks"], 646040)
        self.assertEqual(summary["totals"]["impressions"], 7961791)
        self.assertEqual(result["onpageResults"], [])
        self.assertTrue(all(row["cannibalization"] is None for row in result["keywordMapping"]))

    def test_english_queries_have_the_section_7_3_reference_opportunities(self):
        keywords = analyse("gsc_ui_queries_en.csv")["summary"]["keywords"]
        self.assertEqual((keywords["quickWins"], keywords["strikingDistance"]), (68, 10))

    def test_french_queries_are_recognised_with_their_values(self):
        result = analyse("gsc_ui_queries_fr.csv")
        self.assertEqual(result["dataSource"], "gsc_queries")
        row = keyword(result, "michelin tires")
        self.assertEqual((row["ctr"], row["position"]), (0.1586, 1.46))
        keywords = result["summary"]["keywords"]
        self.assertEqual((keywords["quickWins"], keywords["strikingDistance"]), (314, 58))

    def test_pages_export_has_page_rows_url_checks_and_page_level_opportunities(self):
        result = analyse("gsc_ui_pages_en.csv")
        summary = result["summary"]
        self.assertEqual(result["dataSource"], "gsc_pages")
        self.assertEqual(len(result["onpageResults"]), 1000)
        check_ids = {check["id"] for check in result["checks"]}
        self.assertTrue({"url_too_long", "url_underscores", "url_uppercase"} <= check_ids)
        self.assertEqual(summary["totals"]["clicks"], 1258699)
        self.assertEqual(result["keywordMapping"], [])
        top = summary["opportunities"]["top"]
        self.assertEqual(len(top), 10)
        self.assertTrue(all(entry["keyword"] is None and entry["url"] for entry in top))
        self.assertEqual(summary["keywords"]["total"], 0)


class SearchConsoleApiExport(FixtureCase):
    def test_query_page_rows_are_aggregated_as_section_12_says(self):
        result = analyse("gsc_api_date_page_query.csv")
        summary = result["summary"]
        self.assertEqual(result["dataSource"], "gsc_query_page")
        self.assertEqual(summary["rows"]["read"], 6000)
        self.assertEqual(summary["rows"]["analysed"], 916)
        self.assertEqual(summary["keywords"]["total"], 806)
        self.assertEqual(summary["pages"]["total"], 214)
        self.assertEqual(summary["dateRange"], {"start": "2024-03-30", "end": "2025-08-08"})
        self.assertTrue(any("fraction" in w for w in summary["warnings"]))
        self.assertTrue(all(0 <= row["ctr"] <= 1 for row in result["keywordMapping"]))

    def test_cannibalisation_matches_the_section_6_2_reference(self):
        result = analyse("gsc_api_date_page_query.csv")
        keywords = result["summary"]["keywords"]
        self.assertEqual((keywords["cannibalized"], keywords["cannibalizedHigh"]), (10, 4))
        cannibalised = [row for row in result["keywordMapping"]
                        if row["cannibalization"]["isCannibalized"]]
        top = max(cannibalised, key=lambda row: row["impressions"])
        self.assertEqual(top["keyword"], "flashcom indonesia")
        self.assertEqual(top["impressions"], 7547)
        self.assertEqual(top["cannibalization"]["reason"], "homepage_and_page")
        urls = [urlsplit(u["url"]).path for u in top["competingUrls"][:2]]
        self.assertEqual(urls, ["/", "/lowongan-kerja"])
        for row in cannibalised:
            self.assertTrue(row["cannibalization"]["recommendation"])

    def test_site_specific_ctr_curve_is_used_and_non_increasing(self):
        curve = analyse("gsc_api_date_page_query.csv")["summary"]["ctrCurve"]
        self.assertEqual(curve["source"], "site_specific")
        points = [curve["points"][str(p)] for p in range(1, 21)]
        self.assertEqual(points, sorted(points, reverse=True))


class RankTrackerExports(FixtureCase):
    def test_semrush_positions_hold_the_section_12_values(self):
        result = analyse("semrush_organic_positions.csv")
        summary = result["summary"]
        self.assertEqual(result["dataSource"], "semrush_positions")
        self.assertEqual(summary["rows"]["read"], 701)
        self.assertEqual(summary["keywords"]["total"], 603)
        self.assertEqual(summary["keywords"]["withMultipleUrls"], 96)
        # Traffic (%) is a share of the domain's traffic, never a CTR.
        self.assertTrue(all(row["ctr"] is None for row in result["keywordMapping"]))
        self.assertEqual(summary["opportunities"]["unit"], "monthly_visits")

    def test_semrush_cannibalisation_and_opportunities_match_the_references(self):
        keywords = analyse("semrush_organic_positions.csv")["summary"]["keywords"]
        self.assertEqual((keywords["cannibalized"], keywords["cannibalizedHigh"]), (78, 35))
        self.assertEqual((keywords["quickWins"], keywords["strikingDistance"]), (147, 166))

    def test_semrush_keyword_list_parses_formatted_numbers_and_warns(self):
        result = analyse("semrush_keyword_list_no_url.csv")
        self.assertEqual(result["dataSource"], "keyword_list")
        self.assertEqual(keyword(result, "json compare")["searchVolume"], 8100)
        self.assertTrue(any("URL/position" in w for w in result["summary"]["warnings"]))
        self.assertTrue(all(row["opportunity"] is None and row["bestUrl"] is None
                            for row in result["keywordMapping"]))

    def test_ahrefs_v3_holds_the_section_12_values(self):
        result = analyse("ahrefs_v3_organic_keywords_utf16le.csv")
        summary = result["summary"]
        self.assertEqual(result["dataSource"], "ahrefs_organic_keywords")
        self.assertEqual(summary["source"]["encoding"], "utf-16-le")
        self.assertEqual(summary["keywords"]["total"], 1000)
        self.assertEqual(summary["pages"]["total"], 640)
        self.assertTrue(any(row["intent"] for row in result["keywordMapping"]))
        self.assertTrue(all(row["cannibalization"] is None for row in result["keywordMapping"]))
        self.assertTrue(any("cannibalisation" in w for w in summary["warnings"]))
        keywords = summary["keywords"]
        self.assertEqual((keywords["quickWins"], keywords["strikingDistance"]), (194, 21))


class ScreamingFrogExports(FixtureCase):
    def test_2021_redacted_columns_are_absent_and_cause_no_false_issues(self):
        result = analyse("sf_internal_all_2021_gsc_ga_columns.csv")
        summary = result["summary"]
        self.assertEqual(result["dataSource"], "screaming_frog_internal")
        self.assertEqual(summary["rows"]["read"], 137)
        warning = [w for w in summary["warnings"] if "treated as absent" in w]
        self.assertEqual(len(warning), 1)
        for column in ("Title 1", "Meta Description 1", "H1-1", "H1-2", "H2-1",
                       "Canonical Link Element 1", "Hash"):
            self.assertIn(column, warning[0])
        found = {issue for row in result["onpageResults"] for issue in issue_ids(row)}
        forbidden = {"title_missing", "canonical_missing", "exact_duplicate", "title_duplicate",
                     "meta_description_duplicate", "h1_duplicate", "title_same_as_h1"}
        self.assertEqual(found & forbidden, set())
        self.assertIn("title_too_long_chars", found)  # lengths are still used
        self.assertTrue(any("fraction" in w for w in summary["warnings"]))
        blocked = [row for row in result["onpageResults"] if row["statusCode"] == 0]
        self.assertEqual(len(blocked), 1)
        self.assertEqual(issue_ids(blocked[0]), {"blocked_by_robots"})

    def test_2023_mixed_types_hold_the_section_12_counts(self):
        result = analyse("sf_internal_all_2023_bom_mixed_types.csv")
        summary = result["summary"]
        self.assertEqual(summary["rows"]["read"], 318)
        self.assertEqual(summary["pages"]["html"], 273)
        self.assertEqual(len(rows_with(result, "redirect_3xx")), 11)
        self.assertEqual(len(rows_with(result, "noindex")), 1)
        groups = {tuple(sorted([row["url"]] + issue["relatedUrls"]))
                  for row in result["onpageResults"] for issue in row["issues"]
                  if issue["id"] == "title_duplicate"}
        self.assertEqual(len(groups), 1)
        self.assertEqual(len(rows_with(result, "title_too_long_chars", True)), 97)
        self.assertEqual(len(rows_with(result, "meta_description_too_long_chars", True)), 116)

    def test_2023_non_html_rows_get_no_on_page_or_url_checks(self):
        result = analyse("sf_internal_all_2023_bom_mixed_types.csv")
        for row in result["onpageResults"]:
            if "html" in (row["contentType"] or ""):
                continue
            with self.subTest(url=row["url"]):
                categories = {issue["category"] for issue in row["issues"]}
                self.assertLessEqual(categories, {"response", "indexability"})

    def test_2026_has_unknown_h1_count_and_robots_blocked_rows(self):
        result = analyse("sf_internal_all_2026_v22.csv")
        rows = result["onpageResults"]
        self.assertTrue(all(row["h1Count"] is None for row in rows))
        self.assertNotIn("h1_multiple", {check["id"] for check in result["checks"]})
        blocked = [row for row in rows if row["statusCode"] == 0]
        self.assertEqual(len(blocked), 47)
        for row in blocked:
            self.assertIn("blocked_by_robots", issue_ids(row))
            self.assertNotIn("no_response", issue_ids(row))
        self.assertEqual(result["summary"]["pages"]["byStatusClass"]["blockedByRobots"], 47)
        self.assertEqual(result["summary"]["pages"]["byStatusClass"]["noResponse"], 0)

    def test_2026_non_html_rows_get_no_url_checks(self):
        result = analyse("sf_internal_all_2026_v22.csv")
        self.assertEqual(result["summary"]["pages"]["total"] - result["summary"]["pages"]["html"],
                         397)
        for row in result["onpageResults"]:
            if row["url"].lower().endswith((".webp", ".png", ".svg", ".jpg", ".js", ".xml")):
                with self.subTest(url=row["url"]):
                    self.assertFalse(any(i["category"] == "url" for i in row["issues"]))

    def test_page_titles_tab_runs_only_title_and_indexability_checks(self):
        # §12 says "only title checks run". The tab also carries Indexability Status, which is
        # all that noindex, canonicalised and blocked_by_robots need (§5.1 "Needs"), so those
        # three run too (finding nothing here); no URL, heading, meta or content check runs —
        # without a status code a tab export cannot say which rows are 2xx (§0.21).
        result = analyse("sf_page_titles_all_tab_export.csv")
        self.assertEqual(result["dataSource"], "screaming_frog_tab")
        self.assertEqual(len(result["onpageResults"]), 9)
        categories = {check["category"] for check in result["checks"]}
        self.assertEqual(categories, {"title", "indexability"})
        indexability = {c["id"] for c in result["checks"] if c["category"] == "indexability"}
        self.assertEqual(indexability, {"noindex", "canonicalised", "blocked_by_robots"})
        issues = {issue["category"] for row in result["onpageResults"] for issue in row["issues"]}
        self.assertEqual(issues, {"title"})


class GenericKeywordList(FixtureCase):
    def raw_pairs(self, drop_fragment):
        pairs, urls = set(), set()
        with open(os.path.join(FIXTURES, "generic_page_keywords_semicolon.csv"),
                  encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter=";")
            next(reader)
            for row in reader:
                url = row[0].split("#", 1)[0] if drop_fragment else row[0]
                urls.add(url)
                for part in row[1].split(";"):
                    if part.strip():
                        pairs.add((" ".join(part.strip().lower().split()), url))
        keywords = {}
        for kw, url in pairs:
            keywords.setdefault(kw, set()).add(url)
        several = sum(1 for found in keywords.values() if len(found) >= 2)
        return len(pairs), len(keywords), several, len(urls)

    def test_multi_keyword_cells_hold_the_section_12_values(self):
        result = analyse("generic_page_keywords_semicolon.csv")
        summary = result["summary"]
        self.assertEqual(result["dataSource"], "generic_keyword_url")
        self.assertEqual(summary["keywords"]["total"], 836)
        cannibalised = [row for row in result["keywordMapping"]
                        if row["cannibalization"]["isCannibalized"]]
        self.assertTrue(all(row["cannibalization"]["severity"] == "medium"
                            for row in cannibalised))
        self.assertEqual(len(cannibalised), summary["keywords"]["withMultipleUrls"])

    def test_url_fragments_explain_why_the_counts_are_below_section_12(self):
        # §12 lists 987 pairs, 112 keywords on ≥ 2 URLs and 21 URLs: those count the URLs as
        # written. Nine rows differ only by a #fragment, which §2.7 drops, so after
        # normalisation there are 16 URLs, 958 pairs and 107 keywords on ≥ 2 URLs. Both sets
        # of numbers are recomputed from the raw file here; the result must match the second.
        self.assertEqual(self.raw_pairs(drop_fragment=False), (987, 836, 112, 21))
        pairs, keywords, several, urls = self.raw_pairs(drop_fragment=True)
        result = analyse("generic_page_keywords_semicolon.csv")
        summary = result["summary"]
        self.assertEqual(summary["rows"]["analysed"], pairs)
        self.assertEqual(summary["keywords"]["total"], keywords)
        self.assertEqual(summary["keywords"]["withMultipleUrls"], several)
        self.assertEqual(summary["keywords"]["cannibalized"], several)
        self.assertEqual(summary["pages"]["total"], urls)


ALL_FIXTURES = (
    "gsc_ui_queries_en.csv", "gsc_ui_queries_fr.csv", "gsc_ui_pages_en.csv",
    "gsc_api_date_page_query.csv", "semrush_organic_positions.csv",
    "semrush_keyword_list_no_url.csv", "ahrefs_v3_organic_keywords_utf16le.csv",
    "sf_internal_all_2021_gsc_ga_columns.csv", "sf_internal_all_2023_bom_mixed_types.csv",
    "sf_internal_all_2026_v22.csv", "sf_page_titles_all_tab_export.csv",
    "generic_page_keywords_semicolon.csv",
)


class EveryFixture(FixtureCase):
    def test_recommended_is_a_subset_of_all_and_never_larger(self):
        for name in ALL_FIXTURES:
            with self.subTest(fixture=name):
                full, kept = analyse(name, "all"), analyse(name, "recommended")
                for table, key in (("onpageResults", "url"), ("keywordMapping", "keyword")):
                    every = {row[key] for row in full[table]}
                    some = [row[key] for row in kept[table]]
                    self.assertLessEqual(len(some), len(every))
                    self.assertLessEqual(set(some), every)
                    self.assertEqual(kept["summary"]["filteredCounts"][table], len(some))
                    self.assertEqual(full["summary"]["filteredCounts"][table], len(every))
                self.assertEqual(full["summary"]["issues"], kept["summary"]["issues"])
                self.assertEqual(full["summary"]["keywords"], kept["summary"]["keywords"])

    def test_results_have_the_section_9_shape(self):
        for name in ALL_FIXTURES:
            with self.subTest(fixture=name):
                result = analyse(name)
                self.assertEqual(list(result), ["dataSource", "summary", "onpageResults",
                                                "keywordMapping", "checks"])
                self.assertEqual(result["dataSource"], result["summary"]["source"]["id"])
                for row in result["onpageResults"]:
                    self.assertEqual(row["issueCount"], len(row["issues"]))
                    for issue in row["issues"]:
                        self.assertIn(issue["id"], {c["id"] for c in result["checks"]})

    def test_the_same_file_gives_the_same_bytes_apart_from_generated_at(self):
        # Separate interpreters, so string hashing differs between the two runs.
        for name in ("gsc_api_date_page_query.csv", "sf_internal_all_2023_bom_mixed_types.csv"):
            for filter_option in ("all", "recommended"):
                with self.subTest(fixture=name, filter=filter_option):
                    first = analyse_text(name, filter_option)
                    second = analyse_text(name, filter_option)
                    self.assertEqual(_without_clock(first), _without_clock(second))


def _without_clock(text):
    start = text.index('"generatedAt":')
    end = text.index(",", start)
    return text[:start] + text[end:]


if __name__ == "__main__":
    unittest.main()
