"""How old the figures behind a feature are, for reasons to say so.

A scored year can read an outturn return of the year before (RS 2023-24 for 2024-25, until
RS 2024-25 is held: `frame.carried_sources`), and a ratio can divide by an earlier year's
net revenue spending where the year's own is negative or near zero (`inputs.nre`). These
context columns record both per council, so a reason names the date of a figure that is
not the scored year's. They are never model inputs.
"""

from __future__ import annotations

import pandas as pd

from .frame import View
from .inputs import NRE, RS, nre_years_back
from .registry import CONTEXT, feature


@feature(
    name="revenue_outturn_years_back",
    label="Years back of the revenue outturn (RS) read",
    family="returns",
    definition="0 where the year's revenue outturn summary (RS) is held; 1 where it is not yet and the "
    "year before's is read as the latest outturn published.",
    unit="years",
    direction=CONTEXT,
    inputs=(NRE,),
    years="every year",
    model_input=False,
)
def revenue_outturn_years_back(view: View) -> pd.Series:
    return pd.Series(view.per_year(lambda part: float(part.carried.get(RS, 0))), index=view.index)


@feature(
    name="nre_denominator_years_back",
    label="Years back of the net revenue spending ratios divide by",
    family="returns",
    definition="0 where the outturn net revenue expenditure read is a meaningful size; otherwise how "
    "many years before it the council's last valid figure was taken (negative or near zero: "
    "below a quarter of its net service spending, as where spending capitalised under "
    "Exceptional Financial Support is netted off).",
    unit="years",
    direction=CONTEXT,
    inputs=(NRE, (RS, "total_service_expenditure")),
    years="2007-08 to 2024-25 (RS outturn)",
    model_input=False,
)
def nre_denominator_years_back(view: View) -> pd.Series:
    return nre_years_back(view)
