"""Ingest a new release into the user's data directory, validated, never half-written.

A release is read by the same reader as the embedded data, checked against the
authority lookup, and stored as one Parquet file named by the file's content
hash: re-ingesting the same file is a no-op, and a newer release of a year that
is already held is kept beside the older one as a later vintage.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from pathlib import Path

import pandas as pd

from riskwatch.data.authorities import apply_ecode_aliases
from riskwatch.data.build import attach_gss, same_values
from riskwatch.data.check.plausibility import (
    as_outlier,
    outliers,
    refuse_or_count,
    year_on_year_jumps,
)
from riskwatch.data.ingest.compiled import check_compiled, store_compiled
from riskwatch.data.ingest.held import Held
from riskwatch.data.ingest.result import FIRST_YEAR, IngestResult, latest_possible_year
from riskwatch.data.ingest.table_release import check_source, store_source, table_of
from riskwatch.data.kit.authority_index import council_index
from riskwatch.data.kit.opening import FALLBACK_ENCODING
from riskwatch.data.schema import COUNCIL_CLASSES
from riskwatch.data.sources.compiled import is_compiled
from riskwatch.data.sources.revenue import RevenueRelease, read_revenue_file
from riskwatch.data.store.release_store import (
    ingested_panel,
    release_path,
    releases_folder,
    store_release,
)
from riskwatch.data.store.table_store import load_table
from riskwatch.data.store.vintages import PagePublication, revision_date, rule_publication_date
from riskwatch.data.years import financial_year_starting
from riskwatch.errors import RiskwatchError
from riskwatch.locks import exclusive_lock
from riskwatch.paths import check_input_file, naming_links
from riskwatch.units import file_size

OUTTURN_FORMS = ("RS", "RSX")
# Classes the revenue releases print: councils (London boroughs as L, later LB) and O for
# other bodies (fire, police, parks, the GLA), which leave the council panel by design.
KNOWN_CLASSES = (*COUNCIL_CLASSES, "LB", "O")
# The largest release a reader is handed, refused from its size before a byte is parsed,
# so a huge file costs no memory. The official files held are at most 2.9 MB on disk
# (ra2013_14.xls) and 5.4 MB unpacked (ra2020_21.xlsx): the limits leave ten times that.
MAX_RELEASE_BYTES = 32 * 2**20
MAX_UNPACKED_BYTES = 64 * 2**20
ZIPPED_SUFFIXES = (".xlsx", ".ods")


def validate_release(release: RevenueRelease, path: Path, authorities: pd.DataFrame) -> None:
    """Refuse a release whose year, dates, codes or rows do not make sense; name file, row,
    field."""
    today = date.today()
    latest_possible = latest_possible_year()
    # An outturn can only be for a year that has ended: the range says so.
    last_allowed = (
        financial_year_starting(int(latest_possible[:4]) - 1)
        if release.form in OUTTURN_FORMS
        else latest_possible
    )
    if not FIRST_YEAR <= release.financial_year <= latest_possible:
        raise RiskwatchError(
            f"financial year {release.financial_year} out of range "
            f"({FIRST_YEAR} to {last_allowed})",
            file=path,
            field="title",
        )
    if release.form in OUTTURN_FORMS and release.financial_year == latest_possible:
        raise RiskwatchError(
            f"{release.form} outturn for {release.financial_year}, a financial year that has "
            f"not ended (it ends on 31 March {int(latest_possible[:4]) + 1})",
            file=path,
            field="title",
        )
    if release.stated_update and release.stated_update > today.isoformat():
        raise RiskwatchError(
            f"release date {release.stated_update} is in the future", file=path, field="title"
        )
    roster = apply_ecode_aliases(release.roster)
    duplicated = roster[roster["ecode"].duplicated(keep=False)]
    if not duplicated.empty:
        code = duplicated["ecode"].iloc[0]
        raise RiskwatchError(
            f"authority {code} appears {int((roster['ecode'] == code).sum())} times in one release",
            file=path,
            row=int(duplicated["row"].iloc[1]),
            field="E-code",
        )
    known = authorities.set_index("ecode")
    index = council_index(authorities)
    for _, row in roster.iterrows():
        if row["class"] not in KNOWN_CLASSES:
            raise RiskwatchError(
                f"unknown class '{row['class'] or ''}' for {row['ecode']} ({row['name']}); "
                f"known classes: {', '.join(KNOWN_CLASSES)}",
                file=path,
                row=int(row["row"]),
                field="Class",
            )
        if row["class"] != "O":
            _check_council_code(row, known, release.financial_year, path)
        owner = index.by_code(row["ons_code"]).ecode if row["ons_code"] else None
        if owner is not None and owner != row["ecode"]:
            raise RiskwatchError(
                f"ONS code {row['ons_code']} belongs to {known.loc[owner, 'name']} ({owner}), "
                f"not to {row['ecode']} ({row['name']})",
                file=path,
                row=int(row["row"]),
                field="ONS code",
            )


def check_release_size(path: Path) -> None:
    """Refuse a path that is not a regular file, and a file far larger than any official
    release, before reading it: on disk, or unpacked (an XLSX or ODS is a zip whose members
    could inflate to gigabytes)."""
    check_input_file(path)
    size = path.stat().st_size
    if size > MAX_RELEASE_BYTES:
        raise RiskwatchError(
            f"file is {file_size(size)}, more than ten times any official release "
            f"(limit {file_size(MAX_RELEASE_BYTES)}); not read",
            file=path,
        )
    if path.suffix.lower() not in ZIPPED_SUFFIXES or not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise RiskwatchError(
            f"workbook unpacks to {file_size(unpacked)}, more than ten times any official "
            f"release (limit {file_size(MAX_UNPACKED_BYTES)}); not read",
            file=path,
        )


def _check_council_code(row: pd.Series, known: pd.DataFrame, year: str, path: Path) -> None:
    """A council's E-code must be in the authority table and not retired by `year`."""
    if row["ecode"] not in known.index:
        raise RiskwatchError(
            f"unknown council E-code {row['ecode']} ({row['name']}); a new council needs an "
            "entry in configs/reorganisations.toml",
            file=path,
            row=int(row["row"]),
            field="E-code",
        )
    retired = known.loc[row["ecode"], "successor_gss"]
    if retired and year > known.loc[row["ecode"], "last_year"]:
        raise RiskwatchError(
            f"retired E-code {row['ecode']} ({row['name']}): abolished after "
            f"{known.loc[row['ecode'], 'last_year']}, succeeded by {retired}",
            file=path,
            row=int(row["row"]),
            field="E-code",
        )


