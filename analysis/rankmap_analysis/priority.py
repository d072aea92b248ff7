"""Priority scores, row orders and the ``recommended`` filter (spec §8, §9 orders, §0.7).

Page priority = issue penalty × traffic factor; keyword priority = potential (× 1.25 when
cannibalised, + 10 for high cannibalisation without potential). Each table gets a total order
(the last key is unique per row). ``recommended`` keeps a subset of the ``all`` rows and never
changes a score.
"""

from __future__ import annotations

import math

from .checks.catalogue import SEVERITY_RANK, SEVERITY_WEIGHT, THRESHOLDS

T = THRESHOLDS
_MEDIUM = SEVERITY_RANK["medium"]


def page_penalty(issues) -> int:
    """``min(10, Σ severity weights)``."""
    return min(10, sum(SEVERITY_WEIGHT[issue.severity] for issue in issues))


def traffic_factor(clicks, impressions, inlinks) -> float:
    """``1 + log10(1 + (clicks ?? impressions/10 ?? uniqueInlinks ?? 0))``."""
    if clicks is not None:
        basis = clicks
    elif impressions is not None:
        basis = impressions / 10
    elif inlinks is not None:
        basis = inlinks
    else:
        basis = 0
    return 1 + math.log10(1 + max(0, basis))


def page_priority(penalty, clicks, impressions, inlinks) -> float:
    return round(penalty * traffic_factor(clicks, impressions, inlinks), 1)


def keyword_priority(potential, cannibalization) -> float:
    """§8.2; ``potential`` is ``None`` when no potential was computed."""
    cannibalized = bool(cannibalization and cannibalization["isCannibalized"])
    score = (potential or 0) * (1.25 if cannibalized else 1)
    if cannibalized and cannibalization["severity"] == "high" and potential is None:
        score += 10
    return float(round(score, 2))


def page_sort_key(result):
    return (-result.priority, result.page.url_norm)


def keyword_sort_key(result, is_gsc: bool):
    """Priority desc, then clicks (GSC) or search volume desc (null last), then keywordNorm."""
    tie = result.clicks if is_gsc else result.search_volume
    return (-result.priority, 1 if tie is None else 0, -(tie or 0), result.keyword_norm)


def _gsc_keyword_sort_key(result):
    tie = result.clicks
    return (-result.priority, 1 if tie is None else 0, -(tie or 0), result.keyword_norm)


def _tool_keyword_sort_key(result):
    tie = result.search_volume
    return (-result.priority, 1 if tie is None else 0, -(tie or 0), result.keyword_norm)


def keyword_sort_key_for(is_gsc: bool):
    """``keyword_sort_key`` with ``is_gsc`` bound, as a one-call key for ``list.sort``."""
    return _gsc_keyword_sort_key if is_gsc else _tool_keyword_sort_key


def issue_sort_key(issue):
    return (SEVERITY_RANK[issue.severity], issue.check.order)


def internal_error(page) -> bool:
    code = page.status_code
    return code is not None and 400 <= code <= 599


def keep_page_recommended(result) -> bool:
    """§8.3 / §0.7: indexable, with traffic, or a 4xx/5xx — and an issue of medium or worse."""
    page = result.page
    error = internal_error(page)
    if not page.is_html and not error:
        return False
    if not (result.indexable or result.traffic or error):
        return False
    return any(SEVERITY_RANK[issue.severity] <= _MEDIUM for issue in result.issues)


def meets_demand(result, is_gsc: bool) -> bool:
    """The §7.1 minimum demand; a keyword without any demand figure is not held back."""
    if is_gsc:
        if result.impressions is None:
            return True
        return result.impressions >= T["opportunityMinImpressions"]
    if result.search_volume is None:
        return True
    return result.search_volume >= T["opportunityMinVolume"]


def keep_keyword_recommended(result, is_gsc: bool) -> bool:
    """§8.3: an opportunity (not new/declined) or cannibalisation, with demand, position ≤ 20."""
    opportunity = result.opportunity
    has_opportunity = opportunity is not None and opportunity.listed
    cannibalized = result.is_cannibalized
    if not (has_opportunity or cannibalized):
        return False
    if not meets_demand(result, is_gsc):
        return False
    if cannibalized:
        return True
    position = result.best.position
    return position is not None and 0 < position <= T["strikingDistanceMaxPosition"]
