"""The command line as the server runs it: arguments, several inputs, exit codes, progress,
error JSON (spec §2.8, §11; contract §2)."""

import contextlib
import io
import json
import os
import unittest
from unittest import mock

from rankmap_analysis import cli

from . import TempFiles, run_cli

QUERIES = "Top queries,Clicks,Impressions,CTR,Position\nduo,10,100,10%,2.5\nmfa,1,50,2%,8\n"
COUNTRIES = "Country,Clicks,Impressions,CTR,Position\nfra,1,2,50%,3\n"
SOURCE_KEYS = ["id", "tool", "variant", "label", "encoding", "delimiter", "hasBom", "headerRow",
               "columnsFound", "columnsIgnored", "toolGuess", "inputName"]


class SuccessTest(unittest.TestCase):
    def test_a_single_input_succeeds_with_the_result_shape(self):
        with TempFiles() as tmp:
            path, out = tmp.write("Queries.csv", QUERIES), os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", path, "--filter", "all", "--output", out], out)
            leftovers = [n for n in os.listdir(tmp.path) if n not in ("Queries.csv", "out.json")]
            with open(out, encoding="utf-8") as fh:
                raw = fh.read()
        self.assertEqual(run.code, 0, run.stderr)
        self.assertEqual(leftovers, [])
        self.assertNotIn(tmp.path, raw)
        result = run.result
        self.assertEqual(list(result)[:4], ["dataSource", "summary", "onpageResults",
                                            "keywordMapping"])
        self.assertEqual(result["dataSource"], "gsc_queries")
        summary = result["summary"]
        self.assertEqual(list(summary["source"]), SOURCE_KEYS)
        self.assertEqual(summary["source"]["id"], "gsc_queries")
        self.assertEqual(summary["rows"], {"read": 2, "analysed": 2, "skipped": 0,
                                           "skippedReasons": {}, "aggregatedFrom": 2})
        self.assertIsNone(summary["dateRange"])
        self.assertIsInstance(summary["warnings"], list)
        self.assertEqual(summary["filterOption"], "all")
        self.assertIsInstance(result["onpageResults"], list)
        self.assertIsInstance(result["keywordMapping"], list)

    def test_progress_is_by_bytes_then_by_stage_and_never_goes_down(self):
        with TempFiles() as tmp:
            # Few, wide rows: many bytes (several read chunks) at little analysis cost.
            body = "".join(f"q{i} {'x' * 240},1,2,50%,3\n" for i in range(6000))
            path = tmp.write("q.csv", "Top queries,Clicks,Impressions,CTR,Position\n" + body)
            out = os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", path, "--filter", "recommended", "--output", out], out)
        self.assertEqual(run.code, 0, run.stderr)
        values = [p["progress"] for p in run.progress]
        self.assertEqual(values, sorted(set(values)))
        self.assertTrue(all(isinstance(v, int) and 0 <= v <= 99 for v in values))
        reading = [p["progress"] for p in run.progress if p["message"] == "Reading file"]
        self.assertGreater(len(reading), 3)
        self.assertLessEqual(max(reading), 60)
        self.assertEqual(max(reading), 60)

    def test_a_formula_like_keyword_reaches_the_result_verbatim(self):
        with TempFiles() as tmp:
            path = tmp.write("k.csv", 'keyword,url\n"=HYPERLINK(""x"")",https://a.com/\n')
            out = os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", path, "--filter", "all", "--output", out], out)
        self.assertEqual(run.code, 0, run.stderr)
        self.assertEqual([k["keyword"] for k in run.result["keywordMapping"]],
                         ['=HYPERLINK("x")'])

    def test_help_explains_the_arguments_and_exit_codes(self):
        run = run_cli(["--help"], None)
        self.assertEqual(run.code, 0)
        for text in ("--input", "--input-name", "--filter", "--output", "Exit codes"):
            self.assertIn(text, run.stdout)


