"""Housing: temporary accommodation, the homelessness pressure behind the councils of 2024-26.

From MHCLG's quarterly H-CLIC tables (TA1, households in temporary accommodation at
each quarter's end, from June 2018) and the RO4 housing revenue outturn (2024-25 only).
A quarter's figures count once published (about six months after the quarter, later
where the release says so); of the quarters of the as-of year published by the as-of
date, the latest is used (normally the March quarter). Only housing authorities
(districts, unitaries, metropolitan and London boroughs) have the homelessness duty:
county councils (class SC) hold no such figures and stay NaN, never 0.
"""

from __future__ import annotations

import pandas as pd

from .frame import View
from .inputs import NRE, RS, RSX, nre, outturn
from .ops import growth, pick, ratio
from .registry import RISKIER, feature

HCLIC, RO4 = "HCLIC", "RO4"
TA_TOTAL = (HCLIC, "ta_households_total")
HOUSEHOLDS = (HCLIC, "households_in_area")
NIGHTLY_PAID = (HCLIC, "ta_nightly_paid")
BED_AND_BREAKFAST = (HCLIC, "ta_bed_and_breakfast")
RO4_TA_NET = tuple(
    (RO4, line) for line in ("ta_nightly_paid_net", "ta_hostels_net", "ta_bed_and_breakfast_net")
)
NO_DUTY = "SC"
COUNTIES = " County councils have no housing duty: NaN, not 0."
TA_YEARS = (
    "2019-20 on, housing authorities: the first H-CLIC quarters (June 2018 to March 2019) "
    "were published in the December 2019 revision, after the 2018-19 as-of date." + COUNTIES
)


def housing_authorities(view: View, values: pd.Series) -> pd.Series:
    """Values kept for housing authorities only (every class but the county councils)."""
    return pick(view.classes != NO_DUTY, values)


def ta_per_1000(view: View, lag: int = 0) -> pd.Series:
    """Households in temporary accommodation per 1,000 households in the area."""
    return ratio(view.get(*TA_TOTAL, lag), view.get(*HOUSEHOLDS, lag), scale=1.0)


@feature(
    name="ta_per_1000_households",
    label="Households in temporary accommodation per 1,000 households",
    family="housing",
    definition="Households in temporary accommodation at the end of the latest quarter of the as-of "
    "year published by the as-of date (H-CLIC TA1), per 1,000 households in the area (the "
    "household projection TA1 prints)." + COUNTIES,
    unit="per_1000_households",
    direction=RISKIER,
    inputs=(TA_TOTAL, HOUSEHOLDS),
    years=TA_YEARS,
)
def ta_per_1000_households(view: View) -> pd.Series:
    return housing_authorities(view, ta_per_1000(view))


@feature(
    name="ta_growth_1y_pct",
    label="Growth in households in temporary accommodation per 1,000 households over the year",
    family="housing",
    definition="Change in households in temporary accommodation per 1,000 households, %: the latest "
    "quarter of the as-of year published by the as-of date against the latest quarter of "
    "the year before (normally March against March)." + COUNTIES,
    unit="percent",
    direction=RISKIER,
    inputs=(TA_TOTAL, HOUSEHOLDS),
    years="2019-20 on (needs the year before too; 2018-19 quarters exist as revised in "
    "December 2019)." + COUNTIES,
    base="ta_per_1000_households",
)
def ta_growth_1y_pct(view: View) -> pd.Series:
    return housing_authorities(view, growth(ta_per_1000(view), ta_per_1000(view, lag=1)))


@feature(
    name="ta_nightly_paid_bb_share",
    label="Temporary accommodation in nightly-paid and B&B places, share",
    family="housing",
    definition="Households in nightly paid, privately managed self-contained accommodation plus bed "
    "and breakfast hotels as % of all households in temporary accommodation (H-CLIC TA1, "
    "the quarter used for the rate): the placements councils pay for by the night." + COUNTIES,
    unit="percent",
    direction=RISKIER,
    inputs=(NIGHTLY_PAID, BED_AND_BREAKFAST, TA_TOTAL),
    years=TA_YEARS,
)
def ta_nightly_paid_bb_share(view: View) -> pd.Series:
    costly = view.get(*NIGHTLY_PAID) + view.get(*BED_AND_BREAKFAST)
    return housing_authorities(view, ratio(costly, view.get(*TA_TOTAL)))


@feature(
    name="ta_spending_pct_nre",
    label="Temporary accommodation spending, % of net revenue spending",
    family="housing",
    definition="Net expenditure on nightly paid temporary accommodation, hostels and bed and "
    "breakfast (RO4 housing services outturn) as % of net revenue expenditure (the compiled "
    "RS figure for 2024-25)." + COUNTIES,
    unit="percent",
    direction=RISKIER,
    inputs=(*RO4_TA_NET, NRE),
    years="2024-25 only (the one RO4 year held, first published 18 September 2025)." + COUNTIES,
)
def ta_spending_pct_nre(view: View) -> pd.Series:
    spend = sum(view.get(*line) for line in RO4_TA_NET)
    return housing_authorities(view, ratio(spend, nre(view)))


HOUSING_SERVICES = "housing_gfra_nce"
HOUSING_YEARS = "2007-08 to 2024-25 (RS service line 490; RSX for 2024-25)." + COUNTIES


def housing_services_spending(view: View, lag: int = 0) -> pd.Series:
    """Net current expenditure on general fund housing services (RS line 490; RSX 2024-25)."""
    return outturn(view.shift(lag), HOUSING_SERVICES)


@feature(
    name="housing_services_pct_nre",
    label="General fund housing services spending, % of net revenue spending",
    family="housing",
    definition="Net current expenditure on housing services (general fund, not the housing revenue "
    "account: homelessness and temporary accommodation sit here) as % of net revenue "
    "expenditure." + COUNTIES,
    unit="percent",
    direction=RISKIER,
    inputs=((RS, HOUSING_SERVICES), (RSX, HOUSING_SERVICES), NRE),
    years=HOUSING_YEARS,
)
def housing_services_pct_nre(view: View) -> pd.Series:
    return housing_authorities(view, ratio(housing_services_spending(view), nre(view)))


@feature(
    name="housing_services_growth_1y_pct",
    label="Growth in general fund housing services spending over the year",
    family="housing",
    definition="Change in net current expenditure on general fund housing services against the year "
    "before, % (NaN where the earlier year's spending is not positive)." + COUNTIES,
    unit="percent",
    direction=RISKIER,
    inputs=((RS, HOUSING_SERVICES), (RSX, HOUSING_SERVICES)),
    years="2008-09 to 2024-25 (needs the year before)." + COUNTIES,
    base="housing_services_pct_nre",
)
def housing_services_growth_1y_pct(view: View) -> pd.Series:
    now, before = housing_services_spending(view), housing_services_spending(view, lag=1)
    return housing_authorities(view, growth(now, before))
