"""Debt and financing: the mechanism behind Woking, Thurrock, Slough and Croydon.

Capital financing requirement and external debt from the capital outturn (COR),
outstanding borrowing by lender from the borrowing and investment live tables (BI:
the stock at the latest date published by the as-of date within the as-of year or the
one before, normally a 31 March; the live tables appear months after their date), financing
costs from the revenue outturn (RS), core spending power (CSP) and trading accounts
(CAC). Debt is compared with net revenue expenditure (RS) and core spending power. The
latest dated borrowing positions, which can postdate the as-of year, are debt_positions'.
"""

from __future__ import annotations

import pandas as pd

from .frame import View
from .inputs import NRE, RS, mrp, nre
from .ops import growth, latest, pick, ratio, value_at_lag
from .registry import INCOME, RISKIER, SAFER, feature

COR, BI, CSP, CAC = "COR", "BI", "CSP", "CAC"
CFR = ((COR, "cfr_open"), (COR, "cfr_close"))
GED = ((COR, "gross_external_debt_open"), (COR, "gross_external_debt_close"))
BORROWING = (BI, "borrowing_total")
CORE_SP = (CSP, "core_spending_power")
COR_YEARS = (
    "2010-11 to 2024-25 but 2013-14: each COR year seen once published (2008-09 in "
    "September 2010, 2009-10 in January 2011, 2013-14 in March 2015: after those years' "
    "as-of dates); MHCLG's COR workbooks to 2018-19, the compiled COR C figures 2019-20 to "
    "2024-25"
)
DEBT_YEARS = (
    "2017-18 to 2024-25: COR prints gross external debt from 2017-18 (compiled from 2019-20)"
)
BI_YEARS = (
    "2016-17 to 2024-25: the BI workbooks held (31 March 2009 to 31 March 2020) were first "
    "published in 2017, so earlier as-of years cannot have seen them; 31 March 2020 to 2025 "
    "from the compiled returns"
)
LENDER_YEARS = (
    "2016-17 to 2020-21: the BI workbooks break borrowing down by lender to 31 March 2020; "
    "the compiled returns give only the total and short-term loans for 31 March 2021 to "
    "2025, so later years have no value"
)
BI_WINDOW = 2


def opening(view: View, stock: tuple[tuple[str, str], tuple[str, str]], lag: int = 0) -> pd.Series:
    """A stock at 1 April of year t - lag: the return's own opening figure, or the previous
    31 March where the return gives only closing figures (the compiled years)."""
    stated = view.get(*stock[0], lag)
    return pick(stated.notna(), stated, view.get(*stock[1], lag + 1))


def bi_stock(view: View, indicator: str) -> pd.Series:
    """Latest BI stock (£) of the as-of year or the one before, as published by then."""
    return latest(view.history(BI, indicator), BI_WINDOW)[0]


CSP_YEARS = "2016-17 to 2020-21 (core spending power held); with COR/BI only where both exist"


@feature(
    name="cfr",
    label="Capital financing requirement",
    family="debt",
    definition="Capital financing requirement at 31 March (COR): capital spending not yet financed, "
    "the underlying need to borrow.",
    unit="GBP_thousand",
    direction=RISKIER,
    inputs=CFR[1:],
    years=COR_YEARS,
    model_input=False,
    base="cfr_pct_nre",
)
def cfr(view: View) -> pd.Series:
    return view.get(*CFR[1]) / 1e3


@feature(
    name="cfr_pct_nre",
    label="Capital financing requirement, % of net revenue spending",
    family="debt",
    definition="Capital financing requirement at 31 March as % of net revenue expenditure (RS).",
    unit="percent",
    direction=RISKIER,
    inputs=(CFR[1], NRE),
    years=COR_YEARS,
)
def cfr_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(*CFR[1]), nre(view))


@feature(
    name="cfr_growth_1y_pct",
    label="Growth in the capital financing requirement over the year",
    family="debt",
    definition="Change in the capital financing requirement over the year, %: 31 March against "
    "1 April of the same COR return (the previous 31 March where a return gives no 1 April).",
    unit="percent",
    direction=RISKIER,
    inputs=CFR,
    years=COR_YEARS,
    base="cfr_pct_nre",
)
def cfr_growth_1y_pct(view: View) -> pd.Series:
    return growth(view.get(*CFR[1]), opening(view, CFR))


@feature(
    name="cfr_growth_3y_pct",
    label="Growth in the capital financing requirement over three years",
    family="debt",
    definition="Change in the capital financing requirement over three years, %: 31 March of year t "
    "against 1 April of year t-2 (from that year's COR return).",
    unit="percent",
    direction=RISKIER,
    inputs=CFR,
    years="2010-11 to 2024-25 but 2013-14 (needs the COR return two years before too)",
    base="cfr_pct_nre",
)
def cfr_growth_3y_pct(view: View) -> pd.Series:
    return growth(view.get(*CFR[1]), opening(view, CFR, lag=2))


