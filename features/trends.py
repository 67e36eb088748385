"""Trend and volatility: three-year change and slope of the key ratios, drawdown streaks.

Each trend reads the ratio's own values for earlier years as known on the as-of date
(revisions published by then included), so it inherits the ratio's definition; where one of
the ratio's inputs was redefined inside the window (a definition break, `View.broken`)
the change and slope are missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import debt, finance, reserves  # noqa: F401  (registers the ratios trended here)
from .frame import View
from .inputs import reserve_inputs, usable
from .ops import pick, slope
from .registry import FEATURES, RESERVES, RISKIER, Feature, feature, register

TREND_RATIOS = (
    "usable_reserves_pct_nre",
    "unallocated_reserves_pct_nre",
    "earmarked_reserves_pct_nre",
    "total_reserves_pct_nre",
    "schools_deficit_pct_nre",
    "interest_payable_pct_nre",
    "mrp_pct_nre",
    "financing_cost_pct_nre",
    "investment_income_pct_nre",
    "cfr_pct_nre",
    "gross_external_debt_pct_nre",
    "net_debt_pct_nre",
    "borrowing_pct_nre",
    "council_tax_pct_nre",
    "adult_social_care_share",
    "children_social_care_share",
)
WINDOW = 3


def _change(name: str):
    inputs = FEATURES[name].inputs

    def build(view: View) -> pd.Series:
        change = view.feature(name) - view.shift(WINDOW).feature(name)
        return pick(~view.broken(inputs, WINDOW), change)

    return build


def _slope(name: str):
    inputs = FEATURES[name].inputs

    def build(view: View) -> pd.Series:
        values = [view.shift(lag).feature(name).to_numpy() for lag in range(WINDOW, -1, -1)]
        history = pd.DataFrame(np.column_stack(values), index=view.index)  # oldest first
        return pick(~np.isnan(values[-1]) & ~view.broken(inputs, WINDOW), slope(history))

    return build


def _register_trends() -> None:
    for name in TREND_RATIOS:
        base = FEATURES[name]
        later = f"{base.years}; needs year t-{WINDOW} too"
        register(
            Feature(
                f"{name}_change_3y",
                f"{base.label}: change over three years",
                "trend",
                f"Change over three years, in points: {name} of year t less that of year "
                f"t-{WINDOW}; missing where an input was redefined after t-{WINDOW}. "
                f"{name}: {base.definition}",
                "points",
                base.direction,
                base.inputs,
                later,
                _change(name),
                base=name,
                mechanism=base.mechanism,
            )
        )
        register(
            Feature(
                f"{name}_slope_3y",
                f"{base.label}: trend per year over three years",
                "trend",
                f"Least-squares slope of {name} over years t-{WINDOW}..t, points per year "
                f"(the as-of year and at least 2 of the 3 before); missing where an input was "
                f"redefined after t-{WINDOW}. {name}: {base.definition}",
                "points_per_year",
                base.direction,
                base.inputs,
                f"{base.years}; needs the as-of year and 2 of the 3 before",
                _slope(name),
                base=name,
                mechanism=base.mechanism,
            )
        )


_register_trends()


@feature(
    name="consecutive_drawdown_years",
    label="Consecutive years of drawing down reserves",
    family="trend",
    definition="Consecutive years, ending with the as-of year, in which usable reserves fell (31 March "
    "below 1 April of the same return); 0 if they did not fall in the as-of year. A year "
    "without both levels ends the run.",
    unit="years",
    direction=RISKIER,
    inputs=reserve_inputs("open") + reserve_inputs("close"),
    years="2007-08 to 2023-24 (RS outturn)",
    mechanism=RESERVES,
)
def consecutive_drawdown_years(view: View) -> pd.Series:
    fell = pd.concat(
        [usable(view, lag=lag) - usable(view, "open", lag=lag) for lag in range(view.depth)],
        axis=1,
    )
    drawn = (fell < 0).to_numpy()
    run = (~drawn).argmax(axis=1)
    run[drawn.all(axis=1)] = drawn.shape[1]
    return pd.Series(run, index=view.index, dtype=float).where(fell.iloc[:, 0].notna())
