"""Rolling-origin backtest on real failures: honest, out-of-time, with intervals.

For each origin year t and horizon h, a model is trained only on rows of years
s <= t - h, whose outcome windows (s, s + h] closed by t, then scores every
council at t and is compared with the failures that became known in (t, t + h].
Two tasks run side by side: all failures, and new failures only (a council drops
out once a failure of its own is known), the one an early warning is for.
`run_backtest` runs every fit (in turn, with joblib or on Dask) on the labelled rows of
riskwatch.dataset and scores them: pooled metrics, each origin, paired differences, and
the rank each failure had before it became known.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from riskwatch.dataset import (
    PAST_FAILURE,
    FeatureSet,
    available_inputs,
    design,
    stacked_design,
    with_class,
)
from riskwatch.labels import failure_events, last_label_year, shift_year
from riskwatch.pipeline import Progress, no_progress, score_years

TASKS = ("new", "all")


@dataclass(frozen=True)
class BacktestSpec:
    """What a backtest runs: models, horizons, tasks, and how metrics are summarised."""

    models: tuple[str, ...] = ("index", "logit", "boosting", "blend")
    horizons: tuple[int, ...] = (1, 2, 3)
    tasks: tuple[str, ...] = TASKS
    top_k: tuple[int, ...] = (10, 20, 30)
    bootstrap: int = 200
    seed: int = 0
    past_failure_feature: bool = True  # for the all-failures task: a past failure as a feature
    model_params: dict = field(default_factory=dict)
    compare: tuple[str, ...] = ()  # (challenger, incumbent): paired bootstrap of differences


@dataclass(frozen=True)
class OriginFit:
    """One fit of a backtest: `model` (a family or a named variant) reading `inputs`, trained
    on the windows closed by `origin` for `horizon` and `task`."""

    origin: str
    horizon: int
    task: str
    model: str
    inputs: FeatureSet


def origins_for(
    years: list[str], failures: pd.DataFrame, horizon: int, covered_until: str
) -> list[str]:
    """Origins whose outcome window the labels cover and whose training rows hold a failure."""
    known = failures["known_year"]

    def has_failure(s: str) -> bool:
        return bool(known.between(shift_year(s, 1), shift_year(s, horizon)).any())

    return [
        t
        for t in years
        if shift_year(t, horizon) <= covered_until
        and any(has_failure(s) for s in years if s <= shift_year(t, -horizon))
    ]


def check_horizons(tables: dict[str, pd.DataFrame], horizons: tuple[int, ...]) -> None:
    """Refuse, before any fit, a horizon no backtest origin has: its outcome window would end
    after the labels' last year, or no failure is known early enough to train on."""
    from riskwatch.errors import RiskwatchError

    failures = failure_events(tables["events"])
    years = score_years(tables)
    covered = last_label_year()
    usable = [h for h in range(1, len(years) + 1) if origins_for(years, failures, h, covered)]
    for horizon in horizons:
        if horizon not in usable:
            raise RiskwatchError(
                f"no backtest origin for a {horizon}-year horizon: the labels cover outcomes "
                f"until {covered} (horizons with origins: "
                f"{f'{usable[0]} to {usable[-1]}' if usable else 'none'})",
                field="--horizons",
            )


@dataclass(frozen=True)
class BacktestResult:
    scored: pd.DataFrame
    metrics: pd.DataFrame  # pooled over origins, with bootstrap intervals
    per_origin: pd.DataFrame  # each origin on its own
    paired: pd.DataFrame  # challenger minus incumbent, paired bootstrap intervals
    failure_ranks: pd.DataFrame


def run_backtest(
    tables: dict[str, pd.DataFrame],
    frames: dict[str, pd.DataFrame],
    features: FeatureSet,
    spec: BacktestSpec,
    n_jobs: int = 1,
    scheduler: str | None = None,
    progress: Progress = no_progress,
) -> BacktestResult:
    """Every model, task, horizon and origin; metrics pooled over origins with intervals;
    `progress` sees each fit as it completes."""
    from riskwatch.models import inputs_for

    failures = failure_events(tables["events"])
    covered = last_label_year()
    inputs = {model: inputs_for(features, model) for model in spec.models}
    fits = [
        OriginFit(origin, horizon, task, model, inputs[model])
        for horizon in spec.horizons
        for origin in origins_for(sorted(frames), failures, horizon, covered)
        for task in spec.tasks
        for model in spec.models
    ]
    results = _map_jobs(fits, frames, failures, spec, n_jobs, scheduler, progress)
    scored = pd.concat(results, ignore_index=True)
    scored["rank"] = rank_within_origin(scored)
    names = tables["authorities"].set_index("gss_code")["name"]
    return BacktestResult(
        scored=scored,
        metrics=metrics_table(scored, spec),
        per_origin=per_origin_metrics(scored, spec),
        paired=(
            paired_differences(scored, *spec.compare, spec)
            if spec.compare and set(spec.compare) <= set(spec.models)
            else pd.DataFrame()
        ),
        failure_ranks=failure_ranks(scored, failures, names),
    )


