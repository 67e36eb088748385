"""Inputs several families share: net revenue expenditure, reserve levels, service spend."""

from __future__ import annotations

import pandas as pd

from riskwatch.data.sources.revenue_lines import OTHER_TOTAL_RESERVE_KINDS

from .frame import View
from .ops import pick

RS, RA, RSX, COR = "RS", "RA", "RSX", "COR"
NRE = (RS, "net_revenue_expenditure")
ADJUSTED_FROM = "2021-22"  # first RS year printing earmarked reserves net of COVID rate relief
UPPER_TIER = ("SC", "UA", "MD", "L")


# A net revenue expenditure below this share of the council's own net service spending
# of the year is not a size to measure against: spending capitalised under Exceptional
# Financial Support is netted off it (Woking's 2024-25 is negative, its 2011-12 £1.3m
# against £15.5m of services). Ratios then take the last valid figure, this many years back
# at most.
NEAR_ZERO_SHARE = 0.25
DENOMINATOR_LOOKBACK = 3


def nre(view: View, lag: int = 0) -> pd.Series:
    """Outturn net revenue expenditure (RS line 805), £: the ratios' denominator. Where the
    year's figure is negative or near zero (`valid_nre`), the council's last valid figure of
    up to DENOMINATOR_LOOKBACK years before, so that a ratio neither explodes nor vanishes
    (missing would read as safe); `nre_years_back` says how far back it was taken."""
    return _denominator(view, lag)[0]


def nre_years_back(view: View, lag: int = 0) -> pd.Series:
    """How many years before the view's year the ratios' denominator was taken (0: its own
    year; NaN: no valid figure within the look-back)."""
    return _denominator(view, lag)[1]


def valid_nre(view: View, lag: int = 0) -> pd.Series:
    """The year's net revenue expenditure where it is positive and at least NEAR_ZERO_SHARE
    of the year's net service spending (where known); NaN otherwise."""
    spending = view.get(*NRE, lag)
    services = view.get(RS, "total_service_expenditure", lag)
    meaningful = (spending > 0) & ~(spending < NEAR_ZERO_SHARE * services)
    return pick(meaningful, spending)


def _denominator(view: View, lag: int) -> tuple[pd.Series, pd.Series]:
    """The denominator and its years back, worked out once per view and year (every ratio
    feature reads it)."""
    return view.derived("denominator", lag, lambda: _find_denominator(view, lag))


def _find_denominator(view: View, lag: int) -> tuple[pd.Series, pd.Series]:
    value = valid_nre(view, lag)
    years_back = pick(value.notna(), pd.Series(0.0, index=view.index))
    for back in range(1, DENOMINATOR_LOOKBACK + 1):
        missing = value.isna()
        if not missing.any():
            break
        earlier = valid_nre(view, lag + back)
        value = pick(~missing, value, earlier)
        years_back = pick(~(missing & earlier.notna()), years_back, float(back))
    return value, years_back


def earmarked_indicator(year: str | None, date: str) -> str:
    """The earmarked reserves line used for a year: adjusted for COVID relief from 2021-22."""
    adjusted = year is not None and year >= ADJUSTED_FROM
    return f"reserves_earmarked{'_adjusted' if adjusted else ''}_{date}"


def earmarked(view: View, date: str = "close", lag: int = 0) -> pd.Series:
    """Other earmarked reserves at 31 March ('close') or 1 April ('open') of the year."""
    return view.get(RS, lambda year: earmarked_indicator(year, date), lag)


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


# Reserve levels at 31 March summed into the total (RS lines 911 to 916; see
# OTHER_TOTAL_RESERVE_KINDS for the lines that count as 0 where a form lacks them).
TOTAL_RESERVE_INPUTS = tuple(
    (RS, f"reserves_{kind}_close")
    for kind in (*OTHER_TOTAL_RESERVE_KINDS, "earmarked", "unallocated")
)


def total_reserves(view: View, lag: int = 0) -> pd.Series:
    """All revenue reserve levels at 31 March (RS lines 911 to 916 summed, £): schools, DSG
    (negative where a schools deficit is held), public health, earmarked and unallocated.
    It nets the schools (DSG) deficit."""
    main = view.get(RS, "reserves_earmarked_close", lag) + unallocated(view, "close", lag)
    others = sum(
        view.get(RS, f"reserves_{kind}_close", lag).fillna(0.0)
        for kind in OTHER_TOTAL_RESERVE_KINDS
    )
    return main + others


def schools_deficit(view: View, lag: int = 0) -> pd.Series:
    """The schools (DSG) deficit at 31 March, £ (0 where none): minus the DSG adjustment
    account (line 912, from 2022-23) and DSG reserves (line 913) where they are negative."""
    adjustment = view.get(RS, "reserves_dsg_adjustment_close", lag)
    reserves = view.get(RS, "reserves_dsg_close", lag)
    balance = adjustment.fillna(0.0) + reserves
    return pick(reserves.notna(), (-balance).clip(lower=0.0))


def mrp(view: View, lag: int = 0) -> pd.Series:
    """Minimum revenue provision, £: RS line 773, or COR's MRP for a year without an RS
    return (2024-25, compiled). The two agree in median (ratio 1.0 over 2019-20..2023-24)."""
    from_rs = view.state(RS, "mrp", lag).notna()
    return pick(from_rs, view.get(RS, "mrp", lag), view.get(COR, "mrp", lag))


def outturn(view: View, indicator: str) -> pd.Series:
    """A service line from RS, or from RSX for councils with no RS row that year; RSX first
    where RS is read at an earlier year than RSX (its latest return carried, as in 2024-25)."""
    rs_first = view.per_year(lambda part: part.year_of(RS) == part.year_of(RSX))
    rs, rsx = view.get(RS, indicator), view.get(RSX, indicator)
    from_rs = pick(view.state(RS, indicator).notna(), rs, rsx)
    from_rsx = pick(view.state(RSX, indicator).notna(), rsx, rs)
    return pick(rs_first, from_rs, from_rsx)


def upper_tier(view: View, values: pd.Series) -> pd.Series:
    """Values kept for upper-tier councils (social care authorities) only."""
    return pick(view.classes.isin(UPPER_TIER), values)
