"""Keyword rows from Search Console, rank-tracker, keyword-list and keyword→URL exports.

Search Console rows are per day (and maybe per country/device): they are aggregated per
(query, page) — or per query / per page when only one dimension exists — with summed clicks
and impressions, `ctr = clicks / impressions` and the impression-weighted position (§1.1).
Rank-tracker rows are one per (keyword, URL); a repeated pair keeps its best position.
"""

from __future__ import annotations

from .cells import Cells
from .crawl import is_html
from .model import Dataset, KwRow, Page
from .values import (as_count, parse_bool, parse_date, parse_intents, parse_list,
                     parse_number)

_BOOL_INTENTS = (("intentNavigational", "navigational"), ("intentInformational", "informational"),
                 ("intentCommercial", "commercial"), ("intentTransactional", "transactional"),
                 ("intentBranded", "branded"), ("intentLocal", "local"))


class _Acc:
    """Running sums for one aggregation key."""

    __slots__ = ("keyword", "url", "order", "rows", "clicks", "impressions", "weighted",
                 "pos_sum", "pos_n", "ctr_raw", "prev_clicks", "prev_impressions", "prev_pos",
                 "prev_ctr")

    def __init__(self, keyword, url, order) -> None:
        self.keyword, self.url, self.order = keyword, url, order
        self.rows = 0
        self.clicks = self.impressions = self.weighted = self.pos_sum = 0.0
        self.pos_n = 0
        self.ctr_raw = self.prev_clicks = self.prev_impressions = self.prev_pos = None
        self.prev_ctr = None

    def position(self) -> float | None:
        if self.impressions > 0 and self.weighted > 0:
            return self.weighted / self.impressions
        return self.pos_sum / self.pos_n if self.pos_n else None

    def ctr_value(self, cells: Cells) -> float | None:
        """The row's own CTR for a single row, else clicks / impressions (§1.1)."""
        ctr = cells.ctr_of(self.ctr_raw) if self.ctr_raw is not None else None
        if self.rows == 1 and ctr is not None:
            return ctr
        return self.clicks / self.impressions if self.impressions > 0 else ctr


class _DateSpan:
    """Earliest and latest date of a column; raw values are parsed once per distinct value."""

    __slots__ = ("raw", "low", "high")

    def __init__(self) -> None:
        self.raw: set[str] = set()
        self.low = self.high = None

    def add(self, raw: str) -> None:
        self.raw.add(raw)
        if len(self.raw) > 10_000:
            self._fold()

    def _fold(self) -> None:
        for raw in self.raw:
            d = parse_date(raw)
            if d is not None:
                self.low = d if self.low is None or d < self.low else self.low
                self.high = d if self.high is None or d > self.high else self.high
        self.raw.clear()

    def span(self) -> tuple[str | None, str | None]:
        self._fold()
        return self.low, self.high


def _date_range(ds: Dataset, low: str | None, high: str | None) -> None:
    if low is not None:
        ds.date_range = {"start": low, "end": high}


def _reader(cells: Cells, field: str):
    """A fast `raw -> float | None` for one column (plain floats skip the full parser)."""
    col = cells.col.get(field)
    if col is None:
        return None, None
    if cells.decimal_comma.get(col, False):
        return col, lambda raw: parse_number(raw, True)

    def read(raw: str, _parse=parse_number) -> float | None:
        try:
            value = float(raw)
        except ValueError:
            return _parse(raw)
        return value if value - value == 0 else None
    return col, read


