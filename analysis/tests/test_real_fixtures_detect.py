"""Every real export in ../shared/fixtures/real is read and recognised as spec §12 says.

The files are read by path, never copied. When the folder is missing these tests skip with a
loud message, and fail under CI=true.
"""

import collections
import unittest

from rankmap_analysis.inputs import choose_input
from rankmap_analysis.tables import build_dataset

from . import real_fixture

_CACHE: dict = {}


def load(test: unittest.TestCase, name: str):
    """The Dataset of one real export (built once per test run)."""
    path = real_fixture(test, name)
    if name not in _CACHE:
        probe, detection, warnings = choose_input([(path, None)])
        _CACHE[name] = build_dataset(probe, detection, lambda n, m: None, warnings)
    return _CACHE[name]


def by_keyword(ds):
    return {k.keyword: k for k in ds.kw_rows}


class SearchConsoleFixturesTest(unittest.TestCase):
    def test_gsc_ui_queries_en(self):
        ds = load(self, "gsc_ui_queries_en.csv")
        self.assertEqual(ds.data_source, "gsc_queries")
        self.assertEqual(len(ds.kw_rows), 1000)
        self.assertEqual(round(by_keyword(ds)["duo"].ctr, 4), 0.037)
        self.assertTrue(ds.ui_row_capped)
        self.assertTrue(any("1,000 rows" in w for w in ds.warnings))
        self.assertTrue(all(k.url is None for k in ds.kw_rows))
        self.assertEqual(sum(k.clicks for k in ds.kw_rows), 646_040)
        self.assertEqual(sum(k.impressions for k in ds.kw_rows), 7_961_791)
        self.assertEqual(ds.rows["read"], 1000)
        self.assertIsNone(ds.date_range)

    def test_gsc_ui_queries_fr(self):
        ds = load(self, "gsc_ui_queries_fr.csv")
        self.assertEqual(ds.data_source, "gsc_queries")
        self.assertEqual(ds.source["columnsFound"][0], "Requêtes les plus fréquentes")
        row = by_keyword(ds)["michelin tires"]
        self.assertEqual((round(row.ctr, 4), round(row.position, 2)), (0.1586, 1.46))

    def test_gsc_ui_pages_en(self):
        ds = load(self, "gsc_ui_pages_en.csv")
        self.assertEqual(ds.data_source, "gsc_pages")
        self.assertEqual((len(ds.pages), ds.kw_rows), (1000, []))
        self.assertEqual(sum(p.clicks for p in ds.pages.values()), 1_258_699)
        self.assertTrue(ds.ui_row_capped)

    def test_gsc_api_date_page_query(self):
        ds = load(self, "gsc_api_date_page_query.csv")
        self.assertEqual((ds.data_source, ds.source["variant"]), ("gsc_query_page",
                                                                  "api_with_date"))
        self.assertEqual((ds.rows["read"], ds.rows["analysed"], ds.rows["aggregatedFrom"]),
                         (6000, 916, 6000))
        self.assertEqual(len({k.keyword_norm for k in ds.kw_rows}), 806)
        self.assertEqual(len(ds.pages), 214)
        self.assertTrue(ds.ctr_as_fraction)
        self.assertEqual(ds.date_range, {"start": "2024-03-30", "end": "2025-08-08"})
        per_keyword = collections.Counter(k.keyword_norm for k in ds.kw_rows)
        self.assertEqual(sum(1 for n in per_keyword.values() if n > 1), 69)


class ToolFixturesTest(unittest.TestCase):
    def test_semrush_organic_positions(self):
        ds = load(self, "semrush_organic_positions.csv")
        self.assertEqual(ds.data_source, "semrush_positions")
        self.assertEqual((ds.rows["read"], len(ds.kw_rows)), (701, 701))
        per_keyword = collections.Counter(k.keyword_norm for k in ds.kw_rows)
        self.assertEqual(len(per_keyword), 603)
        self.assertEqual(sum(1 for n in per_keyword.values() if n > 1), 96)
        self.assertTrue(all(k.ctr is None for k in ds.kw_rows))  # Traffic (%) is not CTR
        self.assertTrue(any(k.serp_feature_of_url == "People also ask" for k in ds.kw_rows))
        self.assertTrue(any(k.previous_position == 0 for k in ds.kw_rows))

    def test_semrush_keyword_list_no_url(self):
        ds = load(self, "semrush_keyword_list_no_url.csv")
        self.assertEqual(ds.data_source, "keyword_list")
        rows = by_keyword(ds)
        self.assertEqual(rows["json compare"].search_volume, 8100)
        self.assertEqual(rows["json compare"].number_of_results, 117_000_000)
        self.assertEqual(rows["uscis json"].number_of_results, 9900)  # `9.9K`
        self.assertEqual(rows["json syntax square brackets"].number_of_results, 3_900_000)
        self.assertIsNone(rows["yaml json"].number_of_results)  # `n/a`
        self.assertTrue(any("no URL/position" in w for w in ds.warnings))
        self.assertEqual(len(ds.kw_rows), 100)

    def test_ahrefs_v3_organic_keywords_utf16le(self):
        ds = load(self, "ahrefs_v3_organic_keywords_utf16le.csv")
        self.assertEqual(ds.data_source, "ahrefs_organic_keywords")
        self.assertEqual((ds.source["encoding"], ds.source["delimiter"], ds.source["hasBom"]),
                         ("utf-16-le", "\t", True))
        self.assertEqual(len(ds.kw_rows), 1000)
        self.assertEqual(len(ds.pages), 640)
        intents = {i for k in ds.kw_rows for i in k.intent}
        self.assertTrue(intents)
        self.assertLessEqual(intents, {"informational", "navigational", "commercial",
                                       "transactional", "branded", "local"})
        self.assertTrue(any("cannibalisation cannot be computed" in w for w in ds.warnings))


