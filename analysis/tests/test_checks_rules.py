"""Each on-page check of spec §5 just inside and just outside its threshold."""

from __future__ import annotations

import unittest

from rankmap_analysis.checks import rules
from rankmap_analysis.checks.catalogue import CHECKS, CHECKS_BY_ID
from rankmap_analysis.ctr_curve import default_curve

from tests.test_pipeline_builders import html_page, make_page

ALL = frozenset(check.id for check in CHECKS)


def ids(issues):
    return [issue.check.id for issue in issues]


def content(page):
    out = []
    rules.content_issues(page, ALL, out)
    return ids(out)


def response(page):
    out = []
    rules.response_issues(page, ALL, out)
    return out


def url_ids(url):
    out = []
    rules.url_issues(make_page(url), ALL, out)
    return ids(out)


def perf(**values):
    out = []
    rules.performance_issues(make_page("https://ex.com/p", **values), ALL, default_curve(), out)
    return ids(out)


class ResponseChecks(unittest.TestCase):
    def test_4xx_fires_from_400_to_499_only(self):
        self.assertEqual(ids(response(make_page("https://ex.com/a", status_code=400))),
                         ["status_4xx"])
        self.assertEqual(ids(response(make_page("https://ex.com/a", status_code=499))),
                         ["status_4xx"])
        self.assertNotIn("status_4xx", ids(response(make_page("https://ex.com/a",
                                                              status_code=399))))
        self.assertNotIn("status_4xx", ids(response(make_page("https://ex.com/a",
                                                              status_code=500))))

    def test_5xx_fires_from_500(self):
        self.assertEqual(ids(response(make_page("https://ex.com/a", status_code=500))),
                         ["status_5xx"])
        self.assertEqual(ids(response(make_page("https://ex.com/a", status_code=499))),
                         ["status_4xx"])

    def test_redirect_fires_from_300_to_399_and_names_the_target(self):
        issues = response(make_page("https://ex.com/a", status_code=301,
                                    redirect_url="https://ex.com/b"))
        self.assertEqual(ids(issues), ["redirect_3xx"])
        self.assertIn("https://ex.com/b", issues[0].message)
        self.assertEqual(ids(response(make_page("https://ex.com/a", status_code=299))), [])
        self.assertEqual(ids(response(make_page("https://ex.com/a", status_code=399))),
                         ["redirect_3xx"])

    def test_no_response_for_status_zero_or_timeout_text(self):
        self.assertEqual(ids(response(make_page("https://ex.com/a", status_code=0,
                                                status="No Response"))), ["no_response"])
        self.assertEqual(ids(response(make_page("https://ex.com/a", status="Connection Timeout"))),
                         ["no_response"])
        self.assertEqual(ids(response(make_page("https://ex.com/a", status_code=200,
                                                status="OK"))), [])

    def test_robots_blocked_status_zero_gets_blocked_by_robots_not_no_response(self):
        page = make_page("https://ex.com/a", status_code=0, status="Blocked by robots.txt",
                         indexability_status="Blocked by robots.txt")
        issues = response(page)
        self.assertEqual(ids(issues), ["blocked_by_robots"])
        self.assertEqual(issues[0].severity, "low")

    def test_blocked_by_robots_is_high_when_the_url_has_traffic(self):
        page = make_page("https://ex.com/a", status_code=0, status="Blocked by robots.txt",
                         indexability_status="Blocked by robots.txt", clicks=0,
                         impressions=3)
        self.assertEqual(response(page)[0].severity, "high")


