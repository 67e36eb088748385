"""Resilience index: the transparent, untrained yardstick every model must beat.

In the spirit of the CIPFA Financial Resilience Index and the New York State
fiscal stress points: each ratio is scored by its percentile among the council's
peers, turned so that 1 is the risky end, and the weighted average is a stress
score between 0 and 1. Nothing about the score is learnt from outcomes; only a
monotone one-dimensional logistic maps it to a probability, so the index can be
compared with the trained models on the same scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pandas as pd

from .base import (
    RiskModel,
    check_directions,
    check_mapping,
    check_optional_text,
    fit_logistic_1d,
)

_NEUTRAL = 0.5
TIE_TOLERANCE = 1e-7
"""Relative distance within which a value counts as equal to a training value."""
TIE_FLOOR = 1e-9
"""Absolute distance within which a value near zero counts as equal to a training value:
JSON (pandas' `to_json`) rounds to ten decimal places, not ten significant digits."""


class ResilienceIndex(RiskModel):
    """Weighted within-peer-group percentiles, calibrated to a probability.

    A missing value scores the neutral percentile 0.5 and so contributes
    nothing. Contributions are the calibration slope times each feature's
    weighted distance from the neutral percentile; the baseline is the log-odds
    of a council at the median of everything. ``groups`` is accepted for the
    shared interface and unused: the index learns nothing per authority.

    Parameters
    ----------
    directions : mapping of str to int, optional
        Feature name to +1 (higher is riskier) or -1 (higher is safer); every
        feature with a positive weight needs one.
    weights : mapping of str to float, optional
        Feature name to a non-negative weight; ``None`` or an empty mapping weighs
        all features equally, features left out of a given mapping weigh nothing.
        Weights are normalised to sum to 1.
    peer_column : str or None, default "class"
        Column of X holding the peer group (the authority class: SC, SD, UA, MD,
        L). It is not a feature. Percentiles are positions in the *training*
        distribution of the same peer group (mid-rank empirical CDF), so a row's
        score depends on that row alone and never on who else is scored with it.
        ``None``, or a group unseen in training, compares with all councils.

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        Feature columns seen in ``fit`` (the peer column excluded).
    n_features_in_ : int
        Number of feature columns.
    classes_ : ndarray
        ``[0, 1]``.
    weights_ : ndarray
        Normalised weight per feature (sums to 1).
    directions_ : ndarray of int
        +1/-1 per feature (0 only for features weighing nothing).
    pooled_reference_ : list of ndarray
        Sorted observed training values of each feature, all councils together.
    peer_reference_ : dict of str to list of ndarray
        The same per peer group (empty when ``peer_column`` is None).
    intercept_, slope_ : float
        The monotone calibration ``logit P = intercept_ + slope_ * stress score``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskwatch.models import ResilienceIndex
    >>> X = pd.DataFrame({"debt": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0], "class": list("AAABBB")})
    >>> index = ResilienceIndex(directions={"debt": 1}).fit(X, [0, 0, 1, 0, 0, 1])
    >>> index.stress_score(X).round(3).tolist()
    [0.167, 0.5, 0.833, 0.167, 0.5, 0.833]
    >>> parts = index.contributions(X)
    >>> list(parts.columns)
    ['debt', 'baseline']
    >>> bool(np.allclose(parts.sum(axis=1), index.decision_function(X)))
    True
    """

    _fitted_attributes: ClassVar[tuple[str, ...]] = ("weights_", "intercept_", "slope_")

    def __init__(
        self,
        directions: Mapping[str, int] | None = None,
        weights: Mapping[str, float] | None = None,
        peer_column: str | None = "class",
    ) -> None:
        self.directions = directions
        self.weights = weights
        self.peer_column = peer_column

    def _check_params(self) -> None:
        super()._check_params()
        check_mapping(self.weights, "weights")
        check_optional_text(self.peer_column, "peer_column")

    def _fit(self, X: pd.DataFrame, y: object, groups: object) -> None:
        """Store the peer distributions and fit the score-to-probability calibration."""
        exclude = (self.peer_column,) if self.peer_column is not None else ()
        values, target = self._start_fit(X, y, exclude=exclude)
        names = list(self.feature_names_in_)
        self.weights_ = self._normalised_weights(names)
        self.directions_ = check_directions(self.directions, names)
        undirected = [
            n
            for n, w, d in zip(names, self.weights_, self.directions_, strict=True)
            if w > 0 and d == 0
        ]
        if undirected:
            raise ValueError(f"the index needs a direction (+1 or -1) for {undirected}")
        peers = self._peers(X)
        self.pooled_reference_ = _sorted_columns(values)
        self.peer_reference_ = (
            {str(p): _sorted_columns(values[peers == p]) for p in np.unique(peers)}
            if self.peer_column is not None
            else {}
        )
        self.intercept_, self.slope_ = fit_logistic_1d(self._stress_score(X), target)

    def stress_score(self, X: pd.DataFrame) -> np.ndarray:
        """Weighted average oriented percentile: 0 safest, 1 most stressed."""
        self._check_fitted()
        return self._stress_score(X)

    def _stress_score(self, X: pd.DataFrame) -> np.ndarray:
        return self._oriented(X) @ self.weights_

    def _decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return self.intercept_ + self.slope_ * self._stress_score(X)

    def _contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        parts = self.slope_ * self.weights_ * (self._oriented(X) - _NEUTRAL)
        baseline = np.full(len(X), self.intercept_ + self.slope_ * _NEUTRAL)
        return self._frame(X, parts, baseline)

    def _oriented(self, X: pd.DataFrame) -> np.ndarray:
        """Percentile per feature among peers, flipped so 1 is always the risky end.

        Each column is put in peer-group order, so a group's values are one contiguous run
        searched at once in its training values, then read back in row order straight into
        its column of the result (flipped where higher is safer: reading in order is cheaper
        than scattering). One thread: a large frame is scored in chunks over the cores
        (`riskwatch.scoring`), which also shares out building the inputs."""
        values = np.asfortranarray(self._matrix(X))
        codes, peers = pd.factorize(self._peers(X))
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(peers) + 1))
        blocks = [
            (self.peer_reference_.get(str(peer), self.pooled_reference_), start, stop)
            for peer, start, stop in zip(peers, bounds[:-1], bounds[1:], strict=True)
        ]
        oriented = np.empty(values.shape)
        place = np.argsort(order)  # each row's place in peer-group order
        for j in range(values.shape[1]):
            column = values[:, j][order]
            pct = np.empty(len(column))
            for reference, start, stop in blocks:
                pct[start:stop] = _percentile(reference[j], column[start:stop])
            oriented[:, j] = (1.0 - pct if self.directions_[j] < 0 else pct)[place]
        return oriented

    def _peers(self, X: pd.DataFrame) -> np.ndarray:
        if self.peer_column is None:
            return np.zeros(len(X), dtype=object)
        if self.peer_column not in X.columns:
            raise ValueError(f"X lacks the peer group column {self.peer_column!r}")
        return X[self.peer_column].astype(str).to_numpy(dtype=object)

    def _normalised_weights(self, names: list[str]) -> np.ndarray:
        if not self.weights:
            return np.full(len(names), 1.0 / len(names))
        unknown = sorted(set(self.weights) - set(names))
        if unknown:
            raise ValueError(f"index weights name features not in X: {unknown}")
        raw = np.array([float(self.weights.get(n, 0.0)) for n in names])
        if (raw < 0).any() or raw.sum() <= 0:
            raise ValueError("index weights must be non-negative with a positive sum")
        return raw / raw.sum()


