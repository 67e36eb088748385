"""Registered models as the tests need them: one trained on the real data and wrapped as
registered (`registered_like`), a champion's configuration without a fitted model, for
the tests that refit one (`logit_champion`), and a small logit logged to the tracking store
as a training run (`logged_small_logit`)."""

from __future__ import annotations

from riskwatch.registered import LoadedModel


def registered_like(tables, frames, feature_inputs, family: str) -> LoadedModel:
    """A model trained on the real training set, wrapped as a registered model would be."""
    from riskwatch.models.scores import score_frame

    from riskwatch.training import train

    trained = train(tables, frames, feature_inputs, family, 2, "new", True)
    columns = list(trained.X_example.columns)
    return LoadedModel(
        version=0,
        description={"version": 0, "params": {k: str(v) for k, v in trained.params.items()}},
        predict=lambda inputs: score_frame(inputs[columns], trained.model),
        input_columns=columns,
    )


def logit_champion(training_years: str, input_columns: list[str]) -> LoadedModel:
    """Version 7: the logit, 2-year horizon, new failures, trained on `training_years`; it
    is refitted, never scored with."""
    return LoadedModel(
        version=7,
        description={
            "params": {
                "model": "logit",
                "horizon": "2",
                "task": "new",
                "past_failure_feature": "True",
                "training_years": training_years,
            }
        },
        predict=lambda inputs: inputs,
        input_columns=input_columns,
    )


def logged_small_logit(run_name: str) -> str:
    """A logit fitted on 300 random rows of two inputs, logged as a training run on the
    current tracking store; its run id."""
    import numpy as np
    import pandas as pd
    from riskwatch.models import HazardLogit

    from riskwatch.tracking import runs

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 2)), columns=["a", "b"])
    y = (rng.random(300) < 1 / (1 + np.exp(3 - X["a"]))).to_numpy().astype(int)
    model = HazardLogit(directions={"a": 1}).fit(X, y, groups=rng.integers(0, 30, size=300))
    return runs.log_training_run(
        model,
        params={"model": "logit"},
        metrics={"training_rows": 300.0},
        feature_catalogue_version="test",
        panel_fingerprint="test",
        config={},
        X_example=X.head(10),
        run_name=run_name,
    )