class CrawlFixturesTest(unittest.TestCase):
    def test_sf_internal_all_2021_gsc_ga_columns(self):
        ds = load(self, "sf_internal_all_2021_gsc_ga_columns.csv")
        self.assertEqual(ds.data_source, "screaming_frog_internal")
        self.assertFalse(ds.source["hasBom"])
        self.assertEqual(len(ds.pages), 137)
        for column in ("Title 1", "Meta Description 1", "H1-1", "H1-2", "H2-1",
                       "Canonical Link Element 1", "Hash"):
            self.assertIn(column, ds.empty_columns)
        self.assertEqual(sum("treated as absent" in w for w in ds.warnings), 1)
        self.assertFalse({"title", "metaDescription", "h1", "canonical", "hash"} & ds.fields)
        self.assertTrue(all(p.title_length is not None for p in ds.pages.values()))
        self.assertTrue(ds.ctr_as_fraction)
        blocked = [p for p in ds.pages.values() if p.status_code == 0]
        self.assertEqual([p.status for p in blocked], ["Blocked by robots.txt"])

    def test_sf_internal_all_2023_bom_mixed_types(self):
        ds = load(self, "sf_internal_all_2023_bom_mixed_types.csv")
        self.assertEqual(ds.data_source, "screaming_frog_internal")
        self.assertTrue(ds.source["hasBom"])
        self.assertEqual(len(ds.pages), 318)
        self.assertEqual(sum(p.is_html for p in ds.pages.values()), 273)
        self.assertEqual(sum(1 for p in ds.pages.values()
                             if p.status_code and 300 <= p.status_code < 400), 11)
        self.assertEqual(sum(1 for p in ds.pages.values()
                             if "noindex" in (p.indexability_status or "").lower()), 1)
        indexable = [p for p in ds.pages.values() if p.is_html and p.indexability == "Indexable"]
        self.assertEqual(sum(1 for p in indexable if p.title_length > 60), 97)
        self.assertEqual(sum(1 for p in indexable if p.meta_description_length > 160), 116)
        titles = collections.Counter(p.title.lower() for p in indexable if p.title)
        self.assertEqual(sum(1 for n in titles.values() if n > 1), 1)
        self.assertEqual(ds.source["variant"], "internal_all")

    def test_sf_internal_all_2026_v22(self):
        ds = load(self, "sf_internal_all_2026_v22.csv")
        self.assertEqual(ds.data_source, "screaming_frog_internal")
        self.assertIn("sizeBytes", ds.fields)
        self.assertFalse(ds.has_h1_second)
        self.assertTrue(all(p.h1_count is None for p in ds.pages.values()))
        blocked = [p for p in ds.pages.values()
                   if p.status_code == 0 and p.status == "Blocked by robots.txt"]
        self.assertEqual(len(blocked), 47)
        self.assertEqual(sum(not p.is_html for p in ds.pages.values()), 397)
        webp = [p for p in ds.pages.values() if p.url_norm.lower().endswith(".webp")
                and not p.content_type]
        self.assertEqual(len(webp), 70)
        self.assertFalse(any(p.is_html for p in webp))

    def test_sf_page_titles_all_tab_export(self):
        ds = load(self, "sf_page_titles_all_tab_export.csv")
        self.assertEqual((ds.data_source, ds.source["variant"]),
                         ("screaming_frog_tab", "page_titles"))
        self.assertEqual(len(ds.pages), 9)
        self.assertEqual(ds.fields & {"h1", "metaDescription", "statusCode"}, set())

    def test_generic_page_keywords_semicolon(self):
        ds = load(self, "generic_page_keywords_semicolon.csv")
        self.assertEqual(ds.data_source, "generic_keyword_url")
        self.assertEqual((ds.source["delimiter"], ds.multi_keyword_separator), (";", ";"))
        self.assertEqual(ds.rows["read"], 21)
        self.assertEqual(len({k.keyword_norm for k in ds.kw_rows}), 836)
        # §12 counts 21 URLs / 987 pairs on the raw addresses; five of them differ only by a
        # #fragment, which §2.7 drops, so they are 16 pages and 958 (keyword, page) pairs.
        self.assertEqual(len(ds.pages), 16)
        self.assertEqual(len(ds.kw_rows), 958)
        self.assertEqual(ds.kw_rows[0].rank_in_cell, 1)


if __name__ == "__main__":
    unittest.main()
