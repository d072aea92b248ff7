"""The ``summary`` object of the result (spec §9.1), always computed on the full data set.

Takes the finished page and keyword results (before the ``recommended`` filter) and the parts
the reader already produced (``source``, ``rows``, ``dateRange``, ``warnings``) and assembles
the object in the documented key order. It decides nothing about checks or opportunities.
"""

from __future__ import annotations

import datetime
import heapq

from .checks.catalogue import CHECKS_BY_ID, SEVERITY_ORDER, SEVERITY_RANK, THRESHOLDS
from .checks.scope import (GSC_SOURCES, NO_RESPONSE_STATUSES, RANK_SOURCES, is_blocked,
                           is_indexable)
from .opportunities import ACTION_HINTS
from .output import count, ctr, number, position

_INF = float("inf")


def generated_at() -> str:
    """The one clock reading of the result (§9 determinism)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sum(values):
    total = None
    for value in values:
        if value is not None:
            total = value if total is None else total + value
    return total


def totals(dataset, keyword_results) -> dict:
    """Clicks, impressions, CTR and impression-weighted position; volume and traffic."""
    if dataset.kw_rows and any(row.impressions is not None for row in dataset.kw_rows):
        rows = dataset.kw_rows
    else:
        rows = list(dataset.pages.values())
    clicks = _sum(row.clicks for row in rows)
    impressions = _sum(row.impressions for row in rows)
    weighted = 0.0
    weight = 0.0
    for row in rows:
        if row.position is not None and row.position > 0 and row.impressions:
            weighted += row.position * row.impressions
            weight += row.impressions
    volume = _sum(result.search_volume for result in keyword_results)
    traffic = _sum(row.traffic for row in dataset.kw_rows) if dataset.kw_rows else \
        _sum(page.traffic for page in dataset.pages.values())
    return {
        "clicks": count(clicks),
        "impressions": count(impressions),
        "ctr": ctr(clicks / impressions) if clicks is not None and impressions else None,
        "avgPosition": position(weighted / weight) if weight else None,
        "searchVolume": count(volume),
        "traffic": count(traffic),
    }


def pages_summary(dataset, page_results):
    if not dataset.pages or dataset.data_source in ("gsc_queries", "keyword_list"):
        return None
    by_class = {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, "noResponse": 0, "blockedByRobots": 0}
    html = indexable = 0
    for page in dataset.pages.values():
        if page.is_html:
            html += 1
        if is_indexable(page):
            indexable += 1
        code = page.status_code
        if is_blocked(page):
            by_class["blockedByRobots"] += 1
        elif code == 0 or (page.status or "").strip().lower() in NO_RESPONSE_STATUSES:
            by_class["noResponse"] += 1
        elif code is not None and 200 <= code <= 599:
            by_class[f"{code // 100}xx"] += 1
    return {
        "total": len(dataset.pages),
        "html": html,
        "indexable": indexable,
        "nonIndexable": html - indexable,
        "byStatusClass": by_class,
        "withIssues": sum(1 for result in page_results if result.issues),
    }


def issues_summary(page_results) -> dict:
    by_severity = {name: 0 for name in SEVERITY_ORDER}
    per_check = {}
    total = 0
    for result in page_results:
        for issue in result.issues:
            total += 1
            by_severity[issue.severity] += 1
            entry = per_check.get(issue.check.id)
            if entry is None:
                per_check[issue.check.id] = [issue.severity, 1]
            else:
                entry[1] += 1
                if SEVERITY_RANK[issue.severity] < SEVERITY_RANK[entry[0]]:
                    entry[0] = issue.severity
    ordered = sorted(per_check.items(),
                     key=lambda item: (SEVERITY_RANK[item[1][0]], -item[1][1], item[0]))
    by_check = [{"id": check_id, "label": CHECKS_BY_ID[check_id].label, "severity": severity,
                 "count": n} for check_id, (severity, n) in ordered]
    return {"total": total, "bySeverity": by_severity, "byCheck": by_check}


def _bucket(value):
    if value is None or value <= 0:
        return None
    if value <= 3:
        return "1-3"
    if value <= 10:
        return "4-10"
    if value <= 20:
        return "11-20"
    if value <= 50:
        return "21-50"
    if value <= 100:
        return "51-100"
    return None


def _listed_opportunities(keyword_results, page_results):
    """(opportunity, keyword result or None, page result or None) for every listed one."""
    for result in keyword_results:
        opportunity = result.opportunity
        if opportunity is not None and opportunity.listed:
            yield opportunity, result, None
    for result in page_results:
        opportunity = result.opportunity
        if opportunity is not None and opportunity.listed:
            yield opportunity, None, result


def keywords_summary(keyword_results, page_results) -> dict:
    buckets = {"1-3": 0, "4-10": 0, "11-20": 0, "21-50": 0, "51-100": 0}
    with_url = several = cannibalized = high = 0
    for result in keyword_results:
        if result.best.url_norm is not None:
            with_url += 1
        if result.url_count >= 2:
            several += 1
        if result.is_cannibalized:
            cannibalized += 1
            if result.cannibalization["severity"] == "high":
                high += 1
        name = _bucket(result.best.position)
        if name is not None:
            buckets[name] += 1
    kinds = {"quick_win": 0, "striking_distance": 0, "ctr_gap": 0}
    for opportunity, _, _ in _listed_opportunities(keyword_results, page_results):
        kinds[opportunity.type] += 1
    total = len(keyword_results)
    return {
        "total": total,
        "unique": total,
        "withUrl": with_url,
        "withMultipleUrls": several,
        "cannibalized": cannibalized,
        "cannibalizedHigh": high,
        "quickWins": kinds["quick_win"],
        "strikingDistance": kinds["striking_distance"],
        "ctrGaps": kinds["ctr_gap"],
        "positionBuckets": buckets,
    }


def _top_entry(opportunity, keyword_result, page_result) -> dict:
    if keyword_result is not None:
        row = keyword_result.best
        keyword = keyword_result.keyword
        url = row.url if row.url_norm is not None else None
    else:
        row = page_result.page
        keyword = None
        url = row.url
    return {
        "keyword": keyword,
        "url": url,
        "type": opportunity.type,
        "position": position(row.position),
        "clicks": count(row.clicks),
        "impressions": count(row.impressions),
        "ctr": ctr(row.ctr),
        "expectedCtr": ctr(opportunity.expected_ctr),
        "targetPosition": number(opportunity.target_position),
        "potential": opportunity.potential or 0,
        "actionHint": ACTION_HINTS[opportunity.type],
    }


def _top_key(item):
    opportunity, keyword_result, page_result = item
    if keyword_result is not None:
        norm = keyword_result.keyword_norm
        url = keyword_result.best.url_norm
    else:
        norm = None
        url = page_result.page.url_norm
    return (-(opportunity.potential or 0), norm is None, norm or "", url is None, url or "")


def opportunities_summary(dataset, keyword_results, page_results) -> dict:
    listed = list(_listed_opportunities(keyword_results, page_results))
    total = sum(opportunity.potential or 0 for opportunity, _, _ in listed)
    top = heapq.nsmallest(10, listed, key=_top_key)
    data_source = dataset.data_source
    if data_source in GSC_SOURCES:
        unit = "clicks_in_period"
    elif data_source in RANK_SOURCES:
        unit = "monthly_visits"
    else:
        unit = None
    return {"totalPotentialClicks": int(total), "unit": unit,
            "top": [_top_entry(*item) for item in top]}


def health_score(scope, page_results):
    if not scope.active:
        return None
    html = [result for result in page_results if result.page.is_html]
    if not html:
        return None
    penalty = sum(result.penalty for result in html)
    score = round(100 * (1 - penalty / (10 * len(html))))
    return max(0, min(100, score))


def build_summary(dataset, filter_option, version, curve, scope, page_results,
                  keyword_results, kept_pages, kept_keywords, warnings) -> dict:
    """The complete §9.1 object, keys in the documented order."""
    return {
        "source": dataset.source,
        "filterOption": filter_option,
        "generatedAt": generated_at(),
        "analysisVersion": version,
        "rows": dataset.rows,
        "dateRange": dataset.date_range,
        "totals": totals(dataset, keyword_results),
        "pages": pages_summary(dataset, page_results),
        "issues": issues_summary(page_results),
        "keywords": keywords_summary(keyword_results, page_results),
        "opportunities": opportunities_summary(dataset, keyword_results, page_results),
        "healthScore": health_score(scope, page_results),
        "ctrCurve": curve.summary(),
        "thresholds": dict(THRESHOLDS),
        "filteredCounts": {"onpageResults": kept_pages, "keywordMapping": kept_keywords},
        "warnings": warnings,
    }
