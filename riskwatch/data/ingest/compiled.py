"""Ingest a compiled CSV (debt-and-outturn-compiled/) into the user's data directory.

The file is read by the reader `data build` uses (compiled.read_compiled_rows) and
checked before anything is stored: every row's ONS code names a council, the E-code
printed beside it (where the layout prints one) is that council's, no council and year
appears twice, no figure is for a period that has not ended, and the values pass the
plausibility checks. It is stored like a revenue release: one Parquet file named by the
file's content hash (re-ingesting is a no-op); each return and year it holds is compared
with the compiled vintages already held, and only those whose values differ are stored,
as the next compiled release of that return and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from riskwatch.data.authorities import apply_ecode_aliases
from riskwatch.data.build import same_values
from riskwatch.data.check.compiled import is_compiled as is_compiled_vintage
from riskwatch.data.check.plausibility import outliers, refuse_or_count, year_on_year_jumps
from riskwatch.data.ingest.held import Held
from riskwatch.data.ingest.result import FIRST_YEAR, IngestResult, latest_possible_year
from riskwatch.data.kit.authority_index import AuthorityIndex, attach_codes, council_index
from riskwatch.data.schema import PANEL_COLUMNS
from riskwatch.data.sources.compiled import CompiledFile, published_date, read_compiled_rows
from riskwatch.data.store.release_store import ingested_panel, release_path, store_release
from riskwatch.data.store.table_store import load_table
from riskwatch.data.store.vintages import revision_date
from riskwatch.errors import RiskwatchError


@dataclass(frozen=True)
class CheckedCompiled:
    """A compiled file read and validated: its council values (current GSS codes, with
    the CSV row in `row`) and how many outliers were accepted."""

    path: Path
    compiled: CompiledFile
    values: pd.DataFrame
    accepted_outliers: int

    @property
    def years(self) -> str:
        first, last = self.values["financial_year"].min(), self.values["financial_year"].max()
        return first if first == last else f"{first} to {last}"


def check_compiled(
    path: Path,
    authorities: pd.DataFrame,
    held: Held,
    accept_outliers: bool,
) -> CheckedCompiled:
    """Read and validate one compiled CSV against what is `held`; the first fault raised
    as one line."""
    compiled = read_compiled_rows(path)
    index = council_index(authorities)
    _check_identities(compiled, path, authorities, index)
    _check_periods(compiled.values, path)
    # Every ONS code names a council (checked above), so no row is left unmatched; the
    # rows keep their index through attach_codes, and with it their CSV row.
    coded, _ = attach_codes(compiled.values, index)
    values = coded.assign(row=compiled.values.loc[coded.index, "row"])
    _check_one_row_per_council_year(compiled.identities, index, path)
    accepted = refuse_or_count(
        outliers(values, held.bounds, path) + year_on_year_jumps(values, held.panel(), path),
        accept_outliers,
    )
    return CheckedCompiled(Path(path), compiled, values.reset_index(drop=True), accepted)


def _check_identities(
    compiled: CompiledFile, path: Path, authorities: pd.DataFrame, index: AuthorityIndex
) -> None:
    """Each row's ONS code belongs to a council, and the E-code beside it to the same one."""
    names = authorities.set_index("ecode")["name"]
    identities = compiled.identities
    printed = identities["ecode"].notna()
    ecodes = identities["ecode"].where(~printed, apply_ecode_aliases(identities[printed])["ecode"])
    e_field = "la_code" if "la_code" in compiled.layout.id_columns else "mhclg_code"
    for r, ecode in zip(identities.itertuples(), ecodes, strict=True):
        owner = index.by_code(r.gss_code).ecode
        if owner is None:
            raise RiskwatchError(
                f"ONS code {r.gss_code} ({r.name or 'no name given'}) matches no council in the "
                "authority lookup; a new council needs an entry in configs/reorganisations.toml",
                file=path,
                row=int(r.row),
                field="ons",
            )
        if isinstance(ecode, str) and ecode != owner:
            raise RiskwatchError(
                f"E-code {r.ecode} ({r.name}) does not match ONS code {r.gss_code}, which "
                f"belongs to {names[owner]} ({owner})",
                file=path,
                row=int(r.row),
                field=e_field,
            )