class SeveralInputsTest(unittest.TestCase):
    def test_the_first_analysable_input_wins_and_the_others_are_named(self):
        with TempFiles() as tmp:
            countries = tmp.write("a.csv", COUNTRIES)
            garbage = tmp.write("b.csv", "foo,bar\n1,2\n")
            queries = tmp.write("c.csv", QUERIES)
            pages = tmp.write("d.csv", "Top pages,Clicks,Impressions,CTR,Position\n")
            out = os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", countries, "--input-name", "Countries.csv",
                           "--input", garbage, "--input-name", "Notes.csv",
                           "--input", queries, "--input-name", "Queries.csv",
                           "--input", pages, "--input-name", "Pages.csv",
                           "--filter", "all", "--output", out], out)
        self.assertEqual(run.code, 0, run.stderr)
        summary = run.result["summary"]
        self.assertEqual(summary["source"]["inputName"], "Queries.csv")
        self.assertIn('Analysed "Queries.csv"; skipped "Countries.csv" (Search Console '
                      'Countries table, cannot be analysed), "Notes.csv" (unrecognised '
                      'headers); not used: "Pages.csv" (one table is analysed per job)',
                      summary["warnings"])

    def test_an_unreadable_input_among_several_is_skipped_with_its_reason(self):
        from rankmap_analysis.inputs import choose_input
        with TempFiles() as tmp:
            binary = tmp.write("x.bin", b"PK\x03\x04" + b"\x00" * 50)
            queries = tmp.write("q.csv", QUERIES)
            probe, detection, warnings = choose_input([(binary, None), (queries, "Queries")])
        self.assertEqual((detection.source_id, probe.input_name), ("gsc_queries", "Queries"))
        self.assertEqual(warnings, ['Analysed "Queries"; skipped "x.bin" '
                                    '(the file is not a text export)'])

    def test_an_input_name_belongs_to_the_input_before_it(self):
        with TempFiles() as tmp:
            first = tmp.write("one.csv", "foo,bar\n1,2\n")
            second = tmp.write("two.csv", QUERIES)
            out = os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", first, "--input", second, "--input-name", "Sheet2",
                           "--filter", "all", "--output", out], out)
        self.assertEqual(run.code, 0, run.stderr)
        self.assertEqual(run.result["summary"]["source"]["inputName"], "Sheet2")

    def test_none_analysable_fails_naming_each_input_and_its_headers(self):
        with TempFiles() as tmp:
            a = tmp.write("a.csv", COUNTRIES)
            b = tmp.write("b.csv", "foo,bar\n1,2\n")
            out = os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", a, "--input-name", "Countries.csv", "--input", b,
                           "--input-name", "Sheet1", "--filter", "all", "--output", out], out)
        self.assertEqual(run.code, 2)
        error = run.result["error"]
        self.assertEqual(error["message"], "Unrecognised file format")
        for text in ("Countries.csv", "Search Console Countries table", "Sheet1", "foo, bar",
                     "Supported exports"):
            self.assertIn(text, error["details"])

    def test_the_chosen_inputs_own_failure_fails_the_job(self):
        with TempFiles() as tmp:
            a = tmp.write("a.csv", COUNTRIES)
            b = tmp.write("b.csv", "Top queries,Clicks,Impressions,CTR,Position\n")
            out = os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", a, "--input", b, "--input-name", "Queries.csv",
                           "--filter", "all", "--output", out], out)
        self.assertEqual(run.code, 2)
        self.assertEqual(run.result["error"]["message"], "The file contains no data rows")


