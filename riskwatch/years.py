"""Financial years (April to March) as the readers write them: "2019-20".

One place for the arithmetic and the parsing every reader needs: the year a date
falls in, the year starting or ending in a calendar year, its closing 31 March,
a year code as publishers print it ("2019-20", "201920", "2019/20"), the years a
title or file name states, and the check of a year written as riskwatch writes it.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

import pandas as pd

from riskwatch.errors import RiskwatchError

# What may join a year's two halves, as a regex; each caller names the forms it accepts.
WRITTEN = "-"  # "2019-20", as riskwatch, its configs and events.csv write a year
ANY_ONE = r"\D?"  # a year code: "2019-20", "2019/20", "201920"
SPACED = r"\s*[-/–]\s*"  # in a workbook's cells: "2019-20", "2019/20", "2019 – 20"
CODE = r"[-_/]?"  # in a release title or file name: "2019-20", "rs2019_20", "ra201920"


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
    year = _as_year(_year_code(ANY_ONE).fullmatch(text))
    if year is None:
        raise RiskwatchError(f"not a financial year: '{text}'", file=file, row=row, field=field)
    return year


def is_financial_year(text: str) -> bool:
    """Whether `text` is a year as riskwatch writes it: '2019-20' (2019-21 is not)."""
    return _as_year(_year_code(WRITTEN).fullmatch(text)) is not None


def financial_years_in(text: str, joiner: str = SPACED) -> list[str]:
    """The financial years written in free text, in order, as '2019-20'.

    `joiner` is what may join the halves (`SPACED`, `FILE_NAME`, ...). A year
    needs its halves consecutive and no digit either side: '2019-2020' and
    '12019-20' are none, '2018-19 and 2019/20' are two.
    """
    found = (_as_year(m) for m in _year_code(joiner, in_text=True).finditer(text))
    return [year for year in found if year is not None]


@cache
def _year_code(joiner: str, in_text: bool = False) -> re.Pattern[str]:
    code = rf"(20\d\d){joiner}(\d\d)"
    return re.compile(rf"(?<!\d){code}(?!\d)" if in_text else code)


def _as_year(match: re.Match[str] | None) -> str | None:
    """The matched year as '2019-20', or None where its halves are not consecutive."""
    if match is None or int(match.group(2)) != (int(match.group(1)) + 1) % 100:
        return None
    return f"{match.group(1)}-{match.group(2)}"
