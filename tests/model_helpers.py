"""A helper the model tests share: a model trained on the real data, wrapped as registered."""

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
