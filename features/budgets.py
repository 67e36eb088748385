"""Budget figures read as budgets: what a council planned for a year, against its last outturn.

RA returns state what a council budgets before its year starts; they are never stand-ins
for outturn (RS). Each feature here reads RA for the view's year, alone or against the
latest RS outturn of an earlier year. They are shown, not scored (`model_input=False`):
RA's net revenue expenditure is held for 2013-14 to 2017-18 and 2024-25 only, too few
years for a model to learn from. The ratios' denominator (`nre_years_back`) is here too:
how far back the net revenue spending a ratio divides by was taken.
"""

from __future__ import annotations

import pandas as pd

from .frame import View
from .inputs import NRE, RA, RS
from .ops import growth, pick, ratio
from .registry import CONTEXT, DEBT, RISKIER, feature

BUDGET_NRE = (RA, "net_revenue_expenditure")
BUDGET_INTEREST = (RA, "interest_payable")
BUDGET_YEARS = "2013-14 to 2017-18 and 2024-25 (RA budgets holding line 905)"


def last_outturn(view: View, source: str, indicator: str) -> pd.Series:
    """An RS outturn line of the latest year before the view's year (the last outturn a
    budget for the view's year can be set against)."""
    carried = view.per_year(lambda part: part.carried.get(source, 0) == 1)
    return pick(carried, view.get(source, indicator), view.get(source, indicator, lag=1))


@feature(
    name="budgeted_spending_growth_pct",
    label="Budgeted net revenue spending against the last outturn",
    family="budget",
    definition="Net revenue expenditure budgeted for the year (RA line 905) against the council's "
    "outturn net revenue expenditure of the year before (RS line 805), % change.",
    unit="percent",
    direction=CONTEXT,
    inputs=(BUDGET_NRE, NRE),
    years=BUDGET_YEARS,
    model_input=False,
    compares="budget against outturn",
)
def budgeted_spending_growth_pct(view: View) -> pd.Series:
    return growth(view.get(*BUDGET_NRE), last_outturn(view, *NRE))


@feature(
    name="budgeted_interest_pct_budgeted_nre",
    label="Budgeted interest, % of budgeted net revenue spending",
    family="budget",
    definition="Interest payable budgeted for the year (RA line 881) as % of the net revenue "
    "expenditure budgeted for it (RA line 905): both budget figures of one return.",
    unit="percent",
    direction=RISKIER,
    inputs=(BUDGET_INTEREST, BUDGET_NRE),
    years=BUDGET_YEARS,
    model_input=False,
    mechanism=DEBT,
)
def budgeted_interest_pct_budgeted_nre(view: View) -> pd.Series:
    return ratio(view.get(*BUDGET_INTEREST), view.get(*BUDGET_NRE))


@feature(
    name="budgeted_interest_growth_pct",
    label="Budgeted interest against the last outturn",
    family="budget",
    definition="Interest payable budgeted for the year (RA line 881) against the council's outturn "
    "interest payable of the year before (RS line 781), % change.",
    unit="percent",
    direction=RISKIER,
    inputs=(BUDGET_INTEREST, (RS, "interest_payable")),
    years="2013-14 to 2021-22 and 2024-25 (RA budgets)",
    model_input=False,
    mechanism=DEBT,
    compares="budget against outturn",
)
def budgeted_interest_growth_pct(view: View) -> pd.Series:
    return growth(view.get(*BUDGET_INTEREST), last_outturn(view, RS, "interest_payable"))
