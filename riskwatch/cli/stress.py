"""`riskwatch stress [SCENARIO...]`: the scored year under named "what if" scenarios."""

from pathlib import Path
from typing import Annotated

import typer

from riskwatch.cli.options import DataDir, ModelRef
from riskwatch.cli.progress import announce, progress_bar


def stress_command(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(help="Scenario names (configs/scenarios.toml); every one when none."),
    ] = None,
    scenario_file: Annotated[
        Path | None,
        typer.Option("--scenario-file", help="Your own scenarios (the same TOML shape)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Financial year scored, e.g. 2023-24.")
    ] = None,
    top: Annotated[
        int | None,
        typer.Option(min=1, help="Councils shown per scenario (default: configs/run.toml)."),
    ] = None,
    model: ModelRef = "champion",
    out: Annotated[
        Path | None, typer.Option(help="Write every council's row to FILE (.csv, .json, .parquet).")
    ] = None,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Stress every council with named shocks: the gap in pounds comes out of usable
    reserves, the reserve features are rebuilt and the frozen champion rescores."""
    import pandas as pd

    from riskwatch.cli.format import format_stress
    from riskwatch.paths import check_output_file
    from riskwatch.report.pack import write_table
    from riskwatch.service.frames import today
    from riskwatch.service.scoring import ScoringRequest
    from riskwatch.service.what_if import stress_run
    from riskwatch.settings import load_run_config

    if out is not None:
        check_output_file(out)
    request = ScoringRequest(data_dir, model, as_of, today())
    results, context = stress_run(request, scenarios or [], scenario_file, progress_bar, announce)
    if out is not None:
        write_table(pd.concat([r.table for r in results], ignore_index=True), out)
    typer.echo(
        format_stress(results, context.as_of, top or load_run_config()["stress"]["top"])
        + (f"\nwrote {sum(len(r.table) for r in results)} rows to {out}" if out else "")
    )
