"""Labelled design matrices: model inputs, outcomes and row ids from feature frames and events.

Below both the production training (riskwatch.training) and the out-of-time backtest
(riskwatch.backtest): each builds the rows a model learns from and scores here, so the two
read the inputs, the past-failure input and the authority class alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.labels import failed_by, last_label_year, outcomes, shift_year

PAST_FAILURE = "past_failure"


@dataclass(frozen=True)
class FeatureSet:
    """The model inputs: feature names and their directions (+1 riskier, -1 safer)."""

    names: list[str]
    directions: dict[str, int]
    catalogue_version: str


def feature_set() -> FeatureSet:
    """Every catalogued feature a model may use, with the catalogue's directions."""
    from riskwatch.features import model_features

    names, directions, version = model_features()
    return FeatureSet(list(names), dict(directions), version)


MIN_COVERAGE_SHARE = 0.5


def available_inputs(
    frames: dict[str, pd.DataFrame], names: list[str], year: str
) -> tuple[list[str], list[str]]:
    """The inputs a model scoring `year` may read, and those the year lacks.

    An input is available when the year's frame holds it for at least half the share of
    councils it ever reached in a year up to `year` (so an upper-tier-only ratio counts as
    available at its usual 45%). A model scoring `year` is trained on the available inputs
    only: a score never leans on a value imputed from other years for an input the year
    does not have (2024-25 has no earmarked/unallocated split, for example).
    """
    coverage = pd.DataFrame({s: frames[s][names].notna().mean() for s in frames if s <= year})
    usual = coverage.max(axis=1)
    current = frames[year][names].notna().mean()
    kept = (usual > 0) & (current >= MIN_COVERAGE_SHARE * usual)
    return [n for n in names if kept[n]], [n for n in names if not kept[n]]


def design(
    frame: pd.DataFrame,
    features: list[str],
    as_of: str,
    horizon: int,
    task: str,
    failures: pd.DataFrame,
    past_failure_feature: bool,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Model inputs, outcomes and row ids for one as-of frame and task."""
    already = failed_by(frame["gss_code"], as_of, failures)
    keep = ~already if task == "new" else np.ones(len(frame), dtype=bool)
    rows = frame[keep]
    X = rows[features].astype(float)
    if task == "all" and past_failure_feature:
        X = X.assign(**{PAST_FAILURE: already[keep].astype(float)})
    y = outcomes(rows["gss_code"], as_of, horizon, failures)
    ids = rows[["gss_code", "class"]].assign(as_of=as_of)
    return X, y, ids


def stacked_design(
    frames: dict[str, pd.DataFrame],
    years: list[str],
    features: list[str],
    horizon: int,
    task: str,
    failures: pd.DataFrame,
    past_failure_feature: bool,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """`design` for several as-of years, stacked: the rows a model is trained on."""
    parts = [
        design(frames[s], features, s, horizon, task, failures, past_failure_feature) for s in years
    ]
    X = pd.concat([p[0] for p in parts], ignore_index=True)
    y = np.concatenate([p[1] for p in parts])
    ids = pd.concat([p[2] for p in parts], ignore_index=True)
    return X, y, ids


def training_set(
    frames: dict[str, pd.DataFrame],
    features: FeatureSet,
    failures: pd.DataFrame,
    horizon: int,
    task: str,
    past_failure_feature: bool,
    closed_by: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Every row whose outcome window the labels cover: what a production model learns from.

    With `closed_by`, only rows whose window closed by that year, as the backtest trains
    for an origin: a model that has not seen what happened after it."""
    covered = min(last_label_year(), closed_by or last_label_year())
    years = [s for s in sorted(frames) if shift_year(s, horizon) <= covered]
    return stacked_design(
        frames, years, features.names, horizon, task, failures, past_failure_feature
    )


def class_column(model) -> str | None:
    """The column a model reads the authority class from: the index's peer groups, or the
    logit's class baseline; None for a model that does not read it."""
    return getattr(model, "peer_column", None) or getattr(model, "baseline_column", None)


def with_class(model, X: pd.DataFrame, ids: pd.DataFrame) -> pd.DataFrame:
    """Give a model that reads the authority class (peer groups, class baseline) its column."""
    column = class_column(model)
    return X.assign(**{column: ids["class"].to_numpy()}) if column else X
