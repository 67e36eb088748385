"""Ingest a new release into the user's data directory, validated, never half-written.

A release is read by the same reader as the embedded data, checked against the
authority lookup, and stored as one Parquet file named by the file's content
hash: re-ingesting the same file is a no-op, and a newer release of a year that
is already held is kept beside the older one as a later vintage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from riskwatch.data.authorities import apply_ecode_aliases
from riskwatch.data.build import attach_gss, same_values
from riskwatch.data.revenue import RevenueRelease, read_revenue_file
from riskwatch.data.schema import COUNCIL_CLASSES
from riskwatch.data.store import file_sha256, ingested_panel, load_table, write_parquet
from riskwatch.data.vintages import revision_date, rule_publication_date
from riskwatch.errors import RiskwatchError
from riskwatch.locks import exclusive_lock

FIRST_YEAR = "2007-08"


@dataclass(frozen=True)
class IngestResult:
    path: Path
    status: str  # "added", "already ingested", "same values as an earlier release"
    form: str
    financial_year: str
    vintage: str | None
    rows: int  # panel rows stored by this ingest
    council_values: int  # council values the file holds (stored, or already held)


def validate_release(release: RevenueRelease, path: Path, authorities: pd.DataFrame) -> None:
    """Refuse a release whose year, codes or rows do not make sense; name file, row, field."""
    latest_possible = _financial_year(date.today())
    if not FIRST_YEAR <= release.financial_year <= latest_possible:
        raise RiskwatchError(
            f"financial year {release.financial_year} out of range "
            f"({FIRST_YEAR} to {latest_possible})",
            file=path,
            field="title",
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
    for _, row in roster.iterrows():
        if row["class"] not in COUNCIL_CLASSES and row["class"] != "LB":
            continue
        if row["ecode"] not in known.index:
            raise RiskwatchError(
                f"unknown council E-code {row['ecode']} ({row['name']}); a new council needs an "
                "entry in configs/reorganisations.toml",
                file=path,
                row=int(row["row"]),
                field="E-code",
            )
        retired = known.loc[row["ecode"], "successor_gss"]
        if retired and release.financial_year > known.loc[row["ecode"], "last_year"]:
            raise RiskwatchError(
                f"retired E-code {row['ecode']} ({row['name']}): abolished after "
                f"{known.loc[row['ecode'], 'last_year']}, succeeded by {retired}",
                file=path,
                row=int(row["row"]),
                field="E-code",
            )


def _financial_year(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def ingest(paths: list[Path], data_dir: Path) -> list[IngestResult]:
    """Validate every file first, then store each new release; all or nothing per file.

    Storing holds the data directory's lock: a second ingest at the same time waits, then
    numbers its release after the first's, so no two revisions share a release number.
    """
    authorities = load_table("authorities")
    releases = []
    for path in paths:
        release = read_revenue_file(Path(path))
        validate_release(release, Path(path), authorities)
        releases.append((Path(path), release))
    with exclusive_lock(Path(data_dir), "data-dir"):
        return [_store(path, release, authorities, data_dir) for path, release in releases]


def _store(
    path: Path, release: RevenueRelease, authorities: pd.DataFrame, data_dir: Path
) -> IngestResult:
    target = Path(data_dir) / "releases" / f"{file_sha256(path)[:20]}.parquet"
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
    vintage = (
        f"{release.form} {release.financial_year} release {number + 1} "
        f"(ingested {path.name}{stated})"
    )
    first = rule_publication_date(release.form, release.financial_year)
    panel = values.assign(
        vintage=vintage, published=revision_date(first, number), published_basis="rule"
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RiskwatchError(
            f"cannot create the data directory: {exc.strerror or exc}", file=target.parent
        ) from None
    write_parquet(panel, target)
    return IngestResult(**base, status="added", vintage=vintage, rows=len(panel))


def _held_vintages(release: RevenueRelease, data_dir: Path) -> list[tuple[str, pd.DataFrame]]:
    """Distinct vintages of the same form and year already held (embedded and ingested)."""
    panel = pd.concat([load_table("panel"), ingested_panel(data_dir)], ignore_index=True)
    same = panel[
        (panel["source"] == release.form) & (panel["financial_year"] == release.financial_year)
    ]
    return [(vintage, rows) for vintage, rows in same.groupby("vintage", sort=True)]
