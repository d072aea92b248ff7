"""Reading one input (spec §2.1–2.3, §13): encoding, delimiter + header line, streamed rows.

`probe_input` looks at the head of a file only (enough to detect its source, §2.8) and returns
a `Probe`. `iter_records` then streams every data row of the file, once per pass, as lists of
exactly `len(header)` strings, counting bytes for the progress lines and counting the rows it
has to drop. Nothing here keeps more than one row in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
import unicodedata
from typing import Callable, Iterator

from . import errors
from .fields import HeaderMap, normalise_header

# Python's csv module refuses fields over 131,072 characters by default (§13). Tests lower it
# through `set_field_size_limit`.
FIELD_SIZE_LIMIT = 64 * 1024 * 1024
HEAD_BYTES = 1 << 20
SAMPLE_ROWS = 200
HEADER_SEARCH_LINES = 10
DELIMITERS = ("\t", ";", ",", "|")
CHUNK = 1 << 16
LINE_CHUNK_CHARS = 1 << 18

_BINARY_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x1f\x8b",
                 b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"7z\xbc\xaf", b"Rar!", b"BZh")
_LINE_SPLIT = re.compile(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)")
SUMMARY_LABELS = frozenset({"total", "totals", "grand total", "gesamt", "total général",
                            "summe", "合計"})
_SUMMARY_INITIALS = frozenset(label[0] for label in SUMMARY_LABELS) | frozenset(
    label[0].upper() for label in SUMMARY_LABELS) | {" "}
GSC_FILTER_FIRST = frozenset({"filter", "filtre", "filtres", "filters", "フィルタ"})
GSC_FILTER_SECOND = frozenset({"value", "valeur", "wert", "値"})


def set_field_size_limit(limit: int) -> None:
    """Set the csv field-size limit (rows with a longer field are skipped, `field_too_long`)."""
    global FIELD_SIZE_LIMIT
    FIELD_SIZE_LIMIT = limit
    csv.field_size_limit(limit)


set_field_size_limit(FIELD_SIZE_LIMIT)


class EncodingFallback(Exception):
    """Strict UTF-8 failed after the head: the pass restarts with cp1252."""


class Probe:
    """What the head of one input says: encoding, header line, delimiter, first rows."""

    __slots__ = ("path", "name", "input_name", "size", "codec", "encoding", "has_bom",
                 "warnings", "header_line", "delimiter", "header", "sample", "first_cells",
                 "gsc_filters")

    def __init__(self, path: str, input_name: str | None) -> None:
        self.path = path
        self.input_name = input_name
        self.name = input_name or os.path.basename(path)
        self.size = 0
        self.codec = "utf-8"  # Python codec used to decode the whole file
        self.encoding = "utf-8"  # reported in summary.source.encoding
        self.has_bom = False
        self.warnings: list[str] = []
        self.header_line: int | None = None  # 1-based physical line of the header
        self.delimiter: str | None = None
        self.header: HeaderMap | None = None
        self.sample: list[list[str]] = []  # first data rows (padded), for detection
        self.first_cells: list[str] = []  # first non-empty line, split at its best delimiter
        self.gsc_filters = False  # a Search Console `Filter,Value` table


def sniff_encoding(head: bytes) -> tuple[str, str, bool]:
    """(codec, reported encoding, has BOM) from the first bytes, §2.1 steps 1–2.

    Returns codec `"utf-8?"` when the bytes must still be tried as strict UTF-8 then cp1252.
    Raises `AnalysisError` for binary content.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "utf-8", True
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16", "utf-16-le", True
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", "utf-16-be", True
    if head.startswith(_BINARY_MAGIC):
        raise errors.not_text(head)
    window = head[:1000]
    zeros = window.count(0)
    if window and zeros >= 0.3 * len(window):
        odd = sum(1 for i in range(1, len(window), 2) if window[i] == 0)
        return ("utf-16-le", "utf-16-le", False) if odd >= zeros - odd else (
            "utf-16-be", "utf-16-be", False)
    if zeros:
        raise errors.not_text(head)
    return "utf-8?", "utf-8", False


def _decode_head(head: bytes, codec: str, at_eof: bool) -> str:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    return decoder.decode(head, final=at_eof)


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n\f\v") or ch == "\x7f"
              or ch == "\ufffd")
    return bad > 0.05 * len(sample)


