"""Expected click-through rate by position (analysis-spec §7.2, decision §0.5).

Owns the default Sistrix 2020 curve, the site-specific curve built from the analysed GSC rows,
and linear interpolation between integer positions. It knows nothing about where the rows come
from: callers pass ``(position, clicks, impressions)`` triples.
"""

from __future__ import annotations

import math

# Sistrix 2020 study for 1–10, the spec's assumptions for page two, flat tails after that.
_DEFAULT_POINTS = {
    1: 0.285, 2: 0.157, 3: 0.110, 4: 0.080, 5: 0.072, 6: 0.051, 7: 0.040, 8: 0.032, 9: 0.028,
    10: 0.025, 11: 0.010, 12: 0.009, 13: 0.008, 14: 0.007, 15: 0.006, 16: 0.006, 17: 0.005,
    18: 0.005, 19: 0.004, 20: 0.004,
}
_PAGE_THREE = 0.003  # positions 21–30
_BEYOND = 0.001  # positions above 30

SOURCE_DEFAULT = "sistrix_2020_default"
SOURCE_SITE = "site_specific"


def default_point(position: int) -> float:
    """The default curve's CTR at an integer position ≥ 1."""
    if position <= 20:
        return _DEFAULT_POINTS[max(1, position)]
    if position <= 30:
        return _PAGE_THREE
    return _BEYOND


class CtrCurve:
    """A CTR curve: explicit points for positions 1–20, the default curve beyond."""

    __slots__ = ("source", "points")

    def __init__(self, source: str, points: dict):
        self.source = source
        self.points = points

    def at_integer(self, position: int) -> float:
        if position <= 20:
            return self.points[max(1, position)]
        return default_point(position)

    def expected(self, position):
        """Expected CTR at a (fractional) position; ``None`` when the position is unknown.

        Positions below 1 are clamped to 1; between integers the value is interpolated
        linearly (positions 20–21 interpolate from this curve's 20 to the default's 21).
        """
        if position is None or position <= 0 or math.isnan(position):
            return None
        position = max(1.0, float(position))
        lower = math.floor(position)
        fraction = position - lower
        value = self.at_integer(lower)
        if fraction:
            value += (self.at_integer(lower + 1) - value) * fraction
        return value

    def summary(self) -> dict:
        """``summary.ctrCurve``: points keyed by position as strings (JSON object keys)."""
        return {
            "source": self.source,
            "points": {str(p): round(self.points[p], 4) for p in range(1, 21)},
        }


def default_curve() -> CtrCurve:
    """The Sistrix 2020 default curve."""
    return CtrCurve(SOURCE_DEFAULT, dict(_DEFAULT_POINTS))


def site_curve(rows, min_rows: int, min_impressions: float) -> CtrCurve:
    """Build the site-specific curve from ``(position, clicks, impressions)`` rows (§0.5).

    Rows are bucketed by ``round(position)`` for 1..20; a bucket with at least ``min_rows`` rows
    and ``min_impressions`` impressions is usable. Unusable buckets take the default value, then
    a running minimum makes the curve non-increasing. With no usable bucket the default curve
    is returned unchanged.
    """
    counts = [0] * 21
    clicks = [0.0] * 21
    impressions = [0.0] * 21
    for position, row_clicks, row_impressions in rows:
        if position is None or position <= 0:
            continue
        bucket = _round_half_up(position)
        if bucket < 1 or bucket > 20:
            continue
        counts[bucket] += 1
        clicks[bucket] += row_clicks or 0
        impressions[bucket] += row_impressions or 0
    points = {}
    usable = 0
    for bucket in range(1, 21):
        if counts[bucket] >= min_rows and impressions[bucket] >= min_impressions \
                and impressions[bucket] > 0:
            points[bucket] = clicks[bucket] / impressions[bucket]
            usable += 1
        else:
            points[bucket] = _DEFAULT_POINTS[bucket]
    if not usable:
        return default_curve()
    for bucket in range(2, 21):
        points[bucket] = min(points[bucket], points[bucket - 1])
    return CtrCurve(SOURCE_SITE, points)


def _round_half_up(value: float) -> int:
    # Python's round() is banker's rounding (round(2.5) == 2); positions are bucketed the way
    # people read them, 2.5 → 3.
    return int(math.floor(value + 0.5))
