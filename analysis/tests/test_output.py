"""The result writer and the value conventions of spec §9."""

from __future__ import annotations

import json
import os
import tempfile
import unittest
from types import SimpleNamespace

from rankmap_analysis import mapping, output
from rankmap_analysis.mapping import NOT_CANNIBALIZED


class ValueConventions(unittest.TestCase):
    def test_ctr_has_4_decimals_position_2_and_counts_are_integers(self):
        self.assertEqual(output.ctr(0.123456), 0.1235)
        self.assertEqual(output.position(3.14159), 3.14)
        self.assertEqual(output.count(12.0), 12)
        self.assertIsInstance(output.count(12.0), int)
        self.assertEqual(output.count(2.345), 2.35)

    def test_nan_and_infinity_become_null(self):
        for helper in (output.ctr, output.position, output.count, output.number):
            with self.subTest(helper=helper.__name__):
                self.assertIsNone(helper(float("nan")))
                self.assertIsNone(helper(float("inf")))
                self.assertIsNone(helper(None))


class Writer(unittest.TestCase):
    def write(self, onpage, keywords, checks=()):
        handle, path = tempfile.mkstemp()
        os.close(handle)
        try:
            output.write_result(path, "gsc_pages", {"a": 1, "b": None}, onpage, keywords,
                                list(checks))
            with open(path, encoding="utf-8") as fh:
                return fh.read()
        finally:
            os.unlink(path)

    def test_the_file_is_valid_json_with_keys_in_order(self):
        text = self.write(iter([{"url": "x"}, {"url": "é"}]), iter([]), [{"id": "c"}])
        result = json.loads(text)
        self.assertEqual(list(result), ["dataSource", "summary", "onpageResults",
                                        "keywordMapping", "checks"])
        self.assertEqual(result["onpageResults"], [{"url": "x"}, {"url": "é"}])
        self.assertEqual(result["keywordMapping"], [])
        self.assertTrue(text.endswith("}\n"))

    def test_rows_are_written_one_per_line_from_a_generator(self):
        consumed = []

        def rows():
            for n in range(3):
                consumed.append(n)
                yield {"n": n}
        text = self.write(rows(), iter([]))
        self.assertEqual(consumed, [0, 1, 2])
        self.assertIn('\n{"n":1},\n', text)

    def test_a_nan_that_slips_through_is_refused_not_written(self):
        with self.assertRaises(ValueError):
            self.write(iter([{"v": float("nan")}]), iter([]))


TRICKY_TEXTS = ['plain', 'say "hi"', "back\\slash \\u0041", "".join(map(chr, range(32))), "\x7f",
                "tab\tnew\nline\r", "é ü ß", "日本語", "emoji 😀", "\u2028\u2029", "</script>",
                "\ufeffbom", "a/b", ""]
TRICKY_NUMBERS = [None, 0, 7, -3, 10**20, 0.0, -0.0, 3.0, 2.345, 2.355, 0.12345678, 1e-7, 1e20,
                  1e22, 123456789.125, float("nan"), float("inf"), float("-inf"), True, False]


def _row(url, url_norm="n", **values):
    row = SimpleNamespace(url=url, url_norm=url_norm, clicks=None, impressions=None,
                          position=None, previous_position=None, traffic=None)
    row.__dict__.update(values)
    return row


