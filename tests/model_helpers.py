"""Registered models as the tests need them: one trained on the real data and wrapped as
registered (`registered_like`), and a champion's configuration without a fitted model, for
the tests that refit one (`logit_champion`)."""

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
