"""Tests of the rankmap analyser; run `python3 -m unittest discover -s analysis -t analysis`.

Helpers shared by the reading-side suites: temporary input files, in-process dataset building
and running `analyze.py` as the server does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest

ANALYSIS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(ANALYSIS_DIR)
SCRIPT = os.path.join(ANALYSIS_DIR, "analyze.py")
REAL_FIXTURES = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "fixtures", "real"))


class TempFiles:
    """A temporary directory that writes input files; use as a context manager."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="rankmap-test-")
        self.path = self._dir.name

    def write(self, name: str, content: bytes | str, encoding: str = "utf-8") -> str:
        """Write `content` (text is encoded with `encoding`) and return the file's path."""
        path = os.path.join(self.path, name)
        data = content.encode(encoding) if isinstance(content, str) else content
        with open(path, "wb") as fh:
            fh.write(data)
        return path

    def __enter__(self) -> "TempFiles":
        return self

    def __exit__(self, *exc) -> None:
        self._dir.cleanup()


def dataset_for(content: bytes | str, name: str = "input.csv", encoding: str = "utf-8"):
    """Build the Dataset of one synthetic input in-process (no pipeline involved)."""
    from rankmap_analysis.inputs import choose_input
    from rankmap_analysis.tables import build_dataset

    with TempFiles() as tmp:
        path = tmp.write(name, content, encoding)
        probe, detection, warnings = choose_input([(path, None)])
        return build_dataset(probe, detection, lambda n, m: None, warnings)


class CliRun:
    """The outcome of one `analyze.py` run."""

    def __init__(self, code: int, stdout: str, stderr: str, result) -> None:
        self.code = code
        self.stdout = stdout
        self.stderr = stderr
        self.result = result

    @property
    def progress(self) -> list[dict]:
        """The progress lines printed on stdout."""
        out = []
        for line in self.stdout.splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and "progress" in obj:
                out.append(obj)
        return out


def run_cli(args: list[str], output: str | None) -> CliRun:
    """Run `analyze.py` in a subprocess, as the server does, and read `output` if written."""
    proc = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    result = None
    if output and os.path.exists(output):
        with open(output, encoding="utf-8") as fh:
            result = json.load(fh)
    return CliRun(proc.returncode, proc.stdout, proc.stderr, result)


def real_fixture(test: unittest.TestCase, name: str) -> str:
    """Path of a real export; skip loudly when the folder is missing (fail under CI=true)."""
    path = os.path.join(REAL_FIXTURES, name)
    if not os.path.isdir(REAL_FIXTURES):
        message = (f"REAL FIXTURES MISSING: {REAL_FIXTURES} does not exist; "
                   "the real-export tests did not run")
        if os.environ.get("CI") == "true":
            test.fail(message)
        test.skipTest(message)
    if not os.path.exists(path):
        test.fail(f"real fixture {name} is missing from {REAL_FIXTURES}")
    return path
