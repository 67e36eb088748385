"""The `riskwatch` command line: parsing and printing only.

Heavy libraries (pandas, scikit-learn, statsmodels, MLflow) are imported inside
the commands that use them, so `riskwatch --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from riskwatch.errors import RiskwatchError, one_line

app = typer.Typer(
    rich_markup_mode=None,
    help="riskwatch: ranked, explained early-warning scores for English councils.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(
    rich_markup_mode=None,
    help="Build, check and extend the authority-year panel.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")
models_app = typer.Typer(
    rich_markup_mode=None,
    help="The model registry: versions, champion and challenger.",
    no_args_is_help=True,
)
app.add_typer(models_app, name="models")
features_app = typer.Typer(
    rich_markup_mode=None,
    help="The feature catalogue and point-in-time feature frames.",
    no_args_is_help=True,
)
app.add_typer(features_app, name="features")
flags_app = typer.Typer(
    rich_markup_mode=None,
    help="Review flags: plain configured rules beside the model (configs/flags.toml).",
    no_args_is_help=True,
)
app.add_typer(flags_app, name="flags")

_state: dict = {"debug": False, "quiet": False, "bar": None}

# The model families (riskwatch.models.FAMILIES, named here so --help imports no model code).
MODEL_FAMILIES = ("index", "logit", "boosting", "blend")

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir", help="Your data directory (ingested releases).", envvar="RISKWATCH_DATA_DIR"
    ),
]


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


def shows_progress(stream, quiet: bool) -> bool:
    """Whether long work draws a progress bar on `stream`: only on a terminal, and never when
    the output is JSON (a bar would interleave with what a program reads)."""
    return not quiet and stream.isatty()


def _progress(description: str):
    """A progress bar over an iterable, on stderr, drawn only when `shows_progress` says so.

    The returned wrapper takes `length` for a lazy iterable (results as they complete) so it
    is not drained before the bar starts; otherwise it counts the items first."""

    def wrap(items, length: int | None = None):
        if not shows_progress(sys.stderr, _state["quiet"]):
            yield from items
            return
        if length is None:
            items = list(items)
        bar = typer.progressbar(
            items, length=length, label=description, file=sys.stderr, item_show_func=_shown_item
        )
        with bar:
            _state["bar"] = bar
            try:
                yield from bar
            finally:
                _state["bar"] = None

    return wrap


def _shown_item(item) -> str | None:
    """The item a bar names as it works: a year or a step (strings), nothing otherwise."""
    return item if isinstance(item, str) else None


def _end_progress() -> None:
    """Close a bar an error interrupted, so the error starts on its own line (a generator's
    `with` would close only when the generator is collected, after the error is printed)."""
    bar, _state["bar"] = _state["bar"], None
    if bar is not None:
        bar.render_finish()
        bar.hidden = True  # its `with` closes later: draw nothing more


@data_app.command("build")
def data_build(
    source: Annotated[Path, typer.Option("--source", help="The shared public data folder.")] = Path(
        "../shared/data"
    ),
    out: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of the embedded copy.")
    ] = None,
) -> None:
    """Rebuild the embedded Parquet tables from the public data folder."""
    from riskwatch.data.build import build_tables
    from riskwatch.data.store import embedded_dir, write_parquet

    if not source.is_dir():
        raise RiskwatchError("data folder not found (pass --source)", file=source)
    if out is not None and not out.is_dir():
        raise RiskwatchError("the folder to write into does not exist", file=out, field="--out")
    tables = build_tables(source, progress=_progress("reading releases"))
    target = out or embedded_dir()
    for name, frame in tables.items():
        write_parquet(frame, target / f"{name}.parquet")
    typer.echo(
        f"wrote {', '.join(f'{n} ({len(f):,} rows)' for n, f in tables.items())} to {target}"
    )


@data_app.command("check")
def data_check(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Summarise the panel: councils per class and year, measures, coverage, events, gaps."""
    from riskwatch.data.check import data_summary
    from riskwatch.data.store import TABLES, load_table

    tables = {name: load_table(name, data_dir) for name in TABLES}
    summary = data_summary(tables)
    if as_json:
        typer.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    typer.echo(_format_summary(summary))


