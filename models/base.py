"""The interface every model family shares, and the helpers they have in common.

A model takes a feature frame (numeric ratios, NaN where an input is missing)
and returns probabilities plus additive per-feature contributions in log-odds:
``contributions(X).sum(axis=1) == logit(predict_proba(X)[:, 1])`` for every row.
That identity is what lets the watchlist say *why* a council ranks where it does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

BASELINE = "baseline"

# Ridge on the slope of a one-dimensional logistic calibration, on the total
# log-likelihood: negligible with real overlap, but keeps the slope finite when
# the score separates the classes perfectly.
_CALIBRATION_L2 = 1e-3


class RiskModel(ClassifierMixin, BaseEstimator, ABC):
    """Base of the model families: scikit-learn estimator with log-odds contributions.

    The public methods are template methods: ``fit`` checks the parameters
    (``_check_params``, scikit-learn's ``check_scalar`` and plain checks) before any
    data is touched, and every post-fit
    method checks the model is fitted (scikit-learn's ``NotFittedError``) before
    reading a fitted attribute. Subclasses implement the hooks ``_fit``,
    ``_decision_function`` (the model's log-odds, computed the model's own way)
    and ``_contributions`` (the same log-odds split into one column per feature
    plus ``baseline``), and list in ``_fitted_attributes`` what ``_fit`` sets.
    """

    _fitted_attributes: ClassVar[tuple[str, ...]] = ()

    def fit(self, X: pd.DataFrame, y: object, groups: object = None) -> RiskModel:
        """Fit on a feature frame and binary outcomes; ``groups`` are authority ids."""
        self._check_params()
        self._fit(X, y, groups)
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class for each row."""
        self._check_fitted()
        return self._decision_function(X)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-feature log-odds contributions plus ``baseline``; rows sum to the log-odds."""
        self._check_fitted()
        return self._contributions(X)

    def coefficient_table(self) -> pd.DataFrame | None:
        """Estimated coefficients with confidence intervals, for families that have them."""
        self._check_fitted()
        return self._coefficient_table()

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities of class 0 and class 1, shape (n, 2)."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Class at a 0.5 threshold (rarely useful for rare events; rank by probability)."""
        return (self.decision_function(X) >= 0.0).astype(int)

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once every attribute ``_fit`` sets exists (scikit-learn's protocol)."""
        return bool(self._fitted_attributes) and all(
            hasattr(self, name) for name in self._fitted_attributes
        )

    def _check_fitted(self) -> None:
        """Raise scikit-learn's ``NotFittedError`` unless ``fit`` has completed."""
        check_is_fitted(self)

    def _check_params(self) -> None:
        """Raise TypeError or ValueError naming the parameter when one is out of range."""
        check_mapping(self.directions, "directions")

    @abstractmethod
    def _fit(self, X: pd.DataFrame, y: object, groups: object) -> None:
        """Set the fitted attributes (parameters are already validated)."""

    @abstractmethod
    def _decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the positive class for each row (the model is fitted)."""

    @abstractmethod
    def _contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-feature contributions plus ``baseline`` (the model is fitted)."""

    def _coefficient_table(self) -> pd.DataFrame | None:
        """Coefficients with intervals; None for families without coefficients."""
        return None

    def _start_fit(
        self, X: pd.DataFrame, y: object, exclude: tuple[str, ...] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Record the feature names and return the checked feature matrix and 0/1 target."""
        if not isinstance(X, pd.DataFrame):
            raise TypeError("X must be a pandas DataFrame of features")
        names = [str(c) for c in X.columns if c not in exclude]
        if not names:
            raise ValueError("X has no feature columns")
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.classes_ = np.array([0, 1])
        return self._matrix(X), check_target(y, len(X))

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        """Feature matrix in training column order (float, NaN for missing)."""
        return feature_matrix(X, list(self.feature_names_in_))

    def _frame(self, X: pd.DataFrame, parts: np.ndarray, baseline: np.ndarray) -> pd.DataFrame:
        """Contributions as a DataFrame indexed like X."""
        out = pd.DataFrame(parts, index=X.index, columns=list(self.feature_names_in_))
        out[BASELINE] = baseline
        return out


def check_mapping(value: object, name: str) -> None:
    """A parameter that is a mapping or None (directions, weights)."""
    if value is not None and not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping or None, not {type(value).__name__}")


def check_optional_text(value: object, name: str) -> None:
    """A parameter that is a string or None (a column name)."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None, not {type(value).__name__}")


def check_flag(value: object, name: str) -> None:
    """A parameter that is True or False."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__}")


def check_names(value: object, name: str) -> None:
    """A parameter that is a sequence of column names (a list or tuple, not one string)."""
    if isinstance(value, str) or not isinstance(value, list | tuple | np.ndarray):
        raise TypeError(f"{name} must be a list of column names, not {type(value).__name__}")


def feature_matrix(X: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Select ``names`` from X as floats; NaN is a missing input, infinity an error."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError("X must be a pandas DataFrame of features")
    missing = [n for n in names if n not in X.columns]
    if missing:
        raise ValueError(f"X lacks feature columns the model was fitted on: {missing}")
    try:
        values = X[names].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"feature columns must be numeric: {exc}") from exc
    infinite = np.isinf(values).any(axis=0)
    if infinite.any():
        bad = [n for n, flag in zip(names, infinite, strict=True) if flag]
        raise ValueError(f"infinite values in features {bad}; use NaN for undefined ratios")
    return values


def check_target(y: object, n: int) -> np.ndarray:
    """Binary 0/1 outcome of length n containing both classes."""
    target = np.asarray(y, dtype=float).ravel()
    if target.shape[0] != n:
        raise ValueError(f"y has {target.shape[0]} values for {n} rows")
    if not np.isin(target, (0.0, 1.0)).all():
        raise ValueError("y must contain only 0 and 1")
    if target.min() == target.max():
        raise ValueError("y must contain both outcomes to fit a probability model")
    return target.astype(int)


def group_codes(groups: object, n: int) -> np.ndarray:
    """Integer codes for authority ids; each row its own group when none are given."""
    if groups is None:
        return np.arange(n)
    values = np.asarray(groups).ravel()
    if values.shape[0] != n:
        raise ValueError(f"groups has {values.shape[0]} values for {n} rows")
    return pd.factorize(values)[0]


def check_directions(directions: Mapping[str, int] | None, names: list[str]) -> np.ndarray:
    """Direction per feature (+1 higher is riskier, -1 higher is safer, 0 unknown)."""
    given = dict(directions or {})
    bad = {k: v for k, v in given.items() if v not in (-1, 0, 1)}
    if bad:
        raise ValueError(f"directions must be -1, 0 or +1: {bad}")
    return np.array([int(given.get(n, 0)) for n in names])


@dataclass(frozen=True)
class MedianImputer:
    """Median imputation plus missing indicators, fitted on training data.

    Indicators exist only for features that were missing somewhere in training
    (elsewhere their effect cannot be estimated); a model adds the indicator's
    effect to the same feature's contribution, so "missing" explains itself.
    """

    medians: np.ndarray
    with_indicator: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray) -> MedianImputer:
        missing = np.isnan(values)
        medians = np.zeros(values.shape[1])
        observed = ~missing.all(axis=0)
        medians[observed] = np.nanmedian(values[:, observed], axis=0)
        return cls(medians=medians, with_indicator=missing.any(axis=0) & observed)

    def transform(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Imputed values and the indicators (one column per feature with an indicator)."""
        missing = np.isnan(values)
        filled = np.where(missing, self.medians, values)
        return filled, missing[:, self.with_indicator].astype(float)


def fit_logistic_1d(score: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Intercept and non-negative slope of ``logit P(y=1) = a + b * score``.

    The slope is bounded below by zero so calibration can only preserve a
    score's order, never reverse it, and carries a tiny ridge so it stays
    finite when the score separates the outcomes.
    """
    from scipy.optimize import minimize  # fitting only: scoring stays free of its import

    rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = theta[0] + theta[1] * score
        p = expit(eta)
        value = np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * _CALIBRATION_L2 * theta[1] ** 2
        resid = p - y
        grad = np.array([resid.sum(), resid @ score + _CALIBRATION_L2 * theta[1]])
        return value, grad

    result = minimize(
        loss,
        x0=np.array([np.log(rate / (1 - rate)), 0.0]),
        jac=True,
        method="L-BFGS-B",
        bounds=[(None, None), (0.0, None)],
    )
    return float(result.x[0]), float(result.x[1])
