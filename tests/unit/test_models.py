"""Model families on synthetic rare-event data: additivity, monotonicity, determinism, inference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from riskwatch.models import (
    BASELINE,
    FAMILIES,
    BoostedTrees,
    HazardLogit,
    LogitIndexBlend,
    ResilienceIndex,
    load_model_specs,
    make_model,
)
from riskwatch.models.logit import _firth_cluster, _mle_cluster
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

FEATURES = ["debt_ratio", "reserves_ratio", "deficit_ratio", "noise"]
DIRECTIONS = {"debt_ratio": 1, "reserves_ratio": -1, "deficit_ratio": 1, "noise": 1}


def synthetic_panel(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Authority-year rows with about 1-2% events, some inputs missing, a class column."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, len(FEATURES))), columns=FEATURES)
    eta = -5.0 + 1.0 * X["debt_ratio"] - 0.8 * X["reserves_ratio"] + 0.6 * X["deficit_ratio"]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).to_numpy().astype(int)
    X.loc[rng.random(n) < 0.1, "reserves_ratio"] = np.nan
    X.loc[rng.random(n) < 0.05, "deficit_ratio"] = np.nan
    X["class"] = rng.choice(["SD", "UA", "MD", "L", "SC"], size=n)
    authorities = rng.integers(0, n // 10, size=n)
    return X, y, authorities


@pytest.fixture(scope="module")
def panel() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    return synthetic_panel()


@pytest.fixture(scope="module")
def fitted(panel: tuple[pd.DataFrame, np.ndarray, np.ndarray]) -> dict[str, object]:
    X, y, authorities = panel
    models = {
        "index": ResilienceIndex(directions=DIRECTIONS, peer_column="class"),
        "logit": HazardLogit(directions=DIRECTIONS),
        "boosting": BoostedTrees(directions=DIRECTIONS),
        "blend": LogitIndexBlend(
            directions=DIRECTIONS, logit_features=["debt_ratio", "reserves_ratio"]
        ),
    }
    inputs = {"index": X, "logit": X[FEATURES], "boosting": X[FEATURES], "blend": X}
    return {name: m.fit(inputs[name], y, groups=authorities) for name, m in models.items()}


@pytest.mark.parametrize("name", ["index", "logit", "boosting", "blend"])
def test_contributions_sum_to_log_odds(name: str, fitted: dict, panel: tuple) -> None:
    X, _, _ = panel
    model = fitted[name]
    contrib = model.contributions(X)
    p = model.predict_proba(X)[:, 1]
    assert list(contrib.columns) == [*FEATURES, BASELINE]
    assert contrib.index.equals(X.index)
    assert np.isfinite(contrib.to_numpy()).all()
    np.testing.assert_allclose(contrib.sum(axis=1), np.log(p / (1 - p)), rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", ["index", "logit", "boosting", "blend"])
def test_all_missing_row_is_scored(name: str, fitted: dict, panel: tuple) -> None:
    X, _, _ = panel
    row = X.head(1).copy()
    row[FEATURES] = np.nan
    p = fitted[name].predict_proba(row)[:, 1]
    contrib = fitted[name].contributions(row)
    assert 0 < p[0] < 1
    np.testing.assert_allclose(contrib.sum(axis=1), np.log(p / (1 - p)), atol=1e-6)


def test_blend_is_the_recalibrated_average_of_its_members(fitted: dict, panel: tuple) -> None:
    X, y, authorities = panel
    blend = fitted["blend"]
    members = 0.5 * (
        blend.logit_.decision_function(X[["debt_ratio", "reserves_ratio", "class"]])
        + blend.index_.decision_function(X)
    )
    np.testing.assert_allclose(
        blend.decision_function(X), blend.intercept_ + blend.slope_ * members, atol=1e-12
    )
    assert blend.slope_ > 0
    assert abs(blend.predict_proba(X)[:, 1].mean() - y.mean()) < 0.01
    # Features outside the logit still move the score, through the index only.
    contrib = blend.contributions(X)
    index_part = blend.index_.contributions(X)["noise"]
    np.testing.assert_allclose(contrib["noise"], 0.5 * blend.slope_ * index_part, atol=1e-12)
    assert blend.coefficient_table() is blend.logit_.coef_table_
    assert list(blend.logit_.feature_names_in_) == ["debt_ratio", "reserves_ratio"]


def test_boosting_respects_monotone_constraints(fitted: dict, panel: tuple) -> None:
    X, _, _ = panel
    model = fitted["boosting"]
    rows = X[FEATURES].head(40)
    grid = np.linspace(-3, 3, 25)
    for feature, direction in [("debt_ratio", 1), ("reserves_ratio", -1)]:
        scores = np.column_stack(
            [model.predict_proba(rows.assign(**{feature: v}))[:, 1] for v in grid]
        )
        steps = direction * np.diff(scores, axis=1)
        assert (steps >= -1e-12).all(), feature


def test_boosting_is_deterministic_with_fixed_seed(panel: tuple, fitted: dict) -> None:
    X, y, authorities = panel
    again = BoostedTrees(directions=DIRECTIONS).fit(X[FEATURES], y, groups=authorities)
    np.testing.assert_array_equal(again.predict_proba(X), fitted["boosting"].predict_proba(X))


def test_boosting_calibration_keeps_rates_sane(fitted: dict, panel: tuple) -> None:
    X, y, _ = panel
    p = fitted["boosting"].predict_proba(X[FEATURES])[:, 1]
    assert fitted["boosting"].slope_ > 0
    assert abs(p.mean() - y.mean()) < 0.01


def test_index_probability_is_monotone_in_score(fitted: dict, panel: tuple) -> None:
    X, _, _ = panel
    index = fitted["index"]
    score = index.stress_score(X)
    p = index.predict_proba(X)[:, 1]
    order = np.argsort(score, kind="stable")
    assert ((score >= 0) & (score <= 1)).all()
    assert index.slope_ > 0
    assert (np.diff(p[order]) >= 0).all()


def test_index_ranks_within_peer_group() -> None:
    X = pd.DataFrame({"debt": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0], "class": list("AAABBB")})
    y = np.array([0, 0, 1, 0, 0, 1])
    index = ResilienceIndex(directions={"debt": 1}, peer_column="class").fit(X, y)
    score = index.stress_score(X)
    np.testing.assert_allclose(score[:3], score[3:])
    unseen = pd.DataFrame({"debt": [2.0], "class": ["C"]})
    np.testing.assert_allclose(index.stress_score(unseen), [0.25])


@settings(max_examples=50, deadline=None)
@given(
    pool=st.lists(
        st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False), min_size=2, max_size=6
    ),
    picks=st.lists(st.integers(0, 5), min_size=12, max_size=40),
    noise=st.floats(-1e-9, 1e-9),
)
def test_float_noise_moves_no_index_score(
    pool: list[float], picks: list[int], noise: float
) -> None:
    """Inputs drawn from a few values (so training values tie, as a median z-score does) and
    scored again after a relative change of at most 1e-9 keep every probability to 1e-6: the
    index's percentile lookup is the one step in the blend, which is otherwise continuous."""
    values = np.array([pool[i % len(pool)] for i in picks])
    X = pd.DataFrame({"debt": values, "class": (["A", "B"] * len(values))[: len(values)]})
    y = (np.arange(len(values)) % 3 == 0).astype(int)
    index = ResilienceIndex(directions={"debt": 1}, peer_column="class").fit(X, y)
    moved = X.assign(debt=values * (1.0 + noise))
    change = np.abs(index.predict_proba(moved)[:, 1] - index.predict_proba(X)[:, 1])
    assert change.max() <= 1e-6


