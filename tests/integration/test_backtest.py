"""The backtest is honest: no label or later data leaks into a score, and it is repeatable."""

import numpy as np
import pandas as pd
import pytest
from riskwatch.models import inputs_for

from riskwatch.backtest import (
    BacktestSpec,
    OriginFit,
    paired_differences,
    per_origin_metrics,
    rank_within_origin,
    run_backtest,
    run_origin,
    summary_metrics,
)
from riskwatch.flags import load_flags
from riskwatch.labels import failure_events
from riskwatch.pipeline import feature_frames

ORIGIN = "2019-20"


def corrupted_after(tables: dict, as_of: str) -> dict:
    """Tables where every panel value after `as_of` is scrambled and later events are gone."""
    from riskwatch.features import as_of_date

    panel = tables["panel"].copy()
    later = (panel.financial_year > as_of) | (panel.published > as_of_date(as_of))
    rng = np.random.default_rng(1)
    panel.loc[later, "value"] = rng.normal(0, 1e6, int(later.sum()))
    events = tables["events"]
    known = events.decided_year.where(events.event == "efs", events.financial_year)
    return {**tables, "panel": panel, "events": events[known <= as_of]}


@pytest.mark.slow  # rebuilds the feature frames per model
@pytest.mark.parametrize(
    ("model", "origin"),
    [("index", ORIGIN), ("logit", ORIGIN), ("blend", ORIGIN), ("blend", "2024-25")],
)
def test_corrupting_everything_after_the_origin_leaves_its_scores_unchanged(
    tables, frames, feature_inputs, model, origin
):
    """With the compiled debt features, the dated borrowing positions and the review flags:
    nothing published after the origin, and no later event, moves a score or a flag."""
    spec = BacktestSpec(models=(model,), horizons=(1,), bootstrap=0)
    failures = failure_events(tables["events"])
    fit = OriginFit(origin, 1, "new", model, inputs_for(feature_inputs, model))
    honest = run_origin(frames, failures, fit, spec)
    bad = corrupted_after(tables, origin)
    years = [y for y in frames if y <= origin]
    bad_frames = feature_frames(bad, years)
    corrupted = run_origin(bad_frames, failure_events(bad["events"]), fit, spec)
    np.testing.assert_array_equal(honest["probability"], corrupted["probability"])
    for flag in load_flags():
        np.testing.assert_array_equal(flag.raised(frames[origin]), flag.raised(bad_frames[origin]))


@pytest.mark.slow  # two boosted fits on the real data
def test_boosted_backtest_is_deterministic(tables, frames, feature_inputs):
    spec = BacktestSpec(models=("boosting",), horizons=(2,), bootstrap=0)
    fit = OriginFit("2021-22", 2, "new", "boosting", inputs_for(feature_inputs, "boosting"))
    failures = failure_events(tables["events"])
    runs = [run_origin(frames, failures, fit, spec) for _ in range(2)]
    np.testing.assert_array_equal(runs[0]["probability"], runs[1]["probability"])


def test_recall_and_precision_at_k_on_a_hand_made_case():
    rows = pd.DataFrame(
        {
            "gss_code": list("abcdef"),
            "origin": ["2019-20"] * 3 + ["2020-21"] * 3,
            "model": "m",
            "task": "new",
            "horizon": 1,
            "probability": [0.9, 0.5, 0.1, 0.8, 0.7, 0.6],
            "outcome": [1, 0, 1, 0, 1, 0],
        }
    )
    rows["rank"] = rank_within_origin(rows)
    metrics = summary_metrics(rows, (1, 2))
    assert metrics["recall_at_1"] == pytest.approx(1 / 3)  # a (rank 1), d (rank 1) not a failure
    assert metrics["recall_at_2"] == pytest.approx(2 / 3)  # + e
    assert metrics["precision_at_2"] == pytest.approx(2 / 4)


def test_backtest_reports_both_tasks_and_every_real_failure(tables, frames, feature_inputs):
    spec = BacktestSpec(models=("index",), horizons=(2,), bootstrap=20)
    result = run_backtest(tables, frames, feature_inputs, spec)
    assert set(result.metrics.task) == {"new", "all"}
    row = result.metrics.set_index("task").loc["new"]
    assert 0.5 < row["roc_auc"] <= 1 and row["roc_auc_low"] <= row["roc_auc"] <= row["roc_auc_high"]
    first = failure_events(tables["events"]).drop_duplicates("gss_code")
    assert set(result.failure_ranks.gss_code) == set(first.gss_code)
    croydon = result.failure_ranks.set_index("gss_code").loc["E09000008"]
    assert croydon["rank_2y_before"] >= 1


def scored_rows(model: str, probabilities: list[float], outcomes: list[int]) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "gss_code": list("abcdef"),
            "origin": ["2019-20"] * 3 + ["2020-21"] * 3,
            "model": model,
            "task": "new",
            "horizon": 1,
            "probability": probabilities,
            "outcome": outcomes,
        }
    )
    rows["rank"] = rank_within_origin(rows)
    return rows


def test_per_origin_metrics_and_paired_differences_on_a_hand_made_case():
    outcomes = [1, 0, 0, 0, 1, 0]
    perfect = scored_rows("perfect", [0.9, 0.2, 0.1, 0.3, 0.8, 0.1], outcomes)
    reversed_ = scored_rows("reversed", [0.1, 0.5, 0.6, 0.7, 0.2, 0.9], outcomes)
    scored = pd.concat([perfect, reversed_], ignore_index=True)
    spec = BacktestSpec(top_k=(1, 30), bootstrap=50, seed=3)
    per_origin = per_origin_metrics(scored, spec).set_index(["model", "origin"])
    assert per_origin.loc[("perfect", "2019-20"), "roc_auc"] == 1.0
    assert per_origin.loc[("reversed", "2020-21"), "roc_auc"] == 0.0
    assert per_origin.loc[("perfect", "2020-21"), "positives"] == 1
    paired = paired_differences(scored, "perfect", "reversed", spec).set_index("metric")
    assert paired.loc["roc_auc", "difference"] == pytest.approx(1.0)
    # every resample keeps the perfect ranking perfect and the reversed one reversed
    assert paired.loc["roc_auc", "low"] == pytest.approx(1.0)
    assert paired.loc["recall_at_30", "difference"] == 0.0  # both list every council
