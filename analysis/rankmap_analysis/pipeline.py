"""The analysis pipeline: from a read ``Dataset`` to the complete result file (spec §4–§9).

``run`` is the one entry point the CLI calls once the input is read. Stages, each announced on
the progress callable: checking pages (§5, after the best URL per keyword is known, because the
target keyword of a page depends on it), mapping keywords (§6), finding opportunities (§7) and
priorities (§8), writing the result (§9). Everything is grouped with dicts in linear passes;
the only super-linear steps are the sorts.
"""

from __future__ import annotations

import gc

from . import ANALYSIS_VERSION
from . import mapping, opportunities
from .checks import keywords as alignment
from .checks import rules
from .checks.catalogue import CHECKS, THRESHOLDS
from .checks.scope import GSC_SOURCES, Scope, is_indexable
from .ctr_curve import default_curve, site_curve
from .output import keyword_json, onpage_json, remember_shared_dict, write_result
from .priority import (issue_sort_key, keep_keyword_recommended, keep_page_recommended,
                       keyword_priority, keyword_sort_key_for, page_penalty, page_priority,
                       page_sort_key)
from .summary import build_summary

T = THRESHOLDS
FILTERS = ("all", "recommended")


class PageResult:
    """One ``onpageResults`` row while it is being computed."""

    __slots__ = ("page", "issues", "content", "indexable", "traffic", "alignment", "target",
                 "penalty", "priority", "listed", "opportunity")

    def __init__(self, page):
        self.page = page
        self.issues = []
        self.content = False
        self.indexable = False
        self.traffic = False
        self.alignment = None
        self.target = None
        self.penalty = 0
        self.priority = 0.0
        self.listed = True
        self.opportunity = None


def build_curve(dataset):
    """§7.2: the site curve for GSC query data, the default curve otherwise."""
    if dataset.data_source in ("gsc_queries", "gsc_query_page"):
        triples = ((row.position, row.clicks, row.impressions) for row in dataset.kw_rows)
        return site_curve(triples, T["siteCurveMinRows"], T["siteCurveMinImpressions"])
    return default_curve()


def _is_listed(page, issues) -> bool:
    """§8.3 ``all``: every HTML page; other URLs only with a response problem."""
    if page.is_html:
        return True
    return any(issue.check.category == "response" or issue.check.id == "blocked_by_robots"
               for issue in issues)


def check_pages(dataset, scope, curve, targets) -> list:
    """Run every active §5 check on every page; returns the listed ``PageResult`` rows."""
    active = scope.active
    results = []
    for page in dataset.pages.values():
        result = PageResult(page)
        out = result.issues
        result.indexable = is_indexable(page)
        result.traffic = rules.has_traffic(page)
        rules.response_issues(page, active, out)
        if page.is_html:
            rules.indexability_issues(page, active, result.indexable, out)
            if scope.is_content_row(page):
                result.content = True
                rules.content_issues(page, active, out)
                rules.thin_content_issue(page, active, result.indexable, out)
                if scope.gets_url_checks(page):
                    rules.url_issues(page, active, out)
                rules.crawl_depth_issue(page, active, out)
                target = targets.get(page.url_norm)
                if target is not None:
                    result.target = target
                    result.alignment = alignment.align(page, target.keyword, active, out)
                if scope.performance:
                    rules.performance_issues(page, active, curve, out)
        results.append(result)
    rules.find_duplicates(results, active)
    listed = []
    for result in results:
        result.listed = _is_listed(result.page, result.issues)
        if result.listed:
            listed.append(result)
    return listed


def score_pages(results) -> None:
    for result in results:
        result.issues.sort(key=issue_sort_key)
        page = result.page
        result.penalty = page_penalty(result.issues)
        inlinks = page.unique_inlinks if page.unique_inlinks is not None else page.inlinks
        result.priority = page_priority(result.penalty, page.clicks, page.impressions, inlinks)
    results.sort(key=page_sort_key)


def find_opportunities(dataset, keyword_results, page_results, curve) -> None:
    data_source = dataset.data_source
    for result in keyword_results:
        result.expected_ctr = curve.expected(result.best.position)
        opportunity = opportunities.for_keyword(result, data_source, curve)
        result.opportunity = opportunity
        potential = opportunity.potential if opportunity is not None else None
        result.priority = keyword_priority(potential, result.cannibalization)
    if data_source == "gsc_pages":
        for result in page_results:
            result.opportunity = opportunities.for_page(result.page, curve)


def run(dataset, filter_option: str, output_path: str, progress) -> tuple:
    """Analyse ``dataset`` and write the §9 result JSON to ``output_path``.

    Returns the keyword and page results (the command line may keep them alive until the
    process exits, so that a million rows of objects are not freed one by one)."""
    if filter_option not in FILTERS:
        raise ValueError(f"unknown filter option {filter_option!r}")
    # The analysis builds hundreds of thousands of small objects and creates no reference
    # cycles worth collecting; the cyclic collector would rescan the whole dataset again and
    # again (about a third of the run time on a million rows), so it is paused meanwhile.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(dataset, filter_option, output_path, progress)
    finally:
        if was_enabled:
            gc.enable()


def _run(dataset, filter_option: str, output_path: str, progress) -> tuple:
    data_source = dataset.data_source
    is_gsc = data_source in GSC_SOURCES
    curve = build_curve(dataset)
    keyword_results = mapping.build(dataset)

    scope = Scope(dataset, pages_have_metrics=_pages_have_metrics(dataset))
    page_results = []
    if dataset.pages and data_source not in ("gsc_queries", "keyword_list"):
        progress(65, "Checking pages")
        targets = alignment.choose_targets(keyword_results)
        page_results = check_pages(dataset, scope, curve, targets)
        score_pages(page_results)

    if keyword_results:
        progress(75, "Mapping keywords")
    if (keyword_results and data_source in opportunities.OPPORTUNITY_SOURCES) \
            or (page_results and data_source == "gsc_pages"):
        progress(85, "Finding opportunities")
    find_opportunities(dataset, keyword_results, page_results, curve)
    keyword_results.sort(key=keyword_sort_key_for(is_gsc))

    if filter_option == "recommended":
        kept_pages = [r for r in page_results if keep_page_recommended(r)]
        kept_pages = kept_pages[:T["recommendedMaxRows"]]
        kept_keywords = [r for r in keyword_results if keep_keyword_recommended(r, is_gsc)]
        kept_keywords = kept_keywords[:T["recommendedMaxRows"]]
    else:
        kept_pages = page_results
        kept_keywords = keyword_results

    progress(90, "Writing result")
    checks = [check.catalogue_entry() for check in CHECKS if check.id in scope.active]
    summary = build_summary(dataset, filter_option, ANALYSIS_VERSION, curve, scope,
                            page_results, keyword_results, len(kept_pages),
                            len(kept_keywords), analysis_warnings(dataset))
    drop_info = filter_option == "recommended"
    remember_shared_dict(mapping.NOT_CANNIBALIZED)
    write_result(
        output_path, data_source, summary,
        (onpage_json(result, drop_info) for result in kept_pages),
        (keyword_json(result, is_gsc) for result in kept_keywords),
        checks)
    return keyword_results, page_results


def analysis_warnings(dataset) -> list:
    """``summary.warnings``: the reader already names every limitation of the source (no URL
    column, no cannibalisation data, …) in the order they arose; the analysis adds none."""
    return list(dataset.warnings)


def _pages_have_metrics(dataset) -> bool:
    fields = dataset.fields or set()
    return "impressions" in fields or "clicks" in fields