class IndexabilityChecks(unittest.TestCase):
    def run_checks(self, page, indexable=True):
        out = []
        rules.indexability_issues(page, ALL, indexable, out)
        return ids(out)

    def test_noindex_in_meta_robots_x_robots_or_indexability_status(self):
        self.assertEqual(self.run_checks(html_page("https://ex.com/a",
                                                   meta_robots="noindex, follow")), ["noindex"])
        self.assertEqual(self.run_checks(html_page("https://ex.com/a",
                                                   x_robots_tag="NOINDEX")), ["noindex"])
        self.assertEqual(self.run_checks(html_page("https://ex.com/a",
                                                   indexability_status="noindex")), ["noindex"])
        self.assertEqual(self.run_checks(html_page("https://ex.com/a", meta_robots="index")),
                         [])

    def test_canonicalised_only_when_the_canonical_is_another_url(self):
        self.assertEqual(self.run_checks(html_page("https://ex.com/a",
                                                   canonical="https://ex.com/b")),
                         ["canonicalised"])
        # http/www/trailing slash differences are the same urlKey: not canonicalised.
        self.assertEqual(self.run_checks(html_page("https://ex.com/a",
                                                   canonical="http://www.ex.com/a/")), [])
        self.assertEqual(self.run_checks(html_page("https://ex.com/a", canonical=None,
                                                   indexability_status="Canonicalised"),
                                         indexable=False), ["canonicalised"])

    def test_canonical_missing_only_on_indexable_pages(self):
        self.assertEqual(self.run_checks(html_page("https://ex.com/a", canonical="")),
                         ["canonical_missing"])
        self.assertEqual(self.run_checks(html_page("https://ex.com/a", canonical=""),
                                         indexable=False), [])

    def test_non_indexable_with_traffic_needs_a_click_or_100_impressions(self):
        def page(clicks, impressions):
            return html_page("https://ex.com/a", indexability="Non-Indexable", clicks=clicks,
                             impressions=impressions)
        self.assertEqual(self.run_checks(page(0, 99), indexable=False), [])
        self.assertEqual(self.run_checks(page(0, 100), indexable=False),
                         ["non_indexable_with_traffic"])
        self.assertEqual(self.run_checks(page(1, 0), indexable=False),
                         ["non_indexable_with_traffic"])


class TitleChecks(unittest.TestCase):
    def test_title_length_limits_30_and_60_characters(self):
        self.assertEqual(content(html_page("https://ex.com/a", title_length=60)), [])
        self.assertEqual(content(html_page("https://ex.com/a", title_length=61)),
                         ["title_too_long_chars"])
        self.assertEqual(content(html_page("https://ex.com/a", title_length=30)), [])
        self.assertEqual(content(html_page("https://ex.com/a", title_length=29)),
                         ["title_too_short_chars"])

    def test_title_missing_is_length_zero_not_too_short(self):
        self.assertEqual(content(html_page("https://ex.com/a", title="", title_length=0)),
                         ["title_missing"])

    def test_title_missing_from_text_when_there_is_no_length_column(self):
        self.assertEqual(content(html_page("https://ex.com/a", title="  ", title_length=None)),
                         ["title_missing"])

    def test_redacted_title_text_with_a_length_is_not_missing(self):
        self.assertEqual(content(html_page("https://ex.com/a", title=None, title_length=40)),
                         [])

    def test_title_pixel_limits_200_and_561(self):
        self.assertEqual(content(html_page("https://ex.com/a", title_pixel_width=561)), [])
        self.assertEqual(content(html_page("https://ex.com/a", title_pixel_width=562)),
                         ["title_too_long_pixels"])
        self.assertEqual(content(html_page("https://ex.com/a", title_pixel_width=200)), [])
        self.assertEqual(content(html_page("https://ex.com/a", title_pixel_width=199)),
                         ["title_too_short_pixels"])
        self.assertEqual(content(html_page("https://ex.com/a", title_pixel_width=0)), [])

    def test_title_multiple_when_a_second_title_is_non_empty(self):
        self.assertEqual(content(html_page("https://ex.com/a", title_second="Other")),
                         ["title_multiple"])
        self.assertEqual(content(html_page("https://ex.com/a", title_second=" ")), [])

    def test_title_same_as_h1_compares_normalised_non_empty_text(self):
        page = html_page("https://ex.com/a", title="Blue  Shoes", h1="blue shoes ")
        self.assertEqual(content(page), ["title_same_as_h1"])
        self.assertEqual(CHECKS_BY_ID["title_same_as_h1"].severity, "info")
        self.assertNotIn("title_same_as_h1",
                         content(html_page("https://ex.com/a", title=None, h1=None,
                                           title_length=40, h1_length=10)))


class MetaDescriptionChecks(unittest.TestCase):
    def test_meta_description_limits_70_and_160_characters(self):
        self.assertEqual(content(html_page("https://ex.com/a", meta_description_length=160)),
                         [])
        self.assertEqual(content(html_page("https://ex.com/a", meta_description_length=161)),
                         ["meta_description_too_long_chars"])
        self.assertEqual(content(html_page("https://ex.com/a", meta_description_length=70)),
                         [])
        self.assertEqual(content(html_page("https://ex.com/a", meta_description_length=69)),
                         ["meta_description_too_short"])
        self.assertEqual(content(html_page("https://ex.com/a", meta_description_length=0)),
                         ["meta_description_missing"])

    def test_meta_description_pixel_limit_985(self):
        self.assertEqual(content(html_page("https://ex.com/a",
                                           meta_description_pixel_width=985)), [])
        self.assertEqual(content(html_page("https://ex.com/a",
                                           meta_description_pixel_width=986)),
                         ["meta_description_too_long_pixels"])

    def test_meta_description_multiple(self):
        self.assertEqual(content(html_page("https://ex.com/a", meta_description_second="x")),
                         ["meta_description_multiple"])


