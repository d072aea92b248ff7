"""Source detection (spec §3): which export a header line (and its first rows) comes from.

`detect(header, sample)` evaluates the rules in the spec's order — with the not-analysable
Search Console tables (rule 9) tested before rules 7–8 (§0.3) — and returns a `Detection`.
"""

from __future__ import annotations

from .fields import HeaderMap
from .urls import looks_like_url

SF_TAB_HEADERS = frozenset({
    "address", "occurrences", "title 1", "title 1 length", "title 1 pixel width", "indexability",
    "indexability status", "meta description 1", "meta description 1 length",
    "meta description 1 pixel width", "h1-1", "h1-1 length", "h1-2", "h1-2 length", "h2-1",
    "h2-1 length", "h2-2", "h2-2 length", "word count", "sentence count",
    "average words per sentence", "flesch reading ease score", "readability", "text ratio",
    "closest similarity match", "closest near duplicate match", "no. near duplicates",
    "spelling errors", "grammar errors", "language", "hash", "canonical link element 1",
    "http canonical", "meta robots 1", "x-robots-tag 1", "meta refresh 1", "content type",
    "status code", "status", "length", "url encoded address", "inlinks", "response time",
    "redirect url", "redirect type"})

GSC_OTHER_TABLES = {
    "country": "Countries", "pays": "Countries", "land": "Countries", "国": "Countries",
    "device": "Devices", "appareil": "Devices", "appareils": "Devices", "gerät": "Devices",
    "デバイス": "Devices", "date": "Dates", "datum": "Dates", "日付": "Dates",
    "search appearance": "Search appearance", "filter": "Filters", "filtre": "Filters",
    "filtres": "Filters"}

GSC_METRICS = frozenset({"clicks", "impressions", "ctr", "position", "previousClicks",
                         "previousImpressions", "previousCtr", "previousPosition",
                         "sumPosition"})
GSC_EXTRA_DIMENSIONS = frozenset({"date", "country", "device", "searchAppearance",
                                  "isAnonymizedQuery"})

LABELS = {
    "screaming_frog_internal": ("Screaming Frog SEO Spider", "Screaming Frog Internal export"),
    "screaming_frog_tab": ("Screaming Frog SEO Spider", "Screaming Frog tab export"),
    "ahrefs_organic_keywords": ("Ahrefs", "Ahrefs Organic keywords"),
    "ahrefs_organic_keywords_legacy": ("Ahrefs", "Ahrefs Organic keywords (legacy)"),
    "semrush_positions": ("Semrush", "Semrush Organic Positions"),
    "gsc_query_page": ("Google Search Console", "Search Console query + page data"),
    "gsc_queries": ("Google Search Console", "Search Console queries"),
    "gsc_pages": ("Google Search Console", "Search Console pages"),
    "gsc_other": ("Google Search Console", "Search Console table (not analysable)"),
    "moz_keywords": ("Moz Pro", "Moz keyword rankings"),
    "generic_rankings": (None, "Keyword rankings (keyword, URL, position)"),
    "keyword_list": (None, "Keyword list"),
    "generic_keyword_url": (None, "Keyword → URL list"),
    "generic_onpage": (None, "On-page list (URL, title, headings)"),
    "unknown": (None, "Unrecognised"),
}

ANALYSABLE = frozenset(LABELS) - {"gsc_other", "unknown"}


class Detection:
    """The detected source: §3 id, tool, variant, label, tool guess, GSC table name."""

    __slots__ = ("source_id", "tool", "variant", "label", "tool_guess", "gsc_table")

    def __init__(self, source_id: str, variant: str | None = None,
                 tool_guess: str | None = None, gsc_table: str | None = None) -> None:
        self.source_id = source_id
        tool, label = LABELS[source_id]
        self.tool = tool or tool_guess
        self.label = label
        self.variant = variant
        self.tool_guess = tool_guess
        self.gsc_table = gsc_table

    @property
    def analysable(self) -> bool:
        """False for `gsc_other` and `unknown`."""
        return self.source_id in ANALYSABLE


def _url_share(sample: list[list[str]], column: int) -> float | None:
    values = [row[column].strip() for row in sample if row[column].strip()]
    if not values:
        return None
    return sum(1 for v in values if looks_like_url(v)) / len(values)


