"""Keyword rows from rank-tracker, keyword-list and keyword→URL exports, and the pages they name.

Rank-tracker rows are one per (keyword, URL); a repeated pair keeps its best position. Keyword
lists keep the first row of a keyword. Keyword→URL lists split multi-keyword cells (§1.6).
`pages_from_keywords` builds one `Page` per URL with aggregated performance (§4); Search
Console aggregation itself lives in `gsc`.
"""

from __future__ import annotations

from .cells import Cells
from .crawl import is_html
from .model import Dataset, KwRow, Page
from .values import as_count, parse_bool, parse_date, parse_intents, parse_list

_BOOL_INTENTS = (("intentNavigational", "navigational"), ("intentInformational", "informational"),
                 ("intentCommercial", "commercial"), ("intentTransactional", "transactional"),
                 ("intentBranded", "branded"), ("intentLocal", "local"))


class DateSpan:
    """Earliest and latest date of a column; raw values are parsed once per distinct value."""

    __slots__ = ("raw", "low", "high")

    def __init__(self) -> None:
        self.raw: set[str] = set()
        self.low = self.high = None

    def add(self, raw: str) -> None:
        """Note one raw date cell."""
        self.raw.add(raw)
        if len(self.raw) > 10_000:
            self.fold()

    def fold(self) -> None:
        """Parse the distinct raw values seen so far into the span."""
        for raw in self.raw:
            d = parse_date(raw)
            if d is not None:
                self.low = d if self.low is None or d < self.low else self.low
                self.high = d if self.high is None or d > self.high else self.high
        self.raw.clear()

    def span(self) -> tuple[str | None, str | None]:
        """(earliest, latest) as `YYYY-MM-DD`, or (None, None)."""
        self.fold()
        return self.low, self.high


def set_date_range(ds: Dataset, low: str | None, high: str | None) -> None:
    """`summary.dateRange` from a span; left None when the file had no readable date."""
    if low is not None:
        ds.date_range = {"start": low, "end": high}


def page_for(ds: Dataset, cells: Cells, url: str, norm: str) -> Page:
    """The Page of a normalised URL, created (in first-seen order) when new."""
    page = ds.pages.get(norm)
    if page is None:
        page = ds.pages[norm] = Page(url, norm, cells.url(url)[1], len(ds.pages))
        page.is_html = is_html(None, norm)
    return page


def _intents(cells: Cells, row) -> list[str]:
    out = parse_intents(cells.text(row, "intent"))
    for field, name in _BOOL_INTENTS:
        if cells.has(field) and parse_bool(cells.text(row, field)) and name not in out:
            out.append(name)
    return out


def _fill_tool_metrics(kw: KwRow, cells: Cells, row) -> None:
    number = cells.number
    kw.search_volume = cells.count(row, "searchVolume")
    kw.keyword_difficulty = number(row, "keywordDifficulty")
    kw.cpc = number(row, "cpc")
    kw.traffic = number(row, "traffic")
    kw.previous_traffic = number(row, "previousTraffic")
    kw.number_of_results = number(row, "numberOfResults")
    kw.intent = _intents(cells, row)
    kw.serp_features = parse_list(cells.text(row, "serpFeatures"))
    kw.position_change = cells.text(row, "positionChange")
    inside = cells.text(row, "serpFeatureOfUrl")
    if inside is None:
        kind = cells.text(row, "positionType")
        if kind is not None and kind.lower() != "organic":
            inside = kind
    kw.serp_feature_of_url = inside
    if cells.has("clicks"):
        kw.clicks = cells.count(row, "clicks")
        kw.impressions = cells.count(row, "impressions")
        kw.ctr = cells.ctr(row)


def _position(cells: Cells, row, field: str) -> float | None:
    value = cells.number(row, field)
    return value if value is not None and value > 0 else None