@feature(
    name="cfr_per_core_spending_power",
    label="Capital financing requirement per £ of core spending power",
    family="debt",
    definition="Capital financing requirement at 31 March per £ of the year's core spending power.",
    unit="ratio",
    direction=RISKIER,
    inputs=(CFR[1], CORE_SP),
    years="2016-17 to 2018-19: " + CSP_YEARS,
    base="cfr_pct_nre",
)
def cfr_per_core_spending_power(view: View) -> pd.Series:
    return ratio(view.get(*CFR[1]), view.get(*CORE_SP), scale=1.0)


@feature(
    name="gross_external_debt",
    label="Gross external debt",
    family="debt",
    definition="Gross external debt at 31 March (COR): borrowing plus other long-term liabilities "
    "(PFI, finance leases).",
    unit="GBP_thousand",
    direction=RISKIER,
    inputs=GED[1:],
    years=DEBT_YEARS,
    model_input=False,
    base="gross_external_debt_pct_nre",
)
def gross_external_debt(view: View) -> pd.Series:
    return view.get(*GED[1]) / 1e3


@feature(
    name="gross_external_debt_pct_nre",
    label="Gross external debt, % of net revenue spending",
    family="debt",
    definition="Gross external debt at 31 March (COR) as % of net revenue expenditure (RS).",
    unit="percent",
    direction=RISKIER,
    inputs=(GED[1], NRE),
    years=DEBT_YEARS,
)
def gross_external_debt_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(*GED[1]), nre(view))


@feature(
    name="gross_external_debt_growth_1y_pct",
    label="Growth in gross external debt over the year",
    family="debt",
    definition="Change in gross external debt over the year, %: 31 March against 1 April of the same "
    "COR return (the previous 31 March where a return gives no 1 April).",
    unit="percent",
    direction=RISKIER,
    inputs=GED,
    years=DEBT_YEARS,
    base="gross_external_debt_pct_nre",
)
def gross_external_debt_growth_1y_pct(view: View) -> pd.Series:
    return growth(view.get(*GED[1]), opening(view, GED))


@feature(
    name="gross_external_debt_growth_3y_pct",
    label="Growth in gross external debt over three years",
    family="debt",
    definition="Change in gross external debt over three years, %: 31 March of year t against 1 April "
    "of year t-2 (or 31 March of t-3 where a return gives no 1 April).",
    unit="percent",
    direction=RISKIER,
    inputs=GED,
    years="2019-20 to 2024-25 (gross external debt from COR 2017-18)",
    base="gross_external_debt_pct_nre",
)
def gross_external_debt_growth_3y_pct(view: View) -> pd.Series:
    return growth(view.get(*GED[1]), opening(view, GED, lag=2))


@feature(
    name="net_debt_pct_nre",
    label="Net debt (debt less investments), % of net revenue spending",
    family="debt",
    definition="Gross external debt less investments at 31 March (COR) as % of net revenue expenditure: "
    "what borrowing is not matched by money held.",
    unit="percent",
    direction=RISKIER,
    inputs=(GED[1], (COR, "investments_close"), NRE),
    years=DEBT_YEARS,
)
def net_debt_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(*GED[1]) - view.get(COR, "investments_close"), nre(view))


@feature(
    name="borrowing_pct_nre",
    label="Outstanding borrowing, % of net revenue spending",
    family="debt",
    definition="Outstanding borrowing from every lender (BI, latest date of the as-of year or the one "
    "before) as % of the as-of year's net revenue expenditure (RS).",
    unit="percent",
    direction=RISKIER,
    inputs=(BORROWING, NRE),
    years=BI_YEARS,
)
def borrowing_pct_nre(view: View) -> pd.Series:
    return ratio(bi_stock(view, BORROWING[1]), nre(view))


@feature(
    name="borrowing_growth_1y_pct",
    label="Growth in outstanding borrowing over the year",
    family="debt",
    definition="Change in outstanding borrowing (BI) over the year to the latest date used, %: the "
    "financial year's last date against the previous year's.",
    unit="percent",
    direction=RISKIER,
    inputs=(BORROWING,),
    years=BI_YEARS,
    base="borrowing_pct_nre",
)
def borrowing_growth_1y_pct(view: View) -> pd.Series:
    history = view.history(*BORROWING)
    value, lag = latest(history, BI_WINDOW)
    return growth(value, value_at_lag(history, lag + 1))


@feature(
    name="borrowing_per_core_spending_power",
    label="Outstanding borrowing per £ of core spending power",
    family="debt",
    definition="Outstanding borrowing (BI, latest date of the as-of year or the one before) per £ of "
    "the as-of year's core spending power.",
    unit="ratio",
    direction=RISKIER,
    inputs=(BORROWING, CORE_SP),
    years="2016-17 to 2020-21: " + CSP_YEARS,
    base="borrowing_pct_nre",
)
def borrowing_per_core_spending_power(view: View) -> pd.Series:
    return ratio(bi_stock(view, BORROWING[1]), view.get(*CORE_SP), scale=1.0)


