"""`riskwatch train`: train a model and record it in MLflow."""

from pathlib import Path
from typing import Annotated

import typer

from riskwatch.cli.options import DataDir, ModelFamily, Task, alias_option
from riskwatch.cli.progress import announce, progress_bar


def train_command(
    model: Annotated[
        ModelFamily | None,
        typer.Option(help="Model family (default: configs/run.toml)."),
    ] = None,
    horizon: Annotated[int | None, typer.Option(help="Years ahead the score warns about.")] = None,
    task: Annotated[
        Task | None, typer.Option(help="'new' failures only, or 'all' (default: configs/run.toml).")
    ] = None,
    register: Annotated[bool, typer.Option("--register", help="Register a model version.")] = False,
    alias: Annotated[
        str | None,
        typer.Option(
            help="Point this alias (champion, challenger) at the version.", callback=alias_option
        ),
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
    from riskwatch.service.models import train_model

    trained, version = train_model(
        data_dir,
        model.value if model else None,
        horizon,
        task.value if task else None,
        for_year,
        register,
        alias,
        progress=progress_bar,
        announce=announce,
    )
    params = trained.params
    typer.echo(
        f"trained {params['model']} (h={params['horizon']}, {params['task']} failures) on "
        f"{int(trained.metrics['training_rows']):,} rows with "
        f"{int(trained.metrics['training_failures'])} failures"
        + (f"; registered as version {version}" if version else "")
        + (f" with alias '{alias}'" if alias else "")
    )