@data_app.command("ingest")
def data_ingest(
    paths: Annotated[list[Path], typer.Argument(help="Release files (CSV, XLSX, XLS, ODS).")],
    accept_outliers: Annotated[
        bool,
        typer.Option(
            "--accept-outliers",
            help="Keep values beyond 10x the largest any council has reported for the "
            "measure (counted in the vintage's name) instead of refusing the file.",
        ),
    ] = False,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Validate new releases and merge them into your data directory (embedded copy untouched)."""
    from riskwatch.data.ingest import ingest

    for result in ingest(paths, data_dir, accept_outliers):
        typer.echo(
            f"{result.path.name}: {result.form} {result.financial_year}: {result.status}"
            + (
                f", {result.rows:,} rows as '{result.vintage}'"
                if result.rows
                else f" ({result.council_values:,} council values, nothing stored)"
            )
        )


@features_app.command("list")
def features_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Print the feature catalogue: name, definition, unit, direction, years, coverage."""
    from riskwatch.data.store import load_table
    from riskwatch.features import catalogue_table

    table = catalogue_table(
        load_table("panel", data_dir), load_table("authority_years"), load_table("neighbours")
    )
    if as_json:
        typer.echo(table.to_json(orient="records", indent=2))
        return
    for row in table.itertuples(index=False):
        typer.echo(f"{row.name}  [{row.unit}; {row.direction_meaning}; {row.family}]")
        typer.echo(f"    {row.label}")
        typer.echo(f"    {row.definition}")
        typer.echo(f"    inputs: {row.inputs}")
        typer.echo(f"    years: {row.years}")
        typer.echo(f"    coverage: {row.coverage}")
    typer.echo(f"{len(table)} features")


@features_app.command("build")
def features_build(
    as_of: Annotated[str, typer.Option("--as-of", help="Financial year, e.g. 2019-20.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write here (.parquet or .csv); else print CSV.")
    ] = None,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """The feature frame as of a year: one row per council that filed, only data public then."""
    from riskwatch.data.store import check_output_folder, load_table, write_atomic, write_parquet
    from riskwatch.features import as_of_date, build_features

    if out is not None and out.suffix.lower() not in (".parquet", ".csv"):
        raise RiskwatchError("output must end in .parquet or .csv", file=out, field="--out")
    if out is not None:
        check_output_folder(out)
    years = load_table("authority_years")
    if as_of not in set(years["financial_year"]):
        held = sorted(years["financial_year"].unique())
        raise RiskwatchError(
            f"no councils filed for {as_of} (years held: {held[0]} to {held[-1]})", field="--as-of"
        )
    frame = build_features(
        load_table("panel", data_dir), years, as_of, neighbours=load_table("neighbours")
    )
    if out is None:
        typer.echo(frame.to_csv(index=False), nl=False)
        return
    if out.suffix.lower() == ".parquet":
        write_parquet(frame, out)
    else:
        write_atomic(out, lambda tmp: frame.to_csv(tmp, index=False))
    typer.echo(
        f"wrote {len(frame)} councils x {frame.shape[1] - 3} features as of {as_of} "
        f"(data published by {as_of_date(as_of)}) to {out}"
    )


def _load_frames(data_dir: Path, tables: dict | None = None, seen_by: str | None = None):
    """Tables, every year's feature frame and the feature set (with a progress bar); the
    latest year seen by `seen_by` where given."""
    from riskwatch.data.store import cached_frames, load_tables
    from riskwatch.pipeline import feature_frames, feature_set, frames_key, score_years

    tables = tables if tables is not None else load_tables(data_dir)
    features = feature_set()
    years = score_years(tables)
    key = frames_key(tables, features.catalogue_version, years, seen_by)
    frames = cached_frames(
        key,
        lambda: feature_frames(
            tables, years, progress=_progress("building features"), latest_seen_by=seen_by
        ),
    )
    return tables, frames, features


@flags_app.command("backtest")
def flags_backtest(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Each flag on its own: council-years flagged, failures within 1 and 2 years, precision."""
    from riskwatch.flags import flag_backtest, load_flags
    from riskwatch.labels import failure_events, last_label_year

    _state["quiet"] = as_json
    tables, frames, _ = _load_frames(data_dir)
    flags = load_flags(set(frames[max(frames)].columns))
    table = flag_backtest(frames, flags, failure_events(tables["events"]), last_label_year())
    if as_json:
        typer.echo(table.to_json(orient="records", indent=2))
        return
    typer.echo(
        f"Review flags on new failures, as-of years {table['years'].iloc[0]} "
        "(flagged council-years; first failures known within 1 and 2 years; precision)"
    )
    for r in table.itertuples(index=False):
        typer.echo(
            f"  {r.flag}: {r.council_years_flagged} flagged; 1y {r.failed_within_1y} "
            f"({r.precision_1y:.1%}); 2y {r.failed_within_2y} ({r.precision_2y:.1%})  {r.label}"
        )


@app.command("train")
def train_command(
    model: Annotated[
        str | None, typer.Option(help=f"Model family: {', '.join(MODEL_FAMILIES)}.")
    ] = None,
    horizon: Annotated[int | None, typer.Option(help="Years ahead the score warns about.")] = None,
    task: Annotated[str | None, typer.Option(help="'new' failures only, or 'all'.")] = None,
    register: Annotated[bool, typer.Option("--register", help="Register a model version.")] = False,
    alias: Annotated[
        str | None, typer.Option(help="Point this alias (champion, challenger) at the version.")
    ] = None,
    for_year: Annotated[
        str | None,
        typer.Option(
            "--for-year",
            help="The year the model will score (default: the latest); it reads only the "
            "inputs that year has.",
        ),
    ] = None,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Train a model on every closed outcome window and record it in MLflow."""
    from riskwatch import tracking
    from riskwatch.settings import load_run_config
    from riskwatch.training import train

    config = load_run_config()["train"]
    model = model or config["model"]
    _check_choice("model", model, MODEL_FAMILIES)
    task = task or config["task"]
    _check_choice("task", task, ("new", "all"))
    horizon = horizon or config["horizon"]
    tracking.check_reachable()
    tables, frames, features = _load_frames(data_dir)
    if for_year is not None and for_year not in frames:
        raise RiskwatchError(
            f"no feature frame as of {for_year} (years held: {min(frames)} to {max(frames)})",
            field="--for-year",
        )
    trained = train(
        tables,
        frames,
        features,
        model,
        horizon,
        task,
        config["past_failure_feature"],
        scoring_year=for_year,
    )
    version = _record_model(trained, tables, features, config, register or alias is not None, alias)
    typer.echo(
        f"trained {model} (h={horizon}, {task} failures) on "
        f"{int(trained.metrics['training_rows']):,} rows with "
        f"{int(trained.metrics['training_failures'])} failures"
        + (f"; registered as version {version}" if version else "")
        + (f" with alias '{alias}'" if alias else "")
    )


def _record_model(trained, tables, features, config, register: bool, alias: str | None):
    from riskwatch import tracking
    from riskwatch.data.store import panel_fingerprint
    from riskwatch.pipeline import score_years
    from riskwatch.training import registry_entry

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
    description, tags = registry_entry(
        trained,
        features.catalogue_version,
        panel_fingerprint(tables["panel"]),
        score_years(tables)[-1],
    )
    version = tracking.register(run_id, config["registered_name"], description, tags)
    if alias:
        tracking.set_alias(config["registered_name"], alias, version)
    return version


def _check_choice(field: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise RiskwatchError(f"'{value}' is not one of {', '.join(choices)}", field=field)


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every registered model version with its aliases and lineage."""
    from riskwatch import tracking
    from riskwatch.settings import load_run_config

    versions = tracking.list_versions(load_run_config()["train"]["registered_name"])
    if as_json:
        typer.echo(json.dumps(versions, indent=2, default=str))
        return
    if not versions:
        typer.echo("no registered model yet: run `riskwatch train --register --alias champion`")
        return
    for v in versions:
        typer.echo(
            f"version {v['version']:>3}  {','.join(v['aliases']) or '-':<20} "
            f"{v.get('model_family', '?'):<15} created {v['created']}  run {v['run_id'][:8]}"
        )
        tags = "  ".join(f"{k}={t}" for k, t in sorted(v["version_tags"].items()))
        for line in (v["description"], tags):
            if line:
                typer.echo(f"             {line}")


@models_app.command("promote")
def models_promote(
    version: Annotated[int, typer.Argument(help="The model version to promote.")],
    alias: Annotated[str, typer.Option(help="Alias to point at it.")] = "champion",
) -> None:
    """Point an alias (champion by default) at a registered version."""
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
    typer.echo(f"'{alias}' now points at version {version} of '{name}'")


@app.command("backtest")
def backtest_command(
    models: Annotated[
        str | None, typer.Option(help="Comma-separated model families (default from configs).")
    ] = None,
    horizons: Annotated[
        str | None,
        typer.Option(
            callback=lambda text: _horizons(text),
            help="Comma-separated horizons in years, e.g. 1,2,3: each 1 or more, and short "
            "enough that the labels cover a backtest origin for it.",
        ),
    ] = None,
    bootstrap: Annotated[
        int | None, typer.Option(min=1, help="Bootstrap resamples for intervals.")
    ] = None,
    n_jobs: Annotated[
        int, typer.Option("--n-jobs", min=1, help="Origins in parallel (joblib).")
    ] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address: run the fits on that cluster.")
    ] = None,
    past_failure: Annotated[
        bool,
        typer.Option(
            "--past-failure/--no-past-failure",
            help="All-failures task: use a council's own past failure as an input.",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Rolling-origin backtest of every model on real failures, logged to MLflow."""
    from riskwatch import tracking
    from riskwatch.backtest import BacktestSpec
    from riskwatch.data.store import (
        check_output_folder,
        load_tables,
        panel_fingerprint,
        write_atomic,
    )
    from riskwatch.pipeline import check_horizons, run_backtest
    from riskwatch.report.backtest import backtest_html
    from riskwatch.settings import load_run_config

    config = load_run_config()["backtest"]
    spec = BacktestSpec(
        models=tuple(_split(models)) if models else tuple(config["models"]),
        horizons=horizons or tuple(config["horizons"]),
        tasks=tuple(config["tasks"]),
        top_k=tuple(config["top_k"]),
        bootstrap=bootstrap if bootstrap is not None else config["bootstrap"],
        seed=config["seed"],
        past_failure_feature=past_failure,
        compare=tuple(config.get("compare", ())),
    )
    from riskwatch.models import load_model_specs

    variants = tuple(load_model_specs().get("variants", {}))
    for name in spec.models:
        _check_choice("models", name, MODEL_FAMILIES + variants)
    if report is not None:
        check_output_folder(report)
    _state["quiet"] = as_json
    tracking.check_reachable()
    tables = load_tables(data_dir)
    check_horizons(tables, spec.horizons)
    tables, frames, features = _load_frames(data_dir, tables)
    result = run_backtest(
        tables,
        frames,
        features,
        spec,
        n_jobs=n_jobs,
        scheduler=scheduler,
        progress=_progress("fitting models"),
    )
    html_text = backtest_html(
        result.metrics, result.scored, result.failure_ranks, "riskwatch backtest"
    )
    if report:
        write_atomic(report, lambda tmp: tmp.write_text(html_text))
    metrics = {
        f"{r.model}.{r.task}.h{r.horizon}.{m}": getattr(r, m)
        for r in result.metrics.itertuples()
        for m in ("roc_auc", "pr_auc", "recall_at_30", "brier")
    }
    tracking.log_run(
        params={**spec.__dict__, "features": len(features.names)},
        metrics=metrics,
        tags={
            "kind": "backtest",
            "feature_catalogue_version": features.catalogue_version,
            "panel_fingerprint": panel_fingerprint(tables["panel"]),
        },
        texts={
            "backtest.html": html_text,
            "metrics.csv": result.metrics.to_csv(index=False),
            "metrics_per_origin.csv": result.per_origin.to_csv(index=False),
            "paired_differences.csv": result.paired.to_csv(index=False),
            "failure_ranks.csv": result.failure_ranks.to_csv(index=False),
        },
        run_name="backtest",
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "metrics": result.metrics.to_dict(orient="records"),
                    "per_origin": result.per_origin.to_dict(orient="records"),
                    "paired": result.paired.to_dict(orient="records"),
                    "failure_ranks": result.failure_ranks.to_dict(orient="records"),
                },
                indent=2,
                default=_json_default,
            )
        )
        return
    typer.echo(_format_backtest(result))


def _champion(tables, frames, features, reference: str):
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
    typer.echo(
        f"no champion registered yet: training the default model ({config['model']}, "
        f"{config['horizon']}-year horizon, {config['task']} failures) on the embedded data",
        err=True,
    )
    for step in _progress("first champion")(("fitting", "registering")):
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
            version = _record_model(trained, tables, features, config, True, "champion")
    typer.echo(f"registered it as version {version} with alias 'champion'", err=True)
    return load_registered(config["registered_name"], "champion")


def _scoring_context(data_dir: Path, model_ref: str, as_of: str | None, seen_by: str):
    """Tables, frames, feature descriptions, the model to use and the as-of year: by default
    the latest year published by `seen_by` (the review date), whose frame then carries the
    latest dated positions published by that date."""
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
    tables, frames, features = _load_frames(data_dir, tables, seen_by if latest else None)
    model = _champion(tables, frames, features, model_ref)
    # A year whose outcome the champion was trained on is scored without hindsight: by the
    # champion's configuration fitted on the windows closed by then, reading that year's inputs.
    model = retrospective_model(tables, frames, features, model, as_of) or model
    check_inputs_present(model, frames, as_of)
    return tables, frames, features, feature_descriptions(), model, as_of


@app.command("watchlist")
def watchlist_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Financial year, e.g. 2023-24.")
    ] = None,
    top: Annotated[
        int | None,
        typer.Option(min=1, help="How many councils to list (default: configs/run.toml)."),
    ] = None,
    model: Annotated[
        str, typer.Option(help="'champion', another alias, or a version.")
    ] = "champion",
    output_format: Annotated[
        str, typer.Option("--format", help="table, csv, json, parquet or xlsx.")
    ] = "table",
    out: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """The ranked watchlist with bands, rank changes and reasons, from the registered champion."""
    from riskwatch.data.store import check_output_folder, data_source
    from riskwatch.report.pack import to_json, write_table
    from riskwatch.review import make_watchlist
    from riskwatch.settings import load_run_config

    _check_choice("--format", output_format, ("table", "csv", "json", "parquet", "xlsx"))
    _state["quiet"] = output_format == "json"
    if out is not None:
        check_output_folder(out)
    seen_by = _today()
    tables, frames, _, catalogue, loaded, as_of = _scoring_context(data_dir, model, as_of, seen_by)
    result = make_watchlist(
        tables, frames, loaded, as_of, catalogue, load_run_config()["watchlist"], top
    )
    if out is not None:
        target = out if output_format == "table" else out.with_suffix(f".{output_format}")
        write_table(result.table, target)
        typer.echo(
            f"wrote {len(result.table)} councils to {target} (data: {data_source(data_dir)})"
        )
        return
    if output_format == "json":
        typer.echo(to_json(result.table), nl=False)
    elif output_format == "csv":
        typer.echo(result.table.to_csv(index=False, float_format="%.6g"), nl=False)
    elif output_format in ("parquet", "xlsx"):
        raise RiskwatchError(f"--format {output_format} needs --out FILE", field="--out")
    else:
        typer.echo(_format_watchlist(result, seen_by, data_source(data_dir)))


def _format_watchlist(result, seen_by: str, source: str) -> str:
    from riskwatch.review import LISTS

    lines = [
        f"riskwatch watchlist as of {result.as_of}, with what was published by {seen_by} "
        f"({result.model}); probability of a first failure becoming "
        "known within the model's horizon",
        f"data: {source}",
    ]
    if result.absent_inputs:
        base = [label for label in result.absent_inputs if ": " not in label]
        derived = len(result.absent_inputs) - len(base)
        lines.append(
            f"{result.as_of} lacks {len(result.absent_inputs)} inputs earlier years have, so "
            f"the model does not read them: {'; '.join(base)}"
            + (f"; and {derived} peer and trend forms of these" if derived else "")
        )
    for key, title in LISTS.items():
        listed = result.table[result.table["list"] == key].to_dict(orient="records")
        lines += ["", f"{title} ({len(listed)}):"]
        for r in listed:
            change = (
                "new" if r["rank_change"] != r["rank_change"] else f"{int(r['rank_change']):+d}"
            )
            record = f"  [{r['failures_on_record']}]" if r["failures_on_record"] else ""
            lines.append(
                f"{r['rank']:>3}. {r['name']} ({r['gss_code']}, {r['class']}) "
                f"{r['probability']:.1%} {r['band']} ({change}){record}"
            )
            if r.get("flags"):
                lines.append(f"       ! flagged: {r['flags']}")
            for k in range(1, 5):
                reason = r.get(f"reason_{k}")
                if isinstance(reason, str):
                    lines.append(f"       - {reason}")
    if len(result.flagged):
        lines += ["", "Flagged for review outside the list (review flags, whatever the score):"]
        lines += [
            f"{r['rank']:>3}. {r['name']} ({r['gss_code']}, {r['class']}) "
            f"{r['probability']:.1%}: {r['flags']}"
            for r in result.flagged.to_dict(orient="records")
        ]
    return "\n".join(lines)


def resolve_authority(query: str, authorities) -> str:
    """A GSS code from a code or a name (case-insensitive). An exact name wins, then the name
    without its class suffix ("woking" is Woking BC, not Wokingham UA), then an unambiguous
    prefix."""
    import difflib

    from riskwatch.data.schools import name_key

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


@app.command("explain")
def explain_command(
    authority: Annotated[str, typer.Argument(help="GSS code or name (unambiguous prefix).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Financial year, e.g. 2023-24.")
    ] = None,
    model: Annotated[
        str, typer.Option(help="'champion', another alias, or a version.")
    ] = "champion",
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Why a council scores as it does: contributions, indicators against peers, events, and
    what would move it off the watchlist."""
    from riskwatch.data.store import load_table
    from riskwatch.review import explain
    from riskwatch.settings import load_run_config

    gss = resolve_authority(authority, load_table("authorities"))
    tables, frames, features, catalogue, loaded, as_of = _scoring_context(
        data_dir, model, as_of, _today()
    )
    if gss not in set(frames[as_of]["gss_code"]):
        raise RiskwatchError(f"{authority} filed no outturn return for {as_of}", field="--as-of")
    result = explain(
        tables,
        frames,
        loaded,
        gss,
        as_of,
        catalogue,
        load_run_config()["watchlist"],
        {**features.directions, "past_failure": 1},
    )
    typer.echo(_format_explanation(result))


def _format_explanation(e) -> str:
    from riskwatch.reasons import reason_text
    from riskwatch.units import format_value

    labels = {
        **e.contributions.set_index("feature")["indicator"].to_dict(),
        **e.groups.set_index("base")["indicator"].to_dict(),
    }
    units = {
        **e.contributions.set_index("feature")["unit"].to_dict(),
        **e.groups.set_index("base")["unit"].to_dict(),
    }

    def named(feature: str) -> str:
        return f"{labels.get(feature, feature)} [{feature}]"

    def shown(value: float, feature: str) -> str:
        return format_value(value, units.get(feature, ""))

    lines = [
        f"{e.name} ({e.gss_code}) as of {e.as_of}: probability {e.probability:.1%}, rank {e.rank}",
        f"Review flags: {e.flags or 'none raised'}",
        f"Model: {e.model}",
        "",
        "Contributions by indicator (log-odds; positive raises the risk), each indicator's "
        "forms below it:",
    ]
    silent = e.contributions["value"].isna() & (e.contributions["contribution"].abs() < 5e-4)
    forms = e.contributions[~silent].groupby("base", sort=False)
    for group in e.groups.itertuples(index=False):
        if group.base not in forms.groups:
            continue
        lines.append(f"  {group.contribution:+.3f}  {reason_text(group._asdict())}")
        for r in forms.get_group(group.base).itertuples():
            form = r.indicator.removeprefix(group.indicator + ": ")
            value = format_value(r.value, r.unit)
            lines.append(f"            {r.contribution:+.3f}  {form} = {value}  [{r.feature}]")
    if silent.any():
        quiet = e.contributions[silent]
        absent = sorted(set(quiet["base"]) - set(forms.groups))
        lines.append(
            f"  No value, so no contribution: {len(quiet)} inputs, every form of "
            f"{len(absent)} indicators ({', '.join(absent)}) and some forms of those above"
        )
    lines += ["", "Key indicators over time (council / class median / nearest-neighbour median):"]
    for feature, rows in e.history.groupby("feature", sort=False):
        lines.append(f"  {named(feature)}:")
        for r in rows.itertuples():
            values = (r.value, r.class_median, r.neighbour_median)
            lines.append(f"    {r.year}: " + " / ".join(shown(v, feature) for v in values))
    lines += ["", "Events on record:"]
    if e.events.empty:
        lines.append("  none")
    for r in e.events.itertuples():
        counted = "counts" if r.counts_as_failure else "does not count"
        lines.append(
            f"  {r.event.upper()} {r.date if isinstance(r.date, str) else 'for ' + r.financial_year} "
            f"(decided {r.decided_year}, {counted})"
        )
    lines += ["", "What would move it off the watchlist (one indicator at a time, others fixed):"]
    for r in e.moves.itertuples():
        now = f"  {named(r.feature)}: now {shown(r.value, r.feature)}; "
        if r.note:
            lines.append(now + r.note)
        else:
            lines.append(
                now + f"{shown(r.value_below_threshold, r.feature)} would bring "
                f"the probability below {r.threshold:.0%}"
            )
    return "\n".join(lines)


@app.command("review")
def review_command(
    quarter: Annotated[str, typer.Argument(help="The review's quarter, e.g. 2026Q3.")],
    out: Annotated[Path, typer.Option(help="Reviews directory (one folder per quarter).")] = Path(
        "reviews"
    ),
    as_of: Annotated[str | None, typer.Option("--as-of", help="Financial year scored.")] = None,
    model: Annotated[
        str, typer.Option(help="'champion', another alias, or a version.")
    ] = "champion",
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Write the quarterly review pack: watchlist, explanations, diff, drift and HTML report."""
    import re

    from riskwatch.data.store import check_output_folder, data_source
    from riskwatch.report.review_pack import write_review
    from riskwatch.scoring import model_words

    if not re.fullmatch(r"\d{4}Q[1-4]", quarter):
        raise RiskwatchError(f"quarter must look like 2026Q3, got '{quarter}'", field="QUARTER")
    check_output_folder(out)
    tables, frames, features, catalogue, loaded, as_of = _scoring_context(
        data_dir, model, as_of, _quarter_end(quarter)
    )
    summary = write_review(
        out,
        quarter,
        tables,
        frames,
        features,
        catalogue,
        loaded,
        as_of,
        data_source=data_source(data_dir),
    )
    typer.echo(
        f"review {quarter}: {summary['listed']} councils listed as of {as_of} with "
        f"{model_words(loaded)}; {summary['diff']}; pack in {summary['folder']}"
    )


def _today() -> str:
    """The review date of a watchlist or an explanation: today."""
    import datetime

    return datetime.date.today().isoformat()


def _quarter_end(quarter: str) -> str:
    """'2026Q3' -> '2026-09-30': a review sees what was published by its quarter's end."""
    year, number = int(quarter[:4]), int(quarter[-1])
    month_end = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}[number]
    return f"{year}-{month_end}"


def _horizons(text: str | None) -> tuple[int, ...] | None:
    """--horizons as whole years of 1 or more, refused at parsing otherwise."""
    if text is None:
        return None
    try:
        horizons = tuple(int(part) for part in _split(text))
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a comma-separated list of years", param_hint="'--horizons'"
        ) from None
    if not horizons or min(horizons) < 1:
        raise typer.BadParameter(
            f"'{text}': every horizon must be 1 year or more", param_hint="'--horizons'"
        )
    return horizons


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _json_default(value):
    import math

    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _format_backtest(result) -> str:
    lines = [
        "model     task  h  failures  ROC-AUC [95%]        PR-AUC [95%]         "
        "recall@30 [95%]      Brier"
    ]
    for r in result.metrics.sort_values(["task", "horizon", "model"]).itertuples():
        lines.append(
            f"{r.model:<9} {r.task:<5} {r.horizon}  {int(r.positives):>8}  "
            f"{r.roc_auc:.3f} [{r.roc_auc_low:.2f},{r.roc_auc_high:.2f}]  "
            f"{r.pr_auc:.3f} [{r.pr_auc_low:.2f},{r.pr_auc_high:.2f}]  "
            f"{r.recall_at_30:.3f} [{r.recall_at_30_low:.2f},{r.recall_at_30_high:.2f}]  "
            f"{r.brier:.4f}"
        )
    lines += ["", "Per origin (ROC-AUC / recall at 30; failures in the window):"]
    for (task, horizon), rows in result.per_origin.groupby(["task", "horizon"]):
        lines.append(f"  {task} h={horizon}")
        for model, by_model in rows.groupby("model"):
            cells = "  ".join(
                f"{r.origin[2:]} {r.roc_auc:.2f}/{r.recall_at_30:.2f} ({int(r.positives)})"
                for r in by_model.itertuples()
            )
            lines.append(f"    {model:<15} {cells}")
    if len(result.paired):
        challenger, incumbent = result.paired.columns[3], result.paired.columns[4]
        lines += ["", f"{challenger} against {incumbent} (difference, paired 95% interval):"]
        lines += [
            f"  {r.task:<4} h={r.horizon} {r.metric:<13} {r.difference:+.3f} "
            f"[{r.low:+.3f}, {r.high:+.3f}]"
            for r in result.paired.itertuples()
        ]
    ranks = result.failure_ranks
    lines += [
        "",
        "Every real failure (new-failure task): rank 1, 2, 3 years before it became known",
    ]
    for (_, name, event, known), rows in ranks.groupby(["gss_code", "name", "event", "known_year"]):
        cells = "  ".join(
            f"{r.model}: " + "/".join(_rank(getattr(r, f"rank_{h}y_before")) for h in (1, 2, 3))
            for r in rows.itertuples()
        )
        lines.append(f"  {known} {event:<4} {name[:28]:<28} {cells}")
    return "\n".join(lines)


