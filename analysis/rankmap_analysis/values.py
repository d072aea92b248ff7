"""Cell value parsing (spec §2.6): the one number parser, booleans, lists, dates, keywords.

`parse_number(raw, decimal_comma)` is used for every numeric cell. Whether `,` is a decimal
mark is decided per column from its values by `ColumnStats` during the classification pass
(§0.10), never from the delimiter.
"""

from __future__ import annotations

import math
import re
import unicodedata

NULL_TOKENS = frozenset({"", "-", "—", "–", "n/a", "na", "null", "none", "nan", "#n/a"})
_STRIP_CHARS = " \u00a0\u202f\u2009\t$€£¥₹"
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}
_APPROX = re.compile(r"^\s*[<>≤≥~≈]")
_COMMA_DECIMAL_TAIL = re.compile(r",(\d{1,2}|\d{4,})$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_SLASH_RE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")
_TRUE = frozenset({"true", "yes", "1", "y", "t"})
_FALSE = frozenset({"false", "no", "0", "n", "f", ""})


def _clean(raw: str) -> str:
    s = raw.strip(_STRIP_CHARS)
    if " " in s or "\u00a0" in s or "\u202f" in s or "\u2009" in s:
        s = s.replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace("\u2009", "")
    return s


def parse_number(raw: str | None, decimal_comma: bool = False) -> float | None:
    """Parse one numeric cell; None for empty / `n/a` / `<10` / anything unreadable.

    `decimal_comma` is the column's decision (§2.6); a value holding both marks uses its last
    mark as the decimal mark whatever the column says. A trailing `%` divides by 100; `K`/`M`/`B`
    multiply. Never returns NaN or infinity.
    """
    if raw is None:
        return None
    if not decimal_comma and "_" not in raw:
        try:
            value = float(raw)
        except ValueError:
            pass
        else:
            return value if math.isfinite(value) else None
    s = _clean(raw)
    if s.lower() in NULL_TOKENS or _APPROX.match(s):
        return None
    scale = 1.0
    percent = False
    if s.endswith("%"):
        percent = True
        s = s[:-1].rstrip(_STRIP_CHARS)
    elif s and s[-1] in "kKmMbB" and len(s) > 1 and (s[-2].isdigit() or s[-2] in ".,"):
        scale = _SUFFIX[s[-1].lower()]
        s = s[:-1]
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s:
        s = s.replace(",", ".") if decimal_comma and s.count(",") == 1 else s.replace(",", "")
    elif decimal_comma and "." in s:
        s = s.replace(".", "")
    if "_" in s:
        return None
    try:
        value = float(s)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return value / 100.0 if percent else value * scale


def is_approximation(raw: str | None) -> bool:
    """True for bracketed approximations such as `<10` (the value itself is null)."""
    return bool(raw) and bool(_APPROX.match(raw))


def as_count(value: float | None) -> int | float | None:
    """A whole float as int (counts are integers in the result), else unchanged."""
    if value is not None and value.is_integer():
        return int(value)
    return value


def parse_bool(raw: str | None) -> bool | None:
    """`true/false/yes/no/1/0` (Ahrefs intent columns); None when unreadable."""
    if raw is None:
        return None
    s = raw.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False if s else None
    return None


def parse_list(raw: str | None, sep: str = ",") -> list[str]:
    """A comma list (`Keyword Intents`, `SERP features`) → trimmed parts, duplicates dropped."""
    if not raw:
        return []
    out: list[str] = []
    for part in raw.split(sep):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def parse_number_list(raw: str | None) -> list[float]:
    """Semrush `Trends` `"[0,0,3,…,100]"` → list of numbers (unreadable items dropped)."""
    if not raw:
        return []
    out = []
    for part in raw.strip().strip("[]").split(","):
        value = parse_number(part.strip())
        if value is not None:
            out.append(value)
    return out


