"""What the commands do beyond parsing and printing: summarise the panel, build feature
frames, train and record a model, find the model and the year to score with, write a
review pack, promote a version, and name a council from what a user typed (running and
recording a backtest is riskwatch.backtest_service).

The command line calls these; they print nothing. Long work goes through a `progress`
factory (a description -> a wrapper over an iterable, which may draw a bar) and notes meant
for the user through `announce`, both given by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskwatch.errors import RiskwatchError

ProgressFactory = Callable[[str], Callable[..., Any]]


def no_bars(description: str) -> Callable[..., Any]:
    """A progress factory that draws nothing."""
    from riskwatch.pipeline import no_progress

    return no_progress


def panel_summary(data_dir: Path) -> dict:
    """The `data check` summary of every table (the user's releases merged in), with the
    panel set against the verification sample shipped in the package."""
    from riskwatch.data.check import data_summary
    from riskwatch.data.check_verification import read_sample
    from riskwatch.data.store import TABLES, load_table

    tables = {name: load_table(name, data_dir) for name in TABLES}
    return data_summary(tables, read_sample())


def definition_breaks(data_dir: Path) -> dict:
    """The suspected definition breaks of the panel (the user's releases merged in), each
    accepted by configs/breaks.toml or held out of trends."""
    from riskwatch.data.definition_breaks import breaks_report
    from riskwatch.data.store import load_table

    return breaks_report(load_table("panel", data_dir), load_table("authority_years"))


def feature_catalogue(data_dir: Path):
    """The feature catalogue table: definitions, units, directions, years and coverage."""
    from riskwatch.data.store import load_table
    from riskwatch.features import catalogue_table

    return catalogue_table(
        load_table("panel", data_dir), load_table("authority_years"), load_table("neighbours")
    )


def feature_frame(data_dir: Path, as_of: str):
    """The feature frame as of a year; refused for a year no council filed for."""
    from riskwatch.data.store import load_table
    from riskwatch.features import breaks_for_trends, build_features

    years = load_table("authority_years")
    if as_of not in set(years["financial_year"]):
        held = sorted(years["financial_year"].unique())
        raise RiskwatchError(
            f"no councils filed for {as_of} (years held: {held[0]} to {held[-1]})", field="--as-of"
        )
    panel = load_table("panel", data_dir)
    return build_features(
        panel,
        years,
        as_of,
        neighbours=load_table("neighbours"),
        breaks=breaks_for_trends(panel, years),
    )


def load_frames(
    data_dir: Path,
    tables: dict | None = None,
    seen_by: str | None = None,
    progress: ProgressFactory = no_bars,
):
    """Tables, every year's feature frame and the feature set; the latest year seen by
    `seen_by` where given. Frames come from the cache when their inputs are unchanged."""
    from riskwatch.data.store import cached_frames, load_tables
    from riskwatch.dataset import feature_set
    from riskwatch.pipeline import feature_frames, frames_key, score_years

    tables = tables if tables is not None else load_tables(data_dir)
    features = feature_set()
    years = score_years(tables)
    key = frames_key(tables, features.catalogue_version, years, seen_by)
    frames = cached_frames(
        key,
        lambda: feature_frames(
            tables, years, progress=progress("building features"), latest_seen_by=seen_by
        ),
    )
    return tables, frames, features


def train_model(
    data_dir: Path,
    model: str | None,
    horizon: int | None,
    task: str | None,
    for_year: str | None,
    register: bool,
    alias: str | None,
    progress: ProgressFactory = no_bars,
):
    """Train a model (configs/run.toml fills what is not given) on every closed outcome
    window, log it to MLflow and register it when asked; the trained model and its version."""
    from riskwatch import tracking
    from riskwatch.settings import load_run_config
    from riskwatch.training import train

    config = load_run_config()["train"]
    tracking.check_reachable()
    tables, frames, features = load_frames(data_dir, progress=progress)
    if for_year is not None and for_year not in frames:
        raise RiskwatchError(
            f"no feature frame as of {for_year} (years held: {min(frames)} to {max(frames)})",
            field="--for-year",
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
    version = record_model(trained, tables, features, config, register or alias is not None, alias)
    return trained, version


def record_model(trained, tables, features, config: Mapping, register: bool, alias: str | None):
    """Log a trained model's run to MLflow; register a version (and point `alias` at it)
    when asked. The version, or None when not registered."""
    from riskwatch import tracking
    from riskwatch.data.store import panel_fingerprint
    from riskwatch.pipeline import score_years
    from riskwatch.training import backtest_headline, registry_entry, with_backtest

    run_id = tracking.log_training_run(
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
        tracking.backtest_records(), trained.params, features.catalogue_version, fingerprint
    )
    if headline is not None:
        description, tags = with_backtest(description, headline[0]), tags | headline[1]
    version = tracking.register(run_id, config["registered_name"], description, tags)
    if alias:
        tracking.set_alias(config["registered_name"], alias, version)
    return version


def promote(version: int, alias: str) -> str:
    """Point `alias` at a registered version; the registered model's name."""
    from riskwatch import tracking
    from riskwatch.settings import load_run_config

    name = load_run_config()["train"]["registered_name"]
    known = [v["version"] for v in tracking.list_versions(name)]
    if version not in known:
        raise RiskwatchError(
            f"no version {version} of '{name}' "
            f"(registered: {', '.join(map(str, known)) or 'none'})",
            field="VERSION",
        )
    tracking.set_alias(name, alias, version)
    return name


def flag_table(data_dir: Path, progress: ProgressFactory = no_bars):
    """Each review flag on its own over every as-of year: council-years flagged and the
    failures that followed within 1 and 2 years."""
    from riskwatch.flags import flag_backtest, load_flags
    from riskwatch.labels import failure_events, last_label_year

    tables, frames, _ = load_frames(data_dir, progress=progress)
    flags = load_flags(set(frames[max(frames)].columns))
    return flag_backtest(frames, flags, failure_events(tables["events"]), last_label_year())


def champion(
    tables,
    frames,
    features,
    reference: str,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
):
    """The registered model to score with; trains and registers a champion on first use."""
    from riskwatch.scoring import load_registered
    from riskwatch.settings import load_run_config
    from riskwatch.training import train

    config = load_run_config()["train"]
    loaded = load_registered(config["registered_name"], reference)
    if loaded is not None:
        return loaded
    if reference != "champion":
        raise RiskwatchError(f"no registered model version or alias '{reference}'", field="--model")
    announce(
        f"no champion registered yet: training the default model ({config['model']}, "
        f"{config['horizon']}-year horizon, {config['task']} failures) on the embedded data"
    )
    for step in progress("first champion")(("fitting", "registering")):
        if step == "fitting":
            trained = train(
                tables,
                frames,
                features,
                config["model"],
                config["horizon"],
                config["task"],
                config["past_failure_feature"],
            )
        else:
            version = record_model(trained, tables, features, config, True, "champion")
    announce(f"registered it as version {version} with alias 'champion'")
    return load_registered(config["registered_name"], "champion")


@dataclass(frozen=True)
class ScoringContext:
    """What scoring a year needs: the tables, feature frames and set, the feature
    descriptions, the model and the as-of year."""

    tables: dict
    frames: dict
    features: Any
    catalogue: Any
    model: Any
    as_of: str


def review_pack(
    out: Path,
    quarter: str,
    data_dir: Path,
    model_ref: str,
    as_of: str | None,
    seen_by: str,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
) -> tuple[dict, ScoringContext]:
    """Score a quarter and write its review pack, recorded as an MLflow run. The run is
    logged by a child process started first, before even pandas is imported here, so
    MLflow's start-up overlaps all of the scoring."""
    from riskwatch.run_logger import RunLogger

    with RunLogger() as logger:
        from riskwatch.data.store import data_source
        from riskwatch.report.review_pack import write_review

        context = scoring_context(data_dir, model_ref, as_of, seen_by, progress, announce)
        summary = write_review(
            out,
            quarter,
            context.tables,
            context.frames,
            context.features,
            context.catalogue,
            context.model,
            context.as_of,
            data_source=data_source(data_dir),
            log_run=logger.log,
        )
    return summary, context


def scoring_context(
    data_dir: Path,
    model_ref: str,
    as_of: str | None,
    seen_by: str,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
) -> ScoringContext:
    """The context to score with: by default the latest year published by `seen_by` (the
    review date), whose frame then carries the latest dated positions published by that
    date; the model `model_ref` names, refitted without hindsight for a past year."""
    from riskwatch import tracking
    from riskwatch.data.store import load_tables
    from riskwatch.features import feature_descriptions
    from riskwatch.pipeline import latest_seen_year, score_years
    from riskwatch.scoring import check_inputs_present
    from riskwatch.training import retrospective_model

    tracking.check_reachable()
    tables = load_tables(data_dir)
    years = score_years(tables)
    as_of = as_of or latest_seen_year(years, seen_by)
    if as_of not in years:
        raise RiskwatchError(
            f"no outturn data as of {as_of} (years held: {years[0]} to {years[-1]})",
            field="--as-of",
        )
    latest = as_of == years[-1] and latest_seen_year(years, seen_by) == as_of
    tables, frames, features = load_frames(data_dir, tables, seen_by if latest else None, progress)
    model = champion(tables, frames, features, model_ref, progress, announce)
    # A year whose outcome the champion was trained on is scored without hindsight: by the
    # champion's configuration fitted on the windows closed by then, reading that year's inputs.
    model = retrospective_model(tables, frames, features, model, as_of) or model
    check_inputs_present(model, frames, as_of)
    return ScoringContext(tables, frames, features, feature_descriptions(), model, as_of)


def resolve_authority(query: str, authorities) -> str:
    """A GSS code from a code or a name (case-insensitive). An exact name wins, then the name
    without its class suffix ("woking" is Woking BC, not Wokingham UA), then an unambiguous
    prefix."""
    import difflib

    from riskwatch.data.authority_index import name_key

    codes = set(authorities["gss_code"])
    if query.upper() in codes:
        return query.upper()
    names = dict(zip(authorities["name"].str.lower(), authorities["gss_code"], strict=True))
    wanted = query.strip().lower()
    if wanted in names:
        return names[wanted]
    same = sorted(n for n in names if name_key(n) == name_key(wanted))
    if len(same) == 1:
        return names[same[0]]
    matches = same or sorted(n for n in names if n.startswith(wanted))
    if len(matches) == 1:
        return names[matches[0]]
    if matches:
        raise RiskwatchError(f"'{query}' is ambiguous: {', '.join(matches[:8])}", field="AUTHORITY")
    close = difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise RiskwatchError(f"no council named '{query}'{hint}", field="AUTHORITY")
