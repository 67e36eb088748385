"""Check a frame sent to a served model before it is scored.

A request to the model behind `mlflow models serve` is refused in one line when a
column is missing, unknown or not numeric where the model reads numbers (so it never
ends in a stack trace or a silent guess), and a row whose figures are all missing is
marked so it gets no probability (missing must never read as safe).
"""

from __future__ import annotations

import pandas as pd

from riskwatch.errors import RiskwatchError

# The column of a served model's answer saying why a row has no probability.
UNSCORED_BECAUSE = "unscored_because"
ALL_MISSING = "every input is missing"
_NAMED = 5  # columns named in a message before it says "and N more"


def checked_inputs(
    frame: pd.DataFrame, inputs: list[str], numeric: list[str] | None
) -> pd.DataFrame:
    """The model's `inputs` of `frame`, in order, `numeric` ones as floats.

    Refuses a missing or unknown column, and a value of a `numeric` input that is not a
    number (naming the column and the request's row, counted from 0); `numeric` None
    (a model logged before it was recorded) skips that check.
    """
    missing = [c for c in inputs if c not in frame.columns]
    if missing:
        raise RiskwatchError(
            f"missing input column{_plural(missing)} {_names(missing)}: the model reads "
            f"{len(inputs)} inputs, send every one (null where unknown)"
        )
    unknown = [str(c) for c in frame.columns if c not in inputs]
    if unknown:
        raise RiskwatchError(
            f"unknown input column{_plural(unknown)} {_names(unknown)}: the model reads only "
            f"its {len(inputs)} inputs"
        )
    checked = frame[inputs].copy()
    for column in numeric or []:
        values = checked[column]
        if pd.api.types.is_numeric_dtype(values):
            checked[column] = values.astype(float)
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        wrong = values.notna() & numbers.isna()
        if wrong.any():
            row = int(wrong.to_numpy().argmax())
            raise RiskwatchError(
                f"not a number: {str(values.iloc[row])[:40]!r}",
                row=row,
                field=str(column),
            )
        checked[column] = numbers.astype(float)
    return checked


def all_missing(inputs: pd.DataFrame, numeric: list[str] | None) -> pd.Series:
    """Rows whose every figure (`numeric` input; every input where unknown) is missing:
    the model has nothing to score them on (a council's class alone is no evidence)."""
    figures = inputs[numeric] if numeric else inputs
    return figures.isna().all(axis=1)


def _names(columns: list[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:_NAMED])
    more = len(columns) - _NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def _plural(columns: list[str]) -> str:
    return "s" if len(columns) > 1 else ""
