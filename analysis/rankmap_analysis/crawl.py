"""Pages from crawl-like exports: Screaming Frog Internal / tab exports and generic on-page lists.

One `Page` per normalised URL (a repeated URL keeps its first row, `duplicate_url`). Lengths
come from the `… Length` columns when present, else from the text (§1.4).
"""

from __future__ import annotations

from .cells import Cells
from .model import Dataset, Page

STATIC_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".avif", ".css", ".js",
                     ".pdf", ".xml", ".ico", ".woff", ".woff2", ".mp4", ".zip")


def is_html(content_type: str | None, url_norm: str) -> bool:
    """§5: content type contains `html`, or unknown type and no static-file extension."""
    if content_type:
        return "html" in content_type.lower()
    path = url_norm.split("?", 1)[0].lower()
    return not path.endswith(STATIC_EXTENSIONS)


def _length(cells: Cells, row, length_field: str, text: str | None, text_field: str):
    value = cells.count(row, length_field)
    if value is not None:
        return int(value)
    if cells.has(text_field):
        return len(text) if text else 0
    return None


def add_crawl_rows(ds: Dataset, cells: Cells, records, counters, h1_tab: bool) -> None:
    """Fill `ds.pages` from crawl rows."""
    text, count, number = cells.text, cells.count, cells.number
    for row in records:
        url = text(row, "url")
        if url is None:
            counters.skip("missing_url")
            continue
        norm, key = cells.url(url)
        if norm in ds.pages:
            counters.skip("duplicate_url")
            continue
        page = Page(url, norm, key, len(ds.pages))
        page.content_type = text(row, "contentType")
        page.is_html = is_html(page.content_type, norm)
        code = count(row, "statusCode")
        page.status_code = int(code) if code is not None else None
        for attr, field in (("status", "status"), ("indexability", "indexability"),
                            ("indexability_status", "indexabilityStatus"),
                            ("redirect_url", "redirectUrl"), ("redirect_type", "redirectType"),
                            ("meta_robots", "metaRobots"), ("x_robots_tag", "xRobotsTag"),
                            ("canonical", "canonical"), ("title", "title"),
                            ("title_second", "titleSecond"),
                            ("meta_description", "metaDescription"),
                            ("meta_description_second", "metaDescriptionSecond"),
                            ("h1", "h1"), ("h1_second", "h1Second"), ("h2", "h2"),
                            ("hash", "hash"), ("closest_match", "closestMatch")):
            setattr(page, attr, text(row, field))
        page.title_length = _length(cells, row, "titleLength", page.title, "title")
        page.meta_description_length = _length(cells, row, "metaDescriptionLength",
                                               page.meta_description, "metaDescription")
        page.h1_length = _length(cells, row, "h1Length", page.h1, "h1")
        for attr, field in (("title_pixel_width", "titlePixelWidth"),
                            ("meta_description_pixel_width", "metaDescriptionPixelWidth"),
                            ("word_count", "wordCount"), ("crawl_depth", "crawlDepth"),
                            ("folder_depth", "folderDepth"), ("inlinks", "inlinks"),
                            ("unique_inlinks", "uniqueInlinks"),
                            ("near_duplicates", "nearDuplicates"), ("size_bytes", "sizeBytes"),
                            ("occurrences", "occurrences"), ("clicks", "clicks"),
                            ("impressions", "impressions")):
            setattr(page, attr, count(row, field))
        page.response_time = number(row, "responseTime")
        position = number(row, "position")
        page.position = position if position is not None and position > 0 else None
        page.ctr = cells.ctr(row)
        if page.ctr is None and page.clicks is not None and page.impressions:
            page.ctr = page.clicks / page.impressions
        page.h1_count = _h1_count(ds, page, h1_tab)
        ds.pages[norm] = page


def _h1_count(ds: Dataset, page: Page, h1_tab: bool) -> int | None:
    """0 / 1 / 2 only when the `H1-2` column exists and is not empty on every row (§1.4)."""
    if h1_tab and page.occurrences is not None:
        return min(2, int(page.occurrences))
    if not ds.has_h1_second:
        return None
    if page.h1_second:
        return 2
    return 1 if (page.h1 or (page.h1_length or 0) > 0) else 0
