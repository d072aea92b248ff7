"""Tests of the benchmark tools in `analysis/bench/`: the seeded export generator and the
measurement script (run on 10,000 rows; the full benchmark is not part of the test command)."""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import unittest

from tests import ANALYSIS_DIR

BENCH_DIR = os.path.join(ANALYSIS_DIR, "bench")
GENERATOR = os.path.join(BENCH_DIR, "generate.py")
MEASURE = os.path.join(BENCH_DIR, "measure.py")


def _load_generator():
    """Import `bench/generate.py` by path (the bench folder is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("rankmap_bench_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate_module = _load_generator()


def _generated(rows: int, seed: int = 1) -> str:
    out = io.StringIO(newline="")
    written = generate_module.generate(out, rows=rows, seed=seed)
    if written != rows:
        raise AssertionError(f"generate() reported {written} rows, asked for {rows}")
    return out.getvalue()


class GeneratorTest(unittest.TestCase):
    """The generated export is reproducible and shaped like a Search Console API pull."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.text = _generated(5_000)
        cls.rows = list(csv.reader(io.StringIO(cls.text)))

    def test_another_seed_gives_another_file(self) -> None:
        self.assertNotEqual(_generated(5_000, seed=2), self.text)

    def test_the_same_seed_gives_a_byte_identical_file_from_another_process(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "gsc.csv")
            subprocess.run([sys.executable, GENERATOR, "--rows", "5000", "--seed", "1",
                            "--output", path], check=True, timeout=60)
            with open(path, "rb") as fh:
                self.assertEqual(fh.read(), self.text.encode("utf-8"))

    def test_the_file_has_the_api_header_and_the_requested_row_count(self) -> None:
        self.assertEqual(self.rows[0],
                         ["Date", "Page", "Query", "Clicks", "Impressions", "CTR", "Position"])
        self.assertEqual(len(self.rows) - 1, 5_000)
        self.assertTrue(all(len(row) == 7 for row in self.rows))

    def test_dates_pages_and_queries_stay_within_their_pools(self) -> None:
        data = self.rows[1:]
        dates = {row[0] for row in data}
        self.assertLessEqual(len(dates), 90)
        self.assertGreater(len(dates), 45, "rows should spread over the dates")
        self.assertTrue(all(date.startswith("2024-") and len(date) == 10 for date in dates))
        pages = {row[1] for row in data}
        self.assertLessEqual(len(pages), 20_000)
        self.assertTrue(all(page.startswith("https://www.example.com/") for page in pages))
        self.assertLessEqual(len({row[2] for row in data}), 200_000)

    def test_each_date_page_query_key_appears_once(self) -> None:
        keys = [(row[0], row[1], row[2]) for row in self.rows[1:]]
        self.assertEqual(len(set(keys)), len(keys))

    def test_ctr_is_the_click_fraction_and_position_a_float_of_at_least_one(self) -> None:
        for row in self.rows[1:]:
            clicks, impressions = int(row[3]), int(row[4])
            self.assertGreaterEqual(impressions, 1)
            self.assertTrue(0 <= clicks <= impressions, row)
            self.assertEqual(float(row[5]), clicks / impressions)
            self.assertIn(".", row[6])
            self.assertGreaterEqual(float(row[6]), 1.0)

    def test_popularity_is_skewed_towards_a_few_queries(self) -> None:
        data = self.rows[1:]
        impressions_by_query: dict[str, int] = {}
        for row in data:
            impressions_by_query[row[2]] = impressions_by_query.get(row[2], 0) + int(row[4])
        ranked = sorted(impressions_by_query.values(), reverse=True)
        top_share = sum(ranked[: len(ranked) // 100]) / sum(ranked)
        self.assertGreater(top_share, 0.1, "the top 1% of queries should carry >10% of traffic")


class MeasureTest(unittest.TestCase):
    """The measurement script runs the analyser end to end and prints its table."""

    @classmethod
    def setUpClass(cls) -> None:
        # One input cache for the class: the 10,000-row file is generated once.
        cls._cache = tempfile.TemporaryDirectory(prefix="rankmap-bench-test-")

    @classmethod
    def tearDownClass(cls) -> None:
        cls._cache.cleanup()

    def _measure(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, MEASURE, "--rows", "10000", "--repeat", "1",
                               "--cache-dir", self._cache.name, *args], capture_output=True,
                              text=True, timeout=180, stdin=subprocess.DEVNULL)

    def test_a_10000_row_run_prints_a_median_table_for_both_filters(self) -> None:
        proc = self._measure("--filter", "all", "recommended")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertIn("| rows | filter | median s | median peak MB | runs | median CPU s |",
                      lines)
        for filter_option in ("all", "recommended"):
            row = next((line for line in lines
                        if line.startswith(f"| 10000 | {filter_option} |")), None)
            self.assertIsNotNone(row, proc.stdout)
            cells = [cell.strip() for cell in row.strip("|").split("|")]
            seconds, peak_mb, runs = float(cells[2]), float(cells[3]), int(cells[4])
            self.assertGreater(seconds, 0.0)
            self.assertGreater(peak_mb, 5.0, "a Python child's peak RSS is several MB")
            self.assertEqual(runs, 1)

    def test_a_failing_analyser_makes_the_script_exit_non_zero(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            broken = os.path.join(tmp, "broken.py")
            with open(broken, "w", encoding="utf-8") as fh:
                fh.write("import sys\nsys.stderr.write('boom in the analyser')\nsys.exit(2)\n")
            proc = self._measure("--filter", "all", "--analyzer", broken)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("boom in the analyser", proc.stderr)
        self.assertNotIn("| 10000 | all |", proc.stdout)


if __name__ == "__main__":
    unittest.main()
