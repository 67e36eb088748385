"""The authority lookup: E-code, current GSS code, name, class, years and successors.

Keyed on the MHCLG E-code, which every year carries; the ONS GSS code comes from
the years that print both (2014-15 on), the latest one being current and
earlier ones kept as `former_gss_codes` (ONS re-issued some, e.g. Northumberland
E06000048 -> E06000057). Authorities abolished before any year printed an ONS
code have none in these sources: they are keyed by their E-code instead.
"""

from __future__ import annotations

import pandas as pd

from riskwatch.data.schema import AUTHORITY_COLUMNS, COUNCIL_CLASSES
from riskwatch.errors import RiskwatchError
from riskwatch.settings import config_file, plain

# The source writes London boroughs as L until 2020-21 and LB from 2021-22.
CLASS_ALIASES = {"LB": "L"}


def normalise_class(value: str | None) -> str | None:
    """One class code for London boroughs across years (LB -> L)."""
    if value is None:
        return None
    value = value.strip().upper()
    return CLASS_ALIASES.get(value, value)


def authority_years(rosters: pd.DataFrame) -> pd.DataFrame:
    """One row per E-code and financial year an outturn release lists it (class normalised)."""
    years = rosters.copy()
    years["class"] = years["class"].map(normalise_class)
    years = years.sort_values(["ecode", "financial_year", "source"])
    return years.drop_duplicates(["ecode", "financial_year"], keep="first").reset_index(drop=True)


def build_authorities(rosters: pd.DataFrame) -> pd.DataFrame:
    """The authority table from the rosters of every outturn release.

    `rosters` has columns ecode, ons_code, name, class, financial_year, source.
    Only councils (classes SC, SD, UA, MD, L) are kept.
    """
    years = authority_years(rosters)
    latest = years.sort_values("financial_year").groupby("ecode").tail(1).set_index("ecode")
    coded = years.dropna(subset=["ons_code"]).sort_values("financial_year")
    current = coded.groupby("ecode")["ons_code"].last()
    former = coded.groupby("ecode")["ons_code"].agg(lambda codes: list(dict.fromkeys(codes)))
    table = pd.DataFrame(
        {
            "ecode": latest.index,
            "gss_code": [current.get(e, e) for e in latest.index],
            "former_gss_codes": [
                ";".join(c for c in former.get(e, []) if c != current.get(e)) for e in latest.index
            ],
            "name": latest["name"].to_numpy(),
            "class": latest["class"].to_numpy(),
            "first_year": years.groupby("ecode")["financial_year"].min().reindex(latest.index),
            "last_year": years.groupby("ecode")["financial_year"].max().reindex(latest.index),
        }
    )
    table = table[table["class"].isin(COUNCIL_CLASSES)].reset_index(drop=True)
    _check_unique_codes(table)
    table["successor_gss"] = _successors(table)
    return table[AUTHORITY_COLUMNS].sort_values("gss_code").reset_index(drop=True)


def _check_unique_codes(table: pd.DataFrame) -> None:
    duplicated = table[table["gss_code"].duplicated(keep=False)]
    if not duplicated.empty:
        raise RiskwatchError(
            "one GSS code is carried by several E-codes: "
            + ", ".join(f"{r.gss_code}={r.ecode}" for r in duplicated.itertuples()),
            field="ons_code",
        )


def load_reorganisation_config() -> dict:
    """configs/reorganisations.toml: reorganisations and E-code aliases (checked once)."""
    return plain(config_file("reorganisations.toml"))


def apply_ecode_aliases(frame: pd.DataFrame) -> pd.DataFrame:
    """Rewrite E-codes a council used before its code changed to its current one."""
    aliases = load_reorganisation_config().get("ecode_aliases", {})
    return frame.assign(ecode=frame["ecode"].replace(aliases))


def _successors(table: pd.DataFrame) -> list[str]:
    """';'-joined successor GSS codes per authority, checked against the years in the data."""
    by_ecode = {row.ecode: row for row in table.itertuples()}
    successors: dict[str, list[str]] = {}
    for reorganisation in load_reorganisation_config()["reorganisation"]:
        year = reorganisation["first_year"]
        new = [_resolve(by_ecode, code, reorganisation) for code in reorganisation["successors"]]
        for code in reorganisation["predecessors"]:
            old = _resolve(by_ecode, code, reorganisation)
            if old.last_year >= year:
                raise RiskwatchError(
                    f"reorganisation '{reorganisation['name']}': {old.name} ({code}) still files "
                    f"a return in {old.last_year}, when its successors start in {year}",
                    file="configs/reorganisations.toml",
                )
            successors[old.gss_code] = [s.gss_code for s in new]
        for successor in new:
            if successor.first_year != year:
                raise RiskwatchError(
                    f"reorganisation '{reorganisation['name']}': successor {successor.name} "
                    f"first files in {successor.first_year}, not {year}",
                    file="configs/reorganisations.toml",
                )
    return [";".join(successors.get(code, [])) for code in table["gss_code"]]


def _resolve(by_ecode: dict, code: str, reorganisation: dict):
    row = by_ecode.get(code)
    if row is None:
        raise RiskwatchError(
            f"reorganisation '{reorganisation['name']}': no council with E-code {code} "
            "in the returns",
            file="configs/reorganisations.toml",
        )
    return row
