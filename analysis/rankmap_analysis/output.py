"""Writing the result JSON (analysis-spec §9) incrementally, and the value conventions.

Owns the byte layout of the result file: the top-level keys in the documented order, the
summary first, then every array one row at a time (a pre-built encoder, ``allow_nan=False``), so
a million-row result is never held as one string. It also owns the rounding helpers every row
builder uses (CTR 4 decimals, position 2, counts as integers, ``None`` instead of NaN).
It computes nothing about SEO.
"""

from __future__ import annotations

import json
import math

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_encode = _ENCODER.encode


def finite(value):
    """``None`` for NaN and infinities (invalid JSON), the value otherwise."""
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def count(value):
    """A count: whole numbers as ``int``, other numbers rounded to 2 decimals."""
    value = finite(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if value.is_integer():
        return int(value)
    return round(value, 2)


def ctr(value):
    """A CTR fraction rounded to 4 decimals."""
    value = finite(value)
    return None if value is None else round(float(value), 4)


def position(value):
    """A position rounded to 2 decimals."""
    value = finite(value)
    return None if value is None else round(float(value), 2)


def number(value, digits: int = 2):
    """Any other number: integers kept, floats rounded to ``digits`` decimals."""
    value = finite(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    rounded = round(value, digits)
    return int(rounded) if rounded.is_integer() else rounded


def write_result(path: str, data_source: str, summary: dict, onpage_rows, keyword_rows,
                 checks: list) -> None:
    """Write ``{"dataSource", "summary", "onpageResults", "keywordMapping", "checks"}``.

    ``onpage_rows`` and ``keyword_rows`` are iterables of dicts, consumed once and encoded one
    at a time. The file is UTF-8 with a trailing newline.
    """
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        write = out.write
        write('{"dataSource":')
        write(_encode(data_source))
        write(',\n"summary":')
        write(_encode(summary))
        for name, rows in (("onpageResults", onpage_rows), ("keywordMapping", keyword_rows),
                           ("checks", checks)):
            write(',\n"')
            write(name)
            write('":[')
            first = True
            for row in rows:
                write("\n" if first else ",\n")
                write(_encode(row))
                first = False
            write("]")
        write("}\n")
