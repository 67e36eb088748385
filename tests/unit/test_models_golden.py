"""Golden checks of the models' statistics against statsmodels, and the docstring examples.

The references are statsmodels' own fits on the same data: the Platt recalibration
of the boosted trees against ``sm.Logit`` on the out-of-fold scores, and the
cluster-robust sandwich of the Firth refit against ``cov_type="cluster"``.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from riskwatch.models import BoostedTrees, base, blend, boosting, index, logit
from riskwatch.models.base import fit_logistic_1d
from riskwatch.models.logit import _cluster_sandwich
from scipy.special import expit


def rare_events(n: int = 2000, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """About 8% events driven by two of three inputs, authorities of about 8 rows each."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["risk", "safety", "noise"])
    eta = -2.8 + 0.9 * X["risk"] - 0.6 * X["safety"]
    y = (rng.random(n) < expit(eta)).to_numpy().astype(int)
    return X, y, rng.integers(0, n // 8, size=n)


def test_platt_recalibration_matches_statsmodels_logit() -> None:
    """The boosted trees' Platt map is the logit of y on the out-of-fold raw scores."""
    X, y, authorities = rare_events()
    model = BoostedTrees(directions={"risk": 1, "safety": -1}, n_estimators=60)
    model.fit(X, y, groups=authorities)
    values = X.to_numpy()
    codes = pd.factorize(authorities)[0]
    out_of_fold = np.empty(len(y))
    for train, held_out in model._folds(y, codes):
        booster = model._train(values[train], y[train])
        out_of_fold[held_out] = booster.predict(values[held_out], raw_score=True)

    reference = sm.Logit(y, sm.add_constant(out_of_fold)).fit(disp=0, tol=1e-12)
    a, b = reference.params
    assert b > 0  # the bound at zero is inactive, so the two fits solve the same problem
    np.testing.assert_allclose([model.intercept_, model.slope_], [a, b], rtol=1e-4)
    np.testing.assert_allclose(fit_logistic_1d(out_of_fold, y), [a, b], rtol=1e-4)


def test_cluster_sandwich_matches_statsmodels_cluster_covariance() -> None:
    """At the maximum-likelihood fit, the sandwich of the Firth refit is statsmodels' one."""
    X, y, authorities = rare_events()
    design = sm.add_constant(X.to_numpy())
    codes = pd.factorize(authorities)[0]
    result = sm.Logit(y, design).fit(
        disp=0, method="newton", tol=1e-12, cov_type="cluster", cov_kwds={"groups": codes}
    )
    p = expit(design @ result.params)
    scores = design * (y - p)[:, None]
    bread = np.linalg.inv(design.T @ (design * (p * (1 - p))[:, None]))
    np.testing.assert_allclose(
        _cluster_sandwich(scores, bread, codes), result.cov_params(), rtol=1e-8
    )


@pytest.mark.parametrize("module", [base, index, logit, boosting, blend])
def test_docstring_examples_run(module: object) -> None:
    """Every family's numpydoc example runs and prints what it shows."""
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if module is not base:
        assert result.attempted > 0, f"{module.__name__} has no docstring example"
