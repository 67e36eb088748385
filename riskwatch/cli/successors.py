"""`riskwatch successors`: the announced new councils scored from their predecessors."""

from pathlib import Path
from typing import Annotated

import typer

from riskwatch.cli.options import DataDir, ModelRef
from riskwatch.cli.progress import announce, progress_bar


def successors_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Financial year scored, e.g. 2023-24.")
    ] = None,
    model: ModelRef = "champion",
    out: Annotated[
        Path | None, typer.Option(help="Write every row to FILE (.csv, .json, .parquet).")
    ] = None,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Score each council announced in configs/reorganisations.toml from its predecessors'
    combined figures with the frozen champion, shown beside them: what it inherits."""
    from riskwatch.cli.format import format_successors
    from riskwatch.paths import check_output_file
    from riskwatch.registered import model_words
    from riskwatch.report.pack import write_table
    from riskwatch.service.frames import today
    from riskwatch.service.scoring import ScoringRequest
    from riskwatch.service.what_if import successors_run

    if out is not None:
        check_output_file(out)
    request = ScoringRequest(data_dir, model, as_of, today())
    view, context = successors_run(request, progress_bar, announce)
    if out is not None:
        write_table(view.table, out)
    typer.echo(
        format_successors(view, context.as_of, model_words(context.model))
        + (f"\nwrote {len(view.table)} rows to {out}" if out else "")
    )
