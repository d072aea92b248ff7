"""Which checks run on an input, and which rows each check may look at (spec §5, §0.8, §0.21).

A check runs when the columns it needs are present (a text column empty on every row counts as
absent, which the reader has already applied to ``Dataset.fields``). Rows are sorted into three
scopes: every row gets the response checks; HTML rows get the indexability checks; HTML rows
with a 2xx (or unknown) status get the title, meta description, heading, content, URL, keyword
and performance checks. This module decides; it never emits an issue.
"""

from __future__ import annotations

from ..urls import normalise_url, url_key

STATIC_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".avif", ".css", ".js",
                     ".pdf", ".xml", ".ico", ".woff", ".woff2", ".mp4", ".zip")

GSC_SOURCES = frozenset({"gsc_queries", "gsc_pages", "gsc_query_page"})
RANK_SOURCES = frozenset({"semrush_positions", "ahrefs_organic_keywords",
                          "ahrefs_organic_keywords_legacy", "moz_keywords", "generic_rankings"})
KEYWORD_URL_SOURCES = frozenset({"gsc_query_page", "generic_keyword_url"}) | RANK_SOURCES
CRAWL_SOURCES = frozenset({"screaming_frog_internal", "screaming_frog_tab", "generic_onpage"})

BLOCKED = "blocked by robots.txt"
NO_RESPONSE_STATUSES = frozenset({"no response", "connection timeout", "connection refused"})


def url_path(url: str) -> str:
    """The path of an absolute URL (no query, no fragment); string slicing, no parsing.

    ``urllib.parse.urlsplit`` gives the same answer for the URLs exports contain but costs
    several times more, and the path is needed for every page.
    """
    start = url.find("://")
    if start >= 0:
        slash = url.find("/", start + 3)
        if slash < 0:
            return ""
        rest = url[slash:]
    else:
        rest = url
    for mark in ("?", "#"):
        cut = rest.find(mark)
        if cut >= 0:
            rest = rest[:cut]
    return rest


def has_static_extension(url: str) -> bool:
    """True when the URL's path ends in one of §5's static-file extensions."""
    return url_path(url).lower().endswith(STATIC_EXTENSIONS)


def is_blocked(page) -> bool:
    """SF writes status code 0 for robots-blocked URLs; either text column may say so (§0.15)."""
    return ((page.indexability_status or "").strip().lower() == BLOCKED
            or (page.status or "").strip().lower() == BLOCKED)


def is_2xx_or_unknown(page) -> bool:
    code = page.status_code
    if code is None:
        return not is_blocked(page) and \
            (page.status or "").strip().lower() not in NO_RESPONSE_STATUSES
    return 200 <= code <= 299


def has_noindex(page) -> bool:
    for text in (page.meta_robots, page.x_robots_tag, page.indexability_status):
        if text and "noindex" in text.lower():
            return True
    return False


def is_indexable(page) -> bool:
    """§5 "indexable page": HTML, status 200 (or unknown), marked Indexable.

    Without an Indexability column: no ``noindex`` in the robots fields and the canonical is
    empty or points at the page itself.
    """
    if not page.is_html:
        return False
    if page.status_code is not None and page.status_code != 200:
        return False
    if is_blocked(page):
        return False
    if page.indexability is not None:
        return page.indexability.strip().lower() == "indexable"
    if has_noindex(page):
        return False
    if page.canonical and page.canonical.strip():
        return url_key(normalise_url(page.canonical)) == page.url_key
    return True


class Scope:
    """The set of checks that run on this input, plus the per-row eligibility rules."""

    __slots__ = ("data_source", "active", "url_checks", "performance")

    def __init__(self, dataset, pages_have_metrics: bool) -> None:
        self.data_source = dataset.data_source
        fields = dataset.fields or set()
        pages = dataset.pages

        def has(*names):
            return any(name in fields for name in names)

        has_pages = bool(pages) and self.data_source not in ("gsc_queries", "keyword_list")
        active = set()
        if has_pages:
            if has("statusCode"):
                active.update(("status_4xx", "status_5xx", "redirect_3xx"))
            if has("statusCode", "status"):
                active.add("no_response")
            if has("indexabilityStatus", "status"):
                active.add("blocked_by_robots")
            if has("metaRobots", "xRobotsTag", "indexabilityStatus"):
                active.add("noindex")
            if has("canonical", "indexabilityStatus"):
                active.add("canonicalised")
            if has("canonical"):
                active.add("canonical_missing")
            if has("indexability") and pages_have_metrics:
                active.add("non_indexable_with_traffic")
            self._content(active, has, dataset)
            # A tab export without status codes cannot tell which rows are 2xx (§0.21), and
            # the URL tab has its own export: URL checks need a status there.
            self.url_checks = not (self.data_source == "screaming_frog_tab"
                                   and not has("statusCode"))
            if self.url_checks:
                active.update(("url_too_long", "url_underscores", "url_uppercase",
                               "url_parameters", "url_non_ascii", "url_multiple_slashes",
                               "url_contains_space", "url_deep_folder"))
            if has("crawlDepth"):
                active.add("crawl_depth_high")
            if self.data_source in KEYWORD_URL_SOURCES and dataset.kw_rows:
                if has("title"):
                    active.add("keyword_missing_in_title")
                if has("h1"):
                    active.add("keyword_missing_in_h1")
                if has("metaDescription"):
                    active.add("keyword_missing_in_meta_description")
                active.add("keyword_missing_in_url")
            self.performance = pages_have_metrics and has("impressions")
            if self.performance:
                if has("clicks") and has("position"):
                    active.add("low_ctr_for_position")
                if has("position"):
                    active.add("page_two_ranking")
                if has("clicks"):
                    active.add("impressions_no_clicks")
        else:
            self.url_checks = False
            self.performance = False
        self.active = active

    @staticmethod
    def _content(active, has, dataset) -> None:
        if has("title", "titleLength"):
            active.update(("title_missing", "title_too_long_chars", "title_too_short_chars"))
        if has("titlePixelWidth"):
            active.update(("title_too_long_pixels", "title_too_short_pixels"))
        if has("title"):
            active.add("title_duplicate")
        if dataset.has_title_second:
            active.add("title_multiple")
        if has("title") and has("h1"):
            active.add("title_same_as_h1")
        if has("metaDescription", "metaDescriptionLength"):
            active.update(("meta_description_missing", "meta_description_too_long_chars",
                           "meta_description_too_short"))
        if has("metaDescriptionPixelWidth"):
            active.add("meta_description_too_long_pixels")
        if has("metaDescription"):
            active.add("meta_description_duplicate")
        if dataset.has_meta_description_second:
            active.add("meta_description_multiple")
        if has("h1", "h1Length"):
            active.update(("h1_missing", "h1_too_long"))
        h1_tab = (dataset.data_source == "screaming_frog_tab" and has("h1")
                  and not has("title"))
        if dataset.has_h1_second or h1_tab:
            active.add("h1_multiple")
        if has("h1"):
            active.add("h1_duplicate")
        if has("h2"):
            active.add("h2_missing")
        if has("wordCount"):
            active.add("thin_content")
        if has("hash"):
            active.add("exact_duplicate")
        if has("nearDuplicates"):
            active.add("near_duplicate")

    @staticmethod
    def is_content_row(page) -> bool:
        """HTML with a 2xx status (or none known): gets the checks beyond §5.1 (§0.8)."""
        return page.is_html and is_2xx_or_unknown(page)

    def gets_url_checks(self, page) -> bool:
        """§0.21: content rows only, never a URL ending in a static-file extension."""
        return self.url_checks and self.is_content_row(page) and \
            not has_static_extension(page.url)