def _result(rows, best=None, **values):
    best = rows[0] if best is None else best
    result = SimpleNamespace(
        keyword="k", rows=rows, best=best, clicks=None, impressions=None, ctr=None,
        search_volume=None, keyword_difficulty=None, cpc=None, intent=[], serp_features=[],
        url_count=len(rows), cannibalization=NOT_CANNIBALIZED, opportunity=None,
        expected_ctr=None, priority=0.0)
    result.__dict__.update(values)
    return result


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class KeywordJson(unittest.TestCase):
    """``keyword_json`` writes exactly the bytes ``json.dumps`` gives for ``keyword_row``."""

    def assertSameJson(self, result, is_gsc=True):
        try:
            expected = _dumps(output.keyword_row(result, is_gsc))
        except ValueError:  # a NaN share or count: both refuse it
            with self.assertRaises(ValueError):
                output.keyword_json(result, is_gsc)
            return
        self.assertEqual(output.keyword_json(result, is_gsc), expected)
        self.assertEqual(output._encode(output.keyword_row(result, is_gsc)), expected)

    def test_tricky_strings(self):
        for text in TRICKY_TEXTS:
            with self.subTest(text=text):
                rows = [_row(text, clicks=1, impressions=2), _row(None, url_norm=None)]
                self.assertSameJson(_result(rows, keyword=text, intent=[text, "b"],
                                            serp_features=[text]))

    def test_tricky_numbers_in_every_numeric_field(self):
        fields = ("clicks", "impressions", "ctr", "search_volume", "keyword_difficulty", "cpc",
                  "expected_ctr", "url_count")
        row_fields = ("clicks", "impressions", "position", "previous_position", "traffic")
        for value in TRICKY_NUMBERS:
            for name in fields:
                with self.subTest(field=name, value=value):
                    self.assertSameJson(_result([_row("u", clicks=5, impressions=9)],
                                                **{name: value}))
            for name in row_fields:
                with self.subTest(row_field=name, value=value):
                    values = {"clicks": 3, "impressions": 4, name: value}
                    rows = [_row("u", **values),
                            _row("v", clicks=1, impressions=2)]
                    result = _result(rows, clicks=4, impressions=6)
                    for is_gsc in (True, False):
                        self.assertSameJson(result, is_gsc)

    def test_shares_competing_cap_cannibalisation_and_opportunity(self):
        rows = [_row(f"https://ex.com/{n}", clicks=n, impressions=n * 10 + 1.5, position=n / 3)
                for n in range(14)]
        rows.insert(3, _row(None, url_norm=None))
        opportunity = SimpleNamespace(to_json=lambda: {"type": "quick_win", "x": 0.25})
        cannibalised = {"isCannibalized": True, "severity": "high", "reason": "r é",
                        "recommendation": "do \"this\""}
        for clicks, impressions in ((0, 0), (91, 140.5), (None, None), (3.0, 7)):
            for cannibalization in (NOT_CANNIBALIZED, cannibalised, None):
                with self.subTest(clicks=clicks, cannibalization=cannibalization):
                    result = _result(rows, best=rows[2], clicks=clicks, impressions=impressions,
                                     cannibalization=cannibalization,
                                     opportunity=opportunity, priority=12.345)
                    self.assertSameJson(result)
        self.assertEqual(output.keyword_json(_result(rows), True).count('"isBest"'), 10)

    def test_a_changed_shared_dict_is_encoded_afresh(self):
        shared = {"isCannibalized": False, "severity": None}
        output.remember_shared_dict(shared)
        self.assertSameJson(_result([_row("u")], cannibalization=shared))
        shared["severity"] = "low"
        self.assertSameJson(_result([_row("u")], cannibalization=shared))

    def test_a_nan_priority_is_refused_as_by_the_encoder(self):
        result = _result([_row("u")], priority=float("nan"))
        with self.assertRaises(ValueError):
            _dumps(output.keyword_row(result, True))
        with self.assertRaises(ValueError):
            output.keyword_json(result, True)

    def test_the_pipeline_rows_equal_the_dict_rows(self):
        from tests.test_pipeline import gsc_dataset
        dataset = gsc_dataset()
        results = mapping.build(dataset)
        for result in results:
            result.priority = 1.5
        self.assertTrue(results)
        for result in results:
            self.assertSameJson(result)

    def test_every_row_of_the_pipeline_tests_equals_json_dumps(self):
        from unittest import mock

        from rankmap_analysis import pipeline
        from tests import test_pipeline
        from tests.test_pipeline_builders import run_result
        seen = {"keyword": 0, "onpage": 0}
        keyword_json, onpage_json = pipeline.keyword_json, pipeline.onpage_json

        def checked_keyword(result, is_gsc):
            seen["keyword"] += 1
            text = keyword_json(result, is_gsc)
            self.assertEqual(text, _dumps(output.keyword_row(result, is_gsc)))
            return text

        def checked_onpage(result, drop_info):
            seen["onpage"] += 1
            text = onpage_json(result, drop_info)
            self.assertEqual(text, _dumps(output.onpage_row(result, drop_info)))
            return text
        with mock.patch.object(pipeline, "keyword_json", checked_keyword), \
                mock.patch.object(pipeline, "onpage_json", checked_onpage):
            for data in (test_pipeline.crawl, test_pipeline.gsc_dataset):
                for filter_option in ("all", "recommended"):
                    run_result(data(), filter_option)
        self.assertGreater(seen["keyword"], 5)
        self.assertGreater(seen["onpage"], 5)

    def test_str_rows_are_written_as_they_are(self):
        handle, path = tempfile.mkstemp()
        os.close(handle)
        try:
            output.write_result(path, "gsc_query_page", {}, iter([]),
                                iter(['{"keyword":"a"}', {"keyword": "b"}]), [])
            with open(path, encoding="utf-8") as fh:
                result = json.load(fh)
        finally:
            os.unlink(path)
        self.assertEqual(result["keywordMapping"], [{"keyword": "a"}, {"keyword": "b"}])


