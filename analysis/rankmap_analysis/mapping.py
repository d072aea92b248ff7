"""Keyword → URL mapping and cannibalisation (spec §6, decisions §0.2, §0.6, §0.12).

Groups the ``KwRow`` table by ``keyword_norm`` in one dict pass, picks each keyword's best URL
with the source's rule (every choice ends on the normalised URL so it is total), computes the
keyword totals and shares, and decides whether the keyword is cannibalised, with a severity, a
reason and its recommendation. Opportunities and priority are computed elsewhere.
"""

from __future__ import annotations

from .checks.catalogue import THRESHOLDS
from .checks.scope import GSC_SOURCES, RANK_SOURCES, url_path
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


# Shared by every keyword that is not cannibalised; never mutated.
NOT_CANNIBALIZED = {"isCannibalized": False, "severity": None, "reason": None,
                    "recommendation": None}


class KeywordResult:
    """One keyword of ``keywordMapping`` while it is being computed."""

    __slots__ = ("keyword", "keyword_norm", "rows", "best", "url_count", "clicks",
                 "impressions", "ctr", "search_volume", "keyword_difficulty", "cpc", "intent",
                 "serp_features", "cannibalization", "opportunity", "expected_ctr",
                 "priority", "order")

    def __init__(self, keyword_norm: str, rows: list, key, is_gsc: bool):
        """Sort ``rows`` best first and fill the keyword-level values (§6.1)."""
        self.keyword_norm = keyword_norm
        self.rows = rows
        self.cannibalization = self.opportunity = self.expected_ctr = None
        self.priority = 0.0
        best = rows[0]
        self.keyword = best.keyword
        self.order = best.order
        if len(rows) == 1:
            # Most keywords have one row: copy its values without the list passes.
            self.best = best
            self.url_count = 1 if best.url_norm is not None else 0
            self.search_volume = best.search_volume
            self.keyword_difficulty = best.keyword_difficulty
            self.cpc = best.cpc
            self.intent = best.intent
            self.serp_features = best.serp_features
            if is_gsc:
                self.clicks = best.clicks
                self.impressions = best.impressions
                # Keep the exported CTR of a single row (UI exports round it).
                if best.ctr is not None:
                    self.ctr = best.ctr
                elif best.impressions:
                    self.ctr = (best.clicks or 0) / best.impressions
                else:
                    self.ctr = None
            else:
                self.clicks = self.impressions = self.ctr = None
            return
        rows.sort(key=key)
        best = rows[0]
        self.best = best
        self.url_count = len({row.url_norm for row in rows if row.url_norm is not None})
        self.search_volume = _first(rows, "search_volume")
        self.keyword_difficulty = _first(rows, "keyword_difficulty")
        self.cpc = _first(rows, "cpc")
        self.intent = _union(rows, "intent")
        self.serp_features = _union(rows, "serp_features")
        if is_gsc:
            clicks = [row.clicks for row in rows if row.clicks is not None]
            impressions = [row.impressions for row in rows if row.impressions is not None]
            self.clicks = sum(clicks) if clicks else None
            self.impressions = sum(impressions) if impressions else None
            self.ctr = (self.clicks or 0) / self.impressions if self.impressions else best.ctr
        else:
            self.clicks = self.impressions = self.ctr = None

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
    # Inlined (no helper calls): this key is computed for every row of a multi-URL keyword.
    clicks, impressions, position = row.clicks, row.impressions, row.position
    return (_INF if clicks is None else -clicks,
            _INF if impressions is None else -impressions,
            position if position is not None and position > 0 else _INF,
            row.url_norm or "", row.order)


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


def is_site_root(url) -> bool:
    """True for the home page: an absolute URL with an empty or ``/`` path, no query string."""
    if not url or "://" not in url or "?" in url:
        return False
    return url_path(url) in ("", "/")


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


# Sources whose rows can show several URLs per keyword (§3 capability table; Ahrefs v3 lists
# only the best URL, §0.12).
CANNIBALIZATION_SOURCES = (RANK_SOURCES - {"ahrefs_organic_keywords"}) | {"gsc_query_page",
                                                                         "generic_keyword_url"}


def _url_facts(url_norm, memo):
    """(variant key, is the site root) of a URL, computed once per URL."""
    facts = memo.get(url_norm)
    if facts is None:
        facts = memo[url_norm] = (variant_key(url_norm), is_site_root(url_norm))
    return facts


def cannibalization(result: KeywordResult, data_source: str, memo=None):
    """The §9.4 ``cannibalization`` object, or ``None`` when the source cannot tell."""
    if data_source not in CANNIBALIZATION_SOURCES:
        return None
    if len(result.rows) < 2:
        return NOT_CANNIBALIZED
    if memo is None:
        memo = {}
    competing = competing_rows(result, data_source)
    # Several rows of one URL (the same page under two keyword spellings) are one competitor.
    distinct = {}
    for row in competing:
        distinct.setdefault(row.url_norm, row)
    competing = list(distinct.values())
    if len(competing) < 2:
        return NOT_CANNIBALIZED
    limit = T["cannibalizationHighMaxPosition"]
    first, second = competing[0], competing[1]
    both_top = all(row.position is not None and 0 < row.position <= limit
                   for row in (first, second))
    severity = "high" if both_top else "medium"
    facts = [_url_facts(row.url_norm, memo) for row in competing]
    if len({fact[0] for fact in facts}) == 1:
        reason = "url_variants"
    elif any(fact[1] for fact in facts):
        reason = "homepage_and_page"
    else:
        reason = "multiple_pages"
    return {"isCannibalized": True, "severity": severity, "reason": reason,
            "recommendation": RECOMMENDATIONS[reason]}


def build(dataset) -> list:
    """All ``KeywordResult`` objects of the dataset (first-seen order), with cannibalisation."""
    data_source = dataset.data_source
    key = best_key_for(data_source)
    is_gsc = data_source in GSC_SOURCES
    groups = {}
    get = groups.get
    for row in dataset.kw_rows:
        rows = get(row.keyword_norm)
        if rows is None:
            groups[row.keyword_norm] = [row]
        else:
            rows.append(row)
    computable = data_source in CANNIBALIZATION_SOURCES
    memo = {}
    results = []
    append = results.append
    for keyword_norm, rows in groups.items():
        result = KeywordResult(keyword_norm, rows, key, is_gsc)
        if computable:
            result.cannibalization = NOT_CANNIBALIZED if len(rows) < 2 else \
                cannibalization(result, data_source, memo)
        append(result)
    return results
