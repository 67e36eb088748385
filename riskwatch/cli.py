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

from riskwatch.errors import RiskwatchError

app = typer.Typer(
    help="riskwatch: ranked, explained early-warning scores for English councils.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(
    help="Build, check and extend the authority-year panel.", no_args_is_help=True
)
app.add_typer(data_app, name="data")

_state = {"debug": False}

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


def _progress(description: str):
    """A progress bar over an iterable, on stderr (quiet when not a terminal)."""

    def wrap(items):
        items = list(items)
        if not sys.stderr.isatty():
            yield from items
            return
        with typer.progressbar(items, label=description, file=sys.stderr) as bar:
            yield from bar

    return wrap


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
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Validate new releases and merge them into your data directory (embedded copy untouched)."""
    from riskwatch.data.ingest import ingest

    for result in ingest(paths, data_dir):
        typer.echo(
            f"{result.path.name}: {result.form} {result.financial_year}: {result.status}"
            + (f", {result.rows:,} rows as '{result.vintage}'" if result.rows else "")
        )


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
            f"{info['vintages']} vintages"
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
    lines += ["", f"Warnings ({len(summary['warnings'])}):"]
    lines += [f"  ! {w}" for w in summary["warnings"]]
    return "\n".join(lines)


def main() -> None:
    """Entry point: one clear line and exit code 2 for errors a user can act on."""
    try:
        app(standalone_mode=False)
    except RiskwatchError as error:
        if _state["debug"]:
            raise
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except Exception as error:  # click usage errors
        import click

        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        raise


if __name__ == "__main__":
    main()
