"""A registered champion as the tests that refit one need it: its configuration and the
inputs it reads, without a fitted model (it is refitted, never scored with)."""

from __future__ import annotations

from riskwatch.registered import LoadedModel


def logit_champion(training_years: str, input_columns: list[str]) -> LoadedModel:
    """Version 7: the logit, 2-year horizon, new failures, trained on `training_years`."""
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
