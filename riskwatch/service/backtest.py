"""What the `backtest` command does beyond parsing and printing: choose the backtest and
the replay of each EFS round from the options and configs/run.toml, run them on the data
directory, draw their report, and record them in MLflow, where the backtest also describes
the registered versions it covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskwatch.service.frames import ProgressFactory, load_frames, no_bars


def backtest_spec(
    models: tuple[str, ...] | None,
    horizons: tuple[int, ...] | None,
    bootstrap: int | None,
    past_failure: bool,
):
    """The backtest to run: what is given, the rest from configs/run.toml."""
    from riskwatch.backtest import BacktestSpec
    from riskwatch.settings import load_run_config

    config = load_run_config()["backtest"]
    return BacktestSpec(
        models=models or tuple(config["models"]),
        horizons=horizons or tuple(config["horizons"]),
        tasks=tuple(config["tasks"]),
        top_k=tuple(config["top_k"]),
        bootstrap=bootstrap if bootstrap is not None else config["bootstrap"],
        seed=config["seed"],
        past_failure_feature=past_failure,
        compare=tuple(config.get("compare", ())),
    )


def replay_spec(models: tuple[str, ...] | None):
    """The replay of each EFS round: the models given or configs/run.toml's `replay_models`,
    fitted in the champion's configuration ([train] horizon and task)."""
    from riskwatch.replay import ReplaySpec
    from riskwatch.settings import load_run_config

    config = load_run_config()
    return ReplaySpec(
        models=models or tuple(config["backtest"]["replay_models"]),
        horizon=config["train"]["horizon"],
        task=config["train"]["task"],
        top_k=tuple(config["backtest"]["replay_top"]),
    )


def check_model_names(names: tuple[str, ...], families: tuple[str, ...]) -> None:
    """Refuse a model that is neither one of `families` nor a named variant of
    configs/models.toml, naming the choices."""
    from riskwatch.errors import RiskwatchError
    from riskwatch.models import load_model_specs

    choices = (*families, *load_model_specs().get("variants", {}))
    for name in names:
        if name not in choices:
            raise RiskwatchError(f"'{name}' is not one of {', '.join(choices)}", field="models")


@dataclass(frozen=True)
class BacktestRun:
    """A finished backtest (None when only the replay ran) and replay of each EFS round,
    with their HTML report and what they ran on (for the MLflow record)."""

    result: Any
    replay: Any
    html: str
    tables: dict
    features: Any


def run_backtest(
    data_dir: Path,
    spec,
    replay,
    rolling_origins: bool = True,
    n_jobs: int = 1,
    scheduler: str | None = None,
    progress: ProgressFactory = no_bars,
) -> BacktestRun:
    """Run the rolling-origin backtest (unless `rolling_origins` is False) and the replay of
    each EFS round on the data directory, and draw their HTML report."""
    from riskwatch import backtest
    from riskwatch.data.store.table_store import load_tables
    from riskwatch.replay import replay_rounds
    from riskwatch.report.backtest import backtest_html
    from riskwatch.tracking import store

    store.check_reachable()
    tables = load_tables(data_dir)
    if rolling_origins:
        backtest.check_horizons(tables, spec.horizons)
    tables, frames, features = load_frames(data_dir, tables, progress=progress, scheduler=scheduler)
    result = (
        backtest.run_backtest(
            tables,
            frames,
            features,
            spec,
            n_jobs=n_jobs,
            scheduler=scheduler,
            progress=progress("fitting models"),
        )
        if rolling_origins
        else None
    )
    replayed = replay_rounds(
        tables,
        frames,
        features,
        replay,
        spec,
        seen_frame=lambda as_of, seen_by: seen_frame(tables, features, as_of, seen_by),
        progress=progress("replaying EFS rounds"),
    )
    html_text = backtest_html(result, replayed, "riskwatch backtest")
    return BacktestRun(result, replayed, html_text, tables, features)


def seen_frame(tables: dict, features, as_of: str, seen_by: str):
    """The feature frame of `as_of` as seen on the review date `seen_by`, from the cache when
    its inputs are unchanged."""
    from riskwatch.data.store.frame_cache import cached_frames
    from riskwatch.pipeline import Review, feature_frames, frames_key

    review = Review(as_of, seen_by)
    key = frames_key(tables, features.catalogue_version, [as_of], review)
    return cached_frames(key, lambda: feature_frames(tables, [as_of], review=review))[as_of]


def log_backtest(spec, replay, run: BacktestRun) -> None:
    """Record a backtest in MLflow: its settings, headline metrics and tables, and the
    replay of each EFS round (first-time councils found in each top k, per model)."""
    from riskwatch.data.store.table_store import panel_fingerprint
    from riskwatch.tracking import runs

    result, rounds = run.result, run.replay.rounds
    metrics = {
        f"replay.{r.model}.{r.round}.in_top_{k}": getattr(r, f"in_top_{k}")
        for r in rounds.itertuples()
        for k in replay.top_k
    }
    totals = rounds.groupby("model")[[f"in_top_{k}" for k in replay.top_k]].sum()
    metrics |= {
        f"replay.{model}.in_top_{k}": row[f"in_top_{k}"]
        for model, row in totals.iterrows()
        for k in replay.top_k
    }
    texts = {
        "backtest.html": run.html,
        "replay_rounds.csv": rounds.to_csv(index=False),
        "replay_councils.csv": run.replay.councils.to_csv(index=False),
    }
    params = {f"replay_{key}": value for key, value in replay.__dict__.items()}
    if result is not None:
        metrics |= {
            f"{r.model}.{r.task}.h{r.horizon}.{m}": getattr(r, m)
            for r in result.metrics.itertuples()
            for m in ("roc_auc", "pr_auc", "recall_at_30", "brier")
        }
        texts |= {
            "metrics.csv": result.metrics.to_csv(index=False),
            "metrics_per_origin.csv": result.per_origin.to_csv(index=False),
            "paired_differences.csv": result.paired.to_csv(index=False),
            "failure_ranks.csv": result.failure_ranks.to_csv(index=False),
        }
        params |= spec.__dict__
    runs.log_run(
        params={**params, "features": len(run.features.names)},
        metrics=metrics,
        tags={
            "kind": "backtest",
            "feature_catalogue_version": run.features.catalogue_version,
            "panel_fingerprint": panel_fingerprint(run.tables["panel"]),
        },
        texts=texts,
        run_name="backtest" if result is not None else "backtest-replay",
    )
    if result is not None:
        describe_backtested_versions(run.features.catalogue_version)


def describe_backtested_versions(catalogue_version: str) -> None:
    """Give every registered version whose configuration the newest backtests cover that
    backtest's figures in its description and tags, so the registry says how each did."""
    from riskwatch.settings import load_run_config
    from riskwatch.tracking import registry, runs
    from riskwatch.training import backtest_headline, with_backtest

    name = load_run_config()["train"]["registered_name"]
    records = runs.backtest_records()
    for version in registry.list_versions(name):
        params, fingerprint = version["params"], version.get("panel_fingerprint")
        if version.get("feature_catalogue_version") != catalogue_version or not params:
            continue
        headline = backtest_headline(records, params, catalogue_version, fingerprint)
        if headline is not None:
            described = with_backtest(version["description"], headline[0])
            registry.describe_version(name, version["version"], described, headline[1])
