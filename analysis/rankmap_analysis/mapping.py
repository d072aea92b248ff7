"""Keyword → URL mapping and cannibalisation (spec §6, decisions §0.2, §0.6, §0.12).

Groups the ``KwRow`` table by ``keyword_norm`` in one dict pass, picks each keyword's best URL
with the source's rule (every choice ends on the normalised URL so it is total), computes the
keyword totals and shares, and decides whether the keyword is cannibalised, with a severity, a
reason and its recommendation. Opportunities and priority are computed elsewhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .checks.catalogue import THRESHOLDS
from .checks.scope import GSC_SOURCES, RANK_SOURCES
from .urls import variant_key

T = THRESHOLDS
_INF = float("inf")

RECOMMENDATIONS = {
    "url_variants": "These are variants of one URL (protocol, www, trailing slash or "
                    "parameters): 301-redirect or canonicalise them to a single version.",
    "homepage_and_page": "The home page competes with an inner page, which is common and often "
                         "acceptable for brand queries; otherwise strengthen the inner page and "
                         "link to it from the home page with this query as anchor text.",
    "multiple_pages": "Pick one target page; consolidate or de-optimise the others, link them "
                      "to it internally, or 301-redirect the weaker page.",
}


class KeywordResult:
    """One keyword of ``keywordMapping`` while it is being computed."""

    __slots__ = ("keyword", "keyword_norm", "rows", "best", "url_count", "clicks",
                 "impressions", "ctr", "search_volume", "keyword_difficulty", "cpc", "intent",
                 "serp_features", "cannibalization", "opportunity", "expected_ctr",
                 "priority", "order", "competing")

    def __init__(self, keyword_norm: str, first_row):
        self.keyword_norm = keyword_norm
        self.keyword = first_row.keyword
        self.order = first_row.order
        self.rows = [first_row]
        self.best = None
        self.url_count = 0
        self.clicks = None
        self.impressions = None
        self.ctr = None
        self.search_volume = None
        self.keyword_difficulty = None
        self.cpc = None
        self.intent = []
        self.serp_features = []
        self.cannibalization = None
        self.opportunity = None
        self.expected_ctr = None
        self.priority = 0.0
        self.competing = 0

    @property
    def is_cannibalized(self) -> bool:
        return bool(self.cannibalization and self.cannibalization["isCannibalized"])


def _neg(value):
    return _INF if value is None else -value


def _pos(value):
    return value if value is not None and value > 0 else _INF


def _url(value):
    return value if value is not None else ""


def gsc_key(row):
    """GSC best page: most clicks, then most impressions, then lowest position."""
    return (_neg(row.clicks), _neg(row.impressions), _pos(row.position), _url(row.url_norm),
            row.order)


def rank_key(row):
    """Rank trackers: lowest position, then most traffic, then most volume."""
    return (_pos(row.position), _neg(row.traffic), _neg(row.search_volume), _url(row.url_norm),
            row.order)


def list_key(row):
    """Generic keyword→URL lists: the first listed URL."""
    return (row.order, _url(row.url_norm))


def best_key_for(data_source: str):
    if data_source in GSC_SOURCES:
        return gsc_key
    if data_source in RANK_SOURCES:
        return rank_key
    return list_key


def group_keywords(kw_rows) -> list:
    """``KeywordResult`` per distinct ``keyword_norm``, in first-seen order."""
    groups = {}
    for row in kw_rows:
        result = groups.get(row.keyword_norm)
        if result is None:
            groups[row.keyword_norm] = KeywordResult(row.keyword_norm, row)
        else:
            result.rows.append(row)
    return list(groups.values())


def _first(rows, attribute):
    for row in rows:
        value = getattr(row, attribute)
        if value is not None:
            return value
    return None


def _union(rows, attribute):
    seen = {}
    for row in rows:
        for item in getattr(row, attribute) or ():
            seen.setdefault(item, None)
    return list(seen)


def summarise(result: KeywordResult, key, is_gsc: bool) -> None:
    """Sort the keyword's rows best first and fill the keyword-level values."""
    rows = result.rows
    if len(rows) > 1:
        rows.sort(key=key)
    best = rows[0]
    result.best = best
    result.url_count = len({row.url_norm for row in rows if row.url_norm is not None})
    ordered = [best] + rows[1:]
    result.search_volume = _first(ordered, "search_volume")
    result.keyword_difficulty = _first(ordered, "keyword_difficulty")
    result.cpc = _first(ordered, "cpc")
    result.intent = _union(ordered, "intent")
    result.serp_features = _union(ordered, "serp_features")
    if is_gsc:
        clicks = [row.clicks for row in rows if row.clicks is not None]
        impressions = [row.impressions for row in rows if row.impressions is not None]
        result.clicks = sum(clicks) if clicks else None
        result.impressions = sum(impressions) if impressions else None
        if len(rows) == 1 and best.ctr is not None:
            # Keep the exported CTR of a single row (UI exports round clicks/impressions).
            result.ctr = best.ctr
        elif result.impressions:
            result.ctr = (result.clicks or 0) / result.impressions
        else:
            result.ctr = best.ctr


