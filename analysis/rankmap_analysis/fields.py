"""Header normalisation (spec §2.4) and the alias table (§2.5): normalised header → field.

Canonical field ids are the spec's camelCase names (`url`, `keyword`, `searchVolume`, ...).
A few extra ids carry columns the spec names elsewhere (`country`, `device`, `occurrences`,
`titleSecond`, `trafficPercent`, ...). `map_headers` also applies the comparison-mode rule of
§1.1: two columns for the same metric → the one starting with `Last` (or the first) is current,
the other becomes `previous<Metric>`.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_QUOTES = "\"'\u201c\u201d\u2018\u2019"

ALIASES: dict[str, tuple[str, ...]] = {
    "url": ("address", "url", "page", "pages", "top pages", "landing page", "current url",
            "ranking url", "target url", "pages les plus populaires", "die häufigsten seiten",
            "上位のページ"),
    "keyword": ("keyword", "keywords", "query", "queries", "top queries", "search query",
                "search term", "requêtes les plus fréquentes", "häufigste suchanfragen",
                "上位のクエリ"),
    "clicks": ("clicks", "url clicks", "clics", "klicks", "クリック数"),
    "impressions": ("impressions", "impressionen", "表示回数"),
    "ctr": ("ctr", "url ctr", "site ctr"),
    "position": ("position", "average position", "avg. position", "avg position",
                 "current position", "rank", "ranking position", "掲載順位"),
    "previousPosition": ("previous position", "position history"),
    "searchVolume": ("search volume", "volume", "monthly volume", "avg. monthly searches",
                     "suchvolumen"),
    "traffic": ("traffic", "organic traffic", "current organic traffic", "traffic (desc)",
                "traffic (asc)"),
    "keywordDifficulty": ("keyword difficulty", "kd", "kd %", "difficulty",
                          "keyword difficulty index"),
    "cpc": ("cpc", "cpc (usd)"),
    "intent": ("keyword intents", "intent", "intents"),
    "serpFeatures": ("serp features by keyword", "serp features"),
    "serpFeatureOfUrl": ("current url inside", "page url inside"),
    "date": ("date", "data_date", "timestamp", "updated", "current date", "last update",
             "datum", "日付"),
    "title": ("title 1", "title", "page title"),
    "titleLength": ("title 1 length",),
    "titlePixelWidth": ("title 1 pixel width",),
    "titleSecond": ("title 2",),
    "metaDescription": ("meta description 1", "meta description", "meta_description",
                        "description"),
    "metaDescriptionLength": ("meta description 1 length",),
    "metaDescriptionPixelWidth": ("meta description 1 pixel width",),
    "metaDescriptionSecond": ("meta description 2",),
    "h1": ("h1-1", "h1", "h1 1"),
    "h1Second": ("h1-2",),
    "h1Length": ("h1-1 length",),
    "h2": ("h2-1", "h2"),
    "statusCode": ("status code", "status_code", "http status"),
    "status": ("status",),
    "contentType": ("content type", "content"),
    "indexability": ("indexability",),
    "indexabilityStatus": ("indexability status",),
    "canonical": ("canonical link element 1", "canonical", "canonical url"),
    "metaRobots": ("meta robots 1", "meta robots"),
    "xRobotsTag": ("x-robots-tag 1",),
    "wordCount": ("word count", "word_count"),
    "crawlDepth": ("crawl depth",),
    "folderDepth": ("folder depth",),
    "inlinks": ("inlinks",),
    "uniqueInlinks": ("unique inlinks",),
    "responseTime": ("response time",),
    "hash": ("hash",),
    "nearDuplicates": ("no. near duplicates",),
    "closestMatch": ("closest similarity match", "closest near duplicate match"),
    "redirectUrl": ("redirect url",),
    "redirectType": ("redirect type",),
    "sizeBytes": ("size (bytes)", "size"),
    "occurrences": ("occurrences",),
    # Extra ids: dimensions, Semrush / Ahrefs / BigQuery specifics.
    "country": ("country", "country code", "pays", "land", "国"),
    "device": ("device", "appareil", "appareils", "gerät", "デバイス"),
    "searchAppearance": ("search appearance",),
    "trafficPercent": ("traffic (%)",),
    "trends": ("trends", "trend"),
    "positionType": ("position type",),
    "numberOfResults": ("number of results", "results"),
    "previousTraffic": ("previous organic traffic",),
    "positionChange": ("position change",),
    "sumPosition": ("sum_position", "sum_top_position"),
    "isAnonymizedQuery": ("is_anonymized_query",),
    "intentNavigational": ("navigational",),
    "intentInformational": ("informational",),
    "intentCommercial": ("commercial",),
    "intentTransactional": ("transactional",),
    "intentBranded": ("branded",),
    "intentLocal": ("local",),
}

FIELD_OF: dict[str, str] = {alias: field for field, names in ALIASES.items() for alias in names}

METRICS_FOR_COMPARE = ("clicks", "impressions", "ctr", "position")
PREVIOUS_OF = {"clicks": "previousClicks", "impressions": "previousImpressions",
               "ctr": "previousCtr", "position": "previousPosition",
               "traffic": "previousTraffic"}

# Text columns that count as absent when empty on every row (§2.5).
TEXT_FIELDS = frozenset({"title", "metaDescription", "h1", "h1Second", "h2", "canonical",
                         "hash", "titleSecond", "metaDescriptionSecond"})
_NUMBERED_TEXT = re.compile(r"^(title|meta description|h1-|h2-)\s?\d+$")

NUMERIC_FIELDS = frozenset({
    "clicks", "impressions", "ctr", "position", "previousPosition", "searchVolume", "traffic",
    "keywordDifficulty", "cpc", "titleLength", "titlePixelWidth", "metaDescriptionLength",
    "metaDescriptionPixelWidth", "h1Length", "statusCode", "wordCount", "crawlDepth",
    "folderDepth", "inlinks", "uniqueInlinks", "responseTime", "nearDuplicates", "sizeBytes",
    "occurrences", "numberOfResults", "previousTraffic", "sumPosition", "previousClicks",
    "previousImpressions", "previousCtr"})


def normalise_header(cell: str) -> str:
    """§2.4: strip BOM → strip quotes/whitespace → NFC → lower → collapse spaces → strip `:`."""
    s = cell.replace("\ufeff", "").strip().strip(_QUOTES).strip()
    s = unicodedata.normalize("NFC", s).lower()
    s = _SPACES.sub(" ", s)
    return s.rstrip(":").rstrip()


def _compare_metric(header: str) -> str | None:
    """`last 3 months clicks` → `clicks` (comparison-mode metric columns, §1.1)."""
    for alias, field in _METRIC_SUFFIXES:
        if header.endswith(" " + alias):
            return field
    return None


_METRIC_SUFFIXES = sorted(((a, f) for f in METRICS_FOR_COMPARE for a in ALIASES[f]),
                          key=lambda item: -len(item[0]))


def is_numbered_text(header: str) -> bool:
    """`title 2`, `meta description 3`, `h1-3`, `h2-2`: numbered repeats of text columns."""
    return bool(_NUMBERED_TEXT.match(header)) and "length" not in header


class HeaderMap:
    """The mapping of one header line: display names, fields and column indexes."""

    __slots__ = ("raw", "normalised", "display", "field_of_column", "column_of_field",
                 "is_compare")

    def __init__(self, cells: list[str]) -> None:
        self.raw = cells
        self.normalised = [normalise_header(c) for c in cells]
        self.display = _display_names(cells)
        self.field_of_column: list[str | None] = [None] * len(cells)
        self.column_of_field: dict[str, int] = {}
        self.is_compare = False
        self._map()

    def _map(self) -> None:
        by_field: dict[str, list[int]] = {}
        compare_cols: set[int] = set()
        for i, h in enumerate(self.normalised):
            field = FIELD_OF.get(h)
            if field is None:
                field = _compare_metric(h)
                if field is not None:
                    compare_cols.add(i)
            if field is not None:
                by_field.setdefault(field, []).append(i)
        for field, cols in by_field.items():
            current = next((c for c in cols if self.normalised[c].startswith("last")), cols[0])
            self._assign(field, current)
            previous = PREVIOUS_OF.get(field)
            others = [c for c in cols if c != current]
            # Only period-prefixed columns (`Previous 3 months Clicks`) are a comparison; a
            # plain repeated header is a duplicate and stays ignored.
            if others and previous and previous not in by_field and (
                    compare_cols & set(cols)):
                self._assign(previous, others[0])
                self.is_compare = True

    def _assign(self, field: str, col: int) -> None:
        self.field_of_column[col] = field
        self.column_of_field[field] = col

    @property
    def fields(self) -> set[str]:
        """Canonical fields mapped."""
        return set(self.column_of_field)

    def strong_field_count(self) -> int:
        """Distinct canonical fields for the header-line test (§0.19)."""
        return len(self.column_of_field)

    def has_raw(self, header: str) -> bool:
        """Whether a normalised header is present verbatim."""
        return header in self.normalised

    def found_and_ignored(self) -> tuple[list[str], list[str]]:
        """Display names of mapped and of unmapped columns, in file order."""
        found = [self.display[i] for i, f in enumerate(self.field_of_column) if f]
        ignored = [self.display[i] for i, f in enumerate(self.field_of_column) if not f]
        return found, ignored


def _display_names(cells: list[str]) -> list[str]:
    """Original header text (BOM/quotes/space stripped); duplicates get `_2`, `_3` ..."""
    seen: dict[str, int] = {}
    out = []
    for cell in cells:
        name = cell.replace("\ufeff", "").strip().strip(_QUOTES).strip()
        key = normalise_header(name)
        n = seen.get(key, 0) + 1
        seen[key] = n
        out.append(name if n == 1 else f"{name}_{n}")
    return out
