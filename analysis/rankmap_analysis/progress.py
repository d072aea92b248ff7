"""Progress lines on stdout (contract §2, spec §2.8).

`Progress` is the callable handed to the reader and to `pipeline.run`: `progress(n, message)`
prints `{"progress": n, "message": ...}` when the integer changes, never going down and never
above 99 (the server reports 100 itself).
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

MAX_PROGRESS = 99
READING_SHARE = 60


class Progress:
    """Monotonic progress printer; `last` is the last value printed (-1 before any)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.last = -1

    def __call__(self, percent: int, message: str) -> None:
        value = min(MAX_PROGRESS, int(percent))
        if value <= self.last:
            return
        self.last = value
        self.stream.write(json.dumps({"progress": value, "message": message}) + "\n")
        self.stream.flush()


class ByteProgress:
    """Turns bytes consumed over all reading passes into `floor(60 × read / (passes × size))`."""

    def __init__(self, progress, file_size: int, passes: int = 2) -> None:
        self.progress = progress
        self.total = max(1, file_size * passes)
        self.consumed = 0

    def add(self, n: int) -> None:
        """Count `n` more bytes read from the file."""
        self.consumed += n
        done = min(self.consumed, self.total)
        self.progress(READING_SHARE * done // self.total, "Reading file")
