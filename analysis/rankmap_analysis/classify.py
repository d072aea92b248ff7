"""The classification pass (spec §13): what must be known about whole columns before parsing.

One streamed pass over the file decides, per numeric column, the decimal mark and whether a CTR
column holds fractions (§2.6); finds text columns that are empty on every row (§2.5); picks the
multi-keyword separator (§0.18); and notes whether a crawl has non-HTML rows. It keeps no rows.
"""

from __future__ import annotations

from .fields import NUMERIC_FIELDS, TEXT_FIELDS, HeaderMap, is_numbered_text
from .values import ColumnStats

MULTI_SEPARATORS = (";", "|", ",")


class ColumnFacts:
    """Result of the classification pass."""

    __slots__ = ("stats", "decimal_comma", "ctr_fraction", "empty_text_columns",
                 "separator_seen", "non_html_seen", "rows")

    def __init__(self) -> None:
        self.stats: dict[int, ColumnStats] = {}
        self.decimal_comma: dict[int, bool] = {}
        self.ctr_fraction: bool | None = None
        self.empty_text_columns: list[int] = []
        self.separator_seen: set[str] = set()
        self.non_html_seen = False
        self.rows = 0

    @property
    def multi_keyword_separator(self) -> str | None:
        """§0.18: `;` if any cell holds it, else `|`, else `,`; None when no cell is split."""
        for sep in MULTI_SEPARATORS:
            if sep in self.separator_seen:
                return sep
        return None


def classify(header: HeaderMap, records, split_keywords: bool) -> ColumnFacts:
    """Consume `records` (an iterator of fitted rows) once and return the column facts."""
    facts = ColumnFacts()
    ctr_col = header.column_of_field.get("ctr")
    ctr_stats = None
    active: list[tuple[int, ColumnStats]] = []
    for col, field in enumerate(header.field_of_column):
        if field in NUMERIC_FIELDS:
            stats = facts.stats[col] = ColumnStats()
            if col == ctr_col:
                ctr_stats = stats
            else:
                active.append((col, stats))
    text_cols = [col for col, field in enumerate(header.field_of_column)
                 if field in TEXT_FIELDS or is_numbered_text(header.normalised[col])]
    pending_text = set(text_cols)
    kw_col = header.column_of_field.get("keyword") if split_keywords else None
    ct_col = header.column_of_field.get("contentType")
    # Plain float CTR cells (the bulk of an API pull) are summarised here without a call.
    ctr_max, ctr_plain, ctr_dot = None, 0, False
    rows = 0
    for row in records:
        rows += 1
        if ctr_stats is not None:
            value = row[ctr_col]
            try:
                number = float(value)
            except ValueError:
                ctr_stats.add(value)
            else:
                ctr_plain += 1
                if (ctr_max is None or number > ctr_max) and not number - number:
                    ctr_max = number
                if not ctr_dot and "." in value:
                    ctr_dot = True
        if active:
            decided = False
            for col, stats in active:
                value = row[col]
                if not value.isdigit():
                    stats.add(value)
                    decided = decided or stats.decided(False)
            if decided:
                active = [item for item in active if not item[1].decided(False)]
        if pending_text:
            for col in [c for c in pending_text if row[c].strip()]:
                pending_text.discard(col)
        if kw_col is not None:
            cell = row[kw_col]
            for sep in MULTI_SEPARATORS:
                if sep in cell:
                    facts.separator_seen.add(sep)
        if ct_col is not None and not facts.non_html_seen:
            ct = row[ct_col].strip().lower()
            if ct and "html" not in ct:
                facts.non_html_seen = True
    facts.rows = rows
    if ctr_stats is not None and ctr_plain:
        ctr_stats.merge_plain(ctr_plain, ctr_max, ctr_dot)
    facts.empty_text_columns = [c for c in text_cols if c in pending_text]
    for col, stats in facts.stats.items():
        facts.decimal_comma[col] = stats.decimal_comma
    if ctr_col is not None and ctr_col in facts.stats:
        stats = facts.stats[ctr_col]
        facts.ctr_fraction = stats.ctr_is_fraction() if stats.non_null else None
    return facts
