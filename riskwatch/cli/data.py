"""`riskwatch data`: build, check and extend the authority-year panel."""

from pathlib import Path
from typing import Annotated

import typer

from riskwatch.cli.options import DataDir, date_option
from riskwatch.cli.progress import progress_bar
from riskwatch.errors import RiskwatchError

data_app = typer.Typer(
    rich_markup_mode=None,
    help="Build, check and extend the authority-year panel.",
    no_args_is_help=True,
)


@data_app.command("build")
def data_build(
    source: Annotated[
        Path,
        typer.Option(
            "--source",
            help="The folder of public files: the one `riskwatch data update` fills, or any "
            "folder of its layout.",
        ),
    ] = Path("riskwatch-data/downloads"),
    out: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of the embedded copy.")
    ] = None,
) -> None:
    """Rebuild the embedded Parquet tables from the public files (by default those `data
    update` fetched), and report the suspected definition breaks in them."""
    from riskwatch.atomic import write_parquet
    from riskwatch.cli.format import format_breaks
    from riskwatch.data.build import build_tables
    from riskwatch.data.check.definition_breaks import breaks_report
    from riskwatch.data.store.table_store import embedded_dir

    if not source.is_dir():
        raise RiskwatchError("data folder not found (pass --source)", file=source)
    if out is not None and not out.is_dir():
        raise RiskwatchError("the folder to write into does not exist", file=out, field="--out")
    tables = build_tables(source, progress=progress_bar("reading releases"))
    target = out or embedded_dir()
    for name, frame in tables.items():
        write_parquet(frame, target / f"{name}.parquet")
    typer.echo(
        f"wrote {', '.join(f'{n} ({len(f):,} rows)' for n, f in tables.items())} to {target}"
    )
    report = breaks_report(tables["panel"], tables["authority_years"])
    typer.echo("\n".join(format_breaks(report)).lstrip("\n"))


@data_app.command("check")
def data_check(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Summarise the panel: councils per class and year, measures, coverage, events, gaps."""
    from riskwatch.cli.format import format_summary
    from riskwatch.service.data import panel_summary

    summary = panel_summary(data_dir)
    if as_json:
        import json  # not at the top: help does not need it

        typer.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    typer.echo(format_summary(summary))


@data_app.command("ingest")
def data_ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Revenue releases (CSV, XLSX, XLS, ODS) or compiled debt CSVs."),
    ],
    accept_outliers: Annotated[
        bool,
        typer.Option(
            "--accept-outliers",
            help="Keep values beyond 10x the largest any council has reported for the "
            "measure, or a council's net revenue expenditure moving more than 10x from its "
            "previous year (counted in the vintage's name), instead of refusing the file.",
        ),
    ] = False,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Validate new releases and merge them into your data directory (embedded copy
    untouched), then report the suspected definition breaks of the merged panel."""
    from riskwatch.cli.format import format_breaks
    from riskwatch.data.ingest.release import ingest
    from riskwatch.service.data import definition_breaks

    results = ingest(paths, data_dir, accept_outliers)
    for result in results:
        typer.echo(
            f"{result.path.name}: {result.form} {result.financial_year}: {result.status}"
            + (
                f", {result.rows:,} rows as '{result.vintage}'"
                if result.rows
                else f" ({result.council_values:,} council values, nothing stored)"
            )
        )
    if any(result.rows for result in results):
        typer.echo("\n".join(format_breaks(definition_breaks(data_dir))).lstrip("\n"))


@data_app.command("sources")
def data_sources(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the Markdown here instead of printing it.")
    ] = None,
) -> None:
    """The provenance of every official source (configs/sources.toml): publisher, GOV.UK
    pages, licence, what it holds, how riskwatch reads it."""
    from riskwatch.atomic import write_atomic
    from riskwatch.data.ingest.catalogue import load_archives, load_catalogue
    from riskwatch.data.ingest.provenance import provenance_markdown

    text = provenance_markdown(load_catalogue(), load_archives())
    if out is None:
        typer.echo(text)
        return
    write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    typer.echo(f"wrote {out}")


@data_app.command("update")
def data_update(
    sources: Annotated[
        list[str] | None,
        typer.Option("--source", help="Only this source (repeat for several): RS, RSX, RA, ..."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="List what would be fetched (or taken) and why; change nothing."
        ),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only pages published or updated on or after this date."),
    ] = None,
    from_folder: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Take the files in this folder instead of GOV.UK (dated by a saved Content "
            "API response in it, if any).",
        ),
    ] = None,
    accept_outliers: Annotated[
        bool,
        typer.Option("--accept-outliers", help="As for `data ingest`: keep outliers, counted."),
    ] = False,
    data_dir: DataDir = Path("riskwatch-data"),
) -> None:
    """Find new official releases on GOV.UK, download them and ingest them with the checks of
    `data ingest`: one line per release added, already held, or refused."""
    from riskwatch.data.ingest.catalogue import select_sources
    from riskwatch.data.ingest.govuk import GovukClient
    from riskwatch.data.ingest.update import update, update_from_folder

    since = date_option(since, "--since")
    chosen, archives = select_sources(sources)
    bar = progress_bar("fetching releases")
    if from_folder is not None:
        outcomes = update_from_folder(
            from_folder, chosen, archives, data_dir, dry_run, bar, accept_outliers
        )
    else:
        client = GovukClient()
        outcomes = update(client, chosen, archives, data_dir, since, dry_run, bar, accept_outliers)
    for outcome in outcomes:
        typer.echo(f"{outcome.source} {outcome.name}: {outcome.status}: {outcome.detail}")
    counts = {status: sum(o.status == status for o in outcomes) for status in _STATUSES}
    typer.echo(", ".join(f"{n} {status}" for status, n in counts.items() if n) or "nothing found")
    refused = counts["refused"]
    if refused:
        raise RiskwatchError(f"{refused} release{'s' if refused > 1 else ''} refused (see above)")


_STATUSES = (
    "added",
    "downloaded",
    "candidate event",
    "would fetch",
    "would take",
    "taken",
    "already held",
    "not downloadable",
    "refused",
)
