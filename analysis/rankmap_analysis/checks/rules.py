"""The rules of the on-page checks (spec §5.1–§5.6, §5.8): one function per group of checks.

Each function looks at one ``Page`` and appends ``Issue`` objects for the checks in ``active``
that fire. Duplicate checks need every page at once and live in ``find_duplicates``, which
groups by a dict (never a pairwise scan). Which rows a function may see is decided by
``scope``; the texts come from ``catalogue``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from ..urls import normalise_url, url_key
from .catalogue import CHECKS_BY_ID, THRESHOLDS
from .scope import NO_RESPONSE_STATUSES, has_noindex, is_blocked, url_path

T = THRESHOLDS
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


class Issue:
    """One finding on one URL (§9.3); ``check`` is the catalogue entry."""

    __slots__ = ("check", "severity", "message", "value", "threshold", "related")

    def __init__(self, check_id, message, value=None, threshold=None, severity=None,
                 related=None):
        self.check = CHECKS_BY_ID[check_id]
        self.severity = severity or self.check.severity
        self.message = message
        self.value = value
        self.threshold = threshold
        self.related = related or []


def _norm_text(text):
    """Lower-case, trimmed, whitespace collapsed: the duplicate / same-as-H1 comparison form."""
    if not text:
        return ""
    return " ".join(text.lower().split())


def has_traffic(page) -> bool:
    return bool(page.clicks) or bool(page.impressions) or bool(page.traffic)


def response_issues(page, active, out) -> None:
    """§5.1 response checks: every row, HTML or not."""
    code = page.status_code
    blocked = is_blocked(page)
    if code is not None:
        if "status_4xx" in active and 400 <= code <= 499:
            out.append(Issue("status_4xx", f"The URL answers {code} (client error).", code,
                             "400–499"))
        if "status_5xx" in active and code >= 500:
            out.append(Issue("status_5xx", f"The URL answers {code} (server error).", code,
                             "≥ 500"))
        if "redirect_3xx" in active and 300 <= code <= 399:
            target = page.redirect_url
            where = f" to {target}" if target else ""
            out.append(Issue("redirect_3xx", f"The URL redirects ({code}){where}.", code,
                             "300–399"))
    if "no_response" in active and not blocked:
        status = (page.status or "").strip()
        if code == 0 or status.lower() in NO_RESPONSE_STATUSES:
            what = status or "no HTTP status"
            out.append(Issue("no_response", f"The crawler got no response ({what}).",
                             status or code))
    if "blocked_by_robots" in active and blocked:
        traffic = bool(page.clicks) or bool(page.impressions)
        severity = "high" if traffic else "low"
        extra = " although it has search traffic" if traffic else ""
        out.append(Issue("blocked_by_robots", f"The URL is blocked by robots.txt{extra}.",
                         "Blocked by robots.txt", severity=severity))


def indexability_issues(page, active, indexable, out) -> None:
    """§5.1 indexability checks: HTML rows only."""
    if "noindex" in active and has_noindex(page):
        out.append(Issue("noindex", "The page carries a noindex directive.", "noindex"))
    if "canonicalised" in active:
        canonical = (page.canonical or "").strip()
        status = (page.indexability_status or "").strip().lower()
        if canonical and url_key(normalise_url(canonical)) != page.url_key:
            out.append(Issue("canonicalised", f"The canonical points to {canonical}.",
                             canonical))
        elif status == "canonicalised":
            out.append(Issue("canonicalised", "The page is canonicalised to another URL.",
                             page.indexability_status))
    if "canonical_missing" in active and indexable and not (page.canonical or "").strip():
        out.append(Issue("canonical_missing", "The indexable page has no canonical link "
                                              "element."))
    if "non_indexable_with_traffic" in active and page.indexability is not None \
            and page.indexability.strip().lower() == "non-indexable":
        clicks = page.clicks or 0
        impressions = page.impressions or 0
        limit = T["nonIndexableTrafficImpressions"]
        if clicks > 0 or impressions >= limit:
            out.append(Issue("non_indexable_with_traffic",
                             f"The page is non-indexable but had {clicks:g} clicks and "
                             f"{impressions:g} impressions.", clicks if clicks else impressions,
                             CHECKS_BY_ID["non_indexable_with_traffic"].threshold))


def _length(text_length, text):
    if text_length is not None:
        return text_length
    if text is not None:
        return len(text.strip())
    return None


def content_issues(page, active, out) -> None:
    """§5.2–§5.5 single-page checks (duplicates are in ``find_duplicates``)."""
    title_len = _length(page.title_length, page.title)
    if title_len is not None:
        if "title_missing" in active and title_len == 0:
            out.append(Issue("title_missing", "The page has no title.", 0, 0))
        if "title_too_long_chars" in active and title_len > T["titleMaxChars"]:
            out.append(Issue("title_too_long_chars",
                             f"Title is {title_len} characters long; more than "
                             f"{T['titleMaxChars']} are usually truncated.", title_len,
                             T["titleMaxChars"]))
        if "title_too_short_chars" in active and 0 < title_len < T["titleMinChars"]:
            out.append(Issue("title_too_short_chars",
                             f"Title is only {title_len} characters long (fewer than "
                             f"{T['titleMinChars']}).", title_len, T["titleMinChars"]))
    width = page.title_pixel_width
    if width is not None:
        if "title_too_long_pixels" in active and width > T["titleMaxPixels"]:
            out.append(Issue("title_too_long_pixels",
                             f"Title is {width:g} px wide; Google truncates titles wider than "
                             f"about {T['titleMaxPixels']} px.", width, T["titleMaxPixels"]))
        if "title_too_short_pixels" in active and 0 < width < T["titleMinPixels"]:
            out.append(Issue("title_too_short_pixels",
                             f"Title is only {width:g} px wide (less than "
                             f"{T['titleMinPixels']} px).", width, T["titleMinPixels"]))
    if "title_multiple" in active and (page.title_second or "").strip():
        out.append(Issue("title_multiple", "The page has more than one title element.", 2, 1))
    if "title_same_as_h1" in active:
        title = _norm_text(page.title)
        if title and title == _norm_text(page.h1):
            out.append(Issue("title_same_as_h1", "The title and the H1 are identical.",
                             page.title))
    meta_len = _length(page.meta_description_length, page.meta_description)
    if meta_len is not None:
        if "meta_description_missing" in active and meta_len == 0:
            out.append(Issue("meta_description_missing", "The page has no meta description.",
                             0, 0))
        if "meta_description_too_long_chars" in active and \
                meta_len > T["metaDescriptionMaxChars"]:
            out.append(Issue("meta_description_too_long_chars",
                             f"Meta description is {meta_len} characters long; more than "
                             f"{T['metaDescriptionMaxChars']} are usually cut off.", meta_len,
                             T["metaDescriptionMaxChars"]))
        if "meta_description_too_short" in active and \
                0 < meta_len < T["metaDescriptionMinChars"]:
            out.append(Issue("meta_description_too_short",
                             f"Meta description is only {meta_len} characters long (fewer "
                             f"than {T['metaDescriptionMinChars']}).", meta_len,
                             T["metaDescriptionMinChars"]))
    meta_width = page.meta_description_pixel_width
    if "meta_description_too_long_pixels" in active and meta_width is not None \
            and meta_width > T["metaDescriptionMaxPixels"]:
        out.append(Issue("meta_description_too_long_pixels",
                         f"Meta description is {meta_width:g} px wide (more than "
                         f"{T['metaDescriptionMaxPixels']} px).", meta_width,
                         T["metaDescriptionMaxPixels"]))
    if "meta_description_multiple" in active and (page.meta_description_second or "").strip():
        out.append(Issue("meta_description_multiple",
                         "The page has more than one meta description.", 2, 1))
    h1_len = _length(page.h1_length, page.h1)
    if h1_len is not None:
        if "h1_missing" in active and h1_len == 0:
            out.append(Issue("h1_missing", "The page has no H1.", 0, 0))
        if "h1_too_long" in active and h1_len > T["h1MaxChars"]:
            out.append(Issue("h1_too_long", f"H1 is {h1_len} characters long (more than "
                                            f"{T['h1MaxChars']}).", h1_len, T["h1MaxChars"]))
    if "h1_multiple" in active:
        several = (page.h1_second or "").strip() or \
            (page.occurrences is not None and page.occurrences > 1)
        if several:
            count = page.occurrences if (page.occurrences or 0) > 1 else 2
            out.append(Issue("h1_multiple", "The page has more than one H1.", count, 1))
    if "h2_missing" in active and not (page.h2 or "").strip():
        out.append(Issue("h2_missing", "The page has no H2."))
    if "near_duplicate" in active and page.near_duplicates:
        closest = page.closest_match
        where = f"; closest match {closest}" if closest else ""
        out.append(Issue("near_duplicate",
                         f"The page has {page.near_duplicates:g} near duplicate(s){where}.",
                         page.near_duplicates, 0, related=[closest] if closest else []))


def thin_content_issue(page, active, indexable, out) -> None:
    if "thin_content" in active and indexable and page.word_count is not None \
            and page.word_count < T["thinContentWords"]:
        out.append(Issue("thin_content", f"The page has {page.word_count:g} words (fewer than "
                                         f"{T['thinContentWords']}).", page.word_count,
                         T["thinContentWords"]))


def url_issues(page, active, out) -> None:
    """§5.6 URL structure checks on the URL as exported."""
    url = page.url
    path = url_path(url)
    query = ""
    norm = page.url_norm or ""
    if "?" in norm:
        query = norm.split("?", 1)[1]
    length = len(url)
    if "url_too_long" in active and length > T["urlMaxLength"]:
        out.append(Issue("url_too_long", f"The URL is {length} characters long (more than "
                                         f"{T['urlMaxLength']}).", length, T["urlMaxLength"]))
    if "url_underscores" in active and "_" in path:
        out.append(Issue("url_underscores", "The URL path contains underscores.", path))
    # Percent-escapes are written in upper case by convention (%C3%A9): not an upper-case path.
    if "url_uppercase" in active and path != path.lower() and \
            any(ch.isupper() for ch in _PERCENT_ESCAPE.sub("", path)):
        out.append(Issue("url_uppercase", "The URL path contains upper-case letters.", path))
    if "url_parameters" in active and query:
        out.append(Issue("url_parameters", f"The URL has a query string ({query}).", query))
    if "url_non_ascii" in active:
        decoded = unquote(path)
        if not decoded.isascii():
            out.append(Issue("url_non_ascii", "The URL path contains non-ASCII characters.",
                             decoded))
    if "url_multiple_slashes" in active and "//" in path:
        out.append(Issue("url_multiple_slashes", "The URL path contains a double slash.", path))
    if "url_contains_space" in active and (" " in path or "%20" in path):
        out.append(Issue("url_contains_space", "The URL path contains a space.", path))
    if "url_deep_folder" in active:
        depth = sum(1 for segment in path.split("/") if segment)
        if depth > T["urlMaxFolderDepth"]:
            out.append(Issue("url_deep_folder", f"The URL path has {depth} segments (more than "
                                                f"{T['urlMaxFolderDepth']}).", depth,
                             T["urlMaxFolderDepth"]))


def crawl_depth_issue(page, active, out) -> None:
    if "crawl_depth_high" in active and page.crawl_depth is not None \
            and page.crawl_depth >= T["crawlDepthHigh"]:
        out.append(Issue("crawl_depth_high", f"The page is {page.crawl_depth:g} clicks from the "
                                             f"start page.", page.crawl_depth,
                         T["crawlDepthHigh"]))


def performance_issues(page, active, curve, out) -> None:
    """§5.8 on the page's aggregated GSC numbers."""
    impressions = page.impressions
    if impressions is None:
        return
    position = page.position
    clicks = page.clicks
    if "low_ctr_for_position" in active and position is not None and position > 0 \
            and clicks is not None and impressions >= T["lowCtrMinImpressions"] \
            and position <= T["lowCtrMaxPosition"]:
        ctr = page.ctr if page.ctr is not None else (clicks / impressions if impressions else 0)
        expected = curve.expected(position)
        if expected is not None and ctr < T["lowCtrRatio"] * expected:
            out.append(Issue("low_ctr_for_position",
                             f"CTR is {ctr:.2%} at position {position:.1f}; pages there "
                             f"usually get about {expected:.2%}.", round(ctr, 4),
                             round(T["lowCtrRatio"] * expected, 4)))
    if "page_two_ranking" in active and position is not None and 10 < position <= 20 \
            and impressions >= T["pageTwoMinImpressions"]:
        out.append(Issue("page_two_ranking", f"The page ranks on page two (position "
                                             f"{position:.1f}) with {impressions:g} "
                                             f"impressions.", round(position, 2), 10))
    if "impressions_no_clicks" in active and clicks == 0 \
            and impressions >= T["impressionsNoClicksMin"]:
        out.append(Issue("impressions_no_clicks", f"The page had {impressions:g} impressions "
                                                  f"and no clicks.", impressions,
                         T["impressionsNoClicksMin"]))


