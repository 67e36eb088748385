"""Discrete-time hazard logit: the expected champion.

Rows are authority-years; the outcome is a first failure within the horizon,
so a logit on these rows is a discrete-time hazard model. Two fits are made:

* **Scoring fit** (gives every probability and contribution): an L2-penalised
  logit (statsmodels ``GLM.fit_regularized`` with ``L1_wt=0``, solved by
  Newton-CG, which converges far tighter than the default BFGS) on standardised
  features plus missing indicators, intercept unpenalised. The penalty is
  ``l2 / 2 * |beta|^2`` on the total log-likelihood, i.e. a N(0, 1/l2) prior on
  each coefficient per standard deviation of its feature, so coefficients stay
  finite even where a feature separates the outcomes. With ``monotone`` (the
  champion's setting), each coefficient is held to its feature's declared
  direction: where the free fit gives one the wrong sign, the same penalised
  likelihood is maximised again under sign bounds (scipy's L-BFGS-B), so a
  feature that moves riskier can never lower the score. A coefficient the bound
  holds sits at zero: the feature then says nothing rather than the opposite of
  its mechanism.
* **Inference refit** (gives ``coef_table_``): the unpenalised maximum-likelihood
  logit with standard errors clustered by authority (statsmodels
  ``cov_type="cluster"``). Where it shows separation (statsmodels' separation or
  convergence warnings, or a coefficient beyond +-10 per standard deviation), it
  is replaced by Firth's penalised likelihood (Jeffreys prior, finite under
  separation, less biased with few events) with the same cluster-robust
  sandwich covariance and small-sample correction. Confidence intervals are
  Wald 95% intervals from that covariance.

Class as a baseline: with ``baseline_column`` (the authority class), each class but the
first seen gets its own intercept shift, penalised like every other term. Its effect is
part of the row's baseline, never a contribution, so "an upper-tier council" is context
the score starts from and never a reason.

Missing values: median imputation plus a missing indicator for every feature
missing somewhere in training. Contributions are ``coef * z`` (z is standardised
with training mean 0); the indicators' effects ``gamma * missing`` are part of the
row's baseline with the intercept and the class shift, so they sum exactly. A value
that is missing is context (a year before a source began, a class without the
service, a return not filed, which has its own input), never a reason.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from numbers import Real
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr, ndtri
from sklearn.utils import check_scalar

from .base import (
    MedianImputer,
    RiskModel,
    check_directions,
    check_flag,
    check_optional_text,
    group_codes,
)

# statsmodels is imported where a model is fitted: scoring a registered model (the
# watchlist) needs only numpy, and importing statsmodels.api costs about 0.4 s.

INTERCEPT = "intercept"
_SEPARATION_COEF = 10.0
_Z95 = float(ndtri(0.975))


class HazardLogit(RiskModel):
    """L2-penalised discrete-time hazard logit with a cluster-robust coefficient table.

    ``groups`` passed to ``fit`` are authority ids: standard errors are clustered
    on them (each row is its own cluster when none are given).

    Parameters
    ----------
    directions : mapping of str to int, optional
        Feature name to +1/-1 (expected sign); reported beside each coefficient
        in ``coef_table_``, and imposed on the scoring fit when ``monotone``.
    l2 : float, default 10.0
        Ridge penalty on the total log-likelihood per standardised coefficient
        (the tuned default of ``configs/models.toml``).
    baseline_column : str, optional
        Column of X holding the authority class (not a feature): each class gets its own
        baseline, which contributions leave out.
    monotone : bool, default True
        Hold each scoring coefficient to its feature's direction (+1: at least zero,
        -1: at most zero; a feature without a direction is free), so the score never
        falls as a feature moves its risky way. The inference refit stays free: its
        table still shows what the data say.

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        Feature columns seen in ``fit``, in the order the model reads them.
    n_features_in_ : int
        Number of feature columns.
    classes_ : ndarray
        ``[0, 1]``.
    directions_ : ndarray of int
        Expected sign per feature (0 where none was given).
    imputer_ : MedianImputer
        Training medians and which features carry a missing indicator.
    means_, scales_ : ndarray
        Mean and standard deviation of each imputed feature (standardisation).
    intercept_ : float
        Scoring intercept (log-odds of a council at the training mean, indicators at 0).
    coef_ : ndarray
        Scoring coefficient per standardised feature.
    indicator_coef_ : ndarray
        Scoring coefficient per missing indicator.
    baseline_levels_ : ndarray of str
        Classes seen in ``fit`` (empty without ``baseline_column``); the first is the
        reference, each other has a coefficient in ``level_coef_``.
    level_coef_ : ndarray
        Baseline shift per class after the first.
    separation_ : bool
        Whether the inference refit fell back to Firth's penalised likelihood.
    coef_table_ : DataFrame
        Scoring coefficients beside the inference refit's estimates, cluster-robust
        standard errors, Wald 95% intervals, p-values and method, one row per term.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskwatch.models import HazardLogit
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"debt": rng.normal(size=400), "reserves": rng.normal(size=400)})
    >>> y = (rng.random(400) < np.where(X["debt"] > 0.5, 0.25, 0.05)).astype(int)
    >>> model = HazardLogit(directions={"debt": 1, "reserves": -1}).fit(X, y)
    >>> model.predict_proba(X).shape
    (400, 2)
    >>> parts = model.contributions(X)
    >>> list(parts.columns)
    ['debt', 'reserves', 'baseline']
    >>> bool(np.allclose(parts.sum(axis=1), model.decision_function(X)))
    True
    >>> bool(model.coef_table_.loc["debt", "ci_low"] > 0)
    True
    """

    _fitted_attributes: ClassVar[tuple[str, ...]] = ("intercept_", "coef_table_")

    def __init__(
        self,
        directions: Mapping[str, int] | None = None,
        l2: float = 10.0,
        baseline_column: str | None = None,
        monotone: bool = True,
    ) -> None:
        self.directions = directions
        self.l2 = l2
        self.baseline_column = baseline_column
        self.monotone = monotone

    def _check_params(self) -> None:
        super()._check_params()
        check_scalar(self.l2, "l2", Real, min_val=0)
        check_optional_text(self.baseline_column, "baseline_column")
        check_flag(self.monotone, "monotone")

    def _fit(self, X: pd.DataFrame, y: object, groups: object) -> None:
        """Fit the penalised scoring model, then the inference refit for ``coef_table_``."""
        import statsmodels.api as sm

        column = self.baseline_column
        if column is not None and column not in X.columns:
            raise ValueError(f"X lacks the baseline column {column!r}")
        values, target = self._start_fit(X, y, exclude=(column,) if column else ())
        self.baseline_levels_ = (
            np.array(sorted(X[column].astype(str).unique())) if column else np.array([], str)
        )
        self.directions_ = check_directions(self.directions, list(self.feature_names_in_))
        self.imputer_ = MedianImputer.fit(values)
        filled, _ = self.imputer_.transform(values)
        self.means_ = filled.mean(axis=0)
        spread = filled.std(axis=0)
        self.scales_ = np.where(spread > 0, spread, 1.0)
        design = np.column_stack([np.ones(len(target)), self._design(values), self._levels(X)])

        alpha = np.full(design.shape[1], self.l2 / len(target))
        alpha[0] = 0.0
        glm = sm.GLM(target, design, family=sm.families.Binomial())
        params = np.asarray(
            glm.fit_regularized(alpha=alpha, L1_wt=0.0, opt_method="newton-cg").params
        )
        signs = np.zeros(design.shape[1], dtype=int)
        if self.monotone:
            signs[1 : 1 + self.n_features_in_] = self.directions_
        if (params * signs < 0).any():
            params = _sign_bounded_ridge_logit(design, target, self.l2, signs, start=params)
        n_features, n_levels = self.n_features_in_, max(len(self.baseline_levels_) - 1, 0)
        self.intercept_ = float(params[0])
        self.coef_ = params[1 : 1 + n_features]
        self.indicator_coef_ = params[1 + n_features : len(params) - n_levels]
        self.level_coef_ = params[len(params) - n_levels :]
        self.coef_table_ = self._inference_table(design, target, group_codes(groups, len(X)))

    def _coefficient_table(self) -> pd.DataFrame:
        """``coef_table_``: scoring coefficients beside the cluster-robust refit's intervals."""
        return self.coef_table_

    def _decision_function(self, X: pd.DataFrame) -> np.ndarray:
        design = self._design(self._matrix(X))
        coefficients = np.concatenate([self.coef_, self.indicator_coef_])
        return self.intercept_ + design @ coefficients + self._levels(X) @ self.level_coef_

    def _contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        design = self._design(self._matrix(X))
        n_features = self.n_features_in_
        parts = design[:, :n_features] * self.coef_
        missing = design[:, n_features:] @ self.indicator_coef_
        baseline = self.intercept_ + missing + self._levels(X) @ self.level_coef_
        return self._frame(X, parts, baseline)

    def _design(self, values: np.ndarray) -> np.ndarray:
        """Standardised imputed features, then the raw 0/1 missing indicators."""
        filled, indicators = self.imputer_.transform(values)
        return np.column_stack([(filled - self.means_) / self.scales_, indicators])

    def _levels(self, X: pd.DataFrame) -> np.ndarray:
        """0/1 columns for each class after the first (none without a baseline column); a
        class unseen in training takes the reference class's baseline."""
        others = self.baseline_levels_[1:]
        if not len(others):
            return np.zeros((len(X), 0))
        if self.baseline_column not in X.columns:
            raise ValueError(f"X lacks the baseline column {self.baseline_column!r}")
        classes = X[self.baseline_column].astype(str).to_numpy()
        return (classes[:, None] == others[None, :]).astype(float)

    def _terms(self) -> list[str]:
        names = list(self.feature_names_in_)
        flagged = [n for n, f in zip(names, self.imputer_.with_indicator, strict=True) if f]
        levels = [f"{self.baseline_column}={level}" for level in self.baseline_levels_[1:]]
        return [INTERCEPT, *names, *(f"{n}__missing" for n in flagged), *levels]

    def _inference_table(
        self, design: np.ndarray, target: np.ndarray, codes: np.ndarray
    ) -> pd.DataFrame:
        """Scoring coefficients beside the cluster-robust inference refit."""
        # Constant columns and exact duplicates (features missing together) are
        # not identifiable without a penalty; they are left out of the refit.
        varies = np.r_[True, design[:, 1:].std(axis=0) > 0]
        first_of_kind = np.zeros(design.shape[1], dtype=bool)
        first_of_kind[np.unique(design, axis=1, return_index=True)[1]] = True
        estimable = varies & first_of_kind
        kept = design[:, estimable]
        fitted = _mle_cluster(kept, target, codes)
        self.separation_ = fitted is None
        estimate, cov = fitted if fitted is not None else _firth_cluster(kept, target, codes)
        method = "firth" if self.separation_ else "mle"

        n_terms, n_features = design.shape[1], self.n_features_in_
        estimates = np.full(n_terms, np.nan)
        estimates[estimable] = estimate
        errors = np.full(n_terms, np.nan)
        errors[estimable] = np.sqrt(np.diag(cov))
        feature_sd = np.full(n_terms, np.nan)
        feature_sd[1 : 1 + n_features] = self.scales_
        direction = np.zeros(n_terms, dtype=int)
        direction[1 : 1 + n_features] = self.directions_
        table = {
            "coef": np.r_[self.intercept_, self.coef_, self.indicator_coef_, self.level_coef_],
            "estimate": estimates,
            "std_error": errors,
            "ci_low": estimates - _Z95 * errors,
            "ci_high": estimates + _Z95 * errors,
            "p_value": 2 * ndtr(-np.abs(estimates / errors)),
            "method": np.where(estimable, method, "not estimable"),
            "feature_sd": feature_sd,
            "direction": direction,
        }
        return pd.DataFrame(table, index=pd.Index(self._terms(), name="term"))


