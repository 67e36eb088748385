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
from typing import TYPE_CHECKING, Any, Literal

from riskwatch.errors import RiskwatchError

if TYPE_CHECKING:
    from riskwatch.pipeline import Review

ProgressFactory = Callable[[str], Callable[..., Any]]


def no_bars(description: str) -> Callable[..., Any]:
    """A progress factory that draws nothing."""
    from riskwatch.pipeline import no_progress

    return no_progress


def panel_summary(data_dir: Path) -> dict:
    """The `data check` summary of every table (the user's releases merged in), with the
    panel set against the verification sample shipped in the package."""
    from riskwatch.data.check.report import data_summary
    from riskwatch.data.check.verification import read_sample
    from riskwatch.data.store.tables import TABLES, load_table

    tables = {name: load_table(name, data_dir) for name in TABLES}
    return data_summary(tables, read_sample())


def definition_breaks(data_dir: Path) -> dict:
    """The suspected definition breaks of the panel (the user's releases merged in), each
    accepted by configs/breaks.toml or held out of trends."""
    from riskwatch.data.check.definition_breaks import breaks_report
    from riskwatch.data.store.tables import load_table

    return breaks_report(load_table("panel", data_dir), load_table("authority_years"))


def feature_catalogue(data_dir: Path):
    """The feature catalogue table: definitions, units, directions, years and coverage."""
    from riskwatch.data.store.tables import load_table
    from riskwatch.features import catalogue_table

    return catalogue_table(
        load_table("panel", data_dir), load_table("authority_years"), load_table("neighbours")
    )


def feature_frame(data_dir: Path, as_of: str):
    """The feature frame as of a year; refused for a year no council filed for."""
    from riskwatch.data.store.tables import load_table
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
    review: Review | None = None,
    progress: ProgressFactory = no_bars,
    scheduler: str | None = None,
):
    """Tables, every year's feature frame and the feature set; the year a `review` scores
    read by its date where given. Frames come from the cache when their inputs are unchanged,
    else are built here or, with a Dask `scheduler` address, on that cluster."""
    from riskwatch.data.store.tables import cached_frames, load_tables
    from riskwatch.dataset import feature_set
    from riskwatch.pipeline import feature_frames, frames_key, score_years

    tables = tables if tables is not None else load_tables(data_dir)
    features = feature_set()
    years = score_years(tables)
    key = frames_key(tables, features.catalogue_version, years, review)
    frames = cached_frames(
        key,
        lambda: feature_frames(
            tables,
            years,
            progress=progress("building features"),
            review=review,
            scheduler=scheduler,
        ),
    )
    return tables, frames, features


def today() -> str:
    """The review date of a watchlist, an explanation or a model trained to score: today."""
    import datetime

    return datetime.date.today().isoformat()


def frames_seen_by(
    data_dir: Path, tables: dict, as_of: str, seen_by: str, progress: ProgressFactory = no_bars
):
    """`load_frames` for scoring (or training a model to score) `as_of` on the review date
    `seen_by`: when the review scores `as_of` (the latest year published by then), its frame
    reads every value as the latest vintage published by that date (`review_of`)."""
    from riskwatch.pipeline import review_of, score_years

    return load_frames(data_dir, tables, review_of(score_years(tables), as_of, seen_by), progress)


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
    from riskwatch import tracking
    from riskwatch.data.store.tables import load_tables
    from riskwatch.pipeline import score_years
    from riskwatch.settings import load_run_config
    from riskwatch.training import train

    config = load_run_config()["train"]
    tracking.check_reachable()
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
    from riskwatch import tracking
    from riskwatch.data.store.tables import panel_fingerprint
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
    return tracking.register_aliased(
        run_id, config["registered_name"], description, tags, alias or None, announce
    )


def promote(version: int, alias: str) -> str:
    """Point `alias` at a registered version; the registered model's name."""
    from riskwatch import tracking
    from riskwatch.settings import load_run_config

    name = load_run_config()["train"]["registered_name"]
    known = [v["version"] for v in tracking.list_versions(name)]
    if version not in known and version in tracking.interrupted_versions(name):
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
    tracking.set_alias(name, alias, version)
    return name


