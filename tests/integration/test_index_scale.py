"""The resilience index scores many rows at once (rows grouped by peer group, one search per
present value, each column read back in row order) exactly as it scored them one peer group
and one column at a time with both ends of the tie band searched: the scores must not move
by a bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from riskwatch.models import ResilienceIndex
from riskwatch.models.index import _NEUTRAL, TIE_FLOOR, TIE_TOLERANCE


def _percentile_both_ends(reference: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The percentile as it was first written: both ends of the tie band always searched."""
    if reference.size == 0:
        return np.full(x.shape, _NEUTRAL)
    slack = np.where(np.isfinite(x), np.maximum(TIE_TOLERANCE * np.abs(x), TIE_FLOOR), 0.0)
    below = np.searchsorted(reference, x - slack, side="left")
    at_or_below = np.searchsorted(reference, x + slack, side="right")
    pct = (below + at_or_below) / (2.0 * reference.size)
    return np.where(np.isnan(x), _NEUTRAL, pct)


def _stress_row_group_by_row_group(index: ResilienceIndex, X: pd.DataFrame) -> np.ndarray:
    """The stress score computed one peer group and one column at a time."""
    values = index._matrix(X)
    peers = X["class"].astype(str).to_numpy(dtype=object)
    pct = np.full(values.shape, _NEUTRAL)
    for peer in np.unique(peers):
        rows = peers == peer
        reference = index.peer_reference_.get(str(peer), index.pooled_reference_)
        for j, ref in enumerate(reference):
            pct[rows, j] = _percentile_both_ends(ref, values[rows, j])
    return np.where(index.directions_ < 0, 1.0 - pct, pct) @ index.weights_


@pytest.fixture(scope="module")
def real_index(frames, feature_inputs) -> tuple[ResilienceIndex, pd.DataFrame]:
    """The index fitted on the real 2022-23 frame, and every real frame to score."""
    names = [n for n in feature_inputs.names if n in frames["2022-23"].columns]
    train = frames["2022-23"]
    X = train[names].astype(float).assign(**{"class": train["class"]})
    y = np.arange(len(X)) % 7 == 0  # the index learns only its calibration from labels
    index = ResilienceIndex(directions={n: feature_inputs.directions[n] for n in names})
    index.fit(X, y.astype(int))
    every = pd.concat(frames.values(), ignore_index=True)
    scored = every[names].astype(float).assign(**{"class": every["class"]})
    return index, scored


def test_real_frames_score_bit_identically(real_index) -> None:
    index, X = real_index
    assert np.array_equal(index.stress_score(X), _stress_row_group_by_row_group(index, X))


def test_many_rows_score_bit_identically(real_index) -> None:
    """Jitter off the training values, a value a hair from a training value, an unseen peer
    group, missing values: the search with its fallback agrees."""
    index, X = real_index
    rng = np.random.default_rng(23)
    many = X.sample(20_000, replace=True, random_state=23).reset_index(drop=True)
    numeric = many.columns.drop("class")
    jitter = rng.choice([1.0, 1.0 + 1e-12, 1.0 - 1e-8, 1.1], size=(len(many), len(numeric)))
    many[numeric] = many[numeric].to_numpy() * jitter
    many.loc[:100, numeric[0]] = np.nan
    many.loc[101:200, "class"] = "NEW"
    assert np.array_equal(index.stress_score(many), _stress_row_group_by_row_group(index, many))
