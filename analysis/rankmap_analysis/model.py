"""Internal data model of the analysis (spec §4): what the reader builds and the checks read.

The reading side (`reading`, `detect`, `tables`) fills a `Dataset`; the analysis side
(`pipeline` and the check, mapping and output modules) only reads it. Every attribute is
snake_case and defaults to None when the input has no value for it; lists default to empty.

Conventions shared by both sides:

- CTR is always a fraction 0-1 (percent values and percent-unit columns are already divided).
- Positions are floats; None means "not ranking / unknown". A Semrush `Previous position` of 0
  is kept as 0 (it means "not ranking before", i.e. new).
- Counts (clicks, impressions, search volume, status code, lengths, word count, depth, links)
  are ints when the file holds whole numbers, floats otherwise.
- `url` is the URL as exported (for display); `url_norm` is the §2.7 normal form used for
  joining and grouping; `url_key` additionally ignores scheme, a leading `www.` and a trailing
  slash but keeps the query string (canonical checks).
- Changes to this module are additive: fields are added, never renamed or removed.
"""

from __future__ import annotations


class Page:
    """One row per normalised URL (`Dataset.pages`)."""

    __slots__ = (
        # --- identity
        "url",  # str: as exported (first occurrence)
        "url_norm",  # str: §2.7 normalised URL, the key of Dataset.pages
        "url_key",  # str: urlKey (no scheme, no www., no trailing slash; query kept)
        "order",  # int: first-seen index (0-based) in the file
        # --- response / indexability (Screaming Frog and similar crawls)
        "content_type",  # str | None
        "is_html",  # bool: contentType contains "html", or unknown type and no static extension
        "status_code",  # int | None (0 = no response / blocked)
        "status",  # str | None: SF text status, e.g. "OK", "Blocked by robots.txt"
        "indexability",  # str | None: "Indexable" | "Non-Indexable"
        "indexability_status",  # str | None: "Canonicalised", "noindex", "Redirected", ...
        "redirect_url",  # str | None
        "redirect_type",  # str | None
        "meta_robots",  # str | None: Meta Robots 1
        "x_robots_tag",  # str | None: X-Robots-Tag 1
        "canonical",  # str | None: Canonical Link Element 1 (None when the column is absent)
        # --- title / meta description / headings (None when the column is absent)
        "title",  # str | None
        "title_length",  # int | None: the column's value, else len(title)
        "title_pixel_width",  # int | None: SF only
        "title_second",  # str | None: `Title 2`
        "meta_description",  # str | None
        "meta_description_length",  # int | None
        "meta_description_pixel_width",  # int | None
        "meta_description_second",  # str | None: `Meta Description 2`
        "h1",  # str | None: H1-1
        "h1_length",  # int | None
        "h1_second",  # str | None: H1-2
        "h1_count",  # int | None: 0 / 1 / 2 (= 2 or more); None when unknown (no H1-2 column)
        "h2",  # str | None: H2-1
        "occurrences",  # int | None: SF tab exports `Occurrences` (number of titles / H1s ...)
        # --- content / structure
        "word_count",  # int | None
        "hash",  # str | None
        "near_duplicates",  # int | None: `No. Near Duplicates`
        "closest_match",  # str | None: `Closest Similarity Match` / `Closest Near Duplicate Match`
        "crawl_depth",  # int | None
        "folder_depth",  # int | None
        "inlinks",  # int | None
        "unique_inlinks",  # int | None
        "response_time",  # float | None: seconds
        "size_bytes",  # int | None
        # --- performance (GSC aggregated, SF GSC integration columns, rank-tool aggregates)
        "clicks",  # int | float | None
        "impressions",  # int | float | None
        "ctr",  # float | None: fraction
        "position",  # float | None: impression-weighted average (GSC data only)
        "keywords_count",  # int | None: distinct keywords ranking for this URL
        "traffic",  # float | None: sum of the tool's traffic estimate (Semrush / Ahrefs)
        "top_keyword",  # str | None: keyword with most clicks (GSC) / traffic (tools)
        "previous_clicks",  # float | None: GSC comparison mode
        "previous_impressions",  # float | None
        "previous_ctr",  # float | None
        "previous_position",  # float | None
    )

    def __init__(self, url: str, url_norm: str, url_key: str, order: int = 0) -> None:
        self.url = url
        self.url_norm = url_norm
        self.url_key = url_key
        self.order = order
        self.is_html = True
        self.content_type = None
        self.status_code = None
        self.status = None
        self.indexability = None
        self.indexability_status = None
        self.redirect_url = None
        self.redirect_type = None
        self.meta_robots = None
        self.x_robots_tag = None
        self.canonical = None
        self.title = None
        self.title_length = None
        self.title_pixel_width = None
        self.title_second = None
        self.meta_description = None
        self.meta_description_length = None
        self.meta_description_pixel_width = None
        self.meta_description_second = None
        self.h1 = None
        self.h1_length = None
        self.h1_second = None
        self.h1_count = None
        self.h2 = None
        self.occurrences = None
        self.word_count = None
        self.hash = None
        self.near_duplicates = None
        self.closest_match = None
        self.crawl_depth = None
        self.folder_depth = None
        self.inlinks = None
        self.unique_inlinks = None
        self.response_time = None
        self.size_bytes = None
        self.clicks = None
        self.impressions = None
        self.ctr = None
        self.position = None
        self.keywords_count = None
        self.traffic = None
        self.top_keyword = None
        self.previous_clicks = None
        self.previous_impressions = None
        self.previous_ctr = None
        self.previous_position = None

    def __repr__(self) -> str:
        return f"Page({self.url_norm!r})"


