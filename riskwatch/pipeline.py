"""As-of assembly: the tables, the feature frame of every year, and the training sets.

Pure functions of the tables; the CLI loads the tables and writes the outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.backtest import BacktestSpec, origins_for, run_origin, stacked_design
from riskwatch.labels import failure_events, last_label_year, shift_year

# progress(items, length=None) yields the items, perhaps drawing a bar; `length` for results
# that arrive lazily (counting them first would wait for all of them).
Progress = Callable[..., Iterable]


def no_progress(items: Iterable, length: int | None = None) -> Iterable:
    """The items, drawing nothing: for callers with no terminal."""
    return items


@dataclass(frozen=True)
class FeatureSet:
    """The model inputs: feature names and their directions (+1 riskier, -1 safer)."""

    names: list[str]
    directions: dict[str, int]
    catalogue_version: str

    def for_model(self, family: str) -> FeatureSet:
        """The inputs configs/models.toml gives a model family ("all" or a list of names)."""
        from riskwatch.errors import RiskwatchError
        from riskwatch.models import family_of, load_model_specs

        specs = load_model_specs()
        chosen = specs.get("features", {}).get(family)
        if chosen is None:  # a variant reads its family's inputs
            chosen = specs["features"].get(family_of(family), "all")
        if chosen == "all":
            return self
        unknown = [name for name in chosen if name not in self.directions]
        if unknown:
            raise RiskwatchError(
                f"unknown feature(s) for {family}: {', '.join(unknown)}",
                file="configs/models.toml",
                field="features",
            )
        return FeatureSet(
            list(chosen), {n: self.directions[n] for n in chosen}, self.catalogue_version
        )


def feature_set() -> FeatureSet:
    """Every catalogued feature a model may use, with the catalogue's directions."""
    from riskwatch.features import model_features

    names, directions, version = model_features()
    return FeatureSet(list(names), dict(directions), version)


ESSENTIAL_COVERAGE = 0.9  # share of a year's councils with a reported net revenue spending