def add_ranking_rows(ds: Dataset, cells: Cells, records, counters) -> None:
    """Semrush / Ahrefs / generic rankings: one KwRow per (keyword, URL), best position kept."""
    pairs: dict = {}
    dates = DateSpan()
    date_col = cells.col.get("date")
    for row in records:
        keyword = cells.text(row, "keyword")
        if keyword is None:
            counters.skip("empty_keyword")
            continue
        kn = cells.keyword_norm(keyword)
        url = cells.text(row, "url")
        un, key = cells.url(url) if url else (None, None)
        position = _position(cells, row, "position")
        existing = pairs.get((kn, un))
        if existing is not None and not (position is not None and (
                existing.position is None or position < existing.position)):
            continue
        kw = KwRow(keyword, kn, url, un, key, existing.order if existing else len(pairs))
        kw.position = position
        previous = cells.number(row, "previousPosition")
        kw.previous_position = previous if previous is not None and previous >= 0 else None
        _fill_tool_metrics(kw, cells, row)
        pairs[(kn, un)] = kw
        if date_col is not None:
            dates.add(row[date_col])
    ds.kw_rows = sorted(pairs.values(), key=lambda k: k.order)
    set_date_range(ds, *dates.span())
    pages_from_keywords(ds, cells, gsc=False)


def add_keyword_list_rows(ds: Dataset, cells: Cells, records, counters) -> None:
    """Keyword lists without URL: one KwRow per keyword (first row wins)."""
    seen: dict[str, KwRow] = {}
    for row in records:
        keyword = cells.text(row, "keyword")
        if keyword is None:
            counters.skip("empty_keyword")
            continue
        kn = cells.keyword_norm(keyword)
        if kn in seen:
            counters.skip("duplicate_keyword")
            continue
        kw = KwRow(keyword, kn, order=len(seen))
        kw.position = _position(cells, row, "position")
        _fill_tool_metrics(kw, cells, row)
        seen[kn] = kw
    ds.kw_rows = list(seen.values())


def add_keyword_url_rows(ds: Dataset, cells: Cells, records, counters) -> None:
    """Generic keyword → URL lists, multi-keyword cells split with the file's separator."""
    sep = ds.multi_keyword_separator
    pairs: dict = {}
    for row in records:
        url = cells.text(row, "url")
        cell = cells.text(row, "keyword")
        if url is None:
            counters.skip("missing_url")
            continue
        if cell is None:
            counters.skip("empty_keyword")
            continue
        un, key = cells.url(url)
        parts = [p.strip() for p in cell.split(sep)] if sep else [cell]
        rank = 0
        for part in parts:
            if not part:
                continue
            rank += 1
            kn = cells.keyword_norm(part)
            if (kn, un) in pairs:
                continue
            kw = KwRow(part, kn, url, un, key, len(pairs))
            kw.rank_in_cell = rank if sep else None
            kw.position = _position(cells, row, "position")
            kw.search_volume = cells.count(row, "searchVolume")
            pairs[(kn, un)] = kw
    ds.kw_rows = list(pairs.values())
    pages_from_keywords(ds, cells, gsc=False)


def pages_from_keywords(ds: Dataset, cells: Cells, gsc: bool) -> None:
    """One Page per URL of `kw_rows` with aggregated performance (§4)."""
    best: dict[str, tuple] = {}
    keywords: dict[str, set] = {}
    weighted: dict[str, float] = {}
    pages = ds.pages
    pages_get, keywords_get, best_get = pages.get, keywords.get, best.get
    for kw in ds.kw_rows:
        norm = kw.url_norm
        if norm is None:
            continue
        page = pages_get(norm)
        if page is None:
            page = page_for(ds, cells, kw.url, norm)
        norms = keywords_get(norm)
        if norms is None:
            norms = keywords[norm] = set()
        norms.add(kw.keyword_norm)
        if gsc:
            clicks, impressions = kw.clicks or 0, kw.impressions or 0
            page.clicks = (page.clicks or 0) + clicks
            page.impressions = (page.impressions or 0) + impressions
            if kw.position is not None:
                weighted[norm] = weighted.get(norm, 0.0) + kw.position * impressions
            rank = (-clicks, -impressions, kw.keyword_norm)
        else:
            if kw.traffic is not None:
                page.traffic = (page.traffic or 0) + kw.traffic
            rank = (-(kw.traffic or 0), kw.position if kw.position is not None else 1e9,
                    kw.keyword_norm)
        current = best_get(norm)
        if current is None or rank < current[0]:
            best[norm] = (rank, kw.keyword)
    for norm, page in pages.items():
        norms = keywords.get(norm)
        page.keywords_count = len(norms) if norms is not None else 0
        top = best.get(norm)
        if top is not None:
            page.top_keyword = top[1]
        if gsc and page.impressions:
            page.ctr = page.clicks / page.impressions
            if norm in weighted:
                page.position = weighted[norm] / page.impressions
