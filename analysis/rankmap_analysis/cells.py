"""Typed access to the cells of one fitted row, with the per-column decisions applied.

`Cells` is built once per file from the header and the classification facts; its methods turn
a raw row into numbers, counts, CTR fractions, text and lists without any per-row lookups by
name. Memoised URL and keyword normalisation keep 1,000,000-row files cheap (§13).
"""

from __future__ import annotations

from .classify import ColumnFacts
from .fields import HeaderMap
from .urls import normalise_url, url_key
from .values import as_count, keyword_norm, parse_date, parse_number


_MISSING = object()


class Cells:
    """Column indexes and parsers for one file."""

    def __init__(self, header: HeaderMap, facts: ColumnFacts, absent: set[str]) -> None:
        self.col = {f: c for f, c in header.column_of_field.items() if f not in absent}
        self.decimal_comma = facts.decimal_comma
        self.ctr_fraction = bool(facts.ctr_fraction)
        self._urls: dict[str, tuple[str, str]] = {}
        self._keywords: dict[str, str] = {}
        self._dates: dict[str, str | None] = {}

    def has(self, field: str) -> bool:
        """Whether the field's column exists (and is not treated as absent)."""
        return field in self.col

    def text(self, row: list[str], field: str) -> str | None:
        """Trimmed text, None when empty or the column is absent."""
        col = self.col.get(field)
        if col is None:
            return None
        value = row[col].strip()
        return value or None

    def number(self, row: list[str], field: str) -> float | None:
        """A number with the column's decimal mark (§2.6)."""
        col = self.col.get(field)
        if col is None:
            return None
        return parse_number(row[col], self.decimal_comma.get(col, False))

    def count(self, row: list[str], field: str) -> int | float | None:
        """A number as int when whole."""
        return as_count(self.number(row, field))

    def ctr(self, row: list[str], field: str = "ctr") -> float | None:
        """CTR as a fraction: `%` values divided, percent-unit columns divided (§2.6)."""
        col = self.col.get(field)
        if col is None:
            return None
        return self.ctr_of(row[col], col)

    def ctr_of(self, raw: str, col: int | None = None) -> float | None:
        """One raw CTR cell of the `ctr` column (or of `col`) as a fraction."""
        if col is None:
            col = self.col.get("ctr")
        value = parse_number(raw, self.decimal_comma.get(col, False))
        if value is None or "%" in raw or self.ctr_fraction:
            return value
        return value / 100.0

    def date(self, row: list[str]) -> str | None:
        """The row's date as `YYYY-MM-DD`, or None."""
        col = self.col.get("date")
        if col is None:
            return None
        raw = row[col]
        found = self._dates.get(raw, _MISSING)
        if found is _MISSING:
            found = parse_date(raw)
            if len(self._dates) < 100_000:
                self._dates[raw] = found
        return found

    def url(self, raw: str) -> tuple[str, str]:
        """(normalised URL, urlKey), memoised."""
        found = self._urls.get(raw)
        if found is None:
            norm = normalise_url(raw)
            found = (norm, url_key(norm))
            if len(self._urls) < 2_000_000:
                self._urls[raw] = found
        return found

    def keyword_norm(self, keyword: str) -> str:
        """`keywordNorm`, memoised."""
        found = self._keywords.get(keyword)
        if found is None:
            found = keyword_norm(keyword)
            if len(self._keywords) < 2_000_000:
                self._keywords[keyword] = found
        return found
