"""Opportunity types and traffic potential (spec §7.1, §7.3, decisions §0.4, §0.22).

One opportunity per keyword, first match wins: ``quick_win``, ``striking_distance``,
``ctr_gap`` (GSC only), then ``new_or_improved`` / ``declined`` (informational, no potential).
Every type needs the minimum demand and a position ≤ 20. For ``gsc_pages`` the same rules run on
the page rows. This module only classifies and estimates; sorting and filtering are elsewhere.
"""

from __future__ import annotations

from .checks.catalogue import THRESHOLDS
from .checks.scope import GSC_SOURCES, RANK_SOURCES
from .output import ctr, number

T = THRESHOLDS

INFO_TYPES = frozenset({"new_or_improved", "declined"})

ACTION_HINTS = {
    "quick_win": "Improve the page for this query and link to it internally to reach the top 3.",
    "striking_distance": "Strengthen the content and internal links for this query to move it "
                         "from page two onto page one.",
    "ctr_gap": "The page ranks but is clicked less than expected: rewrite the title and "
               "description for this query and check which SERP features take the clicks.",
    "new_or_improved": "Newly ranking: watch the position and support the page with internal "
                       "links while it settles.",
    "declined": "The position dropped: check what changed on the page and which competitors "
                "moved up.",
}

# The sources whose keywords can carry an opportunity (§3 capability table).
OPPORTUNITY_SOURCES = frozenset({"gsc_queries", "gsc_query_page"}) | RANK_SOURCES


class Opportunity:
    """The §9.4 ``opportunity`` of a keyword (or of a ``gsc_pages`` page)."""

    __slots__ = ("type", "target_position", "expected_ctr", "potential_clicks",
                 "potential_traffic")

    def __init__(self, kind, target_position, expected_ctr, potential_clicks,
                 potential_traffic):
        self.type = kind
        self.target_position = target_position
        self.expected_ctr = expected_ctr
        self.potential_clicks = potential_clicks
        self.potential_traffic = potential_traffic

    @property
    def potential(self):
        """The estimate that counts for this source (clicks for GSC, visits for tools)."""
        if self.potential_clicks is not None:
            return self.potential_clicks
        return self.potential_traffic

    @property
    def listed(self) -> bool:
        """Quick wins, striking distance and CTR gaps count in totals and the top 10."""
        return self.type not in INFO_TYPES

    def to_json(self) -> dict:
        return {
            "type": self.type,
            "targetPosition": number(self.target_position),
            "expectedCtr": ctr(self.expected_ctr),
            "potentialClicks": self.potential_clicks,
            "potentialTraffic": self.potential_traffic,
            "actionHint": ACTION_HINTS[self.type],
        }


def classify(position, ctr, previous_position, is_gsc, curve):
    """The §0.4 type for a best-URL position, or ``None``."""
    if position is None or position <= 0:
        return None
    if T["quickWinMinPosition"] <= position <= T["quickWinMaxPosition"]:
        return "quick_win"
    if T["quickWinMaxPosition"] < position <= T["strikingDistanceMaxPosition"]:
        return "striking_distance"
    if is_gsc and position <= T["quickWinMaxPosition"] and ctr is not None:
        expected = curve.expected(position)
        if expected is not None and ctr < T["lowCtrRatio"] * expected:
            return "ctr_gap"
    if not is_gsc and previous_position is not None:
        if previous_position == 0:
            return "new_or_improved"
        if position - previous_position >= T["declinedPositionDelta"]:
            return "declined"
    return None


def _target(kind, position):
    if kind == "quick_win":
        return T["quickWinTargetPosition"]
    if kind == "striking_distance":
        return T["strikingDistanceTargetPosition"]
    if kind == "ctr_gap":
        return position
    return None


def gsc_opportunity(position, ctr, clicks, impressions, demand, curve):
    """An opportunity from GSC numbers (keyword's best URL row, or a page row)."""
    if demand is None or demand < T["opportunityMinImpressions"]:
        return None
    if position is None or position > T["strikingDistanceMaxPosition"]:
        return None
    if ctr is None and impressions:
        ctr = (clicks or 0) / impressions
    kind = classify(position, ctr, None, True, curve)
    if kind is None:
        return None
    target = _target(kind, position)
    expected = curve.expected(target)
    potential = max(0, round((impressions or 0) * expected - (clicks or 0)))
    return Opportunity(kind, target, expected, potential, None)


def tool_opportunity(position, previous_position, volume, traffic, curve):
    """An opportunity from rank-tracker numbers (search volume and traffic estimate)."""
    if volume is None or volume < T["opportunityMinVolume"]:
        return None
    if position is None or position <= 0 or position > T["strikingDistanceMaxPosition"]:
        return None
    kind = classify(position, None, previous_position, False, curve)
    if kind is None:
        return None
    target = _target(kind, position)
    if target is None:
        return Opportunity(kind, None, None, None, None)
    expected = curve.expected(target)
    current = traffic if traffic is not None else volume * (curve.expected(position) or 0)
    potential = max(0, round(volume * expected - current))
    return Opportunity(kind, target, expected, None, potential)


def for_keyword(result, data_source, curve):
    """The opportunity of one ``KeywordResult`` (using its best URL row), or ``None``."""
    if data_source not in OPPORTUNITY_SOURCES:
        return None
    best = result.best
    if data_source in GSC_SOURCES:
        return gsc_opportunity(best.position, best.ctr, best.clicks, best.impressions,
                               result.impressions, curve)
    return tool_opportunity(best.position, best.previous_position, result.search_volume,
                            best.traffic, curve)


def for_page(page, curve):
    """``gsc_pages``: the same types and demand on the page's own row (§7.1)."""
    return gsc_opportunity(page.position, page.ctr, page.clicks, page.impressions,
                           page.impressions, curve)