def test_index_needs_direction_and_known_weights(panel: tuple) -> None:
    X, y, _ = panel
    with pytest.raises(ValueError, match="direction"):
        ResilienceIndex(directions={"debt_ratio": 1}, peer_column=None).fit(X[FEATURES], y)
    with pytest.raises(ValueError, match="not in X"):
        ResilienceIndex(directions=DIRECTIONS, weights={"typo": 1.0}, peer_column=None).fit(
            X[FEATURES], y
        )


def test_index_weights_apply(panel: tuple) -> None:
    X, y, _ = panel
    index = ResilienceIndex(
        directions=DIRECTIONS, weights={"debt_ratio": 3, "noise": 1}, peer_column=None
    )
    contrib = index.fit(X[FEATURES], y).contributions(X[FEATURES])
    np.testing.assert_allclose(index.weights_, [0.75, 0.0, 0.0, 0.25])
    assert (contrib[["reserves_ratio", "deficit_ratio"]] == 0).all().all()


def common_events(n: int = 2000, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """About 10% events, so no feature or missing pattern separates the outcomes."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["risk", "safety", "noise"])
    eta = -2.5 + 0.8 * X["risk"] - 0.5 * X["safety"]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).to_numpy().astype(int)
    X.loc[rng.random(n) < 0.15, "safety"] = np.nan
    return X, y, rng.integers(0, n // 8, size=n)


def against_their_direction() -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
    """Rows where ``cushion`` is declared safer (-1) yet raises the risk in the data, and
    ``strain`` is declared riskier (+1) yet lowers it: a free logit gets both signs wrong."""
    rng = np.random.default_rng(5)
    n = 2500
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["risk", "cushion", "strain"])
    eta = -3.0 + 1.0 * X["risk"] + 0.5 * X["cushion"] - 0.4 * X["strain"]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).to_numpy().astype(int)
    X.loc[rng.random(n) < 0.1, "cushion"] = np.nan
    return X, y, {"risk": 1, "cushion": -1, "strain": 1}


def test_a_monotone_logit_never_gets_a_coefficient_against_its_direction() -> None:
    X, y, directions = against_their_direction()
    free = HazardLogit(directions=directions, monotone=False).fit(X, y)
    assert (free.coef_ * free.directions_ < 0).sum() == 2  # the data pull both the wrong way
    held = HazardLogit(directions=directions).fit(X, y)
    assert (held.coef_ * held.directions_ >= 0).all()
    assert held.coef_table_.loc["cushion", "coef"] == held.coef_[1] == 0.0
    assert held.coef_[0] > 0.5  # the feature with the right sign still carries its weight
    # Moving a feature its risky way never lowers the score, even where the data disagree.
    for name, direction in directions.items():
        moved = X.assign(**{name: X[name] + direction})
        assert (held.decision_function(moved) >= held.decision_function(X) - 1e-12).all()


def test_a_monotone_logit_without_a_wrong_sign_is_the_free_fit() -> None:
    X, y, authorities = common_events()
    directions = {"risk": 1, "safety": -1}
    free = HazardLogit(directions=directions, monotone=False).fit(X, y, groups=authorities)
    held = HazardLogit(directions=directions).fit(X, y, groups=authorities)
    np.testing.assert_array_equal(held.coef_, free.coef_)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000), signs=st.lists(st.sampled_from([-1, 1]), min_size=3, max_size=3)
)
def test_a_monotone_logit_holds_any_declared_directions(seed: int, signs: list[int]) -> None:
    """Whatever the data and the declared directions, no coefficient goes against its own,
    and the bounded fit is the optimum: every coefficient left free has a zero gradient."""
    X, y, _ = against_their_direction()
    rows = np.random.default_rng(seed).choice(len(X), size=1200, replace=False)
    directions = dict(zip(X.columns, signs, strict=True))
    sample, target = X.iloc[rows], y[rows]
    model = HazardLogit(directions=directions).fit(sample, target)
    assert (model.coef_ * model.directions_ >= 0).all()
    design = np.column_stack([np.ones(len(rows)), model._design(model._matrix(sample))])
    beta = np.r_[model.intercept_, model.coef_, model.indicator_coef_]
    gradient = design.T @ (1 / (1 + np.exp(-design @ beta)) - target) + np.r_[0.0, beta[1:]] * 10
    held = np.r_[False, model.coef_ == 0, np.zeros(len(model.indicator_coef_), bool)]
    assert np.abs(gradient[~held]).max() < 1e-3
    assert (gradient[1:4][held[1:4]] * model.directions_[held[1:4]] > -1e-3).all()


def test_logit_coef_table_has_clustered_intervals() -> None:
    X, y, authorities = common_events()
    table = HazardLogit().fit(X, y, groups=authorities).coef_table_
    expected = {"coef", "estimate", "std_error", "ci_low", "ci_high", "p_value", "method"}
    assert expected <= set(table.columns)
    assert list(table.index) == ["intercept", "risk", "safety", "noise", "safety__missing"]
    assert (table["method"] == "mle").all()
    assert (table["ci_low"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_high"]).all()
    assert table.loc["risk", "ci_low"] > 0
    assert table.loc["safety", "ci_high"] < 0


def test_firth_matches_mle_without_separation() -> None:
    X, y, authorities = common_events()
    model = HazardLogit().fit(X, y)
    design = np.column_stack([np.ones(len(y)), model._design(model._matrix(X))])
    codes = pd.factorize(authorities)[0]
    mle = _mle_cluster(design, y, codes)
    assert mle is not None
    firth = _firth_cluster(design, y, codes)
    np.testing.assert_allclose(firth[0], mle[0], atol=0.05)
    np.testing.assert_allclose(np.sqrt(np.diag(firth[1])), np.sqrt(np.diag(mle[1])), rtol=0.05)


def test_missing_block_without_events_falls_back_to_firth() -> None:
    X, y, authorities = common_events()
    X.loc[np.flatnonzero(y == 0)[:100], "noise"] = np.nan
    model = HazardLogit().fit(X, y, groups=authorities)
    table = model.coef_table_
    assert model.separation_
    assert (table["method"] == "firth").all()
    assert np.isfinite(table[["estimate", "ci_low", "ci_high"]]).all().all()
    assert -5 < table.loc["noise__missing", "coef"] < 0


def test_logit_survives_perfect_separation() -> None:
    rng = np.random.default_rng(1)
    n = 600
    y = (rng.random(n) < 0.05).astype(int)
    X = pd.DataFrame(
        {
            "separating": np.where(y == 1, 2.0, 0.0) + rng.random(n),
            "other": rng.normal(size=n),
        }
    )
    model = HazardLogit().fit(X, y, groups=rng.integers(0, 60, size=n))
    table = model.coef_table_
    assert model.separation_
    assert (table["method"] == "firth").all()
    assert np.isfinite(model.coef_).all()
    assert np.isfinite(table[["estimate", "std_error", "ci_low", "ci_high"]]).all().all()


def test_logit_duplicate_missing_patterns_are_not_estimable() -> None:
    rng = np.random.default_rng(2)
    n = 800
    X = pd.DataFrame(rng.normal(size=(n, 2)), columns=["a", "b"])
    y = (rng.random(n) < 0.1).astype(int)
    X.loc[::9, ["a", "b"]] = np.nan
    table = HazardLogit().fit(X, y).coef_table_
    assert table.loc["b__missing", "method"] == "not estimable"
    assert np.isfinite(table.loc["a__missing", "std_error"])


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_make_model_uses_shipped_specs(name: str) -> None:
    model = make_model(name)
    params = model.get_params(deep=False)
    for key, value in load_model_specs()[name].items():
        assert params[key] == value
    assert repr(clone(model).get_params(deep=True)) == repr(model.get_params(deep=True))


def test_the_blend_is_a_composite_of_members_built_from_their_own_specs() -> None:
    """The blend's members are parameters (logit__l2, index__peer_column), set from the
    [logit] and [index] specs: no default of theirs is declared again for the blend."""
    params = make_model("blend").get_params(deep=True)
    specs = load_model_specs()
    assert {f"logit__{k}": v for k, v in specs["logit"].items()}.items() <= params.items()
    assert {f"index__{k}": v for k, v in specs["index"].items()}.items() <= params.items()
    assert not {"l2", "peer_column", "weights"} & set(LogitIndexBlend().get_params(deep=False))
    tuned = make_model("blend").set_params(logit__l2=3.0)
    assert tuned.get_params()["logit__l2"] == 3.0


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_class_defaults_are_the_shipped_specs(name: str) -> None:
    """configs/models.toml is the one source of tuned defaults: a bare class agrees with it."""
    specs = load_model_specs()[name]
    defaults = FAMILIES[name]().get_params()
    assert specs, f"configs/models.toml has no [{name}] section"
    assert {key: defaults[key] for key in specs} == specs


POST_FIT_METHODS = ["decision_function", "predict_proba", "predict", "contributions"]


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_post_fit_methods_before_fit_raise_not_fitted(name: str, panel: tuple) -> None:
    X, _, _ = panel
    model = make_model(name, directions=DIRECTIONS)
    for method in POST_FIT_METHODS:
        with pytest.raises(NotFittedError):
            getattr(model, method)(X)
    with pytest.raises(NotFittedError):
        model.coefficient_table()
    if name == "index":
        with pytest.raises(NotFittedError):
            model.stress_score(X)


BAD_PARAMS = {
    "index": {"weights": ["debt_ratio"], "peer_column": 3},
    "logit": {"l2": -1.0, "directions": [("debt_ratio", 1)]},
    "boosting": {
        "n_estimators": 0,
        "learning_rate": 0.0,
        "feature_fraction": 1.5,
        "calibration_folds": 1,
        "deterministic": "yes",
        "random_state": -1,
    },
    "blend": {"logit": "logit", "logit_features": "debt_ratio", "logit_class_baseline": 1.0},
}


@pytest.mark.parametrize(
    ("name", "param", "value"),
    [(name, k, v) for name, bad in BAD_PARAMS.items() for k, v in bad.items()],
)
def test_fit_checks_parameters_before_the_data(name: str, param: str, value: object) -> None:
    """Parameters are checked first: X=None shows no data was touched before the check."""
    model = FAMILIES[name](**{param: value})
    with pytest.raises((TypeError, ValueError), match=param):
        model.fit(None, None)


def test_the_cli_offers_every_model_family() -> None:
    from riskwatch.cli.options import MODEL_FAMILIES

    assert sorted(MODEL_FAMILIES) == sorted(FAMILIES)


def test_rejects_infinite_and_unknown_inputs(fitted: dict, panel: tuple) -> None:
    X, _, _ = panel
    bad = X[FEATURES].head(3).copy()
    bad.loc[bad.index[0], "noise"] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        fitted["logit"].predict_proba(bad)
    with pytest.raises(ValueError, match="lacks feature"):
        fitted["boosting"].predict_proba(X[FEATURES[:2]])
    with pytest.raises(ValueError, match="unknown model family"):
        make_model("forest")


def test_class_enters_the_logit_as_a_baseline_never_a_contribution() -> None:
    """With a class baseline the class shifts each row's baseline; no contribution names it,
    and the contributions still sum to the score."""
    rng = np.random.default_rng(0)
    n = 2000
    classes = rng.choice(["SD", "UA", "SC"], n)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "class": classes})
    log_odds = -3 + X["a"] + np.where(classes == "SD", -1.5, 0.5)
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(int)
    model = HazardLogit(baseline_column="class").fit(X, y)
    parts = model.contributions(X)
    assert list(parts.columns) == ["a", "b", "baseline"]
    np.testing.assert_allclose(parts.sum(axis=1), model.decision_function(X))
    baseline = parts.groupby(classes)["baseline"].mean()
    assert baseline["SD"] < baseline["SC"] - 0.8  # districts fail less in this simulation
    assert list(model.baseline_levels_) == ["SC", "SD", "UA"]
    assert "class=SD" in model.coef_table_.index
    # two councils alike but for their class: same contributions, different baselines
    pair = pd.DataFrame({"a": [1.0, 1.0], "b": [0.0, 0.0], "class": ["SD", "UA"]})
    both = model.contributions(pair)
    assert both["a"].nunique() == 1 and both["baseline"].nunique() == 2
    with pytest.raises(ValueError, match="baseline column 'class'"):
        model.decision_function(pair.drop(columns="class"))


def test_a_missing_value_is_context_in_the_baseline_never_a_reason() -> None:
    """A feature missing in most training rows (a source that began late) gets a missing
    indicator; its effect sits in the baseline, so a council whose value equals the training
    mean gets no contribution from that feature, however the indicator was weighed."""
    rng = np.random.default_rng(1)
    n = 3000
    late = rng.normal(size=n)
    late[: 2 * n // 3] = np.nan  # the source began in the last third of the years
    X = pd.DataFrame({"early": rng.normal(size=n), "late": late})
    log_odds = -3 + X["early"] + np.where(np.isnan(late), -1.0, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(int)
    model = HazardLogit().fit(X, y)
    at_mean = pd.DataFrame({"early": [0.0], "late": [float(model.means_[1])]})
    parts = model.contributions(at_mean)
    assert parts.loc[0, "late"] == pytest.approx(0.0, abs=1e-12)
    missing = pd.DataFrame({"early": [0.0, 0.0], "late": [np.nan, float(model.means_[1])]})
    both = model.contributions(missing)
    assert both["baseline"].iloc[0] != pytest.approx(both["baseline"].iloc[1])
    np.testing.assert_allclose(both.sum(axis=1), model.decision_function(missing))
