"""Building the `Dataset` of the chosen input (spec §2, §4): two streamed passes.

Pass 1 classifies the columns (`classify`); pass 2 parses and aggregates the rows into pages and
keyword rows (`crawl`, `keywords`). Both passes read the file from disk, so no raw row is kept.
`summary.source`, `summary.rows`, `dateRange` and the reading warnings are filled here.
"""

from __future__ import annotations

from . import errors
from .cells import Cells
from .classify import classify
from .crawl import add_crawl_rows
from .detect import Detection
from .gsc import add_gsc_rows
from .keywords import add_keyword_list_rows, add_keyword_url_rows, add_ranking_rows
from .model import Dataset
from .progress import ByteProgress
from .reading import EncodingFallback, Probe, RowCounters, iter_records, use_cp1252

GSC_UI_ROW_CAP = 1000
# Reasons counted in skippedReasons for rows that were still analysed.
KEPT_REASONS = frozenset({"extra_cells_ignored"})

_CRAWL = {"screaming_frog_internal", "screaming_frog_tab", "generic_onpage"}
_RANKINGS = {"ahrefs_organic_keywords", "ahrefs_organic_keywords_legacy", "semrush_positions",
             "generic_rankings", "moz_keywords"}
_GSC_MODE = {"gsc_query_page": "query_page", "gsc_queries": "queries", "gsc_pages": "pages"}


def _passes(probe: Probe, counters_factory, consume, progress_bytes):
    """Run one pass, restarting it with cp1252 when strict UTF-8 fails after the head."""
    while True:
        counters = counters_factory()
        try:
            return consume(iter_records(probe, counters, progress_bytes.add), counters)
        except EncodingFallback:
            use_cp1252(probe)
            progress_bytes.total += probe.size


def build_dataset(probe: Probe, detection: Detection, progress,
                  input_warnings: list[str] | None = None) -> Dataset:
    """Read the chosen input in two passes and return its `Dataset` (§4)."""
    source_id = detection.source_id
    ds = Dataset(source_id)
    ds.input_name = probe.input_name
    header = probe.header
    bytes_progress = ByteProgress(progress, probe.size, passes=2)
    split = source_id == "generic_keyword_url"
    facts, first_counters = _passes(
        probe, RowCounters, lambda recs, c: (classify(header, recs, split), c), bytes_progress)
    if first_counters.read == 0:
        raise errors.no_data_rows(probe.name, probe.size)
    ds.warnings.extend(probe.warnings)
    ds.warnings.extend(input_warnings or [])
    absent = {header.field_of_column[c] for c in facts.empty_text_columns}
    absent.discard(None)
    ds.empty_columns = [header.display[c] for c in facts.empty_text_columns]
    if ds.empty_columns:
        ds.warnings.append("Columns empty on every row, treated as absent: "
                           + ", ".join(ds.empty_columns))
    ds.fields = header.fields - absent
    if any(f.startswith("intent") for f in ds.fields):
        ds.fields.add("intent")
    if "positionType" in ds.fields:
        ds.fields.add("serpFeatureOfUrl")
    ds.has_title_second = "titleSecond" in ds.fields
    ds.has_meta_description_second = "metaDescriptionSecond" in ds.fields
    ds.has_h1_second = "h1Second" in ds.fields
    ds.has_positions = "position" in ds.fields or "sumPosition" in ds.fields
    ds.has_urls = "url" in ds.fields
    ds.is_compare = header.is_compare or detection.variant == "v3_compare"
    ds.multi_keyword_separator = facts.multi_keyword_separator if split else None
    ds.ctr_as_fraction = facts.ctr_fraction
    if facts.ctr_fraction:
        ds.warnings.append("The CTR column has no % sign and every value is at most 1; CTR was "
                           "read as a fraction (0.05 = 5 %).")
    cells = Cells(header, facts, absent)

    def parse(records, counters):
        _fill(ds, cells, records, counters, detection)
        return counters

    counters = _passes(probe, RowCounters, parse, bytes_progress)
    _rows(ds, counters)
    if source_id in ("gsc_queries", "gsc_pages") and detection.variant in (
            "ui_export", "ui_compare") and counters.read == GSC_UI_ROW_CAP:
        ds.ui_row_capped = True
        ds.warnings.append("The file has exactly 1,000 rows: it is probably truncated at the "
                           "Search Console UI limit of 1,000 rows; use the API/Looker Studio "
                           "export for complete data.")
    ds.warnings.extend(_source_notes(ds, detection))
    ds.source = source_info(probe, detection, facts.non_html_seen)
    return ds


