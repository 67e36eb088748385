"""Budget structure: where the money goes and where it comes from.

Social care shares of service spend (upper-tier councils only), council tax against
net revenue expenditure and core spending power, Band D and its growth, spending
power change, and the dedicated schools grant deficit.
"""

from __future__ import annotations

import pandas as pd

from .frame import View
from .inputs import NRE, RS, RSX, nre, outturn, upper_tier
from .ops import growth, latest, pick, ratio
from .registry import CONTEXT, RISKIER, SAFER, SCHOOLS, SOCIAL_CARE, feature

CTR, CSP, DSG = "CTR", "CSP", "DSG"
TSE = "total_service_expenditure"
SHARE_YEARS = "2011-12 to 2024-25 (RS; RSX for 2024-25); adult and children's lines from 2011-12"
UPPER = " Upper-tier councils (SC, UA, MD, L) only."


def _service_inputs(*lines: str) -> tuple[tuple[str, str], ...]:
    return tuple((source, line) for line in (*lines, TSE) for source in (RS, RSX))


@feature(
    name="adult_social_care_share",
    label="Adult social care, share of service spending",
    family="budget",
    definition="Adult social care net current expenditure as % of total service expenditure."
    + UPPER,
    unit="percent",
    direction=RISKIER,
    inputs=_service_inputs("adult_social_care_nce"),
    years=SHARE_YEARS,
    mechanism=SOCIAL_CARE,
)
def adult_social_care_share(view: View) -> pd.Series:
    return upper_tier(view, ratio(outturn(view, "adult_social_care_nce"), outturn(view, TSE)))


@feature(
    name="children_social_care_share",
    label="Children's social care, share of service spending",
    family="budget",
    definition="Children's social care net current expenditure as % of total service expenditure."
    + UPPER,
    unit="percent",
    direction=RISKIER,
    inputs=_service_inputs("children_social_care_nce"),
    years=SHARE_YEARS,
    mechanism=SOCIAL_CARE,
)
def children_social_care_share(view: View) -> pd.Series:
    return upper_tier(view, ratio(outturn(view, "children_social_care_nce"), outturn(view, TSE)))


@feature(
    name="social_care_share",
    label="Social care (adults and children), share of service spending",
    family="budget",
    definition="Social care (adults and children) net current expenditure as % of total service "
    "expenditure: the one social care line until 2010-11, the sum of the two after." + UPPER,
    unit="percent",
    direction=RISKIER,
    inputs=(
        (RS, "social_care_nce"),
        *_service_inputs("adult_social_care_nce", "children_social_care_nce"),
    ),
    years="2007-08 to 2024-25 (RS; RSX for 2024-25)",
    mechanism=SOCIAL_CARE,
)
def social_care_share(view: View) -> pd.Series:
    split = outturn(view, "adult_social_care_nce") + outturn(view, "children_social_care_nce")
    one_line = view.per_year(lambda part: part.year is not None and part.year <= "2010-11")
    spend = pick(one_line, view.get(RS, "social_care_nce"), split)
    return upper_tier(view, ratio(spend, outturn(view, TSE)))


@feature(
    name="council_tax_pct_nre",
    label="Council tax, % of net revenue spending",
    family="budget",
    definition="Council tax requirement as % of net revenue expenditure (both RS outturn): the share "
    "of spending the council funds itself rather than from grants and business rates.",
    unit="percent",
    direction=SAFER,
    inputs=((RS, "council_tax_requirement"), NRE),
    years="2007-08 to 2023-24 (RS outturn)",
)
def council_tax_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(RS, "council_tax_requirement"), nre(view))


@feature(
    name="grant_dependency_pct",
    label="Grant dependency, % of core spending power",
    family="budget",
    definition="Core spending power not raised as council tax, as % of core spending power: (core "
    "spending power − council tax requirement set for the year (CTR)) / core spending power.",
    unit="percent",
    direction=RISKIER,
    inputs=((CSP, "core_spending_power"), (CTR, "ct_requirement_ctr")),
    years="2016-17 to 2020-21 (core spending power held; CTR from 2015-16)",
)
def grant_dependency_pct(view: View) -> pd.Series:
    power = view.get(CSP, "core_spending_power")
    return ratio(power - view.get(CTR, "ct_requirement_ctr"), power)


@feature(
    name="band_d",
    label="Band D council tax",
    family="budget",
    definition="Average Band D council tax of the council itself (adult social care precept included, "
    "parish precepts excluded), £ per Band D dwelling; context, no direction.",
    unit="GBP",
    direction=CONTEXT,
    inputs=((CTR, "band_d"),),
    years="2015-16 to 2023-24 (CTR tables held)",
    model_input=False,
)
def band_d(view: View) -> pd.Series:
    return view.get(CTR, "band_d")


@feature(
    name="band_d_growth_1y_pct",
    label="Band D council tax rise on the year",
    family="budget",
    definition="Change in the council's Band D council tax from the previous year, %: rises at the "
    "referendum limit signal budget pressure.",
    unit="percent",
    direction=RISKIER,
    inputs=((CTR, "band_d"),),
    years="2016-17 to 2023-24 (two CTR years)",
    base="band_d",
)
def band_d_growth_1y_pct(view: View) -> pd.Series:
    return growth(view.get(CTR, "band_d"), view.get(CTR, "band_d", lag=1))


@feature(
    name="spending_power_change_pct",
    label="Change in core spending power in the settlement",
    family="budget",
    definition="Change in (core) spending power from the previous year as the settlement gives it, %: "
    "each settlement compares like with like, so years before and after the 2016-17 switch "
    "to core spending power are comparable as changes, not as levels.",
    unit="percent",
    direction=SAFER,
    inputs=((CSP, "spending_power_change"),),
    years="2011-12 to 2018-19 (the change table's years)",
)
def spending_power_change_pct(view: View) -> pd.Series:
    return view.get(CSP, "spending_power_change") * 100.0


@feature(
    name="dsg_deficit_pct",
    label="Schools grant (DSG) deficit, % of the allocation",
    family="budget",
    definition="Dedicated schools grant balance carried forward as % of the year's allocation, "
    "positive = deficit (DfE analysts' derivation); the latest of the as-of year and the "
    "one before published by the as-of date." + UPPER,
    unit="percent",
    direction=RISKIER,
    inputs=((DSG, "dsg_deficit_pct"),),
    years="2020-21 to 2022-23: values for 2019-20 to 2021-22, each published about two years on",
    mechanism=SCHOOLS,
)
def dsg_deficit_pct(view: View) -> pd.Series:
    return upper_tier(view, latest(view.history(DSG, "dsg_deficit_pct"), window=2)[0])
