"""Opportunity types, potential and the CTR curve (spec §7, decisions §0.4, §0.5, §0.22)."""

from __future__ import annotations

import unittest

from rankmap_analysis import opportunities
from rankmap_analysis.ctr_curve import SOURCE_DEFAULT, SOURCE_SITE, default_curve, site_curve

CURVE = default_curve()


def gsc(position, clicks=0, impressions=1000, demand=None, ctr=None):
    if ctr is None:
        ctr = clicks / impressions if impressions else None
    return opportunities.gsc_opportunity(position, ctr, clicks, impressions,
                                         impressions if demand is None else demand, CURVE)


def kind(found):
    return found.type if found is not None else None


class OpportunityTypes(unittest.TestCase):
    def test_quick_win_from_position_4_to_10(self):
        self.assertEqual(kind(gsc(4.0, clicks=80)), "quick_win")
        self.assertEqual(kind(gsc(10.0, clicks=25)), "quick_win")
        self.assertEqual(kind(gsc(3.99, clicks=150)), None)

    def test_striking_distance_above_10_up_to_20(self):
        self.assertEqual(kind(gsc(10.01)), "striking_distance")
        self.assertEqual(kind(gsc(20.0)), "striking_distance")
        self.assertEqual(kind(gsc(20.01)), None)

    def test_ctr_gap_below_half_the_expected_ctr_in_the_top_3(self):
        # Expected CTR at position 2 is 0.157; half of it is 0.0785.
        self.assertEqual(kind(gsc(2.0, clicks=78)), "ctr_gap")
        self.assertEqual(kind(gsc(2.0, clicks=79)), None)

    def test_quick_win_wins_over_ctr_gap(self):
        self.assertEqual(kind(gsc(5.0, clicks=0)), "quick_win")

    def test_minimum_demand_is_50_impressions(self):
        self.assertIsNone(gsc(5.0, impressions=49))
        self.assertEqual(kind(gsc(5.0, impressions=50)), "quick_win")
        self.assertIsNone(gsc(5.0, impressions=1000, demand=49))

    def test_gsc_potential_uses_the_target_position(self):
        found = gsc(5.0, clicks=20, impressions=1000)
        self.assertEqual((found.target_position, found.potential_clicks), (3, 90))
        found = gsc(15.0, clicks=1, impressions=1000)
        self.assertEqual((found.target_position, found.potential_clicks), (8, 31))
        found = gsc(5.0, clicks=500, impressions=1000)
        self.assertEqual(found.potential_clicks, 0)  # never negative
        found = gsc(2.0, clicks=10, impressions=1000)
        self.assertEqual((found.type, found.target_position, found.potential_clicks),
                         ("ctr_gap", 2.0, 147))

    def test_tool_potential_uses_volume_and_traffic(self):
        found = opportunities.tool_opportunity(6, None, 1000, 20, CURVE)
        self.assertEqual((found.type, found.potential_traffic, found.potential_clicks),
                         ("quick_win", 90, None))
        # Without a traffic estimate the current traffic is volume × expected CTR at position.
        found = opportunities.tool_opportunity(6, None, 1000, None, CURVE)
        self.assertEqual(found.potential_traffic, 110 - 51)

    def test_tool_minimum_demand_is_a_volume_of_50(self):
        self.assertIsNone(opportunities.tool_opportunity(6, None, 49, 0, CURVE))
        self.assertIsNotNone(opportunities.tool_opportunity(6, None, 50, 0, CURVE))
        self.assertIsNone(opportunities.tool_opportunity(6, None, None, 0, CURVE))

    def test_new_and_declined_are_informational_and_carry_no_potential(self):
        new = opportunities.tool_opportunity(2, 0, 500, 10, CURVE)
        self.assertEqual((new.type, new.potential, new.listed), ("new_or_improved", None, False))
        self.assertIsNone(opportunities.tool_opportunity(3, 1, 500, 10, CURVE))
        self.assertIsNone(opportunities.tool_opportunity(2.5, None, 500, 10, CURVE))
        # First match wins (§0.4): a drop from 1 to 8 is a quick win, and every position from
        # 4 to 20 is taken by quick_win / striking_distance, so on a real position scale
        # `declined` never wins; the rule itself is kept and checked on its own.
        self.assertEqual(kind(opportunities.tool_opportunity(8, 1, 500, 10, CURVE)),
                         "quick_win")
        self.assertEqual(opportunities.classify(3, None, -2, False, CURVE), "declined")
        self.assertIsNone(opportunities.classify(3, None, -1, False, CURVE))

    def test_every_type_has_an_action_hint(self):
        for name in ("quick_win", "striking_distance", "ctr_gap", "new_or_improved",
                     "declined"):
            self.assertTrue(opportunities.ACTION_HINTS[name].endswith("."))


class CtrCurves(unittest.TestCase):
    def test_default_curve_points_and_linear_interpolation(self):
        self.assertEqual(CURVE.source, SOURCE_DEFAULT)
        self.assertEqual(CURVE.expected(1), 0.285)
        self.assertAlmostEqual(CURVE.expected(1.5), (0.285 + 0.157) / 2)
        self.assertEqual(CURVE.expected(0.3), 0.285)
        self.assertAlmostEqual(CURVE.expected(25), 0.003)
        self.assertAlmostEqual(CURVE.expected(31), 0.001)
        self.assertIsNone(CURVE.expected(None))

    def test_a_bucket_needs_10_rows_and_1000_impressions(self):
        rows = [(3.0, 50, 100)] * 10  # 10 rows, 1,000 impressions, CTR 0.5 → capped by pos 2
        curve = site_curve(rows, 10, 1000)
        self.assertEqual(curve.source, SOURCE_SITE)
        self.assertEqual(curve.points[3], 0.157)  # running minimum with the default at 2
        self.assertEqual(site_curve(rows[:9], 10, 1000).source, SOURCE_DEFAULT)
        self.assertEqual(site_curve([(3.0, 50, 99.9)] * 10, 10, 1000).source, SOURCE_DEFAULT)

    def test_unusable_buckets_take_the_default_before_the_running_minimum(self):
        rows = [(1.0, 5, 100)] * 10  # position 1 CTR 0.05, far below the default 0.285
        curve = site_curve(rows, 10, 1000)
        self.assertEqual(curve.points[1], 0.05)
        self.assertEqual(curve.points[2], 0.05)  # default 0.157 lowered to 0.05
        self.assertEqual(curve.points[11], 0.01)
        points = [curve.points[p] for p in range(1, 21)]
        self.assertEqual(points, sorted(points, reverse=True))
        self.assertEqual(curve.expected(25), 0.003)  # beyond 20: the default curve

    def test_summary_lists_points_1_to_20(self):
        summary = CURVE.summary()
        self.assertEqual(list(summary), ["source", "points"])
        self.assertEqual(list(summary["points"]), [str(p) for p in range(1, 21)])


if __name__ == "__main__":
    unittest.main()
