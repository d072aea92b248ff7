"""Search Console rows aggregated per (query, page), per query or per page (spec §1.1).

API, Looker Studio and BigQuery pulls are per day (and maybe per country/device): clicks and
impressions are summed, `ctr = clicks / impressions` and the position is impression-weighted
(`Σ(position × impressions) / Σ impressions`; BigQuery's zero-based `sum_position` gives
`Σ sum_position / Σ impressions + 1`). This is the hot loop for 1,000,000-row files (§13), so
cells are parsed inline with memoised keyword and URL normalisation.
"""

from __future__ import annotations

from operator import itemgetter

from .cells import Cells
from .keywords import DateSpan, page_for, set_date_range
from .model import Dataset, KwRow
from .values import as_count, keyword_norm, parse_number


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
    # `norms` memoises keywordNorm here, so the pure function is called (not the Cells memo).
    url_of = cells.url
    norms: dict[str, str] = {}  # raw cell -> keywordNorm ("" = empty)
    url_norms: dict[str, str] = {}  # raw cell -> normalised URL ("" = empty)
    dates = DateSpan()
    date_raw = dates.raw
    date_add = date_raw.add
    acc: dict = {}
    # The raw key cells of a row (a tuple for query + page) -> its _Acc: one lookup per row
    # once a (query, page) pair has been seen; rows that are skipped never enter it.
    raw_key_of = itemgetter(*[c for c in (kw_col, url_col) if c is not None])
    by_raw: dict = {}
    by_raw_get = by_raw.get
    parse = parse_number
    kn = un = None
    for row in records:
        raw_key = raw_key_of(row)
        a = by_raw_get(raw_key)
        if a is None:
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
            by_raw[raw_key] = a
        a.rows += 1
        # Metric cells, parsed inline (this loop runs once per row): a plain float parse is
        # always right here, since a decimal-comma column has no value with a lone `.` (§2.6);
        # anything else goes to parse_number. NaN / infinity count as 0 (no position).
        raw = row[impr_col]
        try:
            impressions = float(raw)
            if impressions - impressions:
                impressions = 0.0
        except ValueError:
            impressions = parse(raw, impr_comma) or 0.0
        raw = row[clicks_col]
        try:
            clicks = float(raw)
            if clicks - clicks:
                clicks = 0.0
        except ValueError:
            clicks = parse(raw, clicks_comma) or 0.0
        a.clicks += clicks
        a.impressions += impressions
        if pos_col is not None:
            raw = row[pos_col]
            try:
                pos = float(raw)
                if pos - pos:
                    pos = None
            except ValueError:
                pos = parse(raw, pos_comma)
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
            date_add(row[date_col])
            if len(date_raw) > 10_000:
                dates.fold()
    set_date_range(ds, *dates.span())
    del norms, url_norms, by_raw
    _emit(ds, cells, acc, mode)


def _emit(ds: Dataset, cells: Cells, acc: dict, mode: str) -> None:
    """Turn the running sums into Pages (`pages`) or KwRows (+ their pages)."""
    if mode == "pages":
        for (kn, un), a in acc.items():
            page = page_for(ds, cells, a.url, un)
            page.clicks, page.impressions = as_count(a.clicks), as_count(a.impressions)
            page.ctr, page.position = a.ctr_value(cells), a.position()
            page.previous_clicks, page.previous_impressions = a.prev_clicks, a.prev_impressions
            page.previous_position, page.previous_ctr = a.prev_pos, a.prev_ctr
        return
    url_of = cells.url
    append = ds.kw_rows.append
    compare = ds.is_compare
    with_pages = mode == "query_page"
    # query_page: the pages of `pages_from_keywords(gsc=True)`, built in this same pass. Per
    # normalised URL: [page, url_key, keyword rows, clicks, impressions, weighted position,
    # best rank, best keyword]. Each (keywordNorm, URL) pair is one _Acc, so a URL's distinct
    # keywords are its keyword rows.
    by_url: dict = {}
    by_url_get = by_url.get
    for (kn, un), a in acc.items():
        url = a.url
        entry = by_url_get(un) if with_pages else None
        if entry is not None:
            key = entry[1]
        else:
            key = url_of(url)[1] if url else None
        kw = KwRow(a.keyword, kn, url, un, key, a.order)
        clicks, impressions = a.clicks, a.impressions
        # as_count, inlined: the sums are floats.
        kw.clicks = clicks = int(clicks) if clicks.is_integer() else clicks
        # a.ctr_value(cells): the exported CTR of a single row is only read when it is used.
        if a.rows != 1 and impressions > 0:
            kw.ctr = a.clicks / impressions
        else:
            kw.ctr = a.ctr_value(cells)
        # a.position(), inlined.
        position = None
        if impressions > 0 and a.weighted > 0:
            kw.position = position = a.weighted / impressions
        elif a.pos_n:
            kw.position = position = a.pos_sum / a.pos_n
        kw.impressions = impressions = int(impressions) if impressions.is_integer() \
            else impressions
        if compare:  # otherwise every previous-period value is None, as KwRow starts
            kw.previous_clicks, kw.previous_impressions = a.prev_clicks, a.prev_impressions
            kw.previous_position, kw.previous_ctr = a.prev_pos, a.prev_ctr
        append(kw)
        if not with_pages:
            continue
        if entry is None:
            entry = by_url[un] = [page_for(ds, cells, url, un), key, 0, None, None, None,
                                  None, None]
        entry[2] += 1
        clicks, impressions = clicks or 0, impressions or 0
        entry[3] = (entry[3] or 0) + clicks
        entry[4] = (entry[4] or 0) + impressions
        if position is not None:
            weighted = entry[5]
            entry[5] = (0.0 if weighted is None else weighted) + position * impressions
        rank = (-clicks, -impressions, kn)
        best = entry[6]
        if best is None or rank < best:
            entry[6], entry[7] = rank, a.keyword
    for page, _, keyword_count, clicks, impressions, weighted, _, keyword in by_url.values():
        page.keywords_count = keyword_count
        page.top_keyword = keyword
        page.clicks, page.impressions = clicks, impressions
        if impressions:
            page.ctr = clicks / impressions
            if weighted is not None:
                page.position = weighted / impressions
