"""Choosing the analysed input among several (spec §2.8, §0.24).

Inputs are probed in order; the first whose source is analysable wins and the later ones are
not read. Every input not analysed is named in one `summary.warnings` entry. A single input
fails with its own §11 error; several inputs with none analysable fail with
`Unrecognised file format`, naming what was found in each.
"""

from __future__ import annotations

import os

from . import errors
from .detect import Detection, detect
from .reading import Probe, probe_input


def detect_probe(probe: Probe) -> Detection:
    """Detect the source of a probed input (a Search Console `Filter,Value` table included)."""
    if probe.gsc_filters:
        return Detection("gsc_other", "ui_table", gsc_table="Filters")
    return detect(probe.header, probe.sample)


def _headers(probe: Probe) -> list[str]:
    return probe.header.display if probe.header is not None else probe.first_cells


def choose_input(inputs: list[tuple[str, str | None]]) -> tuple[Probe, Detection, list[str]]:
    """Return (probe, detection, warnings) of the analysed input or raise `AnalysisError`."""
    skipped: list[tuple[str, str]] = []  # (name, reason for the warning)
    found: list[tuple[str, str]] = []  # (name, what was found, for the error details)
    single = len(inputs) == 1
    for index, (path, name) in enumerate(inputs):
        try:
            probe = probe_input(path, name)
        except errors.AnalysisError as exc:
            if single:
                raise
            label = name or os.path.basename(path)
            skipped.append((label, exc.message.rstrip(".").lower()))
            found.append((label, exc.message))
            continue
        detection = detect_probe(probe)
        if detection.analysable:
            warnings = []
            if len(inputs) > 1:
                rest = [n or os.path.basename(p) for p, n in inputs[index + 1:]]
                warnings.append(_warning(probe.name, skipped, rest))
            return probe, detection, warnings
        if single:
            if detection.source_id == "gsc_other":
                raise errors.gsc_table(detection.gsc_table)
            raise errors.unrecognised(probe.name, _headers(probe))
        headers = ", ".join(_headers(probe)[:30]) or "(no header line)"
        if detection.source_id == "gsc_other":
            skipped.append((probe.name,
                            f"Search Console {detection.gsc_table} table, cannot be analysed"))
            found.append((probe.name, f"Search Console {detection.gsc_table} table "
                                      f"(cannot be analysed), headers {headers}"))
        else:
            skipped.append((probe.name, "unrecognised headers"))
            found.append((probe.name, f"headers {headers}"))
    raise errors.none_analysable(found)


def _warning(chosen: str, skipped: list[tuple[str, str]], rest: list[str]) -> str:
    text = f'Analysed "{chosen}"'
    if skipped:
        text += "; skipped " + ", ".join(f'"{n}" ({why})' for n, why in skipped)
    if rest:
        text += "; not used: " + ", ".join(f'"{n}"' for n in rest)
        text += " (one table is analysed per job)"
    return text
