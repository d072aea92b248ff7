"""The analysis pipeline: from a read ``Dataset`` to the complete result file (spec §4–§9).

``run`` is the one entry point the CLI calls once the input is read. This first version writes
the complete §9 shape with empty tables; the checks, mapping and opportunities are filled in by
the modules it calls.
"""

from __future__ import annotations

import datetime

from . import ANALYSIS_VERSION
from .checks.catalogue import THRESHOLDS
from .ctr_curve import default_curve
from .output import write_result


def run(dataset, filter_option: str, output_path: str, progress) -> None:
    """Analyse ``dataset`` and write the §9 result JSON to ``output_path``."""
    progress(90, "Writing result")
    summary = {
        "source": dataset.source,
        "filterOption": filter_option,
        "generatedAt": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"),
        "analysisVersion": ANALYSIS_VERSION,
        "rows": dataset.rows,
        "dateRange": dataset.date_range,
        "totals": {"clicks": None, "impressions": None, "ctr": None, "avgPosition": None,
                   "searchVolume": None, "traffic": None},
        "pages": None,
        "issues": {"total": 0, "bySeverity": {"critical": 0, "high": 0, "medium": 0, "low": 0,
                                              "info": 0}, "byCheck": []},
        "keywords": {"total": 0, "unique": 0, "withUrl": 0, "withMultipleUrls": 0,
                     "cannibalized": 0, "cannibalizedHigh": 0, "quickWins": 0,
                     "strikingDistance": 0, "ctrGaps": 0,
                     "positionBuckets": {"1-3": 0, "4-10": 0, "11-20": 0, "21-50": 0,
                                         "51-100": 0}},
        "opportunities": {"totalPotentialClicks": 0, "unit": None, "top": []},
        "healthScore": None,
        "ctrCurve": default_curve().summary(),
        "thresholds": dict(THRESHOLDS),
        "filteredCounts": {"onpageResults": 0, "keywordMapping": 0},
        "warnings": list(dataset.warnings),
    }
    write_result(output_path, dataset.data_source, summary, [], [], [])
