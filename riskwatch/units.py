"""How a value reads in its catalogue unit: 47.7%, -£64.6m, +4.5 pts, 2.5 years.

One place for the wording of numbers, shared by reasons, explanations and `data check`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


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


def format_change(change: float, unit: str = "") -> str:
    """A change in a feature's value: points for percentages, else in the feature's unit."""
    special = _special(change)
    if special:
        return special
    if unit in ("percent", "points", "percentile"):
        return f"{change:+.1f} pts"
    if unit == "GBP_thousand":
        return ("+" if change >= 0 else "") + pounds_from_thousands(change)
    if unit == "GBP":
        return _signed_pounds(change, "+")
    return f"{change:+.3g}"


def pounds_from_thousands(value: float) -> str:
    """A £ thousand figure as a reader says it: £64.6m, -£64.6m, -£9k under £0.1m."""
    sign = "-" if value < 0 else ""
    if abs(value) < 100:
        return f"{sign}£{abs(value):,.0f}k"
    return f"{sign}£{abs(value) / 1e3:,.1f}m"


def _signed_pounds(value: float, plus: str) -> str:
    return f"{'-' if value < 0 else plus}£{abs(value):,.0f}"


def _special(value: float) -> str | None:
    """'missing' or 'unbounded' where a value has no number to print."""
    if value is None or pd.isna(value):
        return "missing"
    if np.isinf(value):
        return "unbounded"
    return None
