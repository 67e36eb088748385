"""Debt and financing: the mechanism behind Woking, Thurrock, Slough and Croydon.

Capital financing requirement and external debt from the capital outturn (COR),
outstanding borrowing by lender from the borrowing and investment live tables (BI:
the stock at the latest date published by the as-of date within the as-of year or the
one before, normally a 31 March; the live tables appear months after their date), financing
costs from the revenue outturn (RS), core spending power (CSP) and trading accounts
(CAC). Debt is compared with net revenue expenditure (RS) and core spending power.
"""

from __future__ import annotations

import pandas as pd

from .frame import View
from .inputs import NRE, RS, nre
from .ops import growth, latest, ratio, value_at_lag
from .registry import INCOME, RISKIER, SAFER, feature

COR, BI, CSP, CAC = "COR", "BI", "CSP", "CAC"
CFR = ((COR, "cfr_open"), (COR, "cfr_close"))
GED = ((COR, "gross_external_debt_open"), (COR, "gross_external_debt_close"))
BORROWING = (BI, "borrowing_total")
CORE_SP = (CSP, "core_spending_power")
COR_YEARS = (
    "2010-11 to 2018-19 but 2013-14: each COR year seen once published (2008-09 in "
    "September 2010, 2009-10 in January 2011, 2013-14 in March 2015: after those years' "
    "as-of dates); COR held to 2018-19"
)
DEBT_YEARS = "2017-18 to 2018-19: COR prints gross external debt from 2017-18"
BI_YEARS = (
    "2016-17 to 2020-21: the BI workbooks held (31 March 2009 to 31 March 2020) were first "
    "published in 2017, so earlier as-of years cannot have seen them"
)
BI_WINDOW = 2


def bi_stock(view: View, indicator: str) -> pd.Series:
    """Latest BI stock (£) of the as-of year or the one before, as published by then."""
    return latest(view.history(BI, indicator), BI_WINDOW)[0]


CSP_YEARS = "2016-17 to 2020-21 (core spending power held); with COR/BI only where both exist"


@feature(
    "cfr",
    "Capital financing requirement",
    "debt",
    "Capital financing requirement at 31 March (COR): capital spending not yet financed, "
    "the underlying need to borrow.",
    "GBP_thousand",
    RISKIER,
    CFR[1:],
    COR_YEARS,
    model_input=False,
    base="cfr_pct_nre",
)
def cfr(view: View) -> pd.Series:
    return view.get(*CFR[1]) / 1e3


@feature(
    "cfr_pct_nre",
    "Capital financing requirement, % of net revenue spending",
    "debt",
    "Capital financing requirement at 31 March as % of net revenue expenditure (RS).",
    "percent",
    RISKIER,
    (CFR[1], NRE),
    COR_YEARS,
)
def cfr_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(*CFR[1]), nre(view))


@feature(
    "cfr_growth_1y_pct",
    "Growth in the capital financing requirement over the year",
    "debt",
    "Change in the capital financing requirement over the year, %: 31 March against "
    "1 April of the same COR return.",
    "percent",
    RISKIER,
    CFR,
    COR_YEARS,
    base="cfr_pct_nre",
)
def cfr_growth_1y_pct(view: View) -> pd.Series:
    return growth(view.get(*CFR[1]), view.get(*CFR[0]))


@feature(
    "cfr_growth_3y_pct",
    "Growth in the capital financing requirement over three years",
    "debt",
    "Change in the capital financing requirement over three years, %: 31 March of year t "
    "against 1 April of year t-2 (from that year's COR return).",
    "percent",
    RISKIER,
    CFR,
    "2010-11 to 2018-19 but 2013-14 (needs the COR return two years before too)",
    base="cfr_pct_nre",
)
def cfr_growth_3y_pct(view: View) -> pd.Series:
    return growth(view.get(*CFR[1]), view.get(*CFR[0], lag=2))


@feature(
    "cfr_per_core_spending_power",
    "Capital financing requirement per £ of core spending power",
    "debt",
    "Capital financing requirement at 31 March per £ of the year's core spending power.",
    "ratio",
    RISKIER,
    (CFR[1], CORE_SP),
    "2016-17 to 2018-19: " + CSP_YEARS,
    base="cfr_pct_nre",
)
def cfr_per_core_spending_power(view: View) -> pd.Series:
    return ratio(view.get(*CFR[1]), view.get(*CORE_SP), scale=1.0)


@feature(
    "gross_external_debt",
    "Gross external debt",
    "debt",
    "Gross external debt at 31 March (COR): borrowing plus other long-term liabilities "
    "(PFI, finance leases).",
    "GBP_thousand",
    RISKIER,
    GED[1:],
    DEBT_YEARS,
    model_input=False,
    base="gross_external_debt_pct_nre",
)
def gross_external_debt(view: View) -> pd.Series:
    return view.get(*GED[1]) / 1e3


@feature(
    "gross_external_debt_pct_nre",
    "Gross external debt, % of net revenue spending",
    "debt",
    "Gross external debt at 31 March (COR) as % of net revenue expenditure (RS).",
    "percent",
    RISKIER,
    (GED[1], NRE),
    DEBT_YEARS,
)
def gross_external_debt_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(*GED[1]), nre(view))


@feature(
    "gross_external_debt_growth_1y_pct",
    "Growth in gross external debt over the year",
    "debt",
    "Change in gross external debt over the year, %: 31 March against 1 April of the same "
    "COR return.",
    "percent",
    RISKIER,
    GED,
    DEBT_YEARS,
    base="gross_external_debt_pct_nre",
)
def gross_external_debt_growth_1y_pct(view: View) -> pd.Series:
    return growth(view.get(*GED[1]), view.get(*GED[0]))


