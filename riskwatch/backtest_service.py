"""What the `backtest` command does beyond parsing and printing: choose the backtest from
the options and configs/run.toml, run it on the data directory, draw its report, and
record it in MLflow, where it also describes the registered versions it covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskwatch.service import ProgressFactory, load_frames, no_bars


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


@dataclass(frozen=True)
class BacktestRun:
    """A finished backtest with its HTML report and what it ran on (for the MLflow record)."""

    result: Any
    html: str
    tables: dict
    features: Any


def run_backtest(
    data_dir: Path,
    spec,
    n_jobs: int = 1,
    scheduler: str | None = None,
    progress: ProgressFactory = no_bars,
) -> BacktestRun:
    """Run the rolling-origin backtest on the data directory and draw its HTML report."""
    from riskwatch import backtest, tracking
    from riskwatch.data.store import load_tables
    from riskwatch.report.backtest import backtest_html

    tracking.check_reachable()
    tables = load_tables(data_dir)
    backtest.check_horizons(tables, spec.horizons)
    tables, frames, features = load_frames(data_dir, tables, progress=progress)
    result = backtest.run_backtest(
        tables,
        frames,
        features,
        spec,
        n_jobs=n_jobs,
        scheduler=scheduler,
        progress=progress("fitting models"),
    )
    html_text = backtest_html(
        result.metrics, result.scored, result.failure_ranks, "riskwatch backtest"
    )
    return BacktestRun(result, html_text, tables, features)


def log_backtest(spec, run: BacktestRun) -> None:
    """Record a backtest in MLflow: its settings, headline metrics and tables."""
    from riskwatch import tracking
    from riskwatch.data.store import panel_fingerprint

    result = run.result
    metrics = {
        f"{r.model}.{r.task}.h{r.horizon}.{m}": getattr(r, m)
        for r in result.metrics.itertuples()
        for m in ("roc_auc", "pr_auc", "recall_at_30", "brier")
    }
    tracking.log_run(
        params={**spec.__dict__, "features": len(run.features.names)},
        metrics=metrics,
        tags={
            "kind": "backtest",
            "feature_catalogue_version": run.features.catalogue_version,
            "panel_fingerprint": panel_fingerprint(run.tables["panel"]),
        },
        texts={
            "backtest.html": run.html,
            "metrics.csv": result.metrics.to_csv(index=False),
            "metrics_per_origin.csv": result.per_origin.to_csv(index=False),
            "paired_differences.csv": result.paired.to_csv(index=False),
            "failure_ranks.csv": result.failure_ranks.to_csv(index=False),
        },
        run_name="backtest",
    )
    describe_backtested_versions(run.features.catalogue_version)


def describe_backtested_versions(catalogue_version: str) -> None:
    """Give every registered version whose configuration the newest backtests cover that
    backtest's figures in its description and tags, so the registry says how each did."""
    from riskwatch import tracking
    from riskwatch.settings import load_run_config
    from riskwatch.training import backtest_headline, with_backtest

    name = load_run_config()["train"]["registered_name"]
    records = tracking.backtest_records()
    for version in tracking.list_versions(name):
        params, fingerprint = version["params"], version.get("panel_fingerprint")
        if version.get("feature_catalogue_version") != catalogue_version or not params:
            continue
        headline = backtest_headline(records, params, catalogue_version, fingerprint)
        if headline is not None:
            described = with_backtest(version["description"], headline[0])
            tracking.describe_version(name, version["version"], described, headline[1])
