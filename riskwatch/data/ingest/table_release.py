"""Ingest a release of one of the other official tables `data build` reads (capital outturn,
borrowing and investment, H-CLIC homelessness, council tax) into the user's data directory.

The file is read by the reader `data build` uses for its table (one file at a time), its rows
matched to councils as the build matches them, and checked before anything is stored: the
values pass the plausibility checks of `data ingest`. It is stored like a revenue release:
one Parquet file named by the file's content hash (re-ingesting is a no-op); each year and
period end it holds is compared with the vintages already held, and only those whose values
differ are stored, as the next release of that table, year and period. A file found on
GOV.UK is public from its page's date (or the later date the file prints), else by the
reader's date (the file's own or its configs/releases.toml rule), a year later per release
already held.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskwatch.data.build import same_values
from riskwatch.data.check.plausibility import outliers, refuse_or_count
from riskwatch.data.ingest.catalogue import Source, load_catalogue
from riskwatch.data.ingest.held import Held
from riskwatch.data.ingest.result import IngestResult
from riskwatch.data.kit.authority_index import AuthorityIndex, attach_codes, council_index
from riskwatch.data.schema import PANEL_COLUMNS
from riskwatch.data.sources import borrowing, capital, council_tax, homelessness
from riskwatch.data.store.release_store import ingested_panel, release_path, store_release
from riskwatch.data.store.table_store import load_table
from riskwatch.data.store.vintages import PagePublication, revision_date
from riskwatch.errors import RiskwatchError

# The build's reader of one file of each table, by the catalogue's `reader`: panel rows.
FILE_READERS: dict[str, Callable[[Path, AuthorityIndex], pd.DataFrame]] = {
    "capital": lambda path, index: capital.read_capital_file(path),
    "borrowing": lambda path, index: borrowing.read_borrowing_file(path),
    "homelessness": lambda path, index: homelessness.read_ta1_file(path),
    "council_tax": lambda path, index: council_tax.read_council_tax_file(path, index)[0],
}
GROUP = ["source", "financial_year", "period_end"]


@dataclass(frozen=True)
class CheckedSource:
    """A file of one of these tables read and validated: its council values (current GSS
    codes; rows of other bodies leave, as in the build) and how many outliers were accepted."""

    path: Path
    source: Source
    values: pd.DataFrame
    accepted_outliers: int


def table_of(path: Path) -> Source | None:
    """The catalogued table (read by one of FILE_READERS) whose files are named like `path`;
    None for any other file (a revenue release, a compiled CSV)."""
    return next(
        (s for s in load_catalogue() if s.reader in FILE_READERS and s.claims(path.name, None)),
        None,
    )


def check_source(
    path: Path, source: Source, authorities: pd.DataFrame, held: Held, accept: bool
) -> CheckedSource:
    """Read one file by its table's reader and validate it, its values against the bounds
    learned from what is `held`; the first fault as one line."""
    index = council_index(authorities)
    rows = FILE_READERS[source.reader](path, index)
    if rows.empty:
        raise RiskwatchError(f"no {source.name} values found", file=path)
    coded, _ = attach_codes(rows, index)
    values = coded[coded["gss_code"].notna()].reset_index(drop=True)
    if values.empty:
        raise RiskwatchError(f"no {source.name} value belongs to a council", file=path)
    accepted = refuse_or_count(outliers(values, held.bounds, path), accept)
    return CheckedSource(path, source, values, accepted)


def store_source(
    checked: CheckedSource, data_dir: Path, page: PagePublication | None = None
) -> IngestResult:
    """Store the years and periods whose values no vintage held already has."""
    path, name = checked.path, checked.source.name
    years = sorted(checked.values["financial_year"].unique())
    base = dict(
        path=path,
        form=name,
        financial_year=years[0] if len(years) == 1 else f"{years[0]} to {years[-1]}",
        council_values=len(checked.values),
    )
    target = release_path(data_dir, path)
    if target.exists():
        return IngestResult(**base, status="already ingested", vintage=None, rows=0)
    held = pd.concat([load_table("panel"), ingested_panel(data_dir)], ignore_index=True)
    held = dict(tuple(held[held["source"] == name].groupby(GROUP)))
    new = []
    for key, group in checked.values.groupby(GROUP):
        same = held.get(key, group.iloc[:0])
        vintages = [rows for _, rows in same.groupby("vintage", sort=True)]
        if not any(same_values(group, rows, "gss_code") for rows in vintages):
            overlapping = [r for r in vintages if set(r["indicator"]) & set(group["indicator"])]
            new.append(_as_vintage(group, len(overlapping), checked, page))
    if not new:
        return IngestResult(**base, status="same values as the vintages held", vintage=None, rows=0)
    panel = pd.concat(new, ignore_index=True)[PANEL_COLUMNS]
    store_release(panel, target)
    vintages = sorted(panel["vintage"].unique())
    return IngestResult(
        **base,
        status="added",
        vintage=vintages[0] if len(vintages) == 1 else f"{len(vintages)} vintages, {vintages[0]}…",
        rows=len(panel),
        published=max(panel["published"]),
    )


def _as_vintage(
    group: pd.DataFrame, held: int, checked: CheckedSource, page: PagePublication | None
) -> pd.DataFrame:
    """One year and period of the file as the next release of it, dated by its page when
    found on GOV.UK (or the later date the file prints), else by the reader's date moved on
    a year per release held."""
    read = group["published"].iloc[0]
    stated = group["published_basis"].iloc[0] == "file"
    if page is not None:
        published, basis = max(page.date, read if stated else ""), "page"
        where = f", on GOV.UK {page.date}: {page.note}"
    else:
        published, basis, where = revision_date(read, held), group["published_basis"].iloc[0], ""
    source, year, period_end = (str(group[c].iloc[0]) for c in GROUP)
    accepted = checked.accepted_outliers
    note = f", {accepted} outlier value{'s' if accepted > 1 else ''} accepted" if accepted else ""
    vintage = (
        f"{source} {year} to {period_end} release {held + 1} "
        f"(ingested {checked.path.name}{where}{note})"
    )
    return group.assign(
        vintage=vintage, published=published, published_basis=basis, source_file=checked.path.name
    )
