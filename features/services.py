"""Services: children's services judgements and indicators, adult social care, recycling.

Service statistics are published months after the year they describe (DfE children in
need in November, looked-after children and adult social care in December, Defra waste
in March a year on), so each measure is the latest value of the as-of year or the one
before (the last three years for the biennial carers' survey) that was published by the
as-of date; its change is from the year before the one used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .frame import View
from .ops import latest, value_at_lag
from .registry import GOVERNANCE, RISKIER, SAFER, Feature, feature, register

OFSTED, CSC, ASC, DEFRA = "OFSTED", "DFE_CSC", "OFLOG_ASC", "DEFRA"
OVERALL, SAFEGUARDING = (OFSTED, "ofsted_overall"), (OFSTED, "ofsted_safeguarding")
INADEQUATE = 4.0
RECENT_YEARS = 3


@dataclass(frozen=True)
class Measure:
    """A published service measure: unit, direction, and how far back a value may come from."""

    source: str
    indicator: str
    label: str
    unit: str
    direction: int
    definition: str
    years: str
    window: int = 2  # the as-of year and the one before
    change: bool = True  # annual, so a one-year change exists
    mechanism: str = ""  # the services family's (social care demand) unless given


MEASURES = (
    Measure(
        CSC,
        "cin_rereferral_rate",
        "Children's social care re-referrals within 12 months",
        "percent",
        RISKIER,
        "Referrals to children's social care within 12 months of a previous one, % (DfE).",
        "2012-13 to 2024-25",
    ),
    Measure(
        CSC,
        "cpp_repeat_rate",
        "Repeat child protection plans",
        "percent",
        RISKIER,
        "Child protection plans that are a second or later plan, % (DfE).",
        "2012-13 to 2024-25",
    ),
    Measure(
        CSC,
        "sw_turnover_rate",
        "Children's social worker turnover",
        "percent",
        RISKIER,
        "Children's social worker turnover, % FTE, year to 30 September (DfE workforce).",
        "2017-18 to 2024-25",
    ),
    Measure(
        CSC,
        "sw_agency_rate",
        "Agency children's social workers",
        "percent",
        RISKIER,
        "Children's social workers employed through agencies, % FTE at 30 September.",
        "2017-18 to 2024-25",
    ),
    Measure(
        CSC,
        "sw_vacancy_rate",
        "Children's social worker vacancies",
        "percent",
        RISKIER,
        "Children's social worker vacancies, % FTE at 30 September.",
        "2017-18 to 2024-25",
    ),
    Measure(
        CSC,
        "cla_rate_per_10k",
        "Children looked after per 10,000 children",
        "rate_per_10k",
        RISKIER,
        "Children looked after at 31 March per 10,000 children: demand and cost pressure.",
        "2020-21 to 2024-25 (values 2019-20 to 2023-24, published in December)",
    ),
    Measure(
        ASC,
        "asc1_carer_quality_of_life",
        "Carer-reported quality of life",
        "score_0_12",
        SAFER,
        "Carer-reported quality of life, score 0-12 (Oflog, ASCOF 1D).",
        "2017-18 to 2023-24 but 2021-22: biennial carers' survey, published in December",
        window=3,
        change=False,
    ),
    Measure(
        ASC,
        "asc2_quality_of_life_impact",
        "Adult social care's impact on quality of life",
        "score_0_1",
        SAFER,
        "Impact of adult social care on quality of life, 0-1 (Oflog, ASCOF 1J).",
        "2017-18 to 2023-24 but 2021-22: no 2020-21 user survey; published in December",
    ),
    Measure(
        ASC,
        "asc3_information_ease_users",
        "Service users who find information easily",
        "percent",
        SAFER,
        "Service users who find it easy to find information about services, % (ASCOF 3D).",
        "2016-17 to 2023-24 but 2021-22: no 2020-21 user survey; published in December",
    ),
    Measure(
        ASC,
        "asc4_information_ease_carers",
        "Carers who find information easily",
        "percent",
        SAFER,
        "Carers who find it easy to find information about support, % (ASCOF 3D).",
        "2017-18 to 2023-24 but 2021-22: biennial carers' survey, published in December",
        window=3,
        change=False,
    ),
    Measure(
        ASC,
        "asc5_short_term_no_further_support",
        "Short-term support ending with no further support",
        "percent",
        SAFER,
        "Short-term support that ended with no further or lower-level support, % (ASCOF 2D).",
        "2016-17 to 2023-24 (published in December)",
    ),
    Measure(
        ASC,
        "asc7_workforce_turnover_rate",
        "Adult social care workforce turnover",
        "percent",
        RISKIER,
        "Adult social care workforce turnover, % (Oflog, Skills for Care).",
        "2017-18 to 2023-24 (published in December)",
    ),
    Measure(
        DEFRA,
        "recycling_rate",
        "Household waste recycled or composted",
        "percent",
        SAFER,
        "Household waste sent for reuse, recycling or composting, % (Defra ENV18).",
        "2011-12 to 2024-25 (values published in March a year after the year ends)",
        mechanism=GOVERNANCE,
    ),
)


def _level(measure: Measure):
    def build(view: View) -> pd.Series:
        return latest(view.history(measure.source, measure.indicator), measure.window)[0]

    return build


def _change(measure: Measure):
    def build(view: View) -> pd.Series:
        history = view.history(measure.source, measure.indicator)
        value, lag = latest(history, measure.window)
        return value - value_at_lag(history, lag + 1)

    return build


def _register_measures() -> None:
    for m in MEASURES:
        back = (
            "the as-of year and the one before" if m.window == 2 else f"the last {m.window} years"
        )
        inputs = ((m.source, m.indicator),)
        register(
            Feature(
                m.indicator,
                m.label,
                "services",
                f"{m.definition} The latest value of {back} published by the as-of date.",
                m.unit,
                m.direction,
                inputs,
                m.years,
                _level(m),
                mechanism=m.mechanism,
            )
        )
        if m.change:
            register(
                Feature(
                    f"{m.indicator}_change_1y",
                    f"{m.label}: change on the year before",
                    "services",
                    f"Change in {m.indicator} from the year before the one used, in points. "
                    + m.definition,
                    "points",
                    m.direction,
                    inputs,
                    m.years + "; needs the year before too",
                    _change(m),
                    base=m.indicator,
                    mechanism=m.mechanism,
                )
            )


_register_measures()


def judgements(view: View) -> pd.DataFrame:
    """Children's services judgement by year (1 outstanding .. 4 inadequate): the overall
    effectiveness (SIF, ILACS; 2013 on) or, before it, the safeguarding judgement (2009-13).
    Read by three features: worked out once a view."""
    return view.derived("judgements", 0, lambda: _judgements(view))


def _judgements(view: View) -> pd.DataFrame:
    overall = view.history(*OVERALL)  # both of one source: the same years
    return overall.where(overall.notna(), view.history(*SAFEGUARDING))


@feature(
    name="ofsted_grade",
    label="Ofsted children's services grade (1 outstanding .. 4 inadequate)",
    family="services",
    definition="Latest children's services judgement published by the as-of date: 1 outstanding, "
    "2 good, 3 requires improvement (adequate before 2013), 4 inadequate. Overall "
    "effectiveness (SIF/ILACS) or, before one exists, the 2009-13 safeguarding judgement.",
    unit="grade_1_4",
    direction=RISKIER,
    inputs=(OVERALL, SAFEGUARDING),
    years="2009-10 on, upper-tier councils with a judgement on record",
)
def ofsted_grade(view: View) -> pd.Series:
    return judgements(view).ffill(axis=1).iloc[:, -1]


def _inadequate(view: View) -> tuple[np.ndarray, pd.Series]:
    """Per council and year (newest first) whether judged inadequate; whether ever judged."""
    graded = judgements(view)
    return graded.eq(INADEQUATE).to_numpy()[:, ::-1], graded.notna().any(axis=1)


@feature(
    name="years_since_inadequate",
    label="Years since an inadequate Ofsted children's services judgement",
    family="services",
    definition="Years from the latest inadequate children's services judgement (by the financial "
    "year of its publication) to the as-of year; 0 if judged inadequate in the year. NaN "
    "where no inadequate judgement is on record (since 2009).",
    unit="years",
    direction=SAFER,
    inputs=(OVERALL, SAFEGUARDING),
    years="2009-10 on, councils judged inadequate at least once",
    base="ofsted_grade",
)
def years_since_inadequate(view: View) -> pd.Series:
    flags, _ = _inadequate(view)
    ever = flags.any(axis=1)
    return pd.Series(np.where(ever, flags.argmax(axis=1), np.nan), index=view.index)


@feature(
    name="inadequate_last_3y",
    label="Inadequate Ofsted children's services judgement in the last 3 years",
    family="services",
    definition=f"1 if a children's services judgement published in the last {RECENT_YEARS} years "
    "(as-of year included) was inadequate, 0 otherwise, for councils with any judgement "
    "on record.",
    unit="flag",
    direction=RISKIER,
    inputs=(OVERALL, SAFEGUARDING),
    years="2009-10 on, upper-tier councils with a judgement on record",
    base="ofsted_grade",
)
def inadequate_last_3y(view: View) -> pd.Series:
    flags, judged = _inadequate(view)
    recent = pd.Series(flags[:, :RECENT_YEARS].any(axis=1), index=view.index)
    return recent.astype(float).where(judged)