def flag_table(data_dir: Path, progress: ProgressFactory = no_bars):
    """Each review flag on its own over every as-of year: council-years flagged, the
    failures that followed within 1 and 2 years, and whether it earns its place (kept,
    re-thresholded or dropped by configs/flags.toml's rule)."""
    from riskwatch.flags import flag_backtest, judge_flags, load_flags, load_rule
    from riskwatch.labels import failure_events, last_label_year

    tables, frames, _ = load_frames(data_dir, progress=progress)
    flags = load_flags(set(frames[max(frames)].columns))
    failures, covered = failure_events(tables["events"]), last_label_year()
    table = flag_backtest(frames, flags, failures, covered)
    verdicts = judge_flags(frames, flags, failures, covered, load_rule())
    return table.merge(verdicts, on="flag", how="left")


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
    seen_by: str | None = None  # the later date the as-of frame is seen by, if any


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
        from riskwatch.data.store.tables import data_source
        from riskwatch.report.review_pack import publish_review, render_review
        from riskwatch.review_pack import assemble_review, log_review, review_summary
        from riskwatch.settings import load_run_config
        from riskwatch.shocks import load_scenarios, pick

        context = scoring_context(data_dir, model_ref, as_of, seen_by, progress, announce)
        scenarios = pick(load_scenarios(), load_run_config()["stress"]["review_scenarios"])
        pack = assemble_review(
            out,
            quarter,
            context.tables,
            context.frames,
            context.features,
            context.catalogue,
            context.model,
            context.as_of,
            data_source=data_source(data_dir),
            what_if=stress_scenarios(context, scenarios, progress),
            successors=successors_of(context),
        )
        html_text = render_review(pack)
        folder = publish_review(pack, html_text, out)
        log_review(pack, html_text, logger.log)
    return review_summary(pack, folder), context


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
    date; the model `model_ref` names, or its configuration refitted without hindsight
    where scoring with it would use hindsight (`retrospective_model`), said in one line."""
    from riskwatch import tracking
    from riskwatch.data.store.tables import load_tables
    from riskwatch.features import feature_descriptions
    from riskwatch.pipeline import latest_seen_year, review_of, score_years
    from riskwatch.registered import check_inputs_present
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
    model = champion(data_dir, tables, model_ref, progress, announce)
    tables, frames, features = frames_seen_by(data_dir, tables, as_of, seen_by, progress)
    past_review = seen_by if seen_by < today() else None
    refitted = retrospective_model(tables, frames, features, model, as_of, past_review)
    if refitted is not None:
        announce(
            f"{refitted.description['refitted_because']}: scoring {as_of} with its "
            f"configuration refitted on the outcome windows closed by {as_of}"
        )
        model = refitted
    check_inputs_present(model, frames, as_of)
    review = review_of(years, as_of, seen_by)
    seen = review.date if review is not None else None
    return ScoringContext(tables, frames, features, feature_descriptions(), model, as_of, seen)


def stress_run(
    data_dir: Path,
    names: list[str],
    scenario_file: Path | None,
    model_ref: str,
    as_of: str | None,
    seen_by: str,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
):
    """Stress the scored year with each named scenario (every one when none is named) and
    record the run in MLflow, with the scenarios' definitions and hashes as artifacts.
    The results, one per scenario, and the scoring context."""
    from riskwatch.run_logger import RunLogger
    from riskwatch.shocks import load_scenarios, pick

    known = load_scenarios(scenario_file)
    scenarios = pick(known, names or list(known))
    with RunLogger() as logger:
        context = scoring_context(data_dir, model_ref, as_of, seen_by, progress, announce)
        results = stress_scenarios(context, scenarios, progress)
        log_stress(logger.log, context, results)
    return results, context


def successors_run(
    data_dir: Path,
    model_ref: str,
    as_of: str | None,
    seen_by: str,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
):
    """The announced successor councils (configs/reorganisations.toml) scored from their
    predecessors' combined figures beside them, and the scoring context."""
    context = scoring_context(data_dir, model_ref, as_of, seen_by, progress, announce)
    return successors_of(context), context


