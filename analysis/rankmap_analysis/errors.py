"""User-facing failures of the analysis (spec §11) and how they are written.

Every failure a user can cause is an `AnalysisError`: the CLI writes it to `--output` as
`{"error": {"message": ..., "details": ...}}` and exits 2. Anything else is a bug and exits 1
with a traceback. `details` is a plain string (the job API carries it as text, at most 4 KiB).
"""

from __future__ import annotations

MAX_DETAILS_CHARS = 3500

SUPPORTED_EXPORTS = (
    "Google Search Console (Queries.csv, Pages.csv, API / Looker Studio / BigQuery query+page "
    "exports); Semrush Organic Positions and keyword lists; Ahrefs Organic keywords (v3, "
    "compare, legacy) and Keywords Explorer; Screaming Frog Internal and tab exports; generic "
    "keyword,url / page;keywords / url,title,h1 lists"
)


class AnalysisError(Exception):
    """A failure explained to the user: exit code 2 with the error JSON."""

    def __init__(self, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_json(self) -> dict:
        """The `{"error": {...}}` object written to --output."""
        details = self.details
        if details is not None and len(details) > MAX_DETAILS_CHARS:
            details = details[: MAX_DETAILS_CHARS - 1] + "…"
        return {"error": {"message": self.message, "details": details}}


def no_data_rows(name: str, size: int) -> AnalysisError:
    """Empty file or only a header."""
    return AnalysisError("The file contains no data rows",
                         f"File {name} ({size} bytes) has no data rows below its header.")


def unrecognised(name: str, headers: list[str]) -> AnalysisError:
    """A single input whose headers match no supported export."""
    shown = ", ".join(headers[:60]) if headers else "(none)"
    return AnalysisError("Unrecognised file format",
                         f"Headers found in {name}: {shown}. Supported exports: "
                         f"{SUPPORTED_EXPORTS}.")


def none_analysable(inputs: list[tuple[str, str]]) -> AnalysisError:
    """Several inputs and none analysable: each (name, what was found in it)."""
    parts = [f"{name}: {found}" for name, found in inputs]
    return AnalysisError("Unrecognised file format",
                         "No input could be analysed. " + "; ".join(parts)
                         + f". Supported exports: {SUPPORTED_EXPORTS}.")


def gsc_table(table: str) -> AnalysisError:
    """A Search Console Countries/Devices/Dates/Filters/Search appearance table alone."""
    return AnalysisError(
        "This Search Console table cannot be analysed",
        f"The file is the Search Console {table} table, which has no queries or pages. "
        "Upload Queries.csv or Pages.csv from the same export, or a query+page export "
        "(Search Console API, Looker Studio or BigQuery).")


def not_text(first_bytes: bytes) -> AnalysisError:
    """Binary, zip or spreadsheet content."""
    return AnalysisError("The file is not a text export",
                         f"First bytes: {first_bytes[:16].hex(' ')}. Upload a CSV or TSV export "
                         f"(or a spreadsheet / zip through the upload, which converts it). "
                         f"Supported exports: {SUPPORTED_EXPORTS}.")


def undecodable(tried: list[str]) -> AnalysisError:
    """No encoding decodes the bytes."""
    return AnalysisError("Could not read the file encoding",
                         "Tried encodings: " + ", ".join(tried)
                         + ". Save the file as UTF-8 CSV and upload it again.")