def is_site_root(url) -> bool:
    """True for the home page: an empty or ``/`` path and no query string."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.path in ("", "/") and not parts.query and bool(parts.netloc)


def share(part, total):
    if part is None or not total:
        return None
    return part / total


def competing_rows(result: KeywordResult, data_source: str):
    """The keyword's competing URL rows (best first), or ``None`` when not computable."""
    rows = [row for row in result.rows if row.url_norm is not None]
    if data_source == "gsc_query_page":
        if (result.impressions or 0) < T["cannibalizationMinImpressions"]:
            return []
        minimum = T["cannibalizationMinShare"]
        competing = []
        for row in rows:
            impression_share = share(row.impressions, result.impressions) or 0
            click_share = share(row.clicks, result.clicks) or 0
            if impression_share >= minimum or click_share >= minimum:
                competing.append(row)
        return competing
    if data_source in RANK_SOURCES:
        limit = T["cannibalizationMaxPosition"]
        return [row for row in rows if row.position is not None and 0 < row.position <= limit]
    return rows


def cannibalization(result: KeywordResult, data_source: str):
    """The §9.4 ``cannibalization`` object, or ``None`` when the source cannot tell."""
    if data_source in ("ahrefs_organic_keywords", "gsc_queries", "gsc_pages", "keyword_list") \
            or data_source not in (RANK_SOURCES | {"gsc_query_page", "generic_keyword_url"}):
        return None
    competing = competing_rows(result, data_source)
    # Several rows of one URL (the same page under two keyword spellings) are one competitor.
    distinct = {}
    for row in competing:
        distinct.setdefault(row.url_norm, row)
    competing = list(distinct.values())
    result.competing = len(competing)
    if len(competing) < 2:
        return {"isCannibalized": False, "severity": None, "reason": None,
                "recommendation": None}
    limit = T["cannibalizationHighMaxPosition"]
    first, second = competing[0], competing[1]
    both_top = all(row.position is not None and 0 < row.position <= limit
                   for row in (first, second))
    severity = "high" if both_top else "medium"
    if len({variant_key(row.url_norm) for row in competing}) == 1:
        reason = "url_variants"
    elif any(is_site_root(row.url_norm) for row in competing):
        reason = "homepage_and_page"
    else:
        reason = "multiple_pages"
    return {"isCannibalized": True, "severity": severity, "reason": reason,
            "recommendation": RECOMMENDATIONS[reason]}


def build(dataset) -> list:
    """All ``KeywordResult`` objects of the dataset, summarised, with cannibalisation."""
    data_source = dataset.data_source
    key = best_key_for(data_source)
    is_gsc = data_source in GSC_SOURCES
    results = group_keywords(dataset.kw_rows)
    for result in results:
        summarise(result, key, is_gsc)
        result.cannibalization = cannibalization(result, data_source)
    return results