def successors_of(context: ScoringContext):
    """The successor view on the context's scored year (configs/run.toml's bands)."""
    from riskwatch.features import prepare
    from riskwatch.settings import load_run_config
    from riskwatch.successors import successor_view
    from riskwatch.watchlist import bands_from_config

    return successor_view(
        context.model,
        context.frames[context.as_of],
        prepare(context.tables["panel"]),
        context.tables,
        context.seen_by,
        bands_from_config(load_run_config()["watchlist"]),
    )


def stress_scenarios(context: ScoringContext, scenarios, progress: ProgressFactory = no_bars):
    """Each scenario's StressResult on the context's scored year (configs/run.toml's bands
    and reserve lines)."""
    from riskwatch.features import prepare
    from riskwatch.settings import load_run_config
    from riskwatch.stress import stress
    from riskwatch.watchlist import bands_from_config

    config = load_run_config()
    prepared = prepare(context.tables["panel"])
    return [
        stress(
            scenario,
            context.model,
            context.frames[context.as_of],
            prepared,
            context.tables,
            context.seen_by,
            bands_from_config(config["watchlist"]),
            config["stress"]["reserve_lines"],
        )
        for scenario in progress("stressing")(scenarios)
    ]


def log_stress(log_run: Callable[..., str], context: ScoringContext, results) -> str:
    """Record a stress run: the scenarios (name, version, hash) as parameters, crossings as
    metrics, the definitions with their hashes and each scenario's table as files."""
    import json

    from riskwatch.data.store.tables import panel_fingerprint

    definitions = {
        r.scenario.name: {"hash": r.scenario.digest, "definition": r.scenario.definition}
        for r in results
    }
    metrics = {}
    for r in results:
        everyone = r.crossings.set_index("class").loc["all"]
        for column in ("into the watchlist", "into a higher band"):
            metrics[f"{r.scenario.name}.{column.replace(' ', '_')}"] = float(everyone[column])
    return log_run(
        params={
            "as_of": context.as_of,
            "model_version": context.model.version,
            **{
                f"scenario.{r.scenario.name}": f"v{r.scenario.definition['version']} "
                f"{r.scenario.digest}"
                for r in results
            },
        },
        metrics=metrics,
        tags={"kind": "stress", "panel_fingerprint": panel_fingerprint(context.tables["panel"])},
        texts={
            "scenarios.json": json.dumps(definitions, indent=2, sort_keys=True) + "\n",
            **{f"stress-{r.scenario.name}.csv": r.table.to_csv(index=False) for r in results},
        },
        run_name="stress-" + "+".join(r.scenario.name for r in results),
    )


def watchlist(
    data_dir: Path,
    model_ref: str,
    as_of: str | None,
    seen_by: str,
    top: int | Literal["all"] | None,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
    engine: str = "local",
    scheduler: str | None = None,
):
    """The watchlist with what was published by `seen_by` (see `scoring_context`), its
    councils split by the failures known by then (the financial year of `seen_by`), scored
    on the `engine` named (`riskwatch.cluster.using_engine`)."""
    from riskwatch.cluster import using_engine
    from riskwatch.review import make_watchlist
    from riskwatch.settings import load_run_config
    from riskwatch.years import financial_year_of

    with using_engine(engine, scheduler):
        context = scoring_context(data_dir, model_ref, as_of, seen_by, progress, announce)
        return make_watchlist(
            context.tables,
            context.frames,
            context.model,
            context.as_of,
            context.catalogue,
            load_run_config()["watchlist"],
            top,
            review_year=financial_year_of(seen_by),
        )


def resolve_authority(query: str, authorities) -> str:
    """A GSS code from a code or a name (case-insensitive). An exact name wins, then the name
    without its class suffix ("woking" is Woking BC, not Wokingham UA), then an unambiguous
    prefix."""
    import difflib

    from riskwatch.data.kit.authority_index import name_key

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