@feature(
    name="short_term_borrowing_share",
    label="Short-term loans, share of all borrowing",
    family="debt",
    definition="Short-term loans (every lender, local authorities included) as % of outstanding "
    "borrowing (BI, latest date of the as-of year or the one before): refinancing risk.",
    unit="percent",
    direction=RISKIER,
    inputs=((BI, "borrowing_short_term"), BORROWING),
    years=BI_YEARS,
)
def short_term_borrowing_share(view: View) -> pd.Series:
    return ratio(bi_stock(view, "borrowing_short_term"), bi_stock(view, BORROWING[1]))


@feature(
    name="la_borrowing_share",
    label="Loans from other councils, share of all borrowing",
    family="debt",
    definition="Loans from other local authorities (short and longer term) as % of outstanding "
    "borrowing (BI, latest date of the as-of year or the one before): the market Woking, "
    "Thurrock and Slough relied on.",
    unit="percent",
    direction=RISKIER,
    inputs=((BI, "borrowing_other_local_authorities"), BORROWING),
    years=LENDER_YEARS,
)
def la_borrowing_share(view: View) -> pd.Series:
    share = bi_stock(view, "borrowing_other_local_authorities")
    return ratio(share, bi_stock(view, BORROWING[1]))


@feature(
    name="interest_payable_pct_nre",
    label="Interest payable, % of net revenue spending",
    family="debt",
    definition="External interest payable (RS line 781) as % of net revenue expenditure.",
    unit="percent",
    direction=RISKIER,
    inputs=((RS, "interest_payable"), NRE),
    years="2007-08 to 2024-25 (RS outturn; the compiled RS interest for 2024-25)",
)
def interest_payable_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(RS, "interest_payable"), nre(view))


@feature(
    name="mrp_pct_nre",
    label="Debt repayment provision (MRP), % of net revenue spending",
    family="debt",
    definition="Minimum revenue provision (RS line 773, repayment of principal; COR's MRP where the "
    "year has no RS return) as % of net revenue expenditure: the revenue burden of past "
    "borrowing.",
    unit="percent",
    direction=RISKIER,
    inputs=((RS, "mrp"), (COR, "mrp"), NRE),
    years="2007-08 to 2024-25 (RS line 773; COR's MRP for 2024-25, which has no RS return)",
)
def mrp_pct_nre(view: View) -> pd.Series:
    return ratio(mrp(view), nre(view))


@feature(
    name="financing_cost_pct_nre",
    label="Financing costs (interest + MRP), % of net revenue spending",
    family="debt",
    definition="External interest payable (RS line 781) plus minimum revenue provision (RS line 773; "
    "COR's MRP for 2024-25) as % of net revenue expenditure: the revenue cost of debt.",
    unit="percent",
    direction=RISKIER,
    inputs=((RS, "interest_payable"), (RS, "mrp"), (COR, "mrp"), NRE),
    years="2007-08 to 2024-25 (RS outturn; compiled RS interest and COR MRP for 2024-25)",
)
def financing_cost_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(RS, "interest_payable") + mrp(view), nre(view))


@feature(
    name="mrp_pct_cfr",
    label="Debt repayment provision (MRP), % of the capital financing requirement",
    family="debt",
    definition="Minimum revenue provision (RS) as % of the capital financing requirement at 1 April "
    "(COR): low values mean debt is being repaid slowly (under-provision).",
    unit="percent",
    direction=SAFER,
    inputs=((RS, "mrp"), (COR, "mrp"), *CFR),
    years=COR_YEARS,
    base="mrp_pct_nre",
)
def mrp_pct_cfr(view: View) -> pd.Series:
    return ratio(mrp(view), opening(view, CFR))


@feature(
    name="investment_income_pct_nre",
    label="Investment income, % of net revenue spending",
    family="debt",
    definition="Interest and investment income received (RS line 786, sign turned to positive) as % "
    "of net revenue expenditure: dependence on returns from investments.",
    unit="percent",
    direction=RISKIER,
    inputs=((RS, "investment_income"), NRE),
    years="2007-08 to 2023-24 (RS outturn)",
    mechanism=INCOME,
)
def investment_income_pct_nre(view: View) -> pd.Series:
    return ratio(-view.get(RS, "investment_income"), nre(view))


@feature(
    name="trading_surplus_pct_nre",
    label="Trading-account surplus, % of net revenue spending",
    family="debt",
    definition="Net surplus on trading accounts (commercial activity; CAC tables) as % of net revenue "
    "expenditure: dependence on commercial income.",
    unit="percent",
    direction=RISKIER,
    inputs=((CAC, "trading_account_surplus"), NRE),
    years="2016-17 to 2018-19 (the trading table's years)",
    mechanism=INCOME,
)
def trading_surplus_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(CAC, "trading_account_surplus"), nre(view))