def _rank(value) -> str:
    return "-" if value is None or value != value else str(int(value))


def _format_summary(summary: dict) -> str:
    years = summary["outturn_years"]
    lines = [
        f"Outturn years: {len(years)} ({years[0]} to {years[-1]})",
        f"Councils: {summary['councils']} "
        + ", ".join(f"{k} {v}" for k, v in summary["councils_by_class"].items()),
        "",
        "Councils per year and class:",
    ]
    for year, counts in summary["councils_per_year_and_class"].items():
        lines.append(f"  {year}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    lines += ["", "Sources:"]
    for source, info in summary["sources"].items():
        lines.append(
            f"  {source}: {info['years'][0]} to {info['years'][-1]}, "
            f"{info['authorities']} councils, {len(info['indicators'])} measures, "
            f"{info['vintages']} vintages, {info['unmatched_rows']} unmatched rows"
        )
    lines += ["", "Measures (share of councils with a reported value, first and last year):"]
    for measure, info in summary["measures"].items():
        coverage = info["coverage"]
        first, last = min(coverage), max(coverage)
        lines.append(
            f"  {measure} [{info['unit']}]: "
            f"{first} {coverage[first]:.0%} .. {last} {coverage[last]:.0%}"
        )
    events = summary["events"]
    lines += [
        "",
        f"Events: {events['rows']} rows, {events['counting_as_failure']} count as failure, "
        f"{events['bodies']} bodies",
    ]
    for key, n in events["by_type_and_decided_year"].items():
        lines.append(f"  {key}: {n}")
    lines += _format_compiled(summary["compiled"])
    lines += ["", f"Warnings ({len(summary['warnings'])}):"]
    lines += [f"  ! {w}" for w in summary["warnings"]]
    return "\n".join(lines)


def _format_compiled(compiled: dict) -> list[str]:
    """Debt coverage per year and the checks on the compiled debt and outturn figures."""
    lines = ["", "Debt coverage (share of councils with a value at 31 March):"]
    for measure, years in compiled["debt_coverage"].items():
        shown = ", ".join(f"{year[2:4]} {share:.0%}" for year, share in years.items())
        lines.append(f"  {measure}: {shown}")
    overlap = compiled["overlap_with_mhclg_files"]
    lines += [
        "",
        f"Compiled figures against MHCLG's own files: {overlap['values_compared']} values held "
        f"by both, {overlap['agree']} agree, {overlap['disagree']} disagree",
    ]
    lines += [
        f"  {d['gss_code']} {d['source']}:{d['indicator']} at {d['period_end']}: compiled "
        f"{d['value_compiled']:,.0f}, MHCLG {d['value_mhclg']:,.0f} ({d['source_file_mhclg']})"
        for d in overlap["disagreements"]
    ]
    lines += ["", "Compiled 2024-25 against 2023-24 (median % change by class):"]
    for measure, info in compiled["year_on_year_2024_25_by_class"].items():
        medians = ", ".join(f"{k} {v:+.1f}%" for k, v in info["median_change_pct"].items())
        lines.append(f"  {measure}: {medians} ({info['councils']} councils)")
    lines.append(f"  note: {compiled['reserves_note']}")
    return lines


def main() -> None:
    """Entry point: one clear line and exit code 2 for errors a user can act on."""
    try:
        app(standalone_mode=False)
    except RiskwatchError as error:
        _end_progress()
        if _state["debug"]:
            raise
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except typer.TyperException as error:  # usage errors: one line, as for bad data
        if _state["debug"] or not hasattr(error, "format_message"):
            raise
        typer.echo(f"error: {one_line(error.format_message())} (see --help)", err=True)
        sys.exit(getattr(error, "exit_code", 2))


if __name__ == "__main__":
    main()
