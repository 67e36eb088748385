"""Gradient-boosted trees (LightGBM): the expected challenger.

Monotone constraints follow each feature's known direction, so a riskier ratio
can never lower the score. LightGBM routes missing values to whichever side of
each split fits best, so NaN needs no imputation and its effect lands in the
feature's own TreeSHAP contribution. Raw boosted scores of a rare-event model
are poorly calibrated, so a Platt (sigmoid) map ``a + b * raw`` is fitted on
out-of-fold raw scores (folds grouped by authority and stratified by outcome);
contributions are the native TreeSHAP values (``pred_contrib``) times ``b``,
with the baseline ``a + b * expected raw score``, so they sum to the calibrated
log-odds. No class weights: re-weighting would break the calibration.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from numbers import Integral, Real
from typing import ClassVar

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.utils import check_scalar

from .base import RiskModel, check_directions, check_flag, fit_logistic_1d, group_codes


class BoostedTrees(RiskModel):
    """Monotone LightGBM classifier with TreeSHAP contributions and Platt calibration.

    Defaults (those of ``configs/models.toml``) suit a few dozen events among a
    few thousand rows: shallow trees, large leaves, a strong L2 leaf penalty, row
    and column subsampling and a small learning rate. ``num_threads`` defaults
    to 1 so parallel backtest origins do not oversubscribe the machine; with
    ``deterministic=True`` and a fixed ``random_state`` two fits give identical
    probabilities.

    Parameters
    ----------
    directions : mapping of str to int, optional
        Feature name to +1/-1: the monotone constraint of each feature (0 or
        absent leaves it free).
    n_estimators : int, default 300
        Boosting rounds.
    learning_rate : float, default 0.03
        Shrinkage per round.
    num_leaves : int, default 7
        Maximum leaves per tree.
    max_depth : int, default 3
        Maximum tree depth (0 or less: no limit).
    min_child_samples : int, default 40
        Minimum rows in a leaf.
    reg_lambda : float, default 10.0
        L2 penalty on leaf values.
    feature_fraction, bagging_fraction : float, default 0.8
        Share of columns per tree and of rows per round.
    calibration_folds : int, default 5
        Folds for the out-of-fold scores the Platt map is fitted on (capped by
        the number of events and of authorities).
    random_state : int, default 0
        Seed of LightGBM and of the calibration folds.
    num_threads : int, default 1
        LightGBM threads (0 or less: LightGBM's default).
    deterministic : bool, default True
        LightGBM's deterministic mode.

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        Feature columns seen in ``fit``.
    n_features_in_ : int
        Number of feature columns.
    classes_ : ndarray
        ``[0, 1]``.
    directions_ : ndarray of int
        Monotone constraint per feature.
    intercept_, slope_ : float
        The Platt map ``logit P = intercept_ + slope_ * raw score``.
    booster_ : lightgbm.Booster
        The booster trained on every row.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskwatch.models import BoostedTrees
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"debt": rng.normal(size=600), "reserves": rng.normal(size=600)})
    >>> y = (rng.random(600) < np.where(X["debt"] > 0.5, 0.25, 0.05)).astype(int)
    >>> model = BoostedTrees(directions={"debt": 1, "reserves": -1}, n_estimators=30)
    >>> model = model.fit(X, y, groups=np.arange(600) // 3)
    >>> model.predict_proba(X).shape
    (600, 2)
    >>> parts = model.contributions(X)
    >>> list(parts.columns)
    ['debt', 'reserves', 'baseline']
    >>> bool(np.allclose(parts.sum(axis=1), model.decision_function(X)))
    True
    """

    _fitted_attributes: ClassVar[tuple[str, ...]] = ("slope_", "booster_")

    def __init__(
        self,
        directions: Mapping[str, int] | None = None,
        n_estimators: int = 300,
        learning_rate: float = 0.03,
        num_leaves: int = 7,
        max_depth: int = 3,
        min_child_samples: int = 40,
        reg_lambda: float = 10.0,
        feature_fraction: float = 0.8,
        bagging_fraction: float = 0.8,
        calibration_folds: int = 5,
        random_state: int = 0,
        num_threads: int = 1,
        deterministic: bool = True,
    ) -> None:
        self.directions = directions
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.calibration_folds = calibration_folds
        self.random_state = random_state
        self.num_threads = num_threads
        self.deterministic = deterministic

    def _check_params(self) -> None:
        super()._check_params()
        check_scalar(self.n_estimators, "n_estimators", Integral, min_val=1)
        check_scalar(
            self.learning_rate, "learning_rate", Real, min_val=0, include_boundaries="neither"
        )
        check_scalar(self.num_leaves, "num_leaves", Integral, min_val=2)
        check_scalar(self.max_depth, "max_depth", Integral)
        check_scalar(self.min_child_samples, "min_child_samples", Integral, min_val=0)
        check_scalar(self.reg_lambda, "reg_lambda", Real, min_val=0)
        for name in ("feature_fraction", "bagging_fraction"):
            check_scalar(
                getattr(self, name), name, Real, min_val=0, max_val=1, include_boundaries="right"
            )
        check_scalar(self.calibration_folds, "calibration_folds", Integral, min_val=2)
        check_scalar(self.random_state, "random_state", Integral, min_val=0, max_val=2**32 - 1)
        check_scalar(self.num_threads, "num_threads", Integral)
        check_flag(self.deterministic, "deterministic")

    def _fit(self, X: pd.DataFrame, y: object, groups: object) -> None:
        """Fit the booster on all rows and the Platt calibration on out-of-fold scores."""
        values, target = self._start_fit(X, y)
        self.directions_ = check_directions(self.directions, list(self.feature_names_in_))
        codes = group_codes(groups, len(target))
        out_of_fold = np.empty(len(target))
        for train, held_out in self._folds(target, codes):
            booster = self._train(values[train], target[train])
            out_of_fold[held_out] = booster.predict(values[held_out], raw_score=True)
        self.intercept_, self.slope_ = fit_logistic_1d(out_of_fold, target)
        self.booster_ = self._train(values, target)

    def _decision_function(self, X: pd.DataFrame) -> np.ndarray:
        raw = self.booster_.predict(self._matrix(X), raw_score=True)
        return self.intercept_ + self.slope_ * raw

    def _contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        shap = self.booster_.predict(self._matrix(X), pred_contrib=True)
        baseline = self.intercept_ + self.slope_ * shap[:, -1]
        return self._frame(X, self.slope_ * shap[:, :-1], baseline)

    def _folds(self, target: np.ndarray, codes: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Authority-grouped folds, stratified so the few events spread across them."""
        n_groups = int(codes.max()) + 1
        n_splits = max(2, min(self.calibration_folds, int(target.sum()), n_groups))
        splitter = StratifiedGroupKFold(
            n_splits=n_splits, shuffle=True, random_state=self.random_state
        )
        with warnings.catch_warnings():  # "least populated class" is expected with rare events
            warnings.filterwarnings(
                "ignore", message="The least populated class", category=UserWarning
            )
            return list(splitter.split(np.zeros(len(target)), target, codes))

    def _train(self, values: np.ndarray, target: np.ndarray) -> lgb.Booster:
        params = {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_child_samples": self.min_child_samples,
            "lambda_l2": self.reg_lambda,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1,
            "monotone_constraints": self.directions_.tolist(),
            "seed": self.random_state,
            "deterministic": self.deterministic,
            "num_threads": self.num_threads,
            "force_col_wise": True,
            "verbosity": -1,
        }
        data = lgb.Dataset(values, label=target, params={"verbosity": -1})
        return lgb.train(params, data, num_boost_round=self.n_estimators)
