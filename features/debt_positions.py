"""Latest known borrowing: the dated BI positions published by the time a score is made.

Unlike the yearly stocks of features/debt.py, a position can postdate the as-of year (the
compiled position at 31 December 2025 for a review seen after mid-2026), so a review sees
the most current borrowing a council has reported. Registered after debt.py's features
(this module imports it first), so the catalogue lists them last in the debt family.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .debt import BI, BORROWING
from .frame import View
from .inputs import NRE, nre
from .ops import ratio
from .registry import CONTEXT, RISKIER, feature

POSITION_YEARS = (
    "2016-17 on: the latest borrowing position published by the view's date, whatever its "
    "date (quarterly BI positions to March 2020, the compiled 31 March positions to 2025, and "
    "the compiled position at 31 December 2025 for a review seen after mid-2026)"
)


def position_share(view: View, part: str) -> pd.Series:
    """A lender class as % of all borrowing at the latest position where both are dated alike."""
    value, date = view.position(part)
    total, total_date = view.position(BORROWING[1])
    return ratio(value, total.where(date == total_date))


@feature(
    name="latest_borrowing_pct_nre",
    label="Latest known borrowing, % of net revenue spending",
    family="debt",
    definition="Outstanding borrowing at the latest date published by the time the score is made (see "
    "latest_borrowing_months_after_year) as % of the as-of year's net revenue expenditure.",
    unit="percent",
    direction=RISKIER,
    inputs=(BORROWING, NRE),
    years=POSITION_YEARS,
    base="borrowing_pct_nre",
)
def latest_borrowing_pct_nre(view: View) -> pd.Series:
    return ratio(view.position(BORROWING[1])[0], nre(view))


@feature(
    name="latest_la_borrowing_share",
    label="Latest known loans from other councils, share of borrowing",
    family="debt",
    definition="Loans from other local authorities as % of outstanding borrowing at the latest date "
    "published by the time the score is made (both figures of one date).",
    unit="percent",
    direction=RISKIER,
    inputs=((BI, "borrowing_other_local_authorities"), BORROWING),
    years=POSITION_YEARS + "; the compiled 31 March positions give no lender split",
    base="la_borrowing_share",
)
def latest_la_borrowing_share(view: View) -> pd.Series:
    return position_share(view, "borrowing_other_local_authorities")


@feature(
    name="latest_short_term_borrowing_share",
    label="Latest known short-term loans, share of borrowing",
    family="debt",
    definition="Short-term loans as % of outstanding borrowing at the latest date published by the time "
    "the score is made (both figures of one date).",
    unit="percent",
    direction=RISKIER,
    inputs=((BI, "borrowing_short_term"), BORROWING),
    years=POSITION_YEARS,
    base="short_term_borrowing_share",
)
def latest_short_term_borrowing_share(view: View) -> pd.Series:
    return position_share(view, "borrowing_short_term")


@feature(
    name="latest_borrowing_months_after_year",
    label="Date of the latest known borrowing position (months after the as-of year)",
    family="debt",
    definition="How many months after the as-of year's end (31 March) the latest borrowing position is "
    "dated: 0 for 31 March, 9 for 31 December after it. Says how current the latest figures are.",
    unit="months",
    direction=CONTEXT,
    inputs=(BORROWING,),
    years=POSITION_YEARS,
    model_input=False,
)
def latest_borrowing_months_after_year(view: View) -> pd.Series:
    _, date = view.position(BORROWING[1])
    # the calendar year of the 31 March that ends the year read
    year_end = view.per_year(lambda part: int(part.year[:4]) + 1 if part.year else np.nan)
    stamp = pd.to_datetime(date, errors="coerce")
    months = (stamp.dt.year - year_end) * 12 + (stamp.dt.month - 3)  # 3: March
    return months.astype(float)