def score_years(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Years a council can be scored as of: those whose essential indicator, outturn net
    revenue expenditure (RS, or its compiled figures for 2024-25), is reported for at least
    90% of the year's councils (every ratio is taken to it)."""
    councils = tables["authority_years"].groupby("financial_year")["gss_code"].nunique()
    panel = tables["panel"]
    reported = panel[
        (panel["source"] == "RS")
        & (panel["indicator"] == "net_revenue_expenditure")
        & (panel["status"] == "reported")
    ]
    with_nre = reported.groupby("financial_year")["gss_code"].nunique()
    share = (with_nre / councils).dropna()
    return sorted(str(year) for year in share[share >= ESSENTIAL_COVERAGE].index)


def latest_seen_year(years: list[str], seen_by: str) -> str:
    """The latest of `years` whose outturn was published by `seen_by` (the review date)."""
    from riskwatch.errors import RiskwatchError
    from riskwatch.features.frame import as_of_date

    published = [year for year in years if as_of_date(year) <= seen_by]
    if not published:
        raise RiskwatchError(
            f"no outturn year was published by {seen_by} (the first, {years[0]}, was "
            f"published on {as_of_date(years[0])})",
            field="review date",
        )
    return published[-1]


def feature_frames(
    tables: dict[str, pd.DataFrame],
    years: list[str],
    progress: Progress = iter,
    latest_seen_by: str | None = None,
) -> dict[str, pd.DataFrame]:
    """The feature frame as of each year (only data published by then). The latest year can
    be seen by a later review date (`latest_seen_by`): it then carries the latest dated
    positions published by that date. No earlier year, so no training row, is affected."""
    from riskwatch.features import build_features, prepare

    panel = prepare(tables["panel"])  # encoded once, not once per year (half the cost)
    last = max(years)
    return {
        year: build_features(
            panel,
            tables["authority_years"],
            as_of=year,
            neighbours=tables.get("neighbours"),
            seen_by=latest_seen_by if year == last else None,
        )
        for year in progress(years)
    }


def frames_key(
    tables: dict[str, pd.DataFrame],
    catalogue_version: str,
    years: list[str],
    latest_seen_by: str | None = None,
) -> str:
    """What the feature frames depend on: panel, peer sets, catalogue, code version, years,
    and the date the latest year is seen by."""
    import hashlib

    from riskwatch import __version__
    from riskwatch.data.store import panel_fingerprint

    parts = [
        panel_fingerprint(tables["panel"]),
        panel_fingerprint(tables["neighbours"]),
        catalogue_version,
        _features_source_hash(),
        _frame_configs_hash(),
        __version__,
        ",".join(years),
        latest_seen_by or "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


# Configs read while a frame is built: releases.toml dates the as-of cut (features/frame.py).
FRAME_CONFIGS = ("releases.toml",)


def _frame_configs_hash() -> str:
    """A hash of the configs that shape a frame: editing a publication rule invalidates it."""
    import hashlib
    from importlib import resources

    package = resources.files("riskwatch.configs")
    texts = b"".join(name.encode() + package.joinpath(name).read_bytes() for name in FRAME_CONFIGS)
    return hashlib.sha256(texts).hexdigest()[:16]


def _features_source_hash() -> str:
    """A hash of the feature builders' code: editing a builder invalidates cached frames."""
    import hashlib
    from importlib import resources

    package = resources.files("riskwatch.features")
    sources = sorted(
        (entry.name, entry.read_bytes())
        for entry in package.iterdir()
        if entry.name.endswith(".py")
    )
    return hashlib.sha256(b"".join(name.encode() + code for name, code in sources)).hexdigest()[:16]


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
    from riskwatch.backtest import (
        failure_ranks,
        metrics_table,
        paired_differences,
        per_origin_metrics,
        rank_within_origin,
    )

    failures = failure_events(tables["events"])
    covered = last_label_year()
    jobs = [
        (origin, horizon, task, model)
        for horizon in spec.horizons
        for origin in origins_for(sorted(frames), failures, horizon, covered)
        for task in spec.tasks
        for model in spec.models
    ]
    results = _map_jobs(jobs, frames, features, failures, spec, n_jobs, scheduler, progress)
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
    jobs,
    frames,
    features: FeatureSet,
    failures,
    spec,
    n_jobs: int,
    scheduler: str | None,
    progress: Progress = no_progress,
) -> list[pd.DataFrame]:
    """Run the (origin, horizon, task, model) fits sequentially, with joblib, or on Dask,
    in order; each result passes through `progress` as it completes."""
    from joblib import Parallel, delayed, parallel_backend

    inputs = {model: features.for_model(model) for model in spec.models}
    calls = [
        delayed(_run_job)(
            frames, inputs[job[3]].names, inputs[job[3]].directions, failures, *job, spec
        )
        for job in jobs
    ]
    if scheduler:
        from riskwatch.errors import RiskwatchError

        try:
            from dask.distributed import Client
        except ImportError:
            raise RiskwatchError(
                "--scheduler needs Dask: pip install 'riskwatch[distributed]'", field="--scheduler"
            ) from None
        try:  # connect timeout from Dask's config (distributed.comm.timeouts.connect, 30 s)
            client = Client(scheduler)
        except (OSError, TimeoutError) as exc:
            raise RiskwatchError(
                f"cannot reach Dask scheduler {scheduler}: {exc}", field="--scheduler"
            ) from None
        with client, parallel_backend("dask"):
            return list(progress(Parallel(return_as="generator")(calls), len(calls)))
    return list(progress(Parallel(n_jobs=n_jobs, return_as="generator")(calls), len(calls)))


def _run_job(frames, names, directions, failures, origin, horizon, task, model, spec):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # one BLAS thread per worker: no oversubscription
        return run_origin(frames, names, directions, failures, origin, horizon, task, model, spec)


def training_set(
    frames: dict[str, pd.DataFrame],
    features: FeatureSet,
    failures: pd.DataFrame,
    horizon: int,
    task: str,
    past_failure_feature: bool,
    closed_by: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Every row whose outcome window the labels cover: what a production model learns from.

    With `closed_by`, only rows whose window closed by that year, as the backtest trains
    for an origin: a model that has not seen what happened after it."""
    covered = min(last_label_year(), closed_by or last_label_year())
    years = [s for s in sorted(frames) if shift_year(s, horizon) <= covered]
    return stacked_design(
        frames, years, features.names, horizon, task, failures, past_failure_feature
    )