def ingest(
    paths: list[Path],
    data_dir: Path,
    accept_outliers: bool = False,
    pages: Mapping[Path, PagePublication] | None = None,
) -> list[IngestResult]:
    """Validate every file first, then store each new release; all or nothing per file.

    A revenue release (RS, RA, RSX), a release of another table the build reads (capital
    outturn, borrowing and investment, H-CLIC, council tax: known by its file name, see
    riskwatch.data.ingest.table_release) or a compiled CSV (known by its header). A value
    beyond its measure's plausibility bound, or a council's net revenue expenditure
    moving more than tenfold from its previous year, refuses the file unless
    `accept_outliers`; accepted outliers are counted in the vintage's name. Files are
    checked in order, each against what is held plus the files before it, so a release
    for 2024-25 ingested beside 2023-24 is compared with that 2023-24. Storing holds
    the data directory's lock: a second ingest at the same time waits, then numbers its
    release after the first's, so no two revisions share a release number. A release
    found on GOV.UK (`pages`, by path) is dated by its page, not by the rule.
    """
    paths = [Path(path) for path in paths]
    for path in paths:
        check_release_size(path)
    authorities = load_table("authorities")
    held = Held(data_dir)
    stores: list[Callable[[], IngestResult]] = []
    for path in paths:
        with naming_links(path):
            store, values = _checked_release(
                path, authorities, held, accept_outliers, (pages or {}).get(path)
            )
        stores.append(partial(store, data_dir))
        held.add(values)
    with exclusive_lock(Path(data_dir), "data-dir"):
        _remove_abandoned_temporaries(releases_folder(data_dir))
        return [store() for store in stores]


