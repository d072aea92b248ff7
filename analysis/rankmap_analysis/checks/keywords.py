"""Keyword alignment (spec §5.7): each URL's target keyword and whether it appears on the page.

The target keyword of a URL is chosen among the keywords whose best URL it is, else among all
keywords it ranks for. Matching compares token sets after lower-casing, stripping accents,
turning punctuation into spaces and dropping stop-words; the URL is matched on its decoded path
only. Tokenisation is cached per text because the same keyword is matched many times.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

from .catalogue import THRESHOLDS
from .rules import Issue
from .scope import url_path

FULL = True
NONE = False
PARTIAL = "partial"

STOP_WORDS = frozenset("""
a an and are as at be by for from how i in is it of on or the to vs what when where which who
why with your you my our can do does de la le les des du et en el los las y
""".split())


# ASCII text is its own NFKD form and has no combining marks; its non-alphanumeric characters
# are turned into spaces with one table.
_ASCII_SPACES = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
# ``[\W_]`` is exactly "not ``str.isalnum()``" for every code point (re's word characters are
# the alphanumerics plus ``_``); tests/test_checks_keywords.py checks all of them.
_NON_ALNUM = re.compile(r"[\W_]")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _to_spaces(text: str) -> str:
    # Every non-alphanumeric character (including - _ . / +) separates words.
    if text.isascii():
        return text.translate(_ASCII_SPACES)
    return _NON_ALNUM.sub(" ", text)


@lru_cache(maxsize=65536)
def tokens(text: str) -> frozenset:
    """The token set of a text; stop-words dropped unless nothing else is left."""
    words = _to_spaces(_strip_accents(text.lower())).split()
    kept = [word for word in words if word not in STOP_WORDS]
    return frozenset(kept or words)


def url_tokens(url: str) -> frozenset:
    return tokens(unquote(url_path(url)))


def match(keyword_tokens: frozenset, field_tokens):
    """``True`` (all keyword tokens present), ``"partial"`` (≥ 50 %), ``False`` otherwise."""
    if not keyword_tokens:
        return None
    found = len(keyword_tokens & field_tokens)
    if found == len(keyword_tokens):
        return FULL
    if found / len(keyword_tokens) >= THRESHOLDS["keywordPartialMatchRatio"]:
        return PARTIAL
    return NONE


def choose_targets(keywords) -> dict:
    """Map ``url_norm`` → the ``KwRow`` of its target keyword.

    ``keywords`` are the mapping's keyword results (with ``rows``, ``best`` and
    ``search_volume``). One pass over all rows; a URL that is best for some keyword only
    considers those keywords.
    """
    best_for = {}
    any_for = {}
    inf = float("inf")
    for keyword in keywords:
        volume = -keyword.search_volume if keyword.search_volume is not None else inf
        best = keyword.best
        for row in keyword.rows:
            url = row.url_norm
            if url is None:
                continue
            position = row.position
            # Most clicks, impressions, volume first; then best position; keywordNorm last.
            key = (-row.clicks if row.clicks is not None else inf,
                   -row.impressions if row.impressions is not None else inf,
                   volume,
                   position if position is not None and position > 0 else inf,
                   row.keyword_norm)
            table = best_for if row is best else any_for
            current = table.get(url)
            if current is None or key < current[0]:
                table[url] = (key, row)
    chosen = {url: entry[1] for url, entry in any_for.items()}
    chosen.update((url, entry[1]) for url, entry in best_for.items())
    return chosen


class Alignment:
    """The four ``keywordIn*`` values of a page (``None`` = not computable)."""

    __slots__ = ("title", "h1", "url", "meta_description")

    def __init__(self):
        self.title = None
        self.h1 = None
        self.url = None
        self.meta_description = None


_FIELDS = (
    ("keyword_missing_in_title", "title", "title"),
    ("keyword_missing_in_h1", "h1", "H1"),
    ("keyword_missing_in_meta_description", "meta_description", "meta description"),
)


def align(page, keyword: str, active, out) -> Alignment:
    """Match the target keyword against the page's title, H1, meta description and URL."""
    result = Alignment()
    keyword_tokens = tokens(keyword)
    for check_id, attribute, what in _FIELDS:
        if check_id not in active:
            continue
        text = getattr(page, attribute)
        if text is None or not text.strip():
            continue  # an empty field is title_missing / h1_missing, not a keyword finding
        value = match(keyword_tokens, tokens(text))
        setattr(result, attribute, value)
        if value is NONE:
            out.append(Issue(check_id, f"The target keyword \"{keyword}\" is not in the {what}.",
                             keyword))
    if "keyword_missing_in_url" in active:
        value = match(keyword_tokens, url_tokens(page.url))
        result.url = value
        if value is NONE:
            out.append(Issue("keyword_missing_in_url",
                             f"The target keyword \"{keyword}\" is not in the URL.", keyword))
    return result
