"""Plausibility of a release's values against the data already held (learned, not fixed).

Two checks, each refusing a file unless the user accepts outliers on purpose (as are
the impossible values a reader finds, such as a negative council tax requirement):

- a value beyond ten times the largest any council ever reported for its measure
  (a unit slip of a thousand, 1e308);
- a council's net revenue expenditure moving by more than a factor of ten from its
  value held for the previous year (one council's row typed in £ million under a
  £ thousand title). Values already held are not checked again: real councils do
  move that far (East Devon reported -£626k in 2022-23 after £18.0m in 2021-22,
  rs2022_23.xlsx), and such a figure, once held, was accepted then.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.data.years import financial_year_starting
from riskwatch.errors import RiskwatchError

OUTLIER_FACTOR = 10
# The measure whose year-on-year move is checked, and how far it may move.
YEAR_ON_YEAR_MEASURE = "net_revenue_expenditure"
YEAR_ON_YEAR_FACTOR = 10
ACCEPT_HINT = "check the unit, or pass --accept-outliers to keep it on purpose"


def plausibility_bounds(panel: pd.DataFrame) -> pd.Series:
    """Per measure, the largest absolute value any council ever reported, times
    OUTLIER_FACTOR: learned from the data held, so it grows with what councils report."""
    return panel.groupby("indicator")["value"].apply(lambda v: v.abs().max()) * OUTLIER_FACTOR


def outliers(values: pd.DataFrame, bounds: pd.Series, path: Path) -> list[RiskwatchError]:
    """Values beyond their measure's bound, each as the error that would refuse it.

    `values` are panel rows with the file's row number in `row` (None where unknown).
    """
    bound = values["indicator"].map(bounds)
    beyond = values[bound.notna() & (values["value"].abs() > bound)]
    return [
        RiskwatchError(
            f"implausible value {r.value:.6g} for {r.indicator} of {_who(r)}: more than "
            f"{OUTLIER_FACTOR}x the largest any council has reported "
            f"({bounds[r.indicator] / OUTLIER_FACTOR:.6g}); {ACCEPT_HINT}",
            file=path,
            row=_row(r),
            field=r.indicator,
        )
        for r in beyond.itertuples()
    ]


def year_on_year_jumps(
    values: pd.DataFrame, held: pd.DataFrame, path: Path
) -> list[RiskwatchError]:
    """New net revenue expenditure values more than YEAR_ON_YEAR_FACTOR times larger or
    smaller than the council's value held for the previous year (the median of its held
    vintages), each as the error that would refuse it."""
    measure = held[held["indicator"] == YEAR_ON_YEAR_MEASURE]
    previous = measure.groupby(["gss_code", "financial_year"])["value"].median()
    fresh = values[values["indicator"] == YEAR_ON_YEAR_MEASURE]
    fresh = fresh[~_already_held(fresh, measure)]
    errors = []
    for r in fresh.itertuples():
        year_before = financial_year_starting(int(r.financial_year[:4]) - 1)
        before = previous.get((r.gss_code, year_before))
        if before is None or not np.isfinite(before) or before == 0 or not np.isfinite(r.value):
            continue
        ratio = abs(r.value / before)
        if ratio > YEAR_ON_YEAR_FACTOR or ratio * YEAR_ON_YEAR_FACTOR < 1:
            errors.append(
                RiskwatchError(
                    f"{r.indicator} of {_who(r)} for {r.financial_year} is {r.value:.6g}, "
                    f"{ratio:.3g}x its {year_before} value held ({before:.6g}): a move of more "
                    f"than {YEAR_ON_YEAR_FACTOR}x; {ACCEPT_HINT}",
                    file=path,
                    row=_row(r),
                    field=r.indicator,
                )
            )
    return errors


def _already_held(values: pd.DataFrame, held: pd.DataFrame) -> pd.Series:
    """Whether each value equals one held for the same council, year and measure."""
    key = ["gss_code", "financial_year", "indicator"]
    pairs = values[key + ["value"]].reset_index().merge(held[key + ["value"]], on=key)
    same = np.isclose(pairs["value_x"], pairs["value_y"], rtol=0, atol=1e-9)
    return values.index.isin(pairs.loc[same, "index"])


def _who(r) -> str:
    ecode = getattr(r, "ecode", None)
    return ecode if isinstance(ecode, str) and ecode else r.gss_code


def _row(r) -> int | None:
    row = getattr(r, "row", None)
    return int(row) if row is not None and not pd.isna(row) else None


def as_outlier(error: RiskwatchError) -> RiskwatchError:
    """A reader's impossible value (e.g. a negative council tax requirement) as an outlier:
    the same line, saying how to keep it on purpose."""
    return RiskwatchError(
        f"{error.message}; {ACCEPT_HINT}", file=error.file, row=error.row, field=error.field
    )


def refuse_or_count(found: list[RiskwatchError], accept_outliers: bool) -> int:
    """Raise the first implausible value unless outliers are accepted; how many values
    were (a value both checks flag is one value: counted by its cell, row and field)."""
    if found and not accept_outliers:
        raise found[0]
    return len({(error.row, error.field) for error in found})
