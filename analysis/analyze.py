#!/usr/bin/env python3
"""rankmap's SEO export analyser: `python3 analysis/analyze.py --input FILE --filter all
--output out.json` (see `--help`, and `../shared/docs/analysis-spec.md`).

This file only puts its own directory on the import path, runs `rankmap_analysis.cli` and
exits with its code.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rankmap_analysis.cli import main  # noqa: E402

if __name__ == "__main__":
    # The result is written, renamed and reported; skip freeing the analysed data object by
    # object at exit (see `main`'s `keep`): flush the standard streams and leave.
    _kept: list = []
    _code = main(keep=_kept)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_code)
