"""`riskwatch train` and `models promote`, and the champion a scoring command uses (trained
and registered on first use)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from riskwatch.errors import RiskwatchError
from riskwatch.service.frames import ProgressFactory, frames_seen_by, no_bars, today


def train_model(
    data_dir: Path,
    model: str | None,
    horizon: int | None,
    task: str | None,
    for_year: str | None,
    register: bool,
    alias: str | None,
    progress: ProgressFactory = no_bars,
    tables: dict | None = None,
    announce: Callable[[str], None] = lambda text: None,
):
    """Train a model (configs/run.toml fills what is not given) on every closed outcome
    window, reading the inputs its year (default the latest) has as published today; log it
    to MLflow and register it when asked. The trained model and its version."""
    from riskwatch.data.store.table_store import load_tables
    from riskwatch.pipeline import score_years
    from riskwatch.settings import load_run_config
    from riskwatch.tracking import store
    from riskwatch.training import train

    config = load_run_config()["train"]
    store.check_reachable()
    tables = tables if tables is not None else load_tables(data_dir)
    years = score_years(tables)
    if for_year is not None and for_year not in years:
        raise RiskwatchError(
            f"no feature frame as of {for_year} (years held: {years[0]} to {years[-1]})",
            field="--for-year",
        )
    tables, frames, features = frames_seen_by(
        data_dir, tables, for_year or years[-1], today(), progress
    )
    trained = train(
        tables,
        frames,
        features,
        model or config["model"],
        horizon or config["horizon"],
        task or config["task"],
        config["past_failure_feature"],
        scoring_year=for_year,
    )
    version = record_model(
        trained, tables, features, config, register or alias is not None, alias, announce
    )
    return trained, version


def record_model(
    trained,
    tables,
    features,
    config: Mapping,
    register: bool,
    alias: str | None,
    announce: Callable[[str], None] = lambda text: None,
):
    """Log a trained model's run to MLflow; register a version (and point `alias` at it)
    when asked, first removing registrations left interrupted (announced). The version, or
    None when not registered."""
    from riskwatch.data.store.table_store import panel_fingerprint
    from riskwatch.pipeline import score_years
    from riskwatch.tracking import registration, runs
    from riskwatch.training import backtest_headline, registry_entry, with_backtest

    run_id = runs.log_training_run(
        trained.model,
        params=trained.params,
        metrics=trained.metrics,
        feature_catalogue_version=features.catalogue_version,
        panel_fingerprint=panel_fingerprint(tables["panel"]),
        config=config,
        X_example=trained.X_example,
        run_name=f"train-{trained.params['model']}",
    )
    if not register:
        return None
    fingerprint = panel_fingerprint(tables["panel"])
    description, tags = registry_entry(
        trained, features.catalogue_version, fingerprint, score_years(tables)[-1]
    )
    headline = backtest_headline(
        runs.backtest_records(), trained.params, features.catalogue_version, fingerprint
    )
    if headline is not None:
        description, tags = with_backtest(description, headline[0]), tags | headline[1]
    return registration.register_aliased(
        run_id, config["registered_name"], description, tags, alias or None, announce
    )


def promote(version: int, alias: str) -> str:
    """Point `alias` at a registered version; the registered model's name."""
    from riskwatch.settings import load_run_config
    from riskwatch.tracking import registration, registry

    name = load_run_config()["train"]["registered_name"]
    known = [v["version"] for v in registry.list_versions(name)]
    if version not in known and version in registration.interrupted_versions(name):
        raise RiskwatchError(
            f"version {version} of '{name}' is not registered: its registration was "
            "interrupted (the tracking store failed before it was complete); register "
            "again with `riskwatch train --register`",
            field="VERSION",
        )
    if version not in known:
        raise RiskwatchError(
            f"no version {version} of '{name}' "
            f"(registered: {', '.join(map(str, known)) or 'none'})",
            field="VERSION",
        )
    registry.set_alias(name, alias, version)
    return name


def champion(
    data_dir: Path,
    tables: dict,
    reference: str,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
):
    """The registered model to score with. On first use, trains and registers a champion
    exactly as `riskwatch train --register --alias champion` would: the same model whatever
    the command and review date that needed it."""
    from riskwatch.registered import load_registered
    from riskwatch.settings import load_run_config

    config = load_run_config()["train"]
    loaded = load_registered(config["registered_name"], reference, announce)
    if loaded is not None:
        return loaded
    if reference != "champion":
        raise RiskwatchError(f"no registered model version or alias '{reference}'", field="--model")
    announce(
        f"no champion registered yet: training the default model ({config['model']}, "
        f"{config['horizon']}-year horizon, {config['task']} failures) on the embedded data"
    )
    _, version = train_model(
        data_dir, None, None, None, None, True, "champion", progress, tables, announce
    )
    announce(f"registered it as version {version} with alias 'champion'")
    return load_registered(config["registered_name"], "champion", announce)
