"""`riskwatch backtest`: the rolling-origin backtest of every model and the replay of each
Exceptional Financial Support round, logged to MLflow."""

from pathlib import Path
from typing import Annotated

import typer

from riskwatch.cli.options import MODEL_FAMILIES, DataDir, horizons_option, split_list
from riskwatch.cli.progress import progress_bar, state


def backtest_command(
    models: Annotated[
        str | None, typer.Option(help="Comma-separated model families (default from configs).")
    ] = None,
    horizons: Annotated[
        str | None,
        typer.Option(
            callback=horizons_option,
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
        str | None,
        typer.Option(
            help="Dask scheduler address: build the feature frames and run the fits on that cluster."
        ),
    ] = None,
    past_failure: Annotated[
        bool,
        typer.Option(
            "--past-failure/--no-past-failure",
            help="All-failures task: use a council's own past failure as an input.",
        ),
    ] = True,
    replay: Annotated[
        bool,
        typer.Option(
            "--replay",
            help="Only replay each EFS round (every council ranked as the review of the "
            "December before would), not the rolling origins; --models picks the models.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Rolling-origin backtest of every model on real failures and the replay of each EFS
    round, logged to MLflow."""
    from riskwatch.atomic import write_atomic
    from riskwatch.cli.format import format_backtest, format_replay, json_default
    from riskwatch.paths import check_output_file
    from riskwatch.service.backtest import (
        backtest_spec,
        check_model_names,
        log_backtest,
        replay_spec,
        run_backtest,
    )

    spec = backtest_spec(
        tuple(split_list(models)) if models else None, horizons, bootstrap, past_failure
    )
    rounds = replay_spec(spec.models if replay and models else None)
    check_model_names((*spec.models, *rounds.models), MODEL_FAMILIES)
    if report is not None:
        check_output_file(report)
    state["quiet"] = as_json
    run = run_backtest(
        data_dir,
        spec,
        rounds,
        rolling_origins=not replay,
        n_jobs=n_jobs,
        scheduler=scheduler,
        progress=progress_bar,
    )
    if report:
        write_atomic(report, lambda tmp: tmp.write_text(run.html))
    log_backtest(spec, rounds, run)
    if as_json:
        import json  # not at the top: help does not need it

        typer.echo(json.dumps(json_records(run), indent=2, default=json_default))
        return
    if run.result is not None:
        typer.echo(format_backtest(run.result) + "\n")
    typer.echo(format_replay(run.replay, rounds))


def json_records(run) -> dict[str, list[dict]]:
    """`backtest --json`: each table of the backtest (when it ran) and of the replay as a list
    of records, a missing value (a council not ranked) as null, not NaN."""
    tables = {"replay_rounds": run.replay.rounds, "replay_councils": run.replay.councils}
    if run.result is not None:
        result = run.result
        tables = {
            "metrics": result.metrics,
            "per_origin": result.per_origin,
            "paired": result.paired,
            "failure_ranks": result.failure_ranks,
        } | tables
    return {
        name: table.astype(object).where(table.notna(), None).to_dict(orient="records")
        for name, table in tables.items()
    }