def _sign_bounded_ridge_logit(
    design: np.ndarray, target: np.ndarray, l2: float, signs: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """The ridge logit's coefficients with each held to its sign (+1: >= 0, -1: <= 0, 0: free).

    The objective is the scoring fit's: the negative log-likelihood plus ``l2 / 2`` times the
    squared coefficients, the first column (the intercept) unpenalised. It is convex, so the
    bounded optimum is unique; the search starts from the free fit with its wrong signs set
    to zero.
    """
    from scipy.optimize import minimize  # fitting only: scoring stays free of its import

    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = design @ beta
        value = np.sum(np.logaddexp(0.0, eta) - target * eta) + 0.5 * penalty @ beta**2
        return float(value), design.T @ (expit(eta) - target) + penalty * beta

    bounds = [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs]
    result = minimize(
        loss,
        x0=np.where(start * signs < 0, 0.0, start),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 10_000, "ftol": 1e-15, "gtol": 1e-10},
    )
    return np.asarray(result.x)


def _mle_cluster(
    design: np.ndarray, target: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Unpenalised logit with cluster-robust covariance, or None where separation shows."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        HessianInversionWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    separation_warnings = (
        ConvergenceWarning,
        HessianInversionWarning,
        PerfectSeparationWarning,
        RuntimeWarning,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = sm.Logit(target, design).fit(
                method="newton",
                maxiter=35,
                disp=0,
                cov_type="cluster",
                cov_kwds={"groups": codes},
            )
        except (PerfectSeparationError, np.linalg.LinAlgError):
            return None
    params = np.asarray(result.params)
    cov = np.asarray(result.cov_params())
    trouble = any(issubclass(w.category, separation_warnings) for w in caught)
    if (
        trouble
        or not result.mle_retvals.get("converged", False)
        or not np.all(np.isfinite(cov))
        or np.abs(params[1:]).max(initial=0.0) > _SEPARATION_COEF
    ):
        return None
    return params, cov


def _firth_cluster(
    design: np.ndarray, target: np.ndarray, codes: np.ndarray, maxiter: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """Firth-penalised logit (Newton with step halving) and its cluster-robust covariance."""

    def evaluate(beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Probabilities, weights, Fisher information and the penalised log-likelihood."""
        eta = design @ beta
        p = expit(eta)
        w = p * (1 - p)
        info = design.T @ (design * w[:, None])
        loglike = np.sum(target * eta - np.logaddexp(0.0, eta))
        return p, w, info, float(loglike + 0.5 * np.linalg.slogdet(info)[1])

    def modified_scores(p: np.ndarray, w: np.ndarray, info: np.ndarray) -> tuple:
        """Per-row Firth-modified scores and the inverse information."""
        bread = np.linalg.pinv(info)
        leverage = w * np.sum((design @ bread) * design, axis=1)
        return design * (target - p + leverage * (0.5 - p))[:, None], bread

    beta = np.zeros(design.shape[1])
    p, w, info, current = evaluate(beta)
    for _ in range(maxiter):
        scores, bread = modified_scores(p, w, info)
        step = bread @ scores.sum(axis=0)
        step *= min(1.0, 5.0 / max(np.abs(step).max(), 1e-300))
        for _ in range(50):
            candidate = evaluate(beta + step)
            if candidate[3] >= current - 1e-10:
                break
            step /= 2
        beta = beta + step
        p, w, info, current = candidate
        if np.abs(step).max() < 1e-8:
            break
    scores, bread = modified_scores(p, w, info)
    return beta, _cluster_sandwich(scores, bread, codes)


def _cluster_sandwich(scores: np.ndarray, bread: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Cluster-robust covariance with statsmodels' small-sample correction."""
    n, k = scores.shape
    n_groups = int(codes.max()) + 1
    summed = np.zeros((n_groups, k))
    np.add.at(summed, codes, scores)
    correction = n_groups / (n_groups - 1) * (n - 1) / (n - k)
    return correction * bread @ (summed.T @ summed) @ bread