def parse_date(raw: str | None) -> str | None:
    """A date cell → `YYYY-MM-DD`, or None. Reads ISO dates/times, `YYYYMMDD`, `YYYY/MM/DD`."""
    if not raw:
        return None
    s = raw.strip()
    m = _DATE_RE.match(s) or _DATE_SLASH_RE.match(s) or _DATE_COMPACT_RE.match(s)
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1990 <= year <= 2200):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def keyword_norm(keyword: str) -> str:
    """§4 keyword identity: NFKC, lower-case, whitespace collapsed, trimmed; punctuation kept."""
    s = keyword.lower() if keyword.isascii() else unicodedata.normalize("NFKC", keyword).lower()
    return " ".join(s.split())


INTENT_LETTERS = {"i": "informational", "n": "navigational", "c": "commercial",
                  "t": "transactional"}
INTENT_NAMES = ("informational", "navigational", "commercial", "transactional", "branded", "local")


def parse_intents(raw: str | None) -> list[str]:
    """Semrush names (`commercial, informational`) or letters (`I`, `C, T`) → intent names."""
    out: list[str] = []
    for part in parse_list(raw.replace(";", ",") if raw else raw):
        p = part.lower()
        name = INTENT_LETTERS.get(p) or (p if p in INTENT_NAMES else None)
        if name is None and p[:4] in ("info", "navi", "comm", "tran"):
            name = next(n for n in INTENT_NAMES if n.startswith(p[:4]))
        if name and name not in out:
            out.append(name)
    return out


class ColumnStats:
    """What the classification pass learns about one numeric column (§2.6, §13)."""

    __slots__ = ("comma_tail", "dot_only", "has_percent", "max_dot", "max_comma", "non_null")

    def __init__(self) -> None:
        self.comma_tail = False  # some value ends in `,` + 1–2 or 4+ digits (`2,7`, `0,1586`)
        self.dot_only = False  # some value has a `.` and no `,`
        self.has_percent = False
        self.max_dot = None  # largest value read with `.` as decimal mark
        self.max_comma = None  # largest value read with `,` as decimal mark
        self.non_null = 0

    def add(self, raw: str) -> None:
        """Look at one raw cell (cheap unless it holds a comma)."""
        s = raw.strip()
        if not s:
            return
        self.non_null += 1
        if "%" in s:
            self.has_percent = True
        if "," not in s:
            dotted = "." in s
            if dotted:
                self.dot_only = True
            if self.has_percent:
                return  # CTR maxima only matter for columns without %
            value = parse_number(s)
            if value is None:
                self.non_null -= 1
                return
            if self.max_dot is None or value > self.max_dot:
                self.max_dot = value
            if not dotted and (self.max_comma is None or value > self.max_comma):
                self.max_comma = value
            return
        core = _clean(s).rstrip("%").rstrip(_STRIP_CHARS)
        if "." not in core and _COMMA_DECIMAL_TAIL.search(core.rstrip("kKmMbB")):
            self.comma_tail = True
        for attr, comma in (("max_dot", False), ("max_comma", True)):
            value = parse_number(s, comma)
            if value is not None:
                current = getattr(self, attr)
                if current is None or value > current:
                    setattr(self, attr, value)

    def merge_plain(self, count: int, maximum: float | None, dotted: bool) -> None:
        """Fold in `count` cells that parsed as plain floats (largest `maximum`)."""
        self.non_null += count
        self.dot_only = self.dot_only or dotted
        if maximum is not None:
            for attr in ("max_dot", "max_comma"):
                current = getattr(self, attr)
                if current is None or maximum > current:
                    setattr(self, attr, maximum)

    def decided(self, is_ctr: bool) -> bool:
        """True when later values cannot change the column's decisions (pass 1 may stop)."""
        if not self.dot_only:
            return False
        return not is_ctr or self.has_percent or (self.max_dot is not None and self.max_dot > 1)

    @property
    def decimal_comma(self) -> bool:
        """The column's decision: `,` is the decimal mark."""
        return self.comma_tail and not self.dot_only

    def ctr_is_fraction(self) -> bool:
        """CTR without `%` and every value ≤ 1 → already a fraction (§2.6)."""
        top = self.max_comma if self.decimal_comma else self.max_dot
        return not self.has_percent and (top is None or top <= 1.0)
