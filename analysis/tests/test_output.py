"""The result writer and the value conventions of spec §9."""

from __future__ import annotations

import json
import os
import tempfile
import unittest

from rankmap_analysis import output


class ValueConventions(unittest.TestCase):
    def test_ctr_has_4_decimals_position_2_and_counts_are_integers(self):
        self.assertEqual(output.ctr(0.123456), 0.1235)
        self.assertEqual(output.position(3.14159), 3.14)
        self.assertEqual(output.count(12.0), 12)
        self.assertIsInstance(output.count(12.0), int)
        self.assertEqual(output.count(2.345), 2.35)

    def test_nan_and_infinity_become_null(self):
        for helper in (output.ctr, output.position, output.count, output.number):
            with self.subTest(helper=helper.__name__):
                self.assertIsNone(helper(float("nan")))
                self.assertIsNone(helper(float("inf")))
                self.assertIsNone(helper(None))


class Writer(unittest.TestCase):
    def write(self, onpage, keywords, checks=()):
        handle, path = tempfile.mkstemp()
        os.close(handle)
        try:
            output.write_result(path, "gsc_pages", {"a": 1, "b": None}, onpage, keywords,
                                list(checks))
            with open(path, encoding="utf-8") as fh:
                return fh.read()
        finally:
            os.unlink(path)

    def test_the_file_is_valid_json_with_keys_in_order(self):
        text = self.write(iter([{"url": "x"}, {"url": "é"}]), iter([]), [{"id": "c"}])
        result = json.loads(text)
        self.assertEqual(list(result), ["dataSource", "summary", "onpageResults",
                                        "keywordMapping", "checks"])
        self.assertEqual(result["onpageResults"], [{"url": "x"}, {"url": "é"}])
        self.assertEqual(result["keywordMapping"], [])
        self.assertTrue(text.endswith("}\n"))

    def test_rows_are_written_one_per_line_from_a_generator(self):
        consumed = []

        def rows():
            for n in range(3):
                consumed.append(n)
                yield {"n": n}
        text = self.write(rows(), iter([]))
        self.assertEqual(consumed, [0, 1, 2])
        self.assertIn('\n{"n":1},\n', text)

    def test_a_nan_that_slips_through_is_refused_not_written(self):
        with self.assertRaises(ValueError):
            self.write(iter([{"v": float("nan")}]), iter([]))


if __name__ == "__main__":
    unittest.main()