class HeadingAndContentChecks(unittest.TestCase):
    def test_h1_missing_and_too_long_at_70(self):
        self.assertEqual(content(html_page("https://ex.com/a", h1="", h1_length=0)),
                         ["h1_missing"])
        self.assertEqual(content(html_page("https://ex.com/a", h1_length=70)), [])
        self.assertEqual(content(html_page("https://ex.com/a", h1_length=71)), ["h1_too_long"])

    def test_h1_multiple_from_a_second_h1_or_tab_occurrences(self):
        self.assertEqual(content(html_page("https://ex.com/a", h1_second="Another")),
                         ["h1_multiple"])
        self.assertEqual(content(html_page("https://ex.com/a", occurrences=2)), ["h1_multiple"])
        self.assertEqual(content(html_page("https://ex.com/a", occurrences=1)), [])

    def test_h2_missing_when_the_first_h2_is_empty(self):
        self.assertEqual(content(html_page("https://ex.com/a", h2="")), ["h2_missing"])

    def test_thin_content_below_200_words_on_indexable_pages(self):
        def thin(words, indexable=True):
            out = []
            rules.thin_content_issue(html_page("https://ex.com/a", word_count=words), ALL,
                                     indexable, out)
            return ids(out)
        self.assertEqual(thin(199), ["thin_content"])
        self.assertEqual(thin(200), [])
        self.assertEqual(thin(10, indexable=False), [])

    def test_near_duplicate_reports_count_and_closest_match(self):
        page = html_page("https://ex.com/a", near_duplicates=2,
                         closest_match="https://ex.com/b")
        out = []
        rules.content_issues(page, ALL, out)
        self.assertEqual(ids(out), ["near_duplicate"])
        self.assertEqual(out[0].value, 2)
        self.assertEqual(out[0].related, ["https://ex.com/b"])
        self.assertEqual(content(html_page("https://ex.com/a", near_duplicates=0)), [])


class Holder:
    def __init__(self, page, indexable=True, is_content=True):
        self.page = page
        self.indexable = indexable
        self.content = is_content
        self.issues = []


class DuplicateChecks(unittest.TestCase):
    def test_duplicate_title_on_two_indexable_pages_lists_the_others(self):
        def page(name, title):
            return html_page(f"https://ex.com/{name}", title=title, h1=f"H1 {name}",
                             meta_description=f"Description {name}")
        holders = [Holder(page(name, "Same  Title")) for name in ("c", "a", "b")]
        holders.append(Holder(page("d", "same title"), indexable=False))
        holders.append(Holder(page("e", "Unique")))
        rules.find_duplicates(holders, ALL)
        first = [i for i in holders[0].issues if i.check.id == "title_duplicate"][0]
        self.assertEqual(first.value, 3)
        self.assertEqual(first.related, ["https://ex.com/a", "https://ex.com/b"])
        self.assertEqual(ids(holders[3].issues), [])
        self.assertEqual(ids(holders[4].issues), [])

    def test_empty_values_are_never_duplicates(self):
        holders = [Holder(html_page(f"https://ex.com/{n}", title="", h1="", meta_description="",
                                    hash=None)) for n in "ab"]
        rules.find_duplicates(holders, ALL)
        self.assertEqual([ids(h.issues) for h in holders], [[], []])

    def test_exact_duplicate_by_hash_and_duplicate_meta_and_h1(self):
        holders = [Holder(html_page(f"https://ex.com/{n}", title=f"Title {n}", h1="Same",
                                    meta_description="Same text", hash="abc"))
                   for n in "ab"]
        rules.find_duplicates(holders, ALL)
        self.assertEqual(sorted(ids(holders[0].issues)),
                         ["exact_duplicate", "h1_duplicate", "meta_description_duplicate"])

    def test_related_urls_are_capped_at_ten(self):
        holders = [Holder(html_page(f"https://ex.com/{n:02d}", title="T")) for n in range(15)]
        rules.find_duplicates(holders, ALL)
        issue = holders[0].issues[0]
        self.assertEqual(issue.value, 15)
        self.assertEqual(len(issue.related), 10)


