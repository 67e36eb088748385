"""How a value reads in its catalogue unit: 47.7%, -£64.6m, 2.5 years; a change: up 4.5 points.

One place for the wording of numbers, shared by reasons, explanations and `data check`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Units whose changes are not worded: 0/1 flags, peer-relative values, and changes already.
NOT_LEVELS = ("flag", "percentile", "robust_z", "points", "points_per_year")


def format_value(value: float, unit: str = "") -> str:
    """A feature value in its catalogue unit, as a reviewer reads it (47.7%, £12.3m, 2.5 years)."""
    special = _special(value)
    if special:
        return special
    if unit == "percent":
        return f"{value:,.1f}%"
    if unit == "GBP_thousand":
        return pounds_from_thousands(value)
    if unit == "GBP":
        return _signed_pounds(value, "")
    if unit == "years":
        return f"{value:.1f} years"
    if unit == "count":
        return f"{value:.0f}"
    if unit == "months":
        return f"{value:.0f} months"
    if unit == "flag":
        return "yes" if value >= 0.5 else "no"
    if unit in ("points", "points_per_year"):
        return f"{value:+.1f} pts" + (" a year" if unit == "points_per_year" else "")
    if unit == "percentile":
        return f"{value:.0f} of 100"
    return f"{value:.3g}"


def file_size(size: int) -> str:
    """A file's size in MB (binary): whole above 10 MB (32 MB), one decimal below (0.2 MB)."""
    megabytes = size / 2**20
    return f"{megabytes:,.0f} MB" if megabytes >= 10 else f"{megabytes:,.1f} MB"


def change_words(change: float, unit: str, years: int) -> str:
    """A change in a level as a reviewer says it: 'up 12 points in 3 years', 'down £4.5m over
    the year', 'unchanged in 3 years'; '' where there is none to say (no value, a 0/1 flag).
    Only levels are worded: a change of a percentile is not points of anything."""
    if change is None or pd.isna(change) or np.isinf(change) or unit in NOT_LEVELS:
        return ""
    span = "over the year" if years == 1 else f"in {years} years"
    size = abs(change)
    if unit == "percent":
        amount = f"{size:.0f} points" if size >= 10 else f"{size:.1f} points"
    elif unit == "GBP_thousand":
        amount = pounds_from_thousands(size)
    elif unit == "GBP":
        amount = _signed_pounds(size, "")
    elif unit == "years":
        amount = f"{size:.1f} years"
    else:
        amount = f"{size:.2g}"
    if not any(digit in amount for digit in "123456789"):
        return f"unchanged {span}"
    return f"{'up' if change > 0 else 'down'} {amount} {span}"


def break_words(spans: tuple[int, ...], why: str) -> str:
    """Why a change is not given, said once for every span it blanks: 'no 3-year change: the
    earmarked line was redefined in 2021-22', 'no change over the year: ...', 'no 3-year or
    1-year change: ...'."""
    if spans == (1,):
        return f"no change over the year: {why}"
    return f"no {' or '.join(f'{years}-year' for years in spans)} change: {why}"


def pounds_from_thousands(value: float) -> str:
    """A £ thousand figure as a reader says it: £64.6m, -£64.6m, -£9k under £0.1m."""
    sign = "-" if value < 0 else ""
    if abs(value) < 100:
        return f"{sign}£{abs(value):,.0f}k"
    return f"{sign}£{abs(value) / 1e3:,.1f}m"


def pounds_or_na(value: float) -> str:
    """A £ figure as a reader says it (`pounds_from_thousands`), 'n/a' where there is none."""
    return "n/a" if value != value else pounds_from_thousands(value / 1e3)


def _signed_pounds(value: float, plus: str) -> str:
    return f"{'-' if value < 0 else plus}£{abs(value):,.0f}"


def _special(value: float) -> str | None:
    """'missing' or 'unbounded' where a value has no number to print."""
    if value is None or pd.isna(value):
        return "missing"
    if np.isinf(value):
        return "unbounded"
    return None


def percent_or_na(value: float) -> str:
    """A percentage to one decimal, 'n/a' where there is no value."""
    return "n/a" if value != value else f"{value:.1f}%"


def headroom_words(multiple: float) -> str:
    """A stress headroom, the multiple of the shock that takes reserves below a line:
    'no gap' where the scenario takes nothing, 'below now' where they are below it already."""
    if multiple != multiple:
        return "no gap"
    return "below now" if multiple == 0 else f"x{multiple:.2f}"