_DUPLICATE_CHECKS = (
    ("title_duplicate", "title", "title"),
    ("meta_description_duplicate", "meta_description", "meta description"),
    ("h1_duplicate", "h1", "H1"),
    ("exact_duplicate", "hash", "content hash"),
)


def find_duplicates(results, active) -> None:
    """Duplicate checks over the indexable content rows, grouped by normalised value.

    ``results`` is an iterable of objects with ``page``, ``indexable``, ``content`` and
    ``issues``. The issue goes on each page of a group of two or more; ``relatedUrls`` holds up
    to 10 of the others, by normalised URL.
    """
    limit = T["relatedUrlsMax"]
    for check_id, attribute, what in _DUPLICATE_CHECKS:
        if check_id not in active:
            continue
        groups = {}
        for result in results:
            if not (result.content and result.indexable):
                continue
            value = getattr(result.page, attribute)
            key = value.strip() if attribute == "hash" and value else _norm_text(value)
            if key:
                groups.setdefault(key, []).append(result)
        for members in groups.values():
            if len(members) < 2:
                continue
            members.sort(key=lambda r: r.page.url_norm)
            size = len(members)
            for result in members:
                related = []
                for other in members:
                    if other is not result:
                        related.append(other.page.url)
                        if len(related) == limit:
                            break
                result.issues.append(Issue(
                    check_id, f"The same {what} is used on {size} indexable pages.", size, 2,
                    related=related))