class UrlChecks(unittest.TestCase):
    def test_url_length_limit_115(self):
        base = "https://ex.com/"
        self.assertEqual(url_ids(base + "a" * (115 - len(base))), [])
        self.assertEqual(url_ids(base + "a" * (116 - len(base))), ["url_too_long"])

    def test_underscores_uppercase_parameters_spaces_slashes_non_ascii(self):
        self.assertEqual(url_ids("https://ex.com/a_b"), ["url_underscores"])
        self.assertEqual(url_ids("https://EX.com/ab"), [])
        self.assertEqual(url_ids("https://ex.com/Ab"), ["url_uppercase"])
        self.assertEqual(url_ids("https://ex.com/a?id=1"), ["url_parameters"])
        self.assertEqual(url_ids("https://ex.com/a?utm_source=x"), [])
        self.assertEqual(url_ids("https://ex.com/a%20b"), ["url_contains_space"])
        self.assertEqual(url_ids("https://ex.com/a//b"), ["url_multiple_slashes"])
        self.assertEqual(url_ids("https://ex.com/caf%C3%A9"), ["url_non_ascii"])

    def test_folder_depth_over_four_segments(self):
        self.assertEqual(url_ids("https://ex.com/a/b/c/d/"), [])
        self.assertEqual(url_ids("https://ex.com/a/b/c/d/e"), ["url_deep_folder"])

    def test_crawl_depth_high_from_four(self):
        def depth(value):
            out = []
            rules.crawl_depth_issue(html_page("https://ex.com/a", crawl_depth=value), ALL, out)
            return ids(out)
        self.assertEqual(depth(3), [])
        self.assertEqual(depth(4), ["crawl_depth_high"])


class PerformanceChecks(unittest.TestCase):
    def test_low_ctr_for_position_below_half_the_expected_ctr(self):
        # Expected CTR at position 1 is 0.285, half of it 0.1425.
        self.assertEqual(perf(clicks=14, impressions=100, ctr=0.14, position=1.0),
                         ["low_ctr_for_position"])
        self.assertEqual(perf(clicks=15, impressions=100, ctr=0.15, position=1.0), [])

    def test_low_ctr_needs_100_impressions_and_position_10(self):
        self.assertEqual(perf(clicks=0, impressions=99, ctr=0.0, position=1.0), [])
        self.assertEqual(perf(clicks=1, impressions=100, ctr=0.01, position=10.0),
                         ["low_ctr_for_position"])
        self.assertEqual(perf(clicks=0, impressions=100, ctr=0.0, position=10.01),
                         ["page_two_ranking"])

    def test_page_two_ranking_between_10_and_20_with_100_impressions(self):
        self.assertEqual(perf(clicks=5, impressions=100, ctr=0.05, position=20.0),
                         ["page_two_ranking"])
        self.assertEqual(perf(clicks=5, impressions=100, ctr=0.05, position=20.01), [])
        self.assertEqual(perf(clicks=5, impressions=99, ctr=0.05, position=15.0), [])

    def test_impressions_no_clicks_from_500_impressions(self):
        self.assertEqual(perf(clicks=0, impressions=499, position=30.0), [])
        self.assertEqual(perf(clicks=0, impressions=500, position=30.0),
                         ["impressions_no_clicks"])
        self.assertEqual(perf(clicks=1, impressions=5000, position=30.0), [])


class Catalogue(unittest.TestCase):
    def test_every_check_has_texts_and_a_known_category_and_severity(self):
        categories = {"response", "indexability", "title", "meta_description", "headings",
                      "content", "url", "keyword", "performance"}
        for check in CHECKS:
            with self.subTest(check=check.id):
                self.assertIn(check.category, categories)
                self.assertIn(check.severity, ("critical", "high", "medium", "low", "info"))
                for text in (check.label, check.why, check.source, check.recommendation):
                    self.assertTrue(text and text.strip())

    def test_catalogue_follows_the_order_of_the_spec_sections(self):
        order = [check.id for check in CHECKS]
        self.assertEqual(len(order), len(set(order)))
        self.assertEqual(order[0], "status_4xx")
        self.assertLess(order.index("non_indexable_with_traffic"), order.index("title_missing"))
        self.assertLess(order.index("title_same_as_h1"),
                        order.index("meta_description_missing"))
        self.assertLess(order.index("crawl_depth_high"), order.index("keyword_missing_in_title"))
        self.assertEqual(order[-1], "impressions_no_clicks")
        self.assertEqual(len(order), 47)  # 9 + 8 + 6 + 5 + 3 + 9 + 4 + 3 in §5.1–§5.8


if __name__ == "__main__":
    unittest.main()
