"""`riskwatch flags`: review flags, plain configured rules beside the model."""

from pathlib import Path
from typing import Annotated

import typer

from riskwatch.cli.options import DataDir
from riskwatch.cli.progress import progress_bar, state

flags_app = typer.Typer(
    rich_markup_mode=None,
    help="Review flags: plain configured rules beside the model (configs/flags.toml).",
    no_args_is_help=True,
)


@flags_app.command("backtest")
def flags_backtest(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Each flag on its own: council-years flagged, failures within 1 and 2 years, precision,
    and whether it earns its place (kept, re-thresholded or dropped)."""
    from riskwatch.service.flags import flag_table

    state["quiet"] = as_json
    table = flag_table(data_dir, progress=progress_bar)
    if as_json:
        typer.echo(table.to_json(orient="records", indent=2))
        return
    target = table["target_precision"].dropna().iloc[0]
    typer.echo(
        f"Review flags on new failures, as-of years {table['years'].iloc[0]} "
        "(flagged council-years; first failures known within 1 and 2 years; precision; "
        f"verdict: a flag earns its place at a 2-year precision of {target:.1%}, three times "
        "the base rate)"
    )
    for r in table.itertuples(index=False):
        verdict = "" if r.flag == "base_rate" else f"  [{r.verdict}]"
        if r.flag != "base_rate" and r.verdict.startswith("re-thresholded"):
            verdict = (
                f"  [{r.verdict}: {int(r.council_years_after)} flagged, {r.precision_after:.1%}]"
            )
        typer.echo(
            f"  {r.flag}: {r.council_years_flagged} flagged; 1y {r.failed_within_1y} "
            f"({r.precision_1y:.1%}); 2y {r.failed_within_2y} ({r.precision_2y:.1%}){verdict}"
            f"  {r.label}"
        )
