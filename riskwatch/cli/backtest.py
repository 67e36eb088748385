"""`riskwatch backtest`: the rolling-origin backtest of every model, logged to MLflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from riskwatch.cli.format import format_backtest, json_default
from riskwatch.cli.options import MODEL_FAMILIES, DataDir, horizons_option, split_list
from riskwatch.cli.progress import progress_bar, state
from riskwatch.errors import RiskwatchError


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
    from riskwatch.backtest_service import backtest_spec, log_backtest, run_backtest
    from riskwatch.data.store import write_atomic
    from riskwatch.models import load_model_specs
    from riskwatch.paths import check_output_file

    spec = backtest_spec(
        tuple(split_list(models)) if models else None, horizons, bootstrap, past_failure
    )
    variants = tuple(load_model_specs().get("variants", {}))
    for name in spec.models:
        if name not in MODEL_FAMILIES + variants:
            choices = ", ".join(MODEL_FAMILIES + variants)
            raise RiskwatchError(f"'{name}' is not one of {choices}", field="models")
    if report is not None:
        check_output_file(report)
    state["quiet"] = as_json
    run = run_backtest(data_dir, spec, n_jobs=n_jobs, scheduler=scheduler, progress=progress_bar)
    if report:
        write_atomic(report, lambda tmp: tmp.write_text(run.html))
    log_backtest(spec, run)
    result = run.result
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
                default=json_default,
            )
        )
        return
    typer.echo(format_backtest(result))
