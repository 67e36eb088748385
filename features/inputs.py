"""Inputs several families share: net revenue expenditure, reserve levels, service spend."""

from __future__ import annotations

import pandas as pd

from .frame import View

RS, RA, RSX = "RS", "RA", "RSX"
NRE = (RS, "net_revenue_expenditure")
ADJUSTED_FROM = "2021-22"  # first RS year printing earmarked reserves net of COVID rate relief
UPPER_TIER = ("SC", "UA", "MD", "L")


def nre(view: View, lag: int = 0) -> pd.Series:
    """Outturn net revenue expenditure (RS line 805), £: the ratios' denominator."""
    return view.get(*NRE, lag)


def earmarked_indicator(year: str | None, date: str) -> str:
    """The earmarked reserves line used for a year: adjusted for COVID relief from 2021-22."""
    adjusted = year is not None and year >= ADJUSTED_FROM
    return f"reserves_earmarked{'_adjusted' if adjusted else ''}_{date}"


def earmarked(view: View, date: str = "close", lag: int = 0) -> pd.Series:
    """Other earmarked reserves at 31 March ('close') or 1 April ('open') of the year."""
    return view.get(RS, earmarked_indicator(view.year_at(lag), date), lag)


def unallocated(view: View, date: str = "close", lag: int = 0) -> pd.Series:
    return view.get(RS, f"reserves_unallocated_{date}", lag)


def usable(view: View, date: str = "close", lag: int = 0) -> pd.Series:
    """Usable reserves: earmarked (adjusted from 2021-22) plus unallocated, as one return gives."""
    return earmarked(view, date, lag) + unallocated(view, date, lag)


def reserve_inputs(date: str) -> tuple[tuple[str, str], ...]:
    return (
        (RS, f"reserves_earmarked_{date}"),
        (RS, f"reserves_earmarked_adjusted_{date}"),
        (RS, f"reserves_unallocated_{date}"),
    )


def outturn(view: View, indicator: str) -> pd.Series:
    """A service line from RS, or from RSX for councils with no RS row that year (2024-25)."""
    from_rs = view.state(RS, indicator).notna()
    return view.get(RS, indicator).where(from_rs, view.get(RSX, indicator))


def upper_tier(view: View, values: pd.Series) -> pd.Series:
    """Values kept for upper-tier councils (social care authorities) only."""
    return values.where(view.classes.isin(UPPER_TIER))
