"""Train the production model on every closed outcome window, and describe the run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from riskwatch.backtest import PAST_FAILURE, available_inputs, class_column
from riskwatch.labels import failure_events, last_label_year
from riskwatch.pipeline import FeatureSet, training_set


@dataclass(frozen=True)
class TrainedModel:
    model: object
    params: dict
    metrics: dict
    X_example: pd.DataFrame


def train(
    tables: dict[str, pd.DataFrame],
    frames: dict[str, pd.DataFrame],
    features: FeatureSet,
    model_name: str,
    horizon: int,
    task: str,
    past_failure_feature: bool,
    model_params: dict | None = None,
    scoring_year: str | None = None,
) -> TrainedModel:
    """Fit one model family on every authority-year whose outcome window the labels cover,
    reading only the inputs the year it will score (default: the latest) has."""
    from riskwatch.models import make_model

    failures = failure_events(tables["events"])
    features = features.for_model(model_name)
    scoring_year = scoring_year or max(frames)
    available, absent = available_inputs(frames, features.names, scoring_year)
    features = FeatureSet(
        available, {n: features.directions[n] for n in available}, features.catalogue_version
    )
    X, y, ids = training_set(frames, features, failures, horizon, task, past_failure_feature)
    directions = {**features.directions, PAST_FAILURE: 1}
    model = make_model(model_name, directions=directions, **(model_params or {}))
    column = class_column(model)
    if column:
        X = X.assign(**{column: ids["class"].to_numpy()})
    model.fit(X, y, groups=ids["gss_code"].to_numpy())
    probability = model.predict_proba(X)[:, 1]
    params = {
        "model": model_name,
        "horizon": horizon,
        "task": task,
        "past_failure_feature": past_failure_feature,
        "labels_cover_until": last_label_year(),
        "training_years": f"{ids['as_of'].min()}..{ids['as_of'].max()}",
        "scoring_year": scoring_year,
        "inputs_absent_in_scoring_year": ",".join(absent),
        "features": len(X.columns),
        **{f"param_{k}": v for k, v in model.get_params().items() if k != "directions"},
    }
    metrics = {
        "training_rows": float(len(y)),
        "training_failures": float(y.sum()),
        "training_roc_auc": float(roc_auc_score(y, probability))
        if 0 < y.sum() < len(y)
        else np.nan,
        "training_brier": float(brier_score_loss(y, probability)),
    }
    return TrainedModel(model=model, params=params, metrics=metrics, X_example=X.head(20))