def _sorted_columns(values: np.ndarray) -> list[np.ndarray]:
    """Observed values of each column, sorted (the peer group's reference distribution)."""
    return [np.sort(col[~np.isnan(col)]) for col in values.T]


def _percentile(reference: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Mid-rank empirical CDF of x in ``reference``; neutral where x or the reference is empty.

    Training values within a relative ``TIE_TOLERANCE`` of x (at least ``TIE_FLOOR``) count
    as tied with it: the CDF steps at every training value, so without the tolerance a value
    equal to a block of tied training values and the same value after float noise (1e-11
    lower, or rounded to ten decimal places as JSON sends it) would fall on opposite sides of
    the block.

    Only the values present are placed (a third of a frame's values may be missing).
    """
    pct = np.full(x.shape, _NEUTRAL)
    present = ~np.isnan(x)
    if reference.size == 0 or not present.any():
        return pct
    pct[present] = _placed(reference, x[present])
    return pct


def _placed(reference: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The mid-rank CDF of finite values x in a non-empty sorted ``reference`` (the model's
    inputs refuse infinity).

    One search places every x among the training values; the ends of the tolerance band are
    searched again only for the values with a training value inside the band (few, except
    where x was a training value), which gives the same counts as searching both ends always.
    The training values either side of each x are read from the reference padded with
    -inf and +inf, so no position needs clipping."""
    slack = np.abs(x)
    slack *= TIE_TOLERANCE
    np.maximum(slack, TIE_FLOOR, out=slack)
    low, high = x - slack, x + slack
    position = np.searchsorted(reference, x, side="left")
    padded = np.concatenate(([-np.inf], reference, [np.inf]))
    below = position.copy()
    near = padded[position] >= low  # the training value just below x is inside the band
    below[near] = np.searchsorted(reference, low[near], side="left")
    at_or_below = position
    near = padded[position + 1] <= high  # the training value at or just above x is inside
    at_or_below[near] = np.searchsorted(reference, high[near], side="right")
    return (below + at_or_below) / (2.0 * reference.size)