def _page_result(**values):
    page = SimpleNamespace(
        url="https://ex.com/p", content_type=None, status_code=None, status=None,
        indexability=None, indexability_status=None, title=None, title_length=None,
        title_pixel_width=None, meta_description=None, meta_description_length=None,
        meta_description_pixel_width=None, h1=None, h1_length=None, h1_count=None, h2=None,
        canonical=None, meta_robots=None, x_robots_tag=None, word_count=None,
        crawl_depth=None, inlinks=None, unique_inlinks=None, response_time=None, clicks=None,
        impressions=None, ctr=None, position=None, keywords_count=None, traffic=None)
    page.__dict__.update(values)
    return SimpleNamespace(page=page, issues=[], alignment=None, target=None, priority=0.0)


class OnpageJson(unittest.TestCase):
    """``onpage_json`` writes exactly the bytes ``json.dumps`` gives for ``onpage_row``."""

    def assertSameJson(self, result):
        for drop_info in (False, True):
            try:
                expected = _dumps(output.onpage_row(result, drop_info))
            except (ValueError, AttributeError) as exc:  # NaN; a number where text belongs
                with self.assertRaises(type(exc)):
                    output.onpage_json(result, drop_info)
                continue
            self.assertEqual(output.onpage_json(result, drop_info), expected)

    def test_tricky_texts_in_every_text_field(self):
        fields = ("url", "content_type", "status", "indexability", "indexability_status",
                  "title", "meta_description", "h1", "h2", "canonical", "meta_robots",
                  "x_robots_tag")
        for text in TRICKY_TEXTS + ["  ", " padded ", 404]:
            for name in fields:
                if name == "url" and not isinstance(text, str):
                    continue
                with self.subTest(field=name, text=text):
                    self.assertSameJson(_page_result(**{name: text}))

    def test_tricky_numbers_in_every_numeric_field(self):
        fields = ("status_code", "title_length", "title_pixel_width", "meta_description_length",
                  "meta_description_pixel_width", "h1_length", "h1_count", "word_count",
                  "crawl_depth", "inlinks", "unique_inlinks", "response_time", "clicks",
                  "impressions", "ctr", "position", "keywords_count", "traffic")
        for value in TRICKY_NUMBERS + [0.1235, 1.0005]:
            for name in fields:
                with self.subTest(field=name, value=value):
                    self.assertSameJson(_page_result(**{name: value}))
            with self.subTest(priority=value):
                result = _page_result()
                result.priority = value
                self.assertSameJson(result)

    def test_alignment_target_and_issues(self):
        from rankmap_analysis.checks.rules import Issue
        result = _page_result(title="Blue shoes", h1=" x ")
        result.alignment = SimpleNamespace(title=True, h1="partial", url=False,
                                           meta_description=None)
        result.target = SimpleNamespace(keyword='blue "shoes"')
        result.issues = [Issue("title_too_long_chars", "too long é", 71.123456, threshold=60.0),
                         Issue("title_missing", "an info one", None, severity="info"),
                         Issue("keyword_missing_in_url", "missing", "blue")]
        self.assertSameJson(result)


if __name__ == "__main__":
    unittest.main()
