"""The scoring commands: `riskwatch watchlist`, `explain` and `review`."""

from pathlib import Path
from typing import Annotated

import typer

from riskwatch.cli.options import (
    DataDir,
    Engine,
    EngineName,
    ModelRef,
    OutputFormat,
    Scheduler,
    quarter_end,
    quarter_option,
    seen_by_option,
    top_option,
)
from riskwatch.cli.progress import announce, progress_bar, state
from riskwatch.errors import RiskwatchError


def watchlist_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Financial year, e.g. 2023-24.")
    ] = None,
    seen_by: Annotated[
        str | None,
        typer.Option(
            "--seen-by",
            callback=seen_by_option,
            help="Rank with only what was published by this date, e.g. 2025-12-31 (default: "
            "today); a champion that reads later figures is refitted without hindsight.",
        ),
    ] = None,
    top: Annotated[
        str | None,
        typer.Option(
            callback=top_option,
            metavar="N|all",
            help="How many councils to list: a number x>=1, or 'all' (default: configs/run.toml).",
        ),
    ] = None,
    model: ModelRef = "champion",
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="How to print or write the watchlist.")
    ] = OutputFormat.table,
    out: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
    data_dir: DataDir = Path("riskwatch-data"),
    engine: Engine = EngineName.local,
    scheduler: Scheduler = None,
) -> None:
    """The ranked watchlist with bands, rank changes and reasons, from the registered champion."""
    from riskwatch.cli.format import format_watchlist
    from riskwatch.data.store.release_store import data_source
    from riskwatch.paths import check_output_file
    from riskwatch.report.pack import to_json, write_table
    from riskwatch.service.frames import today
    from riskwatch.service.scoring import ScoringRequest, watchlist

    shape = output_format.value
    state["quiet"] = shape == "json"
    if shape in ("parquet", "xlsx") and out is None:
        raise RiskwatchError(f"--format {shape} needs --out FILE", field="--format")
    target = None
    if out is not None:
        check_output_file(out)
        target = out if shape == "table" else out.with_suffix(f".{shape}")
        check_output_file(target)
    seen_by = seen_by or today()
    request = ScoringRequest(data_dir, model, as_of, seen_by)
    result = watchlist(request, top, progress_bar, announce, engine.value, scheduler)
    if target is not None:
        write_table(result.table, target)
        typer.echo(
            f"wrote {len(result.table)} councils to {target} (data: {data_source(data_dir)})"
        )
        return
    if shape == "json":
        typer.echo(to_json(result.table), nl=False)
    elif shape == "csv":
        typer.echo(result.table.to_csv(index=False, float_format="%.6g"), nl=False)
    else:
        typer.echo(format_watchlist(result, seen_by, data_source(data_dir)))


def explain_command(
    authority: Annotated[str, typer.Argument(help="GSS code or name (unambiguous prefix).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Financial year, e.g. 2023-24.")
    ] = None,
    model: ModelRef = "champion",
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Why a council scores as it does: contributions, indicators against peers, events, and
    what would move it off the watchlist."""
    from riskwatch.cli.format import format_explanation
    from riskwatch.data.store.table_store import load_table
    from riskwatch.explanations import explain
    from riskwatch.service.frames import today
    from riskwatch.service.scoring import ScoringRequest, resolve_authority, scoring_context
    from riskwatch.settings import load_run_config

    gss = resolve_authority(authority, load_table("authorities"))
    request = ScoringRequest(data_dir, model, as_of, today())
    context = scoring_context(request, progress_bar, announce)
    if gss not in set(context.frames[context.as_of]["gss_code"]):
        raise RiskwatchError(
            f"{authority} filed no outturn return for {context.as_of}", field="--as-of"
        )
    result = explain(
        context.tables,
        context.frames,
        context.model,
        gss,
        context.as_of,
        context.catalogue,
        load_run_config()["watchlist"],
        {**context.features.directions, "past_failure": 1},
    )
    typer.echo(format_explanation(result))


def review_command(
    quarter: Annotated[
        str, typer.Argument(help="The review's quarter, e.g. 2026Q3.", callback=quarter_option)
    ],
    out: Annotated[Path, typer.Option(help="Reviews directory (one folder per quarter).")] = Path(
        "reviews"
    ),
    as_of: Annotated[str | None, typer.Option("--as-of", help="Financial year scored.")] = None,
    model: ModelRef = "champion",
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Write the quarterly review pack: watchlist, explanations, diff, drift and HTML report."""
    from riskwatch.paths import check_output_folder
    from riskwatch.service.review import review_pack
    from riskwatch.service.scoring import ScoringRequest

    check_output_folder(out)
    request = ScoringRequest(data_dir, model, as_of, quarter_end(quarter))
    summary, context = review_pack(out, quarter, request, progress_bar, announce)
    from riskwatch.registered import model_words

    typer.echo(
        f"review {quarter}: {summary['listed']} councils listed as of {context.as_of} with "
        f"{model_words(context.model)}; {summary['diff']}; pack in {summary['folder']}"
    )