def detect(header: HeaderMap | None, sample: list[list[str]]) -> Detection:
    """Apply §3's rules in order; first match wins."""
    if header is None:
        return Detection("unknown")
    raw = set(header.normalised)
    f = header.fields
    has = f.__contains__
    if "address" in raw and "indexability" in raw and "content type" in raw and (
            "title 1" in raw or "title 1 length" in raw):
        return Detection("screaming_frog_internal", "internal")
    if "address" in raw and ("occurrences" in raw or raw <= SF_TAB_HEADERS):
        return Detection("screaming_frog_tab", _sf_tab_variant(raw))
    if has("keyword") and "current position" in raw and "current url" in raw:
        compare = "previous position" in raw and "current organic traffic" in raw
        return Detection("ahrefs_organic_keywords", "v3_compare" if compare else "v3")
    if has("keyword") and has("position") and has("url") and raw & {
            "position history", "traffic (desc)", "traffic (asc)", "page url inside"}:
        return Detection("ahrefs_organic_keywords_legacy", "legacy")
    if has("keyword") and has("position") and has("url") and has("searchVolume") and raw & {
            "keyword difficulty", "traffic (%)", "serp features by keyword", "previous position",
            "keyword intents"}:
        variant = "positions" if "traffic (%)" in raw else "positions_short"
        return Detection("semrush_positions", variant)
    if has("keyword") and has("url") and has("clicks") and has("impressions"):
        return Detection("gsc_query_page", _gsc_variant(raw, f))
    gsc = _gsc_one_dimension(header, sample)
    if gsc is not None:
        return gsc
    if has("keyword") and has("url") and has("position"):
        if "monthly volume" in raw and ("organic ctr" in raw or "priority" in raw):
            return Detection("moz_keywords", "rankings", "Moz Pro")
        return Detection("generic_rankings", "rankings", _tool_guess(raw))
    if has("keyword") and not has("url"):
        return Detection("keyword_list", "no_url", _tool_guess(raw))
    if has("keyword") and has("url"):
        return Detection("generic_keyword_url", "keyword_url")
    if has("url") and (has("title") or has("h1") or has("metaDescription")):
        return Detection("generic_onpage", "onpage")
    return Detection("unknown")


def _gsc_one_dimension(header: HeaderMap, sample: list[list[str]]) -> Detection | None:
    """Rules 9, 7 and 8 (in that order, §0.3)."""
    f = header.fields
    if not ({"clicks", "impressions"} <= f):
        return None
    first = header.normalised[0] if header.normalised else ""
    cols = header.field_of_column
    if "url" not in f and "keyword" not in f and first in GSC_OTHER_TABLES:
        return Detection("gsc_other", "ui_table", gsc_table=GSC_OTHER_TABLES[first])
    ui_shape = len(cols) >= 5 and cols[0] not in GSC_METRICS and all(
        c in GSC_METRICS for c in cols[1:])
    extra = [c for c in cols if c not in GSC_METRICS]
    if ui_shape:
        variant = "ui_compare" if header.is_compare else "ui_export"
        share = _url_share(sample, 0)
        field = cols[0]
        if share is not None and share >= 0.8:
            return Detection("gsc_pages", variant)
        if share is not None and share < 0.2:
            return Detection("gsc_queries", variant)
        if share is None and field in ("url", "keyword"):
            return Detection("gsc_pages" if field == "url" else "gsc_queries", variant)
        return None
    dims = [c for c in extra if c is not None]
    if "keyword" in f and "url" not in f and set(dims) - {"keyword"} <= GSC_EXTRA_DIMENSIONS:
        return Detection("gsc_queries", "api_aggregated")
    if "url" in f and "keyword" not in f and set(dims) - {"url"} <= GSC_EXTRA_DIMENSIONS:
        return Detection("gsc_pages", "api_aggregated")
    return None


def _gsc_variant(raw: set[str], fields: set[str]) -> str:
    if "sum_position" in raw or "sum_top_position" in raw or "data_date" in raw:
        return "bigquery"
    if "url clicks" in raw or "landing page" in raw or "url ctr" in raw:
        return "looker_studio"
    return "api_with_date" if "date" in fields else "api"


def _sf_tab_variant(raw: set[str]) -> str:
    for marker, name in (("title 1", "page_titles"), ("meta description 1", "meta_description"),
                         ("h1-1", "h1"), ("h2-1", "h2"), ("word count", "content"),
                         ("http canonical", "canonicals"), ("meta robots 1", "directives"),
                         ("url encoded address", "url"), ("status code", "response_codes")):
        if marker in raw:
            return name
    return "tab"


def _tool_guess(raw: set[str]) -> str | None:
    if "monthly volume" in raw:
        return "Moz Pro"
    if raw & {"parent keyword", "traffic potential", "cps", "global volume"}:
        return "Ahrefs Keywords Explorer"
    if raw & {"kd %", "competitive density", "competition"} and raw & {"intent", "volume"}:
        return "Semrush"
    if "avg. monthly searches" in raw:
        return "Google Keyword Planner"
    if raw & {"suchvolumen", "konkurrenz"}:
        return "Sistrix"
    return None
