"""The §9 result for a dataset when no analysis pipeline is installed.

It writes the complete shape with the reading side's figures (`dataSource`, `summary.source`,
`rows`, `dateRange`, `warnings`, totals) and empty check / mapping lists. `pipeline.run`
replaces it once the checks and the mapping exist.
"""

from __future__ import annotations

import json

from . import ANALYSIS_VERSION
from .model import Dataset


def _totals(ds: Dataset) -> dict:
    rows = ds.kw_rows if ds.kw_rows and ds.data_source != "gsc_pages" else list(
        ds.pages.values())
    clicks = [r.clicks for r in rows if r.clicks is not None]
    impressions = [r.impressions for r in rows if r.impressions is not None]
    total_clicks = sum(clicks) if clicks else None
    total_impr = sum(impressions) if impressions else None
    weighted = [(r.position, r.impressions) for r in rows
                if r.position is not None and r.impressions]
    avg = (sum(p * i for p, i in weighted) / sum(i for _, i in weighted)) if weighted else None
    volume = [k.search_volume for k in ds.kw_rows if k.search_volume is not None]
    traffic = [k.traffic for k in ds.kw_rows if k.traffic is not None]
    return {
        "clicks": total_clicks,
        "impressions": total_impr,
        "ctr": round(total_clicks / total_impr, 4) if total_clicks is not None and total_impr
        else None,
        "avgPosition": round(avg, 2) if avg is not None else None,
        "searchVolume": sum(volume) if volume else None,
        "traffic": round(sum(traffic), 2) if traffic else None,
    }


def summary(ds: Dataset, filter_option: str, generated_at: str) -> dict:
    """The summary object with the reading side's figures; analysis figures empty or null."""
    keywords = {k.keyword_norm for k in ds.kw_rows}
    return {
        "source": ds.source,
        "filterOption": filter_option,
        "generatedAt": generated_at,
        "analysisVersion": ANALYSIS_VERSION,
        "rows": ds.rows,
        "dateRange": ds.date_range,
        "totals": _totals(ds),
        "pages": {"total": len(ds.pages)},
        "issues": {"total": 0, "bySeverity": {"critical": 0, "high": 0, "medium": 0, "low": 0,
                                              "info": 0}, "byCheck": []},
        "keywords": {"total": len(keywords), "unique": len(keywords)},
        "opportunities": {"totalPotentialClicks": 0, "unit": None, "top": []},
        "healthScore": None,
        "ctrCurve": None,
        "thresholds": {},
        "filteredCounts": {"onpageResults": 0, "keywordMapping": 0},
        "warnings": ds.warnings,
    }


def write(ds: Dataset, filter_option: str, path: str, progress) -> None:
    """Write the result JSON to `path`."""
    from .cli import generated_at
    progress(90, "Writing result")
    result = {"dataSource": ds.data_source,
              "summary": summary(ds, filter_option, generated_at()),
              "onpageResults": [], "keywordMapping": [], "checks": []}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, allow_nan=False)
        fh.write("\n")
