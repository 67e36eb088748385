"""Financial years (April to March) as the readers write them: "2019-20".

One place for the arithmetic and the parsing every reader needs: the year a date
falls in, the year starting or ending in a calendar year, its closing 31 March,
and a year code as publishers print it ("2019-20", "201920", "2019/20").
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from riskwatch.errors import RiskwatchError

_YEAR_CODE = re.compile(r"(20\d\d)\D?(\d\d)")


def financial_year_starting(start: int) -> str:
    """The financial year starting in April of `start` (2019 -> "2019-20")."""
    return f"{start}-{(start + 1) % 100:02d}"


def financial_year_ending(end: int) -> str:
    """The financial year ending in March of `end` (2025 -> "2024-25")."""
    return financial_year_starting(end - 1)


def financial_year_of(day: date | pd.Timestamp | str) -> str:
    """The financial year containing a date (31 March 2019 -> "2018-19")."""
    stamp = pd.Timestamp(day) if isinstance(day, str) else day
    return financial_year_starting(stamp.year if stamp.month >= 4 else stamp.year - 1)


def year_end(year: str) -> str:
    """31 March at the end of a financial year, ISO."""
    return f"{int(year[:4]) + 1}-03-31"


def parse_financial_year(text: str, *, file: str, row: int, field: str) -> str:
    """'2019-20' from '2019-20', '201920' or '2019/20'; anything else is an error."""
    match = _YEAR_CODE.fullmatch(text)
    if not match or int(match.group(2)) != (int(match.group(1)) + 1) % 100:
        raise RiskwatchError(f"not a financial year: '{text}'", file=file, row=row, field=field)
    return f"{match.group(1)}-{match.group(2)}"
