"""Reserves: levels, cover, change, runway, and budgeted against outturn drawdown.

The CIPFA Financial Resilience Index family. Levels are the 31 March (closing) level of
the year from the revenue outturn (RS); a missing return gives NaN, never the next
year's opening level. From 2021-22 earmarked reserves are the adjusted line (COVID
business-rate relief grants held for timing removed), on both dates of the return.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frame import View
from .inputs import (
    NRE,
    RA,
    RS,
    TOTAL_RESERVE_INPUTS,
    earmarked,
    nre,
    reserve_inputs,
    schools_deficit,
    total_reserves,
    unallocated,
    usable,
)
from .ops import growth, pick, ratio
from .registry import CONTEXT, RISKIER, SAFER, SCHOOLS, feature

RUNWAY_CAP_YEARS = 100.0  # CIPFA's reserves sustainability measure caps at 100 years
# A draw on usable reserves is capped at ten times what is left: beyond that (or with
# nothing left) the size says no more, and a missing value would read as safe.
DRAW_CAP_PCT = 1_000.0
CLOSE = reserve_inputs("close")
BOTH = reserve_inputs("open") + CLOSE
RS_YEARS = (
    "2007-08 to 2023-24 (RS outturn); none for 2024-25, whose compiled RS measures give the "
    "total of reserve levels only, not the earmarked and unallocated lines"
)
EARMARKED_NOTE = " Earmarked reserves are the adjusted line from 2021-22."


@feature(
    name="usable_reserves",
    label="Usable reserves",
    family="reserves",
    definition="Usable reserves at 31 March: other earmarked plus unallocated (schools and public "
    "health reserves apart)." + EARMARKED_NOTE,
    unit="GBP_thousand",
    direction=SAFER,
    inputs=CLOSE,
    years=RS_YEARS,
    model_input=False,
    base="usable_reserves_pct_nre",
)
def usable_reserves(view: View) -> pd.Series:
    return usable(view) / 1e3


@feature(
    name="usable_reserves_pct_nre",
    label="Usable reserves, % of net revenue spending",
    family="reserves",
    definition="Usable reserves at 31 March as % of the year's net revenue expenditure (RS)."
    + EARMARKED_NOTE,
    unit="percent",
    direction=SAFER,
    inputs=(*CLOSE, NRE),
    years=RS_YEARS,
)
def usable_reserves_pct_nre(view: View) -> pd.Series:
    return ratio(usable(view), nre(view))


@feature(
    name="unallocated_reserves_pct_nre",
    label="General fund (unallocated) reserves, % of net revenue spending",
    family="reserves",
    definition="Unallocated (general fund) reserves at 31 March as % of net revenue expenditure.",
    unit="percent",
    direction=SAFER,
    inputs=((RS, "reserves_unallocated_close"), NRE),
    years=RS_YEARS,
)
def unallocated_reserves_pct_nre(view: View) -> pd.Series:
    return ratio(unallocated(view), nre(view))


@feature(
    name="earmarked_reserves_pct_nre",
    label="Earmarked reserves, % of net revenue spending",
    family="reserves",
    definition="Other earmarked reserves at 31 March as % of net revenue expenditure."
    + EARMARKED_NOTE,
    unit="percent",
    direction=SAFER,
    inputs=(*CLOSE[:2], NRE),
    years=RS_YEARS,
)
def earmarked_reserves_pct_nre(view: View) -> pd.Series:
    return ratio(earmarked(view), nre(view))


TOTAL_YEARS = (
    "2007-08 to 2024-25: RS lines to 2023-24, the compiled RS total for 2024-25 (public "
    "health from 2013-14, DSG lines from 2018-19)"
)
DSG_LINES = ((RS, "reserves_dsg_adjustment_close"), (RS, "reserves_dsg_close"))
DSG_YEARS = (
    "2018-19 to 2023-24: RS prints DSG reserves (line 913) from 2018-19 and the adjustment "
    "account (912) from 2022-23; the 2024-25 compiled total does not split them out"
)


@feature(
    name="total_reserves_pct_nre",
    label="Reserves net of the schools deficit, % of net revenue spending",
    family="reserves",
    definition="Every revenue reserve level at 31 March (RS lines 911 to 916 summed: schools, DSG, "
    "public health, earmarked as reported, unallocated) as % of net revenue expenditure. "
    "It nets the schools (DSG) deficit, so it is what is left if the statutory override "
    "ends; the one reserves measure 2024-25 has.",
    unit="percent",
    direction=SAFER,
    inputs=(*TOTAL_RESERVE_INPUTS, NRE),
    years=TOTAL_YEARS,
)
def total_reserves_pct_nre(view: View) -> pd.Series:
    return ratio(total_reserves(view), nre(view))


@feature(
    name="total_reserves_change_1y_pct",
    label="Change in reserves net of the schools deficit over the year",
    family="reserves",
    definition="Change in the total of reserve levels at 31 March (RS lines 911 to 916) against the "
    "previous 31 March, %: a fall is reserves spent (NaN where the earlier total is not "
    "positive, or where a line of the total was redefined in the year).",
    unit="percent",
    direction=SAFER,
    inputs=TOTAL_RESERVE_INPUTS,
    years=TOTAL_YEARS,
    base="total_reserves_pct_nre",
)
def total_reserves_change_1y_pct(view: View) -> pd.Series:
    change = growth(total_reserves(view), total_reserves(view, lag=1))
    return pick(~view.broken(TOTAL_RESERVE_INPUTS, 1), change)


@feature(
    name="schools_deficit_pct_nre",
    label="Schools (DSG) deficit, % of net revenue spending",
    family="reserves",
    definition="The dedicated schools grant deficit at 31 March (minus the DSG adjustment account and "
    "DSG reserves where negative; 0 where none) as % of net revenue expenditure: the SEND "
    "deficit the statutory override keeps off the general fund until April 2028.",
    unit="percent",
    direction=RISKIER,
    inputs=(*DSG_LINES, NRE),
    years=DSG_YEARS,
    mechanism=SCHOOLS,
)
def schools_deficit_pct_nre(view: View) -> pd.Series:
    return ratio(schools_deficit(view), nre(view))


@feature(
    name="usable_reserves_net_of_schools_deficit_pct_nre",
    label="Usable reserves less the schools deficit, % of net revenue spending",
    family="reserves",
    definition="Usable reserves (earmarked plus unallocated) at 31 March less the schools (DSG) "
    "deficit, as % of net revenue expenditure: what the general fund would hold if the "
    "override ended." + EARMARKED_NOTE,
    unit="percent",
    direction=SAFER,
    inputs=(*CLOSE, *DSG_LINES, NRE),
    years=DSG_YEARS,
)
def usable_reserves_net_of_schools_deficit_pct_nre(view: View) -> pd.Series:
    return ratio(usable(view) - schools_deficit(view), nre(view))


@feature(
    name="schools_reserves_pct_nre",
    label="Schools reserves, % of net revenue spending",
    family="reserves",
    definition="Schools reserves at 31 March as % of net revenue expenditure (ring-fenced to schools; "
    "negative where the dedicated schools grant is in deficit).",
    unit="percent",
    direction=SAFER,
    inputs=((RS, "reserves_schools_close"), NRE),
    years=RS_YEARS,
)
def schools_reserves_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(RS, "reserves_schools_close"), nre(view))


@feature(
    name="public_health_reserves_pct_nre",
    label="Public health reserves, % of net revenue spending",
    family="reserves",
    definition="Public health reserves at 31 March as % of net revenue expenditure (ring-fenced grant; "
    "context, no direction).",
    unit="percent",
    direction=CONTEXT,
    inputs=((RS, "reserves_public_health_close"), NRE),
    years="2013-14 to 2023-24: public health became a council duty in 2013-14",
)
def public_health_reserves_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(RS, "reserves_public_health_close"), nre(view))


@feature(
    name="usable_reserves_change_1y_pct",
    label="Change in usable reserves over the year",
    family="reserves",
    definition="Change in usable reserves over the year, %: 31 March against 1 April of the same "
    "return (one basis, so a restated opening level is not counted as a movement)."
    + EARMARKED_NOTE,
    unit="percent",
    direction=SAFER,
    inputs=BOTH,
    years=RS_YEARS + "; NaN where the opening level is not positive",
    base="usable_reserves_pct_nre",
)
def usable_reserves_change_1y_pct(view: View) -> pd.Series:
    return growth(usable(view), usable(view, "open"))


def three_year_draw(view: View) -> pd.Series:
    """Average yearly fall in usable reserves over years t-2..t (negative when they grew).

    1 April of year t-2 (as that year's return gives it) to 31 March of year t.
    """
    return (usable(view, "open", lag=2) - usable(view)) / 3.0


@feature(
    name="usable_reserves_change_3y_pct",
    label="Change in usable reserves over three years",
    family="reserves",
    definition="Change in usable reserves over three years, %: 31 March of year t against 1 April of "
    "year t-2 (from that year's return)." + EARMARKED_NOTE,
    unit="percent",
    direction=SAFER,
    inputs=BOTH,
    years="2009-10 to 2023-24 (needs the return two years before)",
    base="usable_reserves_pct_nre",
)
def usable_reserves_change_3y_pct(view: View) -> pd.Series:
    return growth(usable(view), usable(view, "open", lag=2))


def runway(view: View) -> pd.Series:
    """Years until usable reserves run out at the three-year average draw; inf if not falling."""
    draw, level = three_year_draw(view), usable(view)
    years = pd.Series(np.where(draw > 0, level.clip(lower=0) / draw, np.inf), index=view.index)
    return years.where(draw.notna() & level.notna())


@feature(
    name="reserves_runway_years",
    label="Reserves runway: years left at the recent rate of draw",
    family="reserves",
    definition="Reserves runway: usable reserves at 31 March divided by the average yearly draw over "
    "years t-2..t; +inf where reserves did not fall, 0 where none are left. Infinite "
    "values: use the capped version or the draw rate in models.",
    unit="years",
    direction=SAFER,
    inputs=BOTH,
    years="2009-10 to 2023-24 (three returns)",
    model_input=False,
)
def reserves_runway_years(view: View) -> pd.Series:
    return runway(view)


@feature(
    name="reserves_runway_years_capped",
    label="Reserves runway (capped at 100 years)",
    family="reserves",
    definition=f"Reserves runway capped at {RUNWAY_CAP_YEARS:.0f} years (CIPFA's cap for its reserves "
    "sustainability measure): finite for models, equal to the runway below the cap.",
    unit="years",
    direction=SAFER,
    inputs=BOTH,
    years="2009-10 to 2023-24 (three returns)",
    base="reserves_runway_years",
)
def reserves_runway_years_capped(view: View) -> pd.Series:
    return runway(view).clip(upper=RUNWAY_CAP_YEARS)


@feature(
    name="reserves_draw_pct",
    label="Yearly draw on usable reserves, % of what is left",
    family="reserves",
    definition="Average yearly draw on usable reserves over years t-2..t as % of usable reserves at "
    "31 March (the runway's reciprocal ×100; negative when reserves grew), capped at "
    f"{DRAW_CAP_PCT:,.0f}%: a council drawing with nothing left is at the cap, never missing "
    "(missing would read as safe).",
    unit="percent",
    direction=RISKIER,
    inputs=BOTH,
    years="2009-10 to 2024-25 (three returns); NaN where reserves grew with none left",
)
def reserves_draw_pct(view: View) -> pd.Series:
    draw, left = three_year_draw(view), usable(view)
    exhausted = (left <= 0) & (draw > 0)
    return ratio(draw, left).clip(upper=DRAW_CAP_PCT).mask(exhausted, DRAW_CAP_PCT)


APPROPRIATIONS = ("appropriation_earmarked_reserves", "appropriation_unallocated_reserves")
RA_YEARS = "2013-14 to 2021-22 (RA budgets held)"


def planned_draw(view: View, source: str) -> pd.Series:
    """Net appropriations from earmarked and unallocated reserves (positive = a draw)."""
    return -(view.get(source, APPROPRIATIONS[0]) + view.get(source, APPROPRIATIONS[1]))


@feature(
    name="budgeted_reserve_draw_pct_nre",
    label="Budgeted draw on reserves, % of net revenue spending",
    family="reserves",
    definition="Draw on earmarked and unallocated reserves the budget (RA) planned for the year, as % "
    "of outturn net revenue expenditure (RA stops printing its own NRE from 2018-19).",
    unit="percent",
    direction=RISKIER,
    inputs=((RA, APPROPRIATIONS[0]), (RA, APPROPRIATIONS[1]), NRE),
    years=RA_YEARS,
    compares="budget against outturn",
)
def budgeted_reserve_draw_pct_nre(view: View) -> pd.Series:
    return ratio(planned_draw(view, RA), nre(view))


@feature(
    name="reserve_draw_over_budget_pct_nre",
    label="Draw on reserves beyond the budget, % of net revenue spending",
    family="reserves",
    definition="Outturn (RS) draw on earmarked and unallocated reserves less the draw budgeted (RA), "
    "as % of net revenue expenditure: positive when the year used more reserves than planned.",
    unit="percent",
    direction=RISKIER,
    inputs=(
        (RS, APPROPRIATIONS[0]),
        (RS, APPROPRIATIONS[1]),
        (RA, APPROPRIATIONS[0]),
        (RA, APPROPRIATIONS[1]),
        NRE,
    ),
    years=RA_YEARS,
    compares="budget against outturn",
)
def reserve_draw_over_budget_pct_nre(view: View) -> pd.Series:
    return ratio(planned_draw(view, RS) - planned_draw(view, RA), nre(view))


@feature(
    name="missing_return_latest",
    label="Revenue outturn return not filed for the year",
    family="returns",
    definition="1 if the council's revenue outturn (RS) for the year is marked missing ([x]), 0 if "
    "filed: a missing return falls on councils in trouble.",
    unit="flag",
    direction=RISKIER,
    inputs=(NRE, (RS, "interest_payable")),
    years="2007-08 to 2024-25 (RS outturn; the compiled RS measures for 2024-25)",
)
def missing_return_latest(view: View) -> pd.Series:
    return return_missing(view)


@feature(
    name="missing_return_count",
    label="Years with no revenue outturn return filed",
    family="returns",
    definition="Number of years up to the as-of year whose revenue outturn (RS) the council did not "
    "file (marked [x]), over the years it was on the RS roster.",
    unit="count",
    direction=RISKIER,
    inputs=(NRE, (RS, "interest_payable")),
    years="2007-08 to 2024-25 (RS outturn; the compiled RS measures for 2024-25)",
)
def missing_return_count(view: View) -> pd.Series:
    missing = np.column_stack([return_missing(view, lag).to_numpy() for lag in range(view.depth)])
    on_roster = ~np.isnan(missing).all(axis=1)
    return pd.Series(np.where(on_roster, np.nansum(missing, axis=1), np.nan), index=view.index)


def return_missing(view: View, lag: int = 0) -> pd.Series:
    """1 where the year's RS return is marked missing ([x] under net revenue expenditure or
    external interest: the compiled 2024-25 table marks it under interest and prints
    #VALUE! under NRE), 0 where filed, NaN where the council is not on the RS roster."""
    states = np.column_stack(
        [view.state(*NRE, lag).to_numpy(), view.state(RS, "interest_payable", lag).to_numpy()]
    )
    missing = (states == 0).any(axis=1).astype(float)
    return pd.Series(np.where(~np.isnan(states).all(axis=1), missing, np.nan), index=view.index)