class FailureTest(unittest.TestCase):
    CASES = (
        ("empty", b"", "The file contains no data rows"),
        ("header only", b"Top queries,Clicks,Impressions,CTR,Position\n",
         "The file contains no data rows"),
        ("unrecognised", b"foo,bar\n1,2\n", "Unrecognised file format"),
        ("gsc table", COUNTRIES.encode(), "This Search Console table cannot be analysed"),
        ("gsc filters", b"Filter,Value\nSearch type,Web\n",
         "This Search Console table cannot be analysed"),
        ("zip", b"PK\x03\x04" + b"\x00" * 100, "The file is not a text export"),
        ("binary", bytes(range(256)) * 20, "The file is not a text export"),
        ("undecodable", b"keyword,url\na\x81,b\n", "Could not read the file encoding"),
    )

    def test_every_user_failure_exits_2_with_the_error_json_and_no_traceback(self):
        for label, data, message in self.CASES:
            with self.subTest(label), TempFiles() as tmp:
                path, out = tmp.write("in.csv", data), os.path.join(tmp.path, "out.json")
                run = run_cli(["--input", path, "--filter", "all", "--output", out], out)
                self.assertEqual(run.code, 2, run.stderr)
                self.assertEqual(run.result["error"]["message"], message)
                self.assertIsInstance(run.result["error"]["details"], str)
                self.assertNotIn("Traceback", run.stderr)

    def test_the_gsc_table_error_says_what_to_upload_instead(self):
        with TempFiles() as tmp:
            path, out = tmp.write("in.csv", COUNTRIES), os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", path, "--filter", "all", "--output", out], out)
        self.assertIn("Countries", run.result["error"]["details"])
        self.assertIn("Queries.csv", run.result["error"]["details"])

    def test_the_unrecognised_error_lists_the_headers_found(self):
        with TempFiles() as tmp:
            path = tmp.write("in.csv", "alpha;beta;gamma\n1;2;3\n")
            out = os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", path, "--filter", "all", "--output", out], out)
        self.assertIn("alpha, beta, gamma", run.result["error"]["details"])

    def test_an_unknown_filter_exits_2_with_usage_and_the_error_json(self):
        with TempFiles() as tmp:
            path, out = tmp.write("in.csv", QUERIES), os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", path, "--filter", "everything", "--output", out], out)
        self.assertEqual(run.code, 2)
        self.assertIn("usage:", run.stderr)
        self.assertEqual(run.result["error"]["message"], "Unknown filter option")

    def test_a_missing_filter_is_an_argument_error(self):
        with TempFiles() as tmp:
            path, out = tmp.write("in.csv", QUERIES), os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", path, "--output", out], out)
        self.assertEqual(run.code, 2)
        self.assertEqual(run.result["error"]["message"], "Invalid arguments")
        self.assertIn("--filter is required", run.result["error"]["details"])

    def test_argument_errors_without_output_write_nothing(self):
        with TempFiles() as tmp:
            path = tmp.write("in.csv", QUERIES)
            run = run_cli(["--input", path, "--filter", "all"], None)
            self.assertEqual(os.listdir(tmp.path), ["in.csv"])
        self.assertEqual(run.code, 2)
        self.assertIn("usage:", run.stderr)

    def test_an_input_name_without_an_input_is_an_argument_error(self):
        with TempFiles() as tmp:
            out = os.path.join(tmp.path, "out.json")
            run = run_cli(["--input-name", "x", "--filter", "all", "--output", out], out)
        self.assertEqual(run.code, 2)
        self.assertEqual(run.result["error"]["message"], "Invalid arguments")

    def test_an_internal_error_exits_1_with_a_traceback_and_no_result(self):
        with TempFiles() as tmp:
            path, out = tmp.write("in.csv", QUERIES), os.path.join(tmp.path, "out.json")
            stderr = io.StringIO()
            with mock.patch.object(cli, "build_dataset", side_effect=RuntimeError("boom")), \
                    contextlib.redirect_stderr(stderr), \
                    contextlib.redirect_stdout(io.StringIO()):
                code = cli.main(["--input", path, "--filter", "all", "--output", out])
            self.assertEqual(os.listdir(tmp.path), ["in.csv"])
        self.assertEqual(code, 1)
        self.assertIn("Traceback", stderr.getvalue())
        self.assertIn("RuntimeError: boom", stderr.getvalue())

    def test_a_failure_inside_the_pipeline_leaves_no_partial_result(self):
        def half_written(dataset, filter_option, path, progress):
            with open(path, "w") as fh:
                fh.write('{"dataSource": ')
            raise ValueError("half way")
        with TempFiles() as tmp:
            path, out = tmp.write("in.csv", QUERIES), os.path.join(tmp.path, "out.json")
            with mock.patch.object(cli.pipeline, "run", side_effect=half_written), \
                    contextlib.redirect_stderr(io.StringIO()), \
                    contextlib.redirect_stdout(io.StringIO()):
                code = cli.main(["--input", path, "--filter", "all", "--output", out])
            self.assertEqual(os.listdir(tmp.path), ["in.csv"])
        self.assertEqual(code, 1)

    def test_the_error_json_details_are_bounded(self):
        with TempFiles() as tmp:
            header = ",".join(f"column number {i}" for i in range(2000))
            path = tmp.write("in.csv", header + "\n" + "1," * 1999 + "1\n")
            out = os.path.join(tmp.path, "out.json")
            run = run_cli(["--input", path, "--filter", "all", "--output", out], out)
        self.assertEqual(run.code, 2)
        self.assertLess(len(json.dumps(run.result["error"]["details"]).encode()), 4096)


if __name__ == "__main__":
    unittest.main()
