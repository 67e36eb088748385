"""The one panel-row writer every source reader uses, with its one rule for repeated rows.

A reader collects one record (a dict) per value and hands the records, with the columns
every row of the file shares, to `panel_rows`: it returns the panel rows (`PANEL_COLUMNS`
first) and applies the duplicate rule below. A record keyed by the code its publisher
printed carries it as `code` (or `gss_code`) until `authority_index.attach_codes` makes it
current; `row` and `name` stay as extra columns for the unmatched report. A name-matched
reader builds its records with `panel_record` from the authority its match found.

Repeated rows: a file can list an authority (its E-code, else its code, else its name)
twice. Rows that repeat one authority, indicator, period, vintage and publication date
with the same value and status are kept once (New Forest, BI 2008-09). Rows that repeat it
with different values are refused, naming the file, row and indicator: a figure that
cannot be attributed is reported, not chosen. A source whose real releases are known to
print two bodies under one code by the publisher's slip (the Northamptonshire police and
fire bodies, BI 2019-20 Q1) declares `clashes="withhold"`: the one row kept then has no
value (NaN, status "not_available").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

import pandas as pd

from riskwatch.data.kit.authority_index import Match
from riskwatch.data.schema import PANEL_COLUMNS, UNMATCHED_COLUMNS
from riskwatch.errors import RiskwatchError
from riskwatch.years import year_end

# What one panel value is about: the authority (its E-code, else the code printed, else
# the name printed), and the indicator, period, release and publication date.
REPEAT_KEY = ["authority", "financial_year", "indicator", "period_end", "vintage", "published"]


Clashes = Literal["refuse", "withhold"]


def panel_rows(
    records: Iterable[Mapping[str, object]], *, clashes: Clashes = "refuse", **constants: object
) -> pd.DataFrame:
    """Panel rows from per-value records plus the columns every row of them shares.

    A constant sets its column for every row (a record's own value of it is not kept).
    `PANEL_COLUMNS` come first, in order, then any extra columns the records carry
    (`row`, `name`); records without E-codes have none (None). Repeated rows follow the
    module's rule: kept once alike; where they differ, refused, or kept without a value
    where the source declares `clashes="withhold"`.
    """
    frame = pd.DataFrame.from_records(list(records)).rename(columns={"code": "gss_code"})
    for column, value in constants.items():
        frame[column] = value
    if "ecode" not in frame:
        frame["ecode"] = None
    frame = frame.reindex(columns=[*PANEL_COLUMNS, *(c for c in frame if c not in PANEL_COLUMNS)])
    frame["value"] = frame["value"].astype(float)
    return one_row_per_value(frame, clashes)


def one_row_per_value(frame: pd.DataFrame, clashes: Clashes = "refuse") -> pd.DataFrame:
    """Panel rows with repeats resolved by the module's rule (the first row's extras kept)."""
    identities = [c for c in ("ecode", "gss_code", "name") if c in frame]  # name: matched later
    keyed = frame.assign(authority=first_printed(frame[identities]))
    distinct = keyed.drop_duplicates([*REPEAT_KEY, "value", "status"])
    clash = distinct.duplicated(REPEAT_KEY, keep=False)
    if clash.any() and clashes == "refuse":
        raise _clash_error(distinct[clash])
    if clash.any():
        distinct = distinct.copy()
        distinct.loc[clash, ["value", "status"]] = [float("nan"), "not_available"]
        distinct = distinct.drop_duplicates(REPEAT_KEY)
    return distinct.drop(columns="authority").reset_index(drop=True)


def first_printed(identities: pd.DataFrame) -> pd.Series:
    """Each row's first identity printed, left to right (a blank code is none).

    Column by column rather than `bfill(axis=1)`, which pandas 3 runs as a Python loop
    over the rows of text columns: several seconds for the 40,000 records of a borrowing
    workbook, against milliseconds here."""
    printed = identities.where(identities != "")
    first = printed.iloc[:, 0]
    for column in printed.columns[1:]:
        first = first.where(first.notna(), printed[column])
    return first


def _clash_error(clashing: pd.DataFrame) -> RiskwatchError:
    """The first authority printed twice with different values, as a one-line error."""
    first = clashing.iloc[0]
    again = clashing[(clashing[REPEAT_KEY] == first[REPEAT_KEY]).all(axis=1)]
    values = " and ".join(map(str, again["value"].head(2)))
    row = again["row"].iloc[-1] if "row" in again else None
    return RiskwatchError(
        f"{first['authority']} is printed twice for {first['financial_year']} with different "
        f"values ({values}): a figure that cannot be attributed is not taken",
        file=first["source_file"],
        row=None if row is None or pd.isna(row) else int(row),
        field=str(first["indicator"]),
    )


def panel_record(
    match: Match,
    year: str,
    indicator: str,
    parsed: tuple[float, str],
    *,
    unit: str,
    source: str,
    source_file: str,
    published: tuple[str, str],
    period_end: str | None = None,
    vintage: str | None = None,
) -> dict:
    """One name-matched panel record: `parsed` is (value, status), `published` is (ISO
    date, basis); the period ends with the year and the vintage names the file unless given."""
    value, status = parsed
    return {
        "ecode": match.ecode,
        "gss_code": match.gss_code,
        "financial_year": year,
        "indicator": indicator,
        "value": value,
        "status": status,
        "unit": unit,
        "source": source,
        "source_file": source_file,
        "vintage": vintage or f"{source} {year} ({source_file})",
        "period_end": period_end or year_end(year),
        "published": published[0],
        "published_basis": published[1],
    }


def unmatched_record(
    source: str, source_file: str, row: int, code: str | None, name: str | None, reason: str
) -> dict:
    """One row that matched no authority; `source_file` names the sheet too where a
    workbook has several."""
    return {
        "source": source,
        "source_file": source_file,
        "row": row,
        "code": code or None,
        "name": name or None,
        "reason": reason,
    }


def unmatched_rows(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Unmatched rows with exactly UNMATCHED_COLUMNS, one per source file, row and reason."""
    frame = pd.DataFrame(list(records), columns=UNMATCHED_COLUMNS)
    return frame.drop_duplicates(["source_file", "row", "reason"]).reset_index(drop=True)


def file_constants(source: str, path: Path, basis: str) -> dict[str, str]:
    """The columns every row of one file shares: source, file, vintage and date basis."""
    return {
        "source": source,
        "source_file": path.name,
        "vintage": f"{source} {path.name}",
        "published_basis": basis,
    }


def concat_parts(
    parts: list[tuple[pd.DataFrame, pd.DataFrame]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The values and unmatched rows of several readers' results, each stacked."""
    return (
        pd.concat([p[0] for p in parts], ignore_index=True),
        pd.concat([p[1] for p in parts], ignore_index=True),
    )