def split_lines(text: str) -> list[str]:
    """Split on `\\r\\n`, `\\n` or `\\r`, keeping the line ends (as csv expects)."""
    return [line for line in _LINE_SPLIT.split(text) if line]


def _nfc(line: str) -> str:
    return line if unicodedata.is_normalized("NFC", line) else unicodedata.normalize("NFC", line)


def probe_input(path: str, input_name: str | None = None) -> Probe:
    """Read the head of one input: encoding (§2.1), header line + delimiter (§2.2), sample rows.

    Raises `AnalysisError` for an empty file, binary content or undecodable bytes. A file whose
    head has no header line gets `header = None` (source `unknown`, or a GSC Filters table).
    """
    probe = Probe(path, input_name)
    try:
        probe.size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise errors.AnalysisError("The file could not be read",
                                   f"{probe.name}: {exc.strerror or exc}") from None
    if not head.strip(b" \t\r\n\x00"):
        raise errors.no_data_rows(probe.name, probe.size)
    codec, probe.encoding, probe.has_bom = sniff_encoding(head)
    at_eof = len(head) >= probe.size
    if codec == "utf-8?":
        try:
            text = _decode_head(head, "utf-8", at_eof)
            codec = "utf-8"
        except UnicodeDecodeError:
            codec = "cp1252"
            try:
                text = _decode_head(head, "cp1252", at_eof)
            except UnicodeDecodeError:
                raise errors.undecodable(["utf-8", "cp1252"]) from None
            use_cp1252(probe)
    else:
        try:
            text = _decode_head(head, codec, at_eof)
        except UnicodeDecodeError:
            raise errors.undecodable([probe.encoding]) from None
        if probe.encoding.startswith("utf-16"):
            label = "UTF-16 LE" if probe.encoding == "utf-16-le" else "UTF-16 BE"
            probe.warnings.append(f"File decoded as {label}.")
    probe.codec = codec
    text = text.lstrip("\ufeff")
    if _looks_binary(text):
        raise errors.not_text(head)
    lines = split_lines(text)
    if not at_eof and lines:
        lines.pop()  # the last line of the head may be cut
    _find_header(probe, lines)
    return probe


def use_cp1252(probe: Probe) -> None:
    """Switch a probe to the cp1252 fallback (Excel "CSV" saves on Windows) with its warning."""
    probe.codec = "cp1252"
    probe.encoding = "cp1252"
    probe.warnings.append("The file is not valid UTF-8; it was read as Windows-1252 (cp1252). "
                          "Check accented characters.")


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.rstrip("\r\n").split(delimiter)


def _find_header(probe: Probe, lines: list[str]) -> None:
    """§0.19: first (line, delimiter) among the first 10 non-empty lines mapping ≥ 2 fields."""
    seen = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        line = _nfc(line)
        if seen == 0:
            best = max((_split(line, d) for d in DELIMITERS), key=len)
            probe.first_cells = [c.strip() for c in best]
            cells = [normalise_header(c) for c in best]
            if (len(cells) >= 2 and cells[0] in GSC_FILTER_FIRST
                    and cells[1] in GSC_FILTER_SECOND):
                probe.gsc_filters = True
                return
        seen += 1
        if seen > HEADER_SEARCH_LINES:
            return
        for delimiter in DELIMITERS:
            cells = _split(line, delimiter)
            if len(cells) < 2:
                continue
            header = HeaderMap(cells)
            if header.strong_field_count() >= 2:
                probe.header_line, probe.delimiter, probe.header = number, delimiter, header
                _read_sample(probe, lines[number:])
                return


def _read_sample(probe: Probe, rest: list[str]) -> None:
    width = len(probe.header.raw)
    reader = csv.reader((_nfc(line) for line in rest), delimiter=probe.delimiter)
    while len(probe.sample) < SAMPLE_ROWS:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            continue
        if not any(cell.strip() for cell in row):
            continue
        probe.sample.append(fit_row(row, width))


def fit_row(row: list[str], width: int) -> list[str]:
    """Pad a short row with empty cells; cut a long one to the header's width."""
    if len(row) < width:
        return row + [""] * (width - len(row))
    return row[:width] if len(row) > width else row