def _map_jobs(
    fits: list[OriginFit],
    frames: dict[str, pd.DataFrame],
    failures: pd.DataFrame,
    spec: BacktestSpec,
    n_jobs: int,
    scheduler: str | None,
    progress: Progress = no_progress,
) -> list[pd.DataFrame]:
    """Run the fits sequentially, with joblib, or on Dask, in order; each result passes
    through `progress` as it completes."""
    from joblib import Parallel, delayed

    calls = [delayed(_run_job)(frames, failures, fit, spec) for fit in fits]
    if scheduler:
        from riskwatch.cluster import on_cluster

        with on_cluster(scheduler):
            return list(progress(Parallel(return_as="generator")(calls), len(calls)))
    return list(progress(Parallel(n_jobs=n_jobs, return_as="generator")(calls), len(calls)))


def _run_job(
    frames: dict[str, pd.DataFrame], failures: pd.DataFrame, fit: OriginFit, spec: BacktestSpec
) -> pd.DataFrame:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # one BLAS thread per worker: no oversubscription
        return run_origin(frames, failures, fit, spec)


def fit_origin(
    frames: dict[str, pd.DataFrame], failures: pd.DataFrame, fit: OriginFit, spec: BacktestSpec
) -> tuple[object, list[str]]:
    """A model trained only on windows closed by the origin, reading the inputs the origin's
    frame has: the fitted model and those inputs."""
    from riskwatch.models import make_model

    features, _ = available_inputs(frames, fit.inputs.names, fit.origin)
    directions = {name: fit.inputs.directions[name] for name in features}
    train_years = [s for s in sorted(frames) if s <= shift_year(fit.origin, -fit.horizon)]
    X_train, y_train, groups = stacked_design(
        frames, train_years, features, fit.horizon, fit.task, failures, spec.past_failure_feature
    )
    model_directions = {**directions, PAST_FAILURE: 1}
    model = make_model(
        fit.model, directions=model_directions, **spec.model_params.get(fit.model, {})
    )
    if y_train.sum() == 0:
        raise ValueError(
            f"no failures to learn from before {fit.origin} (h={fit.horizon}, {fit.task})"
        )
    model.fit(with_class(model, X_train, groups), y_train, groups=groups["gss_code"].to_numpy())
    return model, features


def run_origin(
    frames: dict[str, pd.DataFrame], failures: pd.DataFrame, fit: OriginFit, spec: BacktestSpec
) -> pd.DataFrame:
    """Train on windows closed by the origin, score every council at the origin."""
    model, features = fit_origin(frames, failures, fit, spec)
    X_test, y_test, ids = design(
        frames[fit.origin],
        features,
        fit.origin,
        fit.horizon,
        fit.task,
        failures,
        spec.past_failure_feature,
    )
    probability = model.predict_proba(with_class(model, X_test, ids))[:, 1]
    return ids.assign(
        origin=fit.origin,
        horizon=fit.horizon,
        task=fit.task,
        model=fit.model,
        probability=probability,
        outcome=y_test,
    )


def rank_within_origin(scored: pd.DataFrame) -> pd.Series:
    """1 = highest probability; ties broken by GSS code so ranks are deterministic."""
    order = scored.sort_values(
        ["model", "task", "horizon", "origin", "probability", "gss_code"],
        ascending=[True, True, True, True, False, True],
    )
    ranks = order.groupby(["model", "task", "horizon", "origin"]).cumcount() + 1
    return ranks.reindex(scored.index)


def summary_metrics(rows: pd.DataFrame, top_k: tuple[int, ...]) -> dict[str, float]:
    """Pooled metrics over every origin: PR-AUC, ROC-AUC, Brier, recall and precision at k."""
    y, p = rows["outcome"].to_numpy(), rows["probability"].to_numpy()
    out = {
        "positives": float(y.sum()),
        "rows": float(len(y)),
        "pr_auc": float(average_precision_score(y, p)) if 0 < y.sum() < len(y) else np.nan,
        "roc_auc": float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else np.nan,
        "brier": float(brier_score_loss(y, p)),
    }
    origins = rows["origin"].nunique()
    for k in top_k:
        hits = rows.loc[rows["rank"] <= k, "outcome"].sum()
        out[f"recall_at_{k}"] = float(hits / y.sum()) if y.sum() else np.nan
        out[f"precision_at_{k}"] = float(hits / (k * origins))
    return out


def bootstrap_intervals(
    rows: pd.DataFrame, top_k: tuple[int, ...], repeats: int, seed: int
) -> dict[str, tuple[float, float]]:
    """95% intervals by resampling authorities (all their rows together) with replacement."""
    rng = np.random.default_rng(seed)
    councils = rows["gss_code"].unique()
    by_council = {code: idx for code, idx in rows.groupby("gss_code").indices.items()}
    samples: list[dict[str, float]] = []
    for _ in range(repeats):
        chosen = rng.choice(councils, size=len(councils), replace=True)
        index = np.concatenate([by_council[c] for c in chosen])
        samples.append(summary_metrics(rows.iloc[index], top_k))
    frame = pd.DataFrame(samples)
    return {
        column: (float(frame[column].quantile(0.025)), float(frame[column].quantile(0.975)))
        for column in frame.columns
        if column not in ("positives", "rows")
    }


