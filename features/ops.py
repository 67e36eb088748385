"""Vectorised arithmetic the builders share: guarded ratios, growth, slopes, latest values,
and picking between values."""

from __future__ import annotations

import numpy as np
import pandas as pd


def ratio(numerator: pd.Series, denominator: pd.Series, scale: float = 100.0) -> pd.Series:
    """numerator / denominator × scale; NaN where the denominator is not positive."""
    numerator, denominator = _aligned(numerator, denominator)
    quotient = numerator.to_numpy(dtype=float) / _positive(denominator)
    return pd.Series(quotient * scale, index=numerator.index)


def growth(new: pd.Series, old: pd.Series) -> pd.Series:
    """Percentage change from `old` to `new`; NaN where `old` is not positive."""
    new, old = _aligned(new, old)
    return pd.Series((new.to_numpy(dtype=float) / _positive(old) - 1.0) * 100.0, index=new.index)


def pick(condition: pd.Series | np.ndarray, values: pd.Series, other=np.nan) -> pd.Series:
    """`values` where `condition` holds, `other` (a series or a number; NaN by default)
    elsewhere: `Series.where` for series of one view's councils, in numpy, at a fraction of
    pandas' cost (it aligns and checks every operand, hundreds of times a view)."""
    if isinstance(other, pd.Series):
        other = other.to_numpy(dtype=float)
    chosen = np.where(np.asarray(condition, dtype=bool), values.to_numpy(dtype=float), other)
    return pd.Series(chosen, index=values.index)


def _aligned(first: pd.Series, second: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The two series on one index: as they are where they share one (the builders' case,
    a view's councils, where `align` would still copy both), else aligned."""
    if first.index.equals(second.index):  # the same index object: no comparison
        return first, second
    return first.align(second)


def _positive(values: pd.Series) -> np.ndarray:
    """The values, NaN where not positive (a denominator a ratio is taken over). Plain
    arrays: the builders call these thousands of times a view, where pandas' own
    arithmetic costs several times the numbers'."""
    array = values.to_numpy(dtype=float)
    return np.where(array > 0, array, np.nan)


def slope(history: pd.DataFrame, min_points: int = 3) -> pd.Series:
    """Least-squares slope per row over consecutive columns (units per year).

    NaN where fewer than `min_points` columns hold a value.
    """
    values = history.to_numpy(dtype=float)
    x = np.broadcast_to(np.arange(values.shape[1], dtype=float), values.shape)
    seen = ~np.isnan(values)
    count = seen.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = np.where(seen, x, 0).sum(axis=1) / count
        y_mean = np.where(seen, values, 0).sum(axis=1) / count
        dx = np.where(seen, x - x_mean[:, None], 0)
        dy = np.where(seen, values - y_mean[:, None], 0)
        result = (dx * dy).sum(axis=1) / (dx * dx).sum(axis=1)
    return pd.Series(np.where(count >= min_points, result, np.nan), index=history.index)


def latest(history: pd.DataFrame, window: int) -> tuple[pd.Series, pd.Series]:
    """The newest value among the last `window` columns, and how many columns back it is.

    Returns (value, lag); both NaN where none of those columns holds a value.
    """
    recent = history.to_numpy(dtype=float)[:, ::-1][:, :window]
    seen = ~np.isnan(recent)
    found = seen.any(axis=1)
    lag = np.where(found, seen.argmax(axis=1), 0)
    value = np.where(found, recent[np.arange(len(recent)), lag], np.nan)
    return (
        pd.Series(value, index=history.index, dtype=float),
        pd.Series(np.where(found, lag, np.nan), index=history.index, dtype=float),
    )


def value_at_lag(history: pd.DataFrame, lag: pd.Series) -> pd.Series:
    """Per row, the value `lag` columns back from the newest (NaN where lag is NaN or too far)."""
    values = history.to_numpy(dtype=float)[:, ::-1]
    steps = lag.to_numpy(dtype=float)
    ok = ~np.isnan(steps) & (steps < values.shape[1])
    picked = np.full(len(values), np.nan)
    rows = np.flatnonzero(ok)
    picked[rows] = values[rows, steps[ok].astype(int)]
    return pd.Series(picked, index=history.index)
