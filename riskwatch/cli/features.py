"""`riskwatch features`: the feature catalogue and point-in-time feature frames."""

from pathlib import Path
from typing import Annotated

import typer

from riskwatch.cli.options import DataDir, Engine, EngineName, Scheduler
from riskwatch.errors import RiskwatchError

features_app = typer.Typer(
    rich_markup_mode=None,
    help="The feature catalogue and point-in-time feature frames.",
    no_args_is_help=True,
)


@features_app.command("list")
def features_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Print the feature catalogue: name, definition, unit, direction, years, coverage."""
    from riskwatch.service.data import feature_catalogue

    table = feature_catalogue(data_dir)
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
    engine: Engine = EngineName.local,
    scheduler: Scheduler = None,
) -> None:
    """The feature frame as of a year: one row per council that filed, only data public then."""
    from riskwatch.atomic import write_atomic, write_parquet
    from riskwatch.features import as_of_date
    from riskwatch.paths import check_output_file
    from riskwatch.service.data import feature_frame

    if out is not None and out.suffix.lower() not in (".parquet", ".csv"):
        raise RiskwatchError("output must end in .parquet or .csv", file=out, field="--out")
    if out is not None:
        check_output_file(out)
    frame = feature_frame(data_dir, as_of, engine.value, scheduler)
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