def add_gsc_rows(ds: Dataset, cells: Cells, records, counters, mode: str) -> None:
    """Aggregate GSC rows; `mode` is `query_page`, `queries` or `pages`."""
    use_kw, use_url = mode in ("query_page", "queries"), mode in ("query_page", "pages")
    kw_col = cells.col.get("keyword") if use_kw else None
    url_col = cells.col.get("url") if use_url else None
    clicks_col, read_clicks = _reader(cells, "clicks")
    impr_col, read_impr = _reader(cells, "impressions")
    has_sum_position = cells.has("sumPosition") and not cells.has("position")
    pos_col, read_pos = _reader(cells, "sumPosition" if has_sum_position else "position")
    ctr_col = cells.col.get("ctr")
    date_col = cells.col.get("date")
    compare = ds.is_compare
    keyword_norm, url_of, ctr = cells.keyword_norm, cells.url, cells.ctr
    norms: dict[str, str] = {}
    url_norms: dict[str, str] = {}
    dates = _DateSpan()
    acc: dict = {}
    for row in records:
        if use_kw:
            keyword = row[kw_col].strip()
            if not keyword:
                counters.skip("empty_keyword")
                continue
            kn = norms.get(keyword)
            if kn is None:
                kn = norms[keyword] = keyword_norm(keyword)
        else:
            keyword = kn = None
        if use_url:
            url = row[url_col].strip()
            if not url:
                counters.skip("missing_url")
                continue
            un = url_norms.get(url)
            if un is None:
                un = url_norms[url] = url_of(url)[0]
        else:
            url = un = None
        key = (kn, un)
        a = acc.get(key)
        if a is None:
            a = acc[key] = _Acc(keyword, url, len(acc))
        a.rows += 1
        clicks = read_clicks(row[clicks_col]) or 0.0
        impressions = read_impr(row[impr_col]) or 0.0
        a.clicks += clicks
        a.impressions += impressions
        if pos_col is not None:
            pos = read_pos(row[pos_col])
            if has_sum_position:
                if pos is not None and impressions > 0:
                    a.weighted += pos + impressions
            elif pos is not None and pos > 0:
                a.weighted += pos * impressions
                a.pos_sum += pos
                a.pos_n += 1
        if ctr_col is not None:
            a.ctr_raw = row[ctr_col]
        if compare:
            a.prev_clicks = _add(a.prev_clicks, cells.number(row, "previousClicks"))
            a.prev_impressions = _add(a.prev_impressions,
                                      cells.number(row, "previousImpressions"))
            a.prev_pos = cells.number(row, "previousPosition")
            a.prev_ctr = ctr(row, "previousCtr")
        if date_col is not None:
            dates.add(row[date_col])
    _date_range(ds, *dates.span())
    del norms, url_norms
    for (kn, un), a in acc.items():
        if mode == "pages":
            page = _page(ds, cells, a.url, un)
            page.clicks, page.impressions = as_count(a.clicks), as_count(a.impressions)
            page.ctr, page.position = a.ctr_value(cells), a.position()
            page.previous_clicks, page.previous_impressions = a.prev_clicks, a.prev_impressions
            page.previous_position, page.previous_ctr = a.prev_pos, a.prev_ctr
            continue
        kw = KwRow(a.keyword, kn, a.url, un, cells.url(a.url)[1] if a.url else None, a.order)
        kw.clicks, kw.impressions = as_count(a.clicks), as_count(a.impressions)
        kw.ctr, kw.position = a.ctr_value(cells), a.position()
        kw.previous_clicks, kw.previous_impressions = a.prev_clicks, a.prev_impressions
        kw.previous_position, kw.previous_ctr = a.prev_pos, a.prev_ctr
        ds.kw_rows.append(kw)
    if mode == "query_page":
        pages_from_keywords(ds, cells, gsc=True)


def _add(total, value):
    if value is None:
        return total
    return value if total is None else total + value


def _page(ds: Dataset, cells: Cells, url: str, norm: str) -> Page:
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
    dates = _DateSpan()
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
    _date_range(ds, *dates.span())
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
    for kw in ds.kw_rows:
        if kw.url_norm is None:
            continue
        page = _page(ds, cells, kw.url, kw.url_norm)
        keywords.setdefault(kw.url_norm, set()).add(kw.keyword_norm)
        if gsc:
            page.clicks = (page.clicks or 0) + (kw.clicks or 0)
            page.impressions = (page.impressions or 0) + (kw.impressions or 0)
            if kw.position is not None:
                weighted[kw.url_norm] = weighted.get(kw.url_norm, 0.0) + kw.position * (
                    kw.impressions or 0)
            rank = (-(kw.clicks or 0), -(kw.impressions or 0), kw.keyword_norm)
        else:
            if kw.traffic is not None:
                page.traffic = (page.traffic or 0) + kw.traffic
            rank = (-(kw.traffic or 0), kw.position if kw.position is not None else 1e9,
                    kw.keyword_norm)
        current = best.get(kw.url_norm)
        if current is None or rank < current[0]:
            best[kw.url_norm] = (rank, kw.keyword)
    for norm, page in ds.pages.items():
        page.keywords_count = len(keywords.get(norm, ()))
        if norm in best:
            page.top_keyword = best[norm][1]
        if gsc and page.impressions:
            page.ctr = page.clicks / page.impressions
            if norm in weighted:
                page.position = weighted[norm] / page.impressions