class KwRow:
    """One row per (keyword, url) after aggregation (`Dataset.kw_rows`).

    For sources without URLs (`gsc_queries`, `keyword_list`) `url`, `url_norm` and `url_key`
    are None and there is one row per keyword.
    """

    __slots__ = (
        # --- identity
        "keyword",  # str: as first seen, verbatim (a `=HYPERLINK(...)` stays text)
        "keyword_norm",  # str: NFKC, lower-case, whitespace collapsed, trimmed; punctuation kept
        "url",  # str | None: as exported
        "url_norm",  # str | None: key into Dataset.pages
        "url_key",  # str | None
        "order",  # int: first-seen index of this (keyword, url) pair
        "rank_in_cell",  # int | None: 1-based place in a multi-keyword cell (1 = primary)
        # --- GSC performance (aggregated per (query, page); ctr = clicks / impressions)
        "clicks",  # int | float | None
        "impressions",  # int | float | None
        "ctr",  # float | None: fraction
        "position",  # float | None: impression-weighted; the tool's rank for Semrush / Ahrefs
        "previous_position",  # float | None: Semrush / Ahrefs compare / GSC compare
        "previous_clicks",  # float | None: GSC comparison mode
        "previous_impressions",  # float | None
        "previous_ctr",  # float | None
        "position_change",  # str | None: Ahrefs compare `Position change` as written
        # --- keyword-tool metrics
        "search_volume",  # int | float | None
        "traffic",  # float | None: tool traffic estimate (Semrush Traffic, Ahrefs Organic traffic)
        "previous_traffic",  # float | None: Ahrefs compare `Previous organic traffic`
        "keyword_difficulty",  # float | None
        "cpc",  # float | None
        "number_of_results",  # float | None: Semrush `Number of Results` / `Results`
        "intent",  # list[str]: informational / navigational / commercial / transactional
        #             (+ branded / local from Ahrefs booleans), first-seen order, no duplicates
        "serp_features",  # list[str]: trimmed, first-seen order
        "serp_feature_of_url",  # str | None: Ahrefs `Current URL inside`, Semrush Position Type
        #                         other than Organic (e.g. "People also ask")
    )

    def __init__(self, keyword: str, keyword_norm: str, url: str | None = None,
                 url_norm: str | None = None, url_key: str | None = None,
                 order: int = 0) -> None:
        self.keyword = keyword
        self.keyword_norm = keyword_norm
        self.url = url
        self.url_norm = url_norm
        self.url_key = url_key
        self.order = order
        self.intent = []
        self.serp_features = []
        self.rank_in_cell = None
        self.clicks = None
        self.impressions = None
        self.ctr = None
        self.position = None
        self.previous_position = None
        self.previous_clicks = None
        self.previous_impressions = None
        self.previous_ctr = None
        self.position_change = None
        self.search_volume = None
        self.traffic = None
        self.previous_traffic = None
        self.keyword_difficulty = None
        self.cpc = None
        self.number_of_results = None
        self.serp_feature_of_url = None

    def __repr__(self) -> str:
        return f"KwRow({self.keyword_norm!r}, {self.url_norm!r})"


