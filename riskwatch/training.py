"""Train the production model on every closed outcome window, and describe the run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.dataset import PAST_FAILURE, FeatureSet, available_inputs, training_set, with_class
from riskwatch.errors import RiskwatchError
from riskwatch.labels import failure_events, last_label_year, shift_year
from riskwatch.models.scores import score_frame
from riskwatch.registered import LoadedModel, absent_inputs, first_names, training_window


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
    closed_by: str | None = None,
) -> TrainedModel:
    """Fit one model family on every authority-year whose outcome window the labels cover
    (and, with `closed_by`, closed by that year), reading only the inputs the year it will
    score (default: `closed_by`, else the latest) has."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    from riskwatch.models import inputs_for, make_model

    failures = failure_events(tables["events"])
    features = inputs_for(features, model_name)
    scoring_year = scoring_year or closed_by or max(frames)
    available, absent = available_inputs(frames, features.names, scoring_year)
    features = FeatureSet(
        available, {n: features.directions[n] for n in available}, features.catalogue_version
    )
    X, y, ids = training_set(
        frames, features, failures, horizon, task, past_failure_feature, closed_by
    )
    directions = {**features.directions, PAST_FAILURE: 1}
    model = make_model(model_name, directions=directions, **(model_params or {}))
    X = with_class(model, X, ids)
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


TASK_WORDS = {"new": "new failures only", "all": "all failures"}


def registry_entry(
    trained: TrainedModel, catalogue_version: str, panel_fingerprint: str, data_through: str
) -> tuple[str, dict[str, str]]:
    """The description and tags of a registered version: what it is and on which data, so a
    reader of the registry can tell one version from another."""
    params, metrics = trained.params, trained.metrics
    description = (
        f"{params['model']} model warning {params['horizon']} years ahead of "
        f"{TASK_WORDS.get(params['task'], params['task'])}; {params['features']} input features "
        f"(catalogue {catalogue_version}); trained on {int(metrics['training_rows']):,} "
        f"council-years with {int(metrics['training_failures'])} failures, as-of years "
        f"{params['training_years'].replace('..', ' to ')} (outcomes labelled to "
        f"{params['labels_cover_until']}); panel {panel_fingerprint}, data through "
        f"{data_through}."
    )
    tags = {
        "family": str(params["model"]),
        "horizon": str(params["horizon"]),
        "task": str(params["task"]),
        "data_through": data_through,
    }
    return description, tags


BACKTEST_SENTENCE = "Backtest of this configuration"
BACKTEST_FIGURES = ("roc_auc", "pr_auc", "recall_at_30", "brier")


def backtest_headline(
    records: list[dict], params: dict, catalogue_version: str, panel_fingerprint: str
) -> tuple[str, dict[str, str]] | None:
    """The sentence and tags a registered version gets from the newest backtest of its
    configuration (family, task, horizon, past-failure input, feature catalogue), or None
    when no backtest of it is recorded. `records` are backtest runs, newest first, as
    `riskwatch.tracking.runs.backtest_records` gives them; `params` the version's training params."""
    key = f"{params['model']}.{params['task']}.h{params['horizon']}"
    for record in records:
        metrics, tags = record["metrics"], record["tags"]
        if f"{key}.roc_auc" not in metrics:
            continue
        if tags.get("feature_catalogue_version") != catalogue_version:
            continue
        if record["params"].get("past_failure_feature") != str(params["past_failure_feature"]):
            continue
        panel = tags.get("panel_fingerprint")
        on = "this version's panel" if panel == panel_fingerprint else f"panel {panel}"
        figures = {m: metrics.get(f"{key}.{m}", float("nan")) for m in BACKTEST_FIGURES}
        sentence = (
            f"{BACKTEST_SENTENCE} (run {record['run_id'][:8]} of {record['started']}, on {on}), "
            f"scored only on years it did not train on: ROC-AUC {figures['roc_auc']:.3f}, "
            f"PR-AUC {figures['pr_auc']:.3f}, recall in the top 30 "
            f"{figures['recall_at_30']:.2f}, Brier score {figures['brier']:.4f}."
        )
        version_tags = {"backtest_run": record["run_id"]} | {
            f"backtest_{m}": f"{value:.4g}" for m, value in figures.items()
        }
        return sentence, version_tags
    return None


def with_backtest(description: str, sentence: str) -> str:
    """A version's description with its backtest sentence added, or replacing the one it
    had (a newer backtest of the same configuration)."""
    return f"{description.split(' ' + BACKTEST_SENTENCE)[0]} {sentence}"


def hindsight(
    champion: LoadedModel, frames: dict[str, pd.DataFrame], as_of: str, past_review: str | None
) -> str | None:
    """Why scoring `as_of` with the champion itself would use hindsight, in words; None when
    it would not. It would when the champion was trained on the outcome of `as_of`, or, for
    a review dated `past_review` (before today), when it reads inputs that `as_of`'s frame as
    seen then does not have (published later, such as a newer borrowing position)."""
    window = training_window(champion)
    if window is not None and as_of <= window[1]:
        return f"champion version {champion.version} was trained on this year's outcome"
    absent = absent_inputs(champion, frames, as_of) if past_review else []
    if absent:
        return (
            f"champion version {champion.version} reads inputs not published by "
            f"{past_review} ({first_names(absent)})"
        )
    return None


def retrospective_model(
    tables: dict[str, pd.DataFrame],
    frames: dict[str, pd.DataFrame],
    features: FeatureSet,
    champion: LoadedModel,
    as_of: str,
    past_review: str | None = None,
) -> LoadedModel | None:
    """The champion's configuration fitted only on rows whose outcome window closed by
    `as_of`, as the backtest fits an origin, reading only the inputs `as_of` has, when
    scoring `as_of` with the champion would use hindsight (`hindsight`); else None."""
    because = hindsight(champion, frames, as_of, past_review)
    if because is None:
        return None
    params = champion.description.get("params", {})
    horizon = int(params["horizon"])
    if not any(shift_year(s, horizon) <= as_of for s in frames):
        raise RiskwatchError(
            f"no outcome window had closed by {as_of}: no model can explain it without hindsight",
            field="--as-of",
        )
    try:
        trained = train(
            tables,
            frames,
            features,
            params["model"],
            horizon,
            params["task"],
            params.get("past_failure_feature") == "True",
            closed_by=as_of,
        )
    except ValueError as error:  # e.g. no failure to learn from in the windows closed by then
        raise RiskwatchError(
            f"cannot fit a model on the outcome windows closed by {as_of}: {error}",
            field="--as-of",
        ) from None
    columns = list(trained.X_example.columns)
    return LoadedModel(
        version=None,
        description={
            "model_family": champion.description.get("model_family"),
            "params": {k: str(v) for k, v in trained.params.items()},
            "retrospective_of": champion.version,
            "refitted_because": because,
        },
        predict=lambda inputs: score_frame(inputs[columns], trained.model),
        input_columns=columns,
    )