@feature(
    "borrowing_pct_nre",
    "Outstanding borrowing, % of net revenue spending",
    "debt",
    "Outstanding borrowing from every lender (BI, latest date of the as-of year or the one "
    "before) as % of the as-of year's net revenue expenditure (RS).",
    "percent",
    RISKIER,
    (BORROWING, NRE),
    BI_YEARS,
)
def borrowing_pct_nre(view: View) -> pd.Series:
    return ratio(bi_stock(view, BORROWING[1]), nre(view))


@feature(
    "borrowing_growth_1y_pct",
    "Growth in outstanding borrowing over the year",
    "debt",
    "Change in outstanding borrowing (BI) over the year to the latest date used, %: the "
    "financial year's last date against the previous year's.",
    "percent",
    RISKIER,
    (BORROWING,),
    BI_YEARS,
    base="borrowing_pct_nre",
)
def borrowing_growth_1y_pct(view: View) -> pd.Series:
    history = view.history(*BORROWING)
    value, lag = latest(history, BI_WINDOW)
    return growth(value, value_at_lag(history, lag + 1))


@feature(
    "borrowing_per_core_spending_power",
    "Outstanding borrowing per £ of core spending power",
    "debt",
    "Outstanding borrowing (BI, latest date of the as-of year or the one before) per £ of "
    "the as-of year's core spending power.",
    "ratio",
    RISKIER,
    (BORROWING, CORE_SP),
    "2016-17 to 2020-21: " + CSP_YEARS,
    base="borrowing_pct_nre",
)
def borrowing_per_core_spending_power(view: View) -> pd.Series:
    return ratio(bi_stock(view, BORROWING[1]), view.get(*CORE_SP), scale=1.0)


@feature(
    "short_term_borrowing_share",
    "Short-term loans, share of all borrowing",
    "debt",
    "Short-term loans (every lender, local authorities included) as % of outstanding "
    "borrowing (BI, latest date of the as-of year or the one before): refinancing risk.",
    "percent",
    RISKIER,
    ((BI, "borrowing_short_term"), BORROWING),
    BI_YEARS,
)
def short_term_borrowing_share(view: View) -> pd.Series:
    return ratio(bi_stock(view, "borrowing_short_term"), bi_stock(view, BORROWING[1]))


@feature(
    "la_borrowing_share",
    "Loans from other councils, share of all borrowing",
    "debt",
    "Loans from other local authorities (short and longer term) as % of outstanding "
    "borrowing (BI, latest date of the as-of year or the one before): the market Woking, "
    "Thurrock and Slough relied on.",
    "percent",
    RISKIER,
    ((BI, "borrowing_other_local_authorities"), BORROWING),
    BI_YEARS,
)
def la_borrowing_share(view: View) -> pd.Series:
    share = bi_stock(view, "borrowing_other_local_authorities")
    return ratio(share, bi_stock(view, BORROWING[1]))


@feature(
    "interest_payable_pct_nre",
    "Interest payable, % of net revenue spending",
    "debt",
    "External interest payable (RS line 781) as % of net revenue expenditure.",
    "percent",
    RISKIER,
    ((RS, "interest_payable"), NRE),
    "2007-08 to 2023-24 (RS outturn)",
)
def interest_payable_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(RS, "interest_payable"), nre(view))


@feature(
    "mrp_pct_nre",
    "Debt repayment provision (MRP), % of net revenue spending",
    "debt",
    "Minimum revenue provision (RS line 773, repayment of principal) as % of net revenue "
    "expenditure: the revenue burden of past borrowing.",
    "percent",
    RISKIER,
    ((RS, "mrp"), NRE),
    "2007-08 to 2023-24 (RS outturn)",
)
def mrp_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(RS, "mrp"), nre(view))


@feature(
    "mrp_pct_cfr",
    "Debt repayment provision (MRP), % of the capital financing requirement",
    "debt",
    "Minimum revenue provision (RS) as % of the capital financing requirement at 1 April "
    "(COR): low values mean debt is being repaid slowly (under-provision).",
    "percent",
    SAFER,
    ((RS, "mrp"), CFR[0]),
    COR_YEARS,
    base="mrp_pct_nre",
)
def mrp_pct_cfr(view: View) -> pd.Series:
    return ratio(view.get(RS, "mrp"), view.get(*CFR[0]))


@feature(
    "investment_income_pct_nre",
    "Investment income, % of net revenue spending",
    "debt",
    "Interest and investment income received (RS line 786, sign turned to positive) as % "
    "of net revenue expenditure: dependence on returns from investments.",
    "percent",
    RISKIER,
    ((RS, "investment_income"), NRE),
    "2007-08 to 2023-24 (RS outturn)",
    mechanism=INCOME,
)
def investment_income_pct_nre(view: View) -> pd.Series:
    return ratio(-view.get(RS, "investment_income"), nre(view))


@feature(
    "trading_surplus_pct_nre",
    "Trading-account surplus, % of net revenue spending",
    "debt",
    "Net surplus on trading accounts (commercial activity; CAC tables) as % of net revenue "
    "expenditure: dependence on commercial income.",
    "percent",
    RISKIER,
    ((CAC, "trading_account_surplus"), NRE),
    "2016-17 to 2018-19 (the trading table's years)",
    mechanism=INCOME,
)
def trading_surplus_pct_nre(view: View) -> pd.Series:
    return ratio(view.get(CAC, "trading_account_surplus"), nre(view))
