"""The command line of `analysis/analyze.py` (spec §2.8, contract §2).

`main(argv)` parses `--input`/`--input-name` pairs in order, chooses the input, builds the
`Dataset` and hands it to `pipeline.run`, which writes the result. The result (or the error
JSON) is written to a temporary file beside `--output` and renamed, so a crash never leaves a
partial result. Exit codes: 0 success, 2 user-facing failure (error JSON), 1 internal error.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import traceback

from . import errors, pipeline
from .inputs import choose_input
from .progress import Progress
from .tables import build_dataset

FILTERS = ("all", "recommended")

DESCRIPTION = """\
Analyse an SEO export (Google Search Console, Semrush, Ahrefs, Screaming Frog or a generic
keyword/URL list) and write the result JSON: dataSource, summary, onpageResults,
keywordMapping and checks.

Several inputs (the sheets of a workbook or the members of a zip) are given as repeated
--input PATH [--input-name NAME] pairs, in order; the first analysable one is analysed.

Exit codes: 0 success; 2 user-facing failure, with {"error": {"message", "details"}} written
to --output; 1 internal error (traceback on stderr). Progress lines
{"progress": N, "message": "..."} are printed on stdout."""


class UsageError(Exception):
    """Bad command-line arguments."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse calls this for bad arguments
        raise UsageError(message)


class _InputAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        pairs = getattr(namespace, "inputs", None) or []
        pairs.append([values, None])
        namespace.inputs = pairs


class _NameAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        pairs = getattr(namespace, "inputs", None) or []
        if not pairs:
            raise UsageError("--input-name must follow the --input it names")
        if pairs[-1][1] is not None:
            raise UsageError(f"--input {pairs[-1][0]} has two --input-name values")
        pairs[-1][1] = values


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used for `--help`)."""
    parser = _Parser(prog="analyze.py", description=DESCRIPTION,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", action=_InputAction, metavar="PATH", dest="inputs",
                        help="an export file (CSV/TSV text); repeat for several inputs")
    parser.add_argument("--input-name", action=_NameAction, metavar="NAME", dest="inputs",
                        help="the sheet or zip member name of the --input just before it")
    parser.add_argument("--filter", metavar="all|recommended",
                        help="all: every row; recommended: only rows worth acting on")
    parser.add_argument("--output", metavar="PATH", help="where the result JSON is written")
    return parser


def _output_from_argv(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--output" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--output="):
            return arg.split("=", 1)[1]
    return None


def write_json_atomically(path: str, obj) -> None:
    """Write a small JSON object to a temp file beside `path`, then rename it."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".result-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, ensure_ascii=False, allow_nan=False)
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _fail(output: str | None, error: errors.AnalysisError) -> int:
    if output:
        try:
            write_json_atomically(output, error.to_json())
        except OSError as exc:
            print(f"analyze.py: cannot write {output}: {exc}", file=sys.stderr)
    print(f"analyze.py: {error.message}" + (f": {error.details}" if error.details else ""),
          file=sys.stderr)
    return 2


def main(argv: list[str] | None = None, keep: list | None = None) -> int:
    """Run the analysis; returns the exit code.

    With ``keep`` (a list), the dataset and the analysis results are appended to it instead of
    being freed when ``main`` returns: ``analyze.py`` then ends the process with ``os._exit``,
    and the operating system reclaims the memory at once (freeing a million-row dataset object
    by object costs a few tenths of a second)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    output = _output_from_argv(argv)
    try:
        args = parser.parse_args(argv)
        if not args.inputs:
            raise UsageError("at least one --input is required")
        if not args.output:
            raise UsageError("--output is required")
        if args.filter is None:
            raise UsageError("--filter is required (all or recommended)")
        if args.filter not in FILTERS:
            raise UsageError(f"--filter must be one of: {', '.join(FILTERS)} "
                             f"(got {args.filter!r})")
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        message = str(exc)
        if message.startswith("--filter must"):
            error = errors.AnalysisError("Unknown filter option", message)
        else:
            error = errors.AnalysisError("Invalid arguments", message)
        return _fail(output, error)
    # The data model holds no reference cycles; without this the cyclic collector walks
    # millions of live rows again and again on a large file (seconds of pure overhead).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    progress = Progress()
    tmp = None
    try:
        probe, detection, warnings = choose_input([(p, n) for p, n in args.inputs])
        dataset = build_dataset(probe, detection, progress, warnings)
        directory = os.path.dirname(os.path.abspath(args.output))
        fd, tmp = tempfile.mkstemp(prefix=".result-", suffix=".tmp", dir=directory)
        os.close(fd)
        results = pipeline.run(dataset, args.filter, tmp, progress)
        if keep is not None:
            keep.append((dataset, results))
        os.replace(tmp, args.output)
        tmp = None
        return 0
    except errors.AnalysisError as exc:
        return _fail(args.output, exc)
    except Exception:  # an internal error: traceback for the server's stderr tail
        traceback.print_exc(file=sys.stderr)
        return 1
    finally:
        if tmp is not None:
            _remove(tmp)
        if gc_was_enabled:
            gc.enable()