def metrics_table(scored: pd.DataFrame, spec: BacktestSpec) -> pd.DataFrame:
    """One row per model, task and horizon with every metric and its bootstrap interval."""
    records = []
    for (model, task, horizon), rows in scored.groupby(["model", "task", "horizon"], sort=True):
        point = summary_metrics(rows, spec.top_k)
        intervals = (
            bootstrap_intervals(rows, spec.top_k, spec.bootstrap, spec.seed)
            if spec.bootstrap
            else {}
        )
        record = {
            "model": model,
            "task": task,
            "horizon": horizon,
            "origins": rows["origin"].nunique(),
        }
        for name, value in point.items():
            record[name] = value
            if name in intervals:
                record[f"{name}_low"], record[f"{name}_high"] = intervals[name]
        records.append(record)
    return pd.DataFrame(records)


def per_origin_metrics(scored: pd.DataFrame, spec: BacktestSpec) -> pd.DataFrame:
    """The metrics of each origin on its own (no intervals): where the pooled figure comes from."""
    records = [
        {"model": model, "task": task, "horizon": horizon, "origin": origin}
        | summary_metrics(rows, spec.top_k)
        for (model, task, horizon, origin), rows in scored.groupby(
            ["model", "task", "horizon", "origin"], sort=True
        )
    ]
    return pd.DataFrame(records)


PAIRED_METRICS = ("roc_auc", "pr_auc", "recall_at_30")


def paired_differences(
    scored: pd.DataFrame, challenger: str, incumbent: str, spec: BacktestSpec
) -> pd.DataFrame:
    """Challenger minus incumbent on each pooled metric, with a 95% interval from one paired
    bootstrap: the same resampled councils (all their rows) score both models each time."""
    rng = np.random.default_rng(spec.seed)
    records = []
    for (task, horizon), rows in scored.groupby(["task", "horizon"], sort=True):
        a, b = rows[rows["model"] == challenger], rows[rows["model"] == incumbent]
        if a.empty or b.empty:
            continue
        councils = rows["gss_code"].unique()
        index_a, index_b = a.groupby("gss_code").indices, b.groupby("gss_code").indices
        samples = []
        for _ in range(spec.bootstrap):
            chosen = rng.choice(councils, size=len(councils), replace=True)
            pick_a = np.concatenate([index_a[c] for c in chosen if c in index_a])
            pick_b = np.concatenate([index_b[c] for c in chosen if c in index_b])
            first = summary_metrics(a.iloc[pick_a], spec.top_k)
            second = summary_metrics(b.iloc[pick_b], spec.top_k)
            samples.append({m: first[m] - second[m] for m in PAIRED_METRICS})
        point_a, point_b = summary_metrics(a, spec.top_k), summary_metrics(b, spec.top_k)
        draws = pd.DataFrame(samples)
        for metric in PAIRED_METRICS:
            records.append(
                {
                    "task": task,
                    "horizon": horizon,
                    "metric": metric,
                    challenger: point_a[metric],
                    incumbent: point_b[metric],
                    "difference": point_a[metric] - point_b[metric],
                    "low": float(draws[metric].quantile(0.025)) if len(draws) else np.nan,
                    "high": float(draws[metric].quantile(0.975)) if len(draws) else np.nan,
                }
            )
    return pd.DataFrame(records)


def failure_ranks(
    scored: pd.DataFrame, failures: pd.DataFrame, names: pd.Series, top: int = 30
) -> pd.DataFrame:
    """For every council's first failure: its rank 1, 2, 3 years before it became known.

    The rank h years before is the new-failure task's rank at origin known - h under
    the h-year model; lead time is the most years ahead it was in the top `top`.
    """
    first = failures.sort_values("known_year").drop_duplicates("gss_code")
    new = scored[scored["task"] == "new"]
    records = []
    for event in first.itertuples():
        for model, rows in new.groupby("model"):
            record = {
                "gss_code": event.gss_code,
                "name": names.get(event.gss_code, event.authority_name),
                "event": event.event,
                "known_year": event.known_year,
                "model": model,
            }
            lead = 0
            for h in (1, 2, 3):
                hit = rows[
                    (rows["gss_code"] == event.gss_code)
                    & (rows["horizon"] == h)
                    & (rows["origin"] == shift_year(event.known_year, -h))
                ]
                rank = int(hit["rank"].iloc[0]) if len(hit) else None
                record[f"rank_{h}y_before"] = rank
                if rank is not None and rank <= top:
                    lead = max(lead, h)
            record[f"lead_years_in_top_{top}"] = lead
            records.append(record)
    return pd.DataFrame(records)