def _check_periods(values: pd.DataFrame, path: Path) -> None:
    """No year before the first release, and no figure for a period not yet ended."""
    today = date.today().isoformat()
    for r in values.drop_duplicates(["row", "financial_year", "period_end"]).itertuples():
        if not FIRST_YEAR <= r.financial_year <= latest_possible_year():
            raise RiskwatchError(
                f"financial year {r.financial_year} out of range "
                f"({FIRST_YEAR} to {latest_possible_year()})",
                file=path,
                row=int(r.row),
                field="year",
            )
        if r.period_end > today:
            raise RiskwatchError(
                f"figures for {r.financial_year} at {r.period_end}, a period that has not ended",
                file=path,
                row=int(r.row),
                field="year",
            )


def _check_one_row_per_council_year(
    identities: pd.DataFrame, index: AuthorityIndex, path: Path
) -> None:
    """A council printed twice for one year (under its current or a former ONS code)."""
    rows = identities.assign(gss_code=identities["gss_code"].map(index.current_gss))
    twice = rows[rows.duplicated(["gss_code", "financial_year"], keep=False)]
    if not twice.empty:
        first = twice.iloc[0]
        again = twice[
            (twice["gss_code"] == first["gss_code"])
            & (twice["financial_year"] == first["financial_year"])
        ]
        raise RiskwatchError(
            f"council {first['gss_code']} appears {len(again)} times for {first['financial_year']}",
            file=path,
            row=int(again["row"].iloc[1]),
            field="ons",
        )


def store_compiled(checked: CheckedCompiled, data_dir: Path) -> IngestResult:
    """Store the returns and years whose values no held compiled vintage already has."""
    path = checked.path
    base = dict(
        path=path,
        form=f"compiled {checked.compiled.layout.name}",
        financial_year=checked.years,
        council_values=len(checked.values),
    )
    target = release_path(data_dir, path)
    if target.exists():
        return IngestResult(**base, status="already ingested", vintage=None, rows=0)
    held = pd.concat([load_table("panel"), ingested_panel(data_dir)], ignore_index=True)
    held = held[is_compiled_vintage(held)]
    new, matched = [], []
    for (source, year), group in checked.values.groupby(["source", "financial_year"]):
        same = held[(held["source"] == source) & (held["financial_year"] == year)]
        vintages = [(v, rows) for v, rows in same.groupby("vintage", sort=True)]
        match = next((v for v, rows in vintages if same_values(group, rows, "gss_code")), None)
        if match:
            matched.append(match)
        else:
            new.append(_as_vintage(group, source, year, len(vintages), checked))
    if not new:
        plural = "s" if len(matched) > 1 else ""
        status = f"same values as the {len(matched)} compiled vintage{plural} held"
        return IngestResult(**base, status=status, vintage=None, rows=0)
    panel = pd.concat(new, ignore_index=True)[PANEL_COLUMNS]
    store_release(panel, target)
    vintage = "; ".join(sorted(panel["vintage"].unique()))
    return IngestResult(**base, status="added", vintage=vintage, rows=len(panel))


def _as_vintage(
    group: pd.DataFrame, source: str, year: str, held: int, checked: CheckedCompiled
) -> pd.DataFrame:
    """One return and year of the file as the next compiled release of it, public by the
    return's rule (a revision: one year later per earlier release held)."""
    accepted = checked.accepted_outliers
    note = f", {accepted} outlier value{'s' if accepted > 1 else ''} accepted" if accepted else ""
    # " compiled (" marks a compiled vintage for `data check` as for the embedded ones
    vintage = f"{source} {year} compiled (ingested {checked.path.name}, release {held + 1}{note})"
    published = group["period_end"].map(
        lambda end: revision_date(published_date(source, year, end), held)
    )
    return group.assign(vintage=vintage, published=published, published_basis="rule")
