#!/usr/bin/env python3
"""rankmap's SEO export analyser: `python3 analysis/analyze.py --input FILE --filter all
--output out.json` (see `--help`, and `../shared/docs/analysis-spec.md`).

This file only puts its own directory on the import path and runs `rankmap_analysis.cli`.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rankmap_analysis.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