def _fill(ds: Dataset, cells: Cells, records, counters, detection: Detection) -> None:
    sid = detection.source_id
    ds.pages.clear()
    ds.kw_rows = []
    ds.date_range = None
    if sid in _CRAWL:
        add_crawl_rows(ds, cells, records, counters,
                       h1_tab=sid == "screaming_frog_tab" and detection.variant == "h1")
    elif sid in _GSC_MODE:
        add_gsc_rows(ds, cells, records, counters, _GSC_MODE[sid])
    elif sid in _RANKINGS:
        add_ranking_rows(ds, cells, records, counters)
    elif sid == "keyword_list":
        add_keyword_list_rows(ds, cells, records, counters)
    elif sid == "generic_keyword_url":
        add_keyword_url_rows(ds, cells, records, counters)
    else:
        raise ValueError(f"no table builder for {sid}")


def _rows(ds: Dataset, counters: RowCounters) -> None:
    reasons = dict(sorted(counters.reasons.items()))
    skipped = sum(n for r, n in reasons.items() if r not in KEPT_REASONS)
    analysed = len(ds.kw_rows) if ds.kw_rows else len(ds.pages)
    ds.rows = {"read": counters.read, "analysed": analysed, "skipped": skipped,
               "skippedReasons": reasons, "aggregatedFrom": counters.read - skipped}


def _source_notes(ds: Dataset, detection: Detection) -> list[str]:
    sid = detection.source_id
    notes = []
    if sid == "keyword_list":
        if ds.has_positions:
            notes.append("The file has no URL column: keyword mapping, cannibalisation and "
                         "opportunities need URL/position data; keywords are listed with their "
                         "metrics only.")
        else:
            notes.append("The file has no URL/position columns: keyword mapping, "
                         "cannibalisation and opportunities need URL/position data; keywords "
                         "are listed with volume and difficulty only.")
    elif sid == "ahrefs_organic_keywords":
        notes.append("Ahrefs Organic keywords exports list only the best URL per keyword, so "
                     "cannibalisation cannot be computed from this file.")
    elif sid == "gsc_queries":
        notes.append("The Search Console Queries table has no page column: no keyword → URL "
                     "mapping or cannibalisation; upload a query+page export (API, Looker "
                     "Studio or BigQuery) for those.")
    elif sid in ("screaming_frog_internal", "screaming_frog_tab", "generic_onpage"):
        notes.append("A crawl export has no keyword data: the keyword mapping is empty.")
    return notes


def source_info(probe: Probe, detection: Detection, non_html_seen: bool = False) -> dict:
    """`summary.source` (§3)."""
    variant = detection.variant
    if detection.source_id == "screaming_frog_internal":
        variant = "internal_all" if non_html_seen else "internal_html"
    found, ignored = probe.header.found_and_ignored() if probe.header else ([], [])
    return {
        "id": detection.source_id,
        "tool": detection.tool,
        "variant": variant,
        "label": detection.label,
        "encoding": probe.encoding,
        "delimiter": probe.delimiter,
        "hasBom": probe.has_bom,
        "headerRow": probe.header_line,
        "columnsFound": found,
        "columnsIgnored": ignored,
        "toolGuess": detection.tool_guess,
        "inputName": probe.input_name,
    }
