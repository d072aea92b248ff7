"""Search Console rows aggregated per (query, page), per query or per page (spec §1.1).

API, Looker Studio and BigQuery pulls are per day (and maybe per country/device): clicks and
impressions are summed, `ctr = clicks / impressions` and the position is impression-weighted
(`Σ(position × impressions) / Σ impressions`; BigQuery's zero-based `sum_position` gives
`Σ sum_position / Σ impressions + 1`). This is the hot loop for 1,000,000-row files (§13), so
cells are parsed inline with memoised keyword and URL normalisation.
"""

from __future__ import annotations

from .cells import Cells
from .keywords import DateSpan, page_for, pages_from_keywords, set_date_range
from .model import Dataset, KwRow
from .values import as_count, parse_number


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


def _number(raw: str, decimal_comma: bool) -> float:
    """A metric cell; 0.0 when empty or unreadable. A plain float parse is always right here:
    a decimal-comma column has no value with a lone `.` (§2.6), so `float` never misreads it."""
    try:
        value = float(raw)
    except ValueError:
        return parse_number(raw, decimal_comma) or 0.0
    return 0.0 if value - value else value


def _position(raw: str, decimal_comma: bool) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return parse_number(raw, decimal_comma)
    return None if value - value else value


def _add(total, value):
    if value is None:
        return total
    return value if total is None else total + value


def add_gsc_rows(ds: Dataset, cells: Cells, records, counters, mode: str) -> None:
    """Aggregate GSC rows into `ds`; `mode` is `query_page`, `queries` or `pages`."""
    use_kw, use_url = mode in ("query_page", "queries"), mode in ("query_page", "pages")
    col, comma = cells.col, cells.decimal_comma
    kw_col = col["keyword"] if use_kw else None
    url_col = col["url"] if use_url else None
    clicks_col, impr_col = col["clicks"], col["impressions"]
    clicks_comma, impr_comma = comma.get(clicks_col, False), comma.get(impr_col, False)
    has_sum_position = "sumPosition" in col and "position" not in col
    pos_col = col.get("sumPosition" if has_sum_position else "position")
    pos_comma = comma.get(pos_col, False)
    ctr_col = col.get("ctr")
    date_col = col.get("date")
    compare = ds.is_compare
    keyword_norm, url_of = cells.keyword_norm, cells.url
    norms: dict[str, str] = {}  # raw cell -> keywordNorm ("" = empty)
    url_norms: dict[str, str] = {}  # raw cell -> normalised URL ("" = empty)
    dates = DateSpan()
    date_raw = dates.raw
    acc: dict = {}
    kn = un = None
    for row in records:
        if use_kw:
            raw = row[kw_col]
            kn = norms.get(raw)
            if kn is None:
                kn = norms[raw] = keyword_norm(raw)
            if not kn:
                counters.skip("empty_keyword")
                continue
        if use_url:
            raw = row[url_col]
            un = url_norms.get(raw)
            if un is None:
                stripped = raw.strip()
                un = url_norms[raw] = url_of(stripped)[0] if stripped else ""
            if not un:
                counters.skip("missing_url")
                continue
        key = (kn, un)
        a = acc.get(key)
        if a is None:
            a = acc[key] = _Acc(row[kw_col].strip() if use_kw else None,
                                row[url_col].strip() if use_url else None, len(acc))
        a.rows += 1
        impressions = _number(row[impr_col], impr_comma)
        a.clicks += _number(row[clicks_col], clicks_comma)
        a.impressions += impressions
        if pos_col is not None:
            pos = _position(row[pos_col], pos_comma)
            if pos is not None:
                if has_sum_position:
                    if impressions > 0:
                        a.weighted += pos + impressions
                elif pos > 0:
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
            a.prev_ctr = cells.ctr(row, "previousCtr")
        if date_col is not None:
            date_raw.add(row[date_col])
            if len(date_raw) > 10_000:
                dates.fold()
    set_date_range(ds, *dates.span())
    del norms, url_norms
    _emit(ds, cells, acc, mode)


def _emit(ds: Dataset, cells: Cells, acc: dict, mode: str) -> None:
    """Turn the running sums into Pages (`pages`) or KwRows (+ their pages)."""
    for (kn, un), a in acc.items():
        if mode == "pages":
            page = page_for(ds, cells, a.url, un)
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