class Dataset:
    """Everything read from the analysed input, handed to `pipeline.run`.

    `source` is the finished `summary.source` object (§3) and `rows` the finished
    `summary.rows` object (§9.1); `warnings` already holds every reading / detection warning
    (encoding, 1,000-row cap, CTR as fraction, empty columns, skipped inputs, no URL/position,
    Ahrefs v3 without cannibalisation, ...) in the order they arose. The pipeline appends its own.
    """

    __slots__ = (
        # --- what the input is
        "data_source",  # str: the §3 id, e.g. "gsc_query_page"
        "source",  # dict: summary.source (id, tool, variant, label, encoding, delimiter, hasBom,
        #            headerRow, columnsFound, columnsIgnored, toolGuess, inputName)
        "input_name",  # str | None: the analysed input's --input-name
        # --- the tables (§4)
        "pages",  # dict[str, Page]: keyed by Page.url_norm, in first-seen order
        "kw_rows",  # list[KwRow]: in first-seen order of the (keyword, url) pair
        # --- summary parts owned by the reader
        "rows",  # dict: {read, analysed, skipped, skippedReasons: {reason: n}, aggregatedFrom}
        "date_range",  # dict | None: {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}
        "warnings",  # list[str]
        # --- which columns exist (a text column empty on every row counts as absent, §2.5)
        "fields",  # set[str]: canonical fields present (camelCase ids of fields.CANONICAL)
        "empty_columns",  # list[str]: original headers empty on every row (treated as absent)
        "has_title_second",  # bool: a non-empty `Title 2` column exists
        "has_meta_description_second",  # bool: a non-empty `Meta Description 2` column exists
        "has_h1_second",  # bool: a non-empty `H1-2` column exists (else h1_count is None)
        # --- how values were read
        "ctr_as_fraction",  # bool | None: CTR column had no % and every value <= 1
        "ui_row_capped",  # bool: GSC UI export with exactly 1,000 data rows (probably truncated)
        "multi_keyword_separator",  # str | None: ";", "|" or "," when cells were split (§1.6)
        "is_compare",  # bool: comparison-mode export (GSC compare, Ahrefs compare)
        "has_positions",  # bool: a position column exists
        "has_urls",  # bool: a URL column exists
    )

    def __init__(self, data_source: str) -> None:
        self.data_source = data_source
        self.source = {}
        self.input_name = None
        self.pages = {}
        self.kw_rows = []
        self.rows = {"read": 0, "analysed": 0, "skipped": 0, "skippedReasons": {},
                     "aggregatedFrom": 0}
        self.date_range = None
        self.warnings = []
        self.fields = set()
        self.empty_columns = []
        self.has_title_second = False
        self.has_meta_description_second = False
        self.has_h1_second = False
        self.ctr_as_fraction = None
        self.ui_row_capped = False
        self.multi_keyword_separator = None
        self.is_compare = False
        self.has_positions = False
        self.has_urls = False

    def __repr__(self) -> str:
        return (f"Dataset({self.data_source!r}, pages={len(self.pages)}, "
                f"kw_rows={len(self.kw_rows)})")