class _CountingRaw(io.RawIOBase):
    """A raw file that reports every chunk it reads (progress by bytes, §2.8)."""

    def __init__(self, fh, on_bytes: Callable[[int], None] | None) -> None:
        self.fh = fh
        self.on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.fh.readinto(buffer)
        if n and self.on_bytes is not None:
            self.on_bytes(n)
        return n or 0

    def close(self) -> None:
        self.fh.close()
        super().close()


class RowCounters:
    """Rows read and rows dropped by reason, for `summary.rows` (§9.1)."""

    __slots__ = ("read", "reasons")

    def __init__(self) -> None:
        self.read = 0
        self.reasons: dict[str, int] = {}

    def skip(self, reason: str) -> None:
        """Count one row in `skippedReasons[reason]`."""
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


def iter_records(probe: Probe, counters: RowCounters,
                 on_bytes: Callable[[int], None] | None = None) -> Iterator[list[str]]:
    """Stream the data rows of the probed file, each fitted to the header's width.

    Counts every data row in `counters.read`; drops fully empty rows silently, counts rows with
    a field over the limit as `field_too_long`, unparsable rows as `malformed_row`, rows with
    extra non-empty cells as `extra_cells_ignored` (kept, extra cells cut), and a trailing
    `Total` / `Grand total` row as `summary_row` (dropped). Raises `EncodingFallback` when
    strict UTF-8 fails.
    """
    width = len(probe.header.raw)
    raw = _CountingRaw(open(probe.path, "rb"), on_bytes)
    buffered = io.BufferedReader(raw, buffer_size=CHUNK)
    text = io.TextIOWrapper(buffered, encoding=probe.codec, errors="strict", newline="")
    read = 0  # kept local (hot loop) and stored in `counters` when the pass ends
    try:
        lines = itertools.islice(_lines(text), probe.header_line or 1, None)
        reader = csv.reader(lines, delimiter=probe.delimiter)
        held: list[str] | None = None
        initials, labels = _SUMMARY_INITIALS, SUMMARY_LABELS
        while True:
            try:
                for row in reader:
                    n = len(row)
                    first = row[0] if n else ""
                    if not first.strip() and not any(cell.strip() for cell in row):
                        continue
                    read += 1
                    if n != width:
                        if n > width:
                            if any(cell.strip() for cell in row[width:]):
                                counters.skip("extra_cells_ignored")
                            row = row[:width]
                        else:
                            row += [""] * (width - n)
                    if held is not None:
                        yield held
                        held = None
                    if first[:1] in initials and first.strip().lower() in labels:
                        held = row
                        continue
                    yield row
                break
            except csv.Error as exc:
                read += 1
                counters.skip("field_too_long" if "field larger" in str(exc) else "malformed_row")
            except UnicodeDecodeError:
                if probe.codec == "utf-8":
                    raise EncodingFallback() from None
                raise errors.undecodable(["utf-8", "cp1252"] if probe.codec == "cp1252"
                                         else [probe.encoding]) from None
        if held is not None:
            counters.skip("summary_row")
    finally:
        counters.read += read
        text.close()


def _line_chunks(text: io.TextIOBase) -> Iterator[list[str]]:
    """Lists of complete physical lines (split on CR, LF, CRLF only), NFC-normalised.

    Text is read in large chunks so that splitting and normalisation run in C; a chunk is cut
    after its last line end, so no line (and no NFC sequence) spans two chunks.
    """
    carry = ""
    while True:
        chunk = text.read(LINE_CHUNK_CHARS)
        if not chunk:
            break
        chunk = carry + chunk
        cut = chunk.rfind("\n") + 1
        if cut == 0:
            cut = chunk.rfind("\r", 0, len(chunk) - 1) + 1
        if cut == 0:
            carry = chunk
            continue
        carry = chunk[cut:]
        yield _split_lines_fast(chunk[:cut])
    if carry:
        yield _split_lines_fast(carry)


def _split_lines_fast(block: str) -> list[str]:
    if not block.isascii() and not unicodedata.is_normalized("NFC", block):
        block = unicodedata.normalize("NFC", block)
    return io.StringIO(block, newline="").readlines()


def _lines(text: io.TextIOBase) -> Iterator[str]:
    """Every physical line of the file, in order."""
    return itertools.chain.from_iterable(_line_chunks(text))
