"""Runs in the riskwatch experiment: a training run with its model (logged as a pyfunc
model answering with the probability and every contribution), a run that produces no
model (a backtest, a review, a stress run), and the newest backtests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import pandas as pd

from riskwatch.tracking.served import pyfunc_class
from riskwatch.tracking.store import experiment_id, open_client, quiet, store_absent

if TYPE_CHECKING:
    from riskwatch.models import RiskModel

MODEL_ARTIFACT = "model"
MODEL_URI_TAG = "riskwatch.model_uri"
_REQUIREMENTS = (
    "riskwatch",
    "mlflow",
    "pandas",
    "numpy",
    "scipy",
    "scikit-learn",
    "statsmodels",
    "lightgbm",
)


def numeric_inputs(X: pd.DataFrame) -> list[str]:
    """The columns of a model's inputs that hold numbers (a served request must send
    numbers there); the others (a council's class) hold text."""
    return [str(c) for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]


def log_training_run(
    model: RiskModel,
    *,
    params: dict[str, Any],
    metrics: dict[str, float],
    feature_catalogue_version: str,
    panel_fingerprint: str,
    config: dict[str, Any],
    X_example: pd.DataFrame,
    run_name: str,
) -> str:
    """Record a fitted model with params, metrics, data lineage and config; return the run id."""
    with quiet():
        import mlflow
        from mlflow.models import infer_signature

        client = open_client()
        served = pyfunc_class()(
            model, [str(c) for c in X_example.columns], numeric_inputs(X_example)
        )
        signature = infer_signature(X_example, served.predict(None, X_example))
        with mlflow.start_run(experiment_id=experiment_id(client), run_name=run_name) as run:
            mlflow.log_params({key: _param_value(value) for key, value in params.items()})
            mlflow.log_metrics({key: float(value) for key, value in metrics.items()})
            mlflow.set_tags(
                {
                    "model_family": type(model).__name__,
                    "feature_catalogue_version": feature_catalogue_version,
                    "panel_fingerprint": panel_fingerprint,
                    "riskwatch_version": _installed("riskwatch") or "unknown",
                }
            )
            mlflow.log_text(
                json.dumps(config, indent=2, sort_keys=True, default=str), "config.json"
            )
            coefficients = model.coefficient_table()
            if coefficients is not None:
                mlflow.log_text(coefficients.to_csv(float_format="%.6g"), "coefficients.csv")
            info = mlflow.pyfunc.log_model(
                name=MODEL_ARTIFACT,
                python_model=served,
                signature=signature,
                pip_requirements=_requirements(),
            )
            mlflow.set_tag(MODEL_URI_TAG, info.model_uri)
        return run.info.run_id


def log_run(
    *,
    params: dict[str, Any],
    metrics: dict[str, float],
    tags: dict[str, str],
    texts: dict[str, str],
    run_name: str,
) -> str:
    """Record a run that produces no model (a backtest, a review): params, metrics, files."""
    with quiet():
        import mlflow

        client = open_client()
        with mlflow.start_run(experiment_id=experiment_id(client), run_name=run_name) as run:
            mlflow.log_params({key: _param_value(value) for key, value in params.items()})
            finite = {k: float(v) for k, v in metrics.items() if v == v}  # NaN is not loggable
            mlflow.log_metrics(finite)
            mlflow.set_tags(tags)
            for name, text in texts.items():
                mlflow.log_text(text, name)
        return run.info.run_id


def backtest_records(limit: int = 20) -> list[dict[str, Any]]:
    """The newest backtest runs of the riskwatch experiment, newest first: run id, start
    date, params, metrics and tags."""
    if store_absent():
        return []
    with quiet():
        client = open_client()
        runs = client.search_runs(
            [experiment_id(client)],
            filter_string="tags.kind = 'backtest'",
            order_by=["attributes.start_time DESC"],
            max_results=limit,
        )
        return [
            {
                "run_id": run.info.run_id,
                "started": datetime.fromtimestamp(run.info.start_time / 1000, UTC)
                .date()
                .isoformat(),
                "params": dict(run.data.params),
                "metrics": dict(run.data.metrics),
                "tags": dict(run.data.tags),
            }
            for run in runs
        ]


def _param_value(value: Any) -> str:
    """Parameters as MLflow stores them: text, with mappings and lists as JSON."""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _installed(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _requirements() -> list[str]:
    """Pinned requirements of the logged model (inferring them would reload the model)."""
    pins = ((name, _installed(name)) for name in _REQUIREMENTS)
    return [f"{name}=={found}" for name, found in pins if found]
