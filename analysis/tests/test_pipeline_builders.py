"""Builders for synthetic datasets used by the analysis tests (no test cases here).

They create ``model.Page`` / ``model.KwRow`` objects directly, so the check, mapping and
opportunity tests do not depend on the reader.
"""

from __future__ import annotations

import json
import os
import tempfile

from rankmap_analysis import pipeline
from rankmap_analysis.model import Dataset, KwRow, Page
from rankmap_analysis.urls import normalise_url, url_key

CRAWL_FIELDS = {
    "url", "contentType", "statusCode", "status", "indexability", "indexabilityStatus",
    "title", "titleLength", "titlePixelWidth", "metaDescription", "metaDescriptionLength",
    "metaDescriptionPixelWidth", "h1", "h1Length", "h2", "canonical", "metaRobots",
    "xRobotsTag", "wordCount", "crawlDepth", "inlinks", "uniqueInlinks", "hash",
    "nearDuplicates", "redirectUrl",
}
GSC_FIELDS = {"url", "keyword", "clicks", "impressions", "ctr", "position"}
RANK_FIELDS = {"url", "keyword", "position", "searchVolume", "traffic", "previousPosition"}


def make_page(url, **values):
    norm = normalise_url(url)
    page = Page(url, norm, url_key(norm))
    for name, value in values.items():
        setattr(page, name, value)
    return page


def html_page(url, **values):
    """A healthy indexable 200 HTML crawl row; keyword arguments override fields."""
    # Texts derive from the URL so that two default pages are never duplicates.
    defaults = dict(content_type="text/html; charset=UTF-8", status_code=200, status="OK",
                    indexability="Indexable", indexability_status=None,
                    title=f"Title of {url}", title_length=40,
                    title_pixel_width=400, meta_description=f"Description of {url}",
                    meta_description_length=100, meta_description_pixel_width=600,
                    h1=f"Heading of {url}", h1_length=12, h1_count=1, h2="Sub heading",
                    canonical=url, word_count=500, crawl_depth=1, inlinks=3, unique_inlinks=3)
    defaults.update(values)
    return make_page(url, **defaults)


def dataset(data_source, pages=(), kw_rows=(), fields=None):
    data = Dataset(data_source)
    for index, page in enumerate(pages):
        page.order = index
        data.pages[page.url_norm] = page
    for index, row in enumerate(kw_rows):
        row.order = index
        data.kw_rows.append(row)
    if fields is None:
        fields = CRAWL_FIELDS if data_source.startswith("screaming") else (
            GSC_FIELDS if data_source.startswith("gsc") else RANK_FIELDS)
    data.fields = set(fields)
    data.source = {"id": data_source}
    data.has_urls = "url" in data.fields
    data.has_positions = "position" in data.fields
    return data


def kw_row(keyword, url=None, **values):
    norm = normalise_url(url) if url is not None else None
    row = KwRow(keyword, " ".join(keyword.lower().split()), url, norm,
                url_key(norm) if norm is not None else None)
    for name, value in values.items():
        setattr(row, name, value)
    return row


def gsc_row(keyword, url, clicks, impressions, position, ctr=None):
    if ctr is None:
        ctr = clicks / impressions if impressions else None
    return kw_row(keyword, url, clicks=clicks, impressions=impressions, position=position,
                  ctr=ctr)


def gsc_pages_from_rows(rows):
    """Pages aggregated from GSC keyword rows, as the reader builds them."""
    pages = {}
    for row in rows:
        page = pages.get(row.url_norm)
        if page is None:
            page = pages[row.url_norm] = make_page(row.url, clicks=0, impressions=0,
                                                   keywords_count=0)
        page.clicks += row.clicks or 0
        page.impressions += row.impressions or 0
        page.keywords_count += 1
    for page in pages.values():
        weighted = sum((row.position or 0) * (row.impressions or 0) for row in rows
                       if row.url_norm == page.url_norm)
        if page.impressions:
            page.ctr = page.clicks / page.impressions
            page.position = weighted / page.impressions
    return list(pages.values())


def run_result(data, filter_option="all"):
    """Run the pipeline into a temporary file; returns (parsed result, raw text, stages)."""
    stages = []
    handle, path = tempfile.mkstemp(suffix=".json")
    os.close(handle)
    try:
        pipeline.run(data, filter_option, path, lambda n, m: stages.append((n, m)))
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    finally:
        os.unlink(path)
    return json.loads(text), text, stages
