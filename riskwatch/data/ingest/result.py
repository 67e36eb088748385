"""What ingesting one file reports, and the financial years an ingest accepts.

Shared by the two families `data ingest` reads: MHCLG's revenue releases (ingest.py)
and the compiled CSVs (ingest_compiled.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from riskwatch.data.years import financial_year_of

FIRST_YEAR = "2007-08"


@dataclass(frozen=True)
class IngestResult:
    path: Path
    status: str  # "added", "already ingested", "same values as an earlier release"
    form: str  # RS, RA, RSX, or "compiled <layout>"
    financial_year: str  # one year, or "first to last" for a compiled file of several
    vintage: str | None
    rows: int  # panel rows stored by this ingest
    council_values: int  # council values the file holds (stored, or already held)
    published: str | None = None  # the date a stored revenue release is taken as public


def latest_possible_year() -> str:
    """The financial year running today: no release can be for a later one."""
    return financial_year_of(date.today())