def _checked_release(
    path: Path,
    authorities: pd.DataFrame,
    held: Held,
    accept_outliers: bool,
    page: PagePublication | None = None,
) -> tuple[Callable[[Path], IngestResult], pd.DataFrame]:
    """A release read and validated against what is held: how to store it in a data
    directory (dated by its GOV.UK `page` where it was found on one), and its values."""
    if is_compiled(path):
        checked = check_compiled(path, authorities, held, accept_outliers)
        return partial(store_compiled, checked), checked.values
    table = table_of(path)
    if table is not None:
        checked = check_source(path, table, authorities, held, accept_outliers)
        return partial(store_source, checked, page=page), checked.values
    release = read_revenue_file(path)
    validate_release(release, path, authorities)
    values = attach_gss(apply_ecode_aliases(release.values), authorities)
    row_of = apply_ecode_aliases(release.roster).set_index("ecode")["row"]
    values = values.assign(row=values["ecode"].map(row_of))
    accepted = refuse_or_count(
        [as_outlier(error) for error in release.impossible_values]
        + outliers(values, held.bounds, path)
        + year_on_year_jumps(values, held.panel(), path),
        accept_outliers,
    )
    store = partial(_store, path, release, authorities, accepted_outliers=accepted, page=page)
    return store, values


def _remove_abandoned_temporaries(folder: Path) -> None:
    """Delete the temporary files of an ingest killed before its rename. Releases are
    only written under the data directory's lock, which this caller holds, so any
    temporary file here belongs to a process that is gone."""
    if folder.is_dir():
        for abandoned in folder.glob(".*.tmp"):
            abandoned.unlink(missing_ok=True)


def _store(
    path: Path,
    release: RevenueRelease,
    authorities: pd.DataFrame,
    data_dir: Path,
    *,
    accepted_outliers: int = 0,
    page: PagePublication | None = None,
) -> IngestResult:
    target = release_path(data_dir, path)
    values = attach_gss(apply_ecode_aliases(release.values), authorities)
    base = dict(
        path=path,
        form=release.form,
        financial_year=release.financial_year,
        council_values=len(values),
    )
    if target.exists():
        return IngestResult(**base, status="already ingested", vintage=None, rows=0)
    held = _held_vintages(release, data_dir)
    for vintage, rows in held:
        if same_values(values, rows):
            return IngestResult(**base, status=f"same values as {vintage}", vintage=vintage, rows=0)
    number = len(held)
    stated = f", updated {release.stated_update}" if release.stated_update else ""
    if release.encoding == FALLBACK_ENCODING:
        stated += ", read as Windows-1252: not UTF-8"
    accepted = (
        f", {accepted_outliers} outlier value{'s' if accepted_outliers > 1 else ''} accepted"
        if accepted_outliers
        else ""
    )
    if page is not None:  # a file printing a later update than its page is public from then
        published, basis = max(page.date, release.stated_update or ""), "page"
        stated += f", on GOV.UK {page.date}: {page.note}"
    else:
        first = rule_publication_date(release.form, release.financial_year)
        published, basis = revision_date(first, number), "rule"
    vintage = (
        f"{release.form} {release.financial_year} release {number + 1} "
        f"(ingested {path.name}{stated}{accepted})"
    )
    panel = values.assign(vintage=vintage, published=published, published_basis=basis)
    store_release(panel, target)
    return IngestResult(
        **base, status="added", vintage=vintage, rows=len(panel), published=published
    )


def _held_vintages(release: RevenueRelease, data_dir: Path) -> list[tuple[str, pd.DataFrame]]:
    """Distinct vintages of the same form and year already held (embedded and ingested)."""
    panel = pd.concat([load_table("panel"), ingested_panel(data_dir)], ignore_index=True)
    same = panel[
        (panel["source"] == release.form) & (panel["financial_year"] == release.financial_year)
    ]
    return [(vintage, rows) for vintage, rows in same.groupby("vintage", sort=True)]
