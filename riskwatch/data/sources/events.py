"""Failure events (Section 114 notices, Exceptional Financial Support) from events.csv."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from riskwatch.data.schema import EVENT_COLUMNS
from riskwatch.data.years import is_financial_year
from riskwatch.errors import RiskwatchError

FILE = "events.csv"  # under a data root
EVENT_TYPES = {"s114", "efs"}
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def read_events(path: Path) -> pd.DataFrame:
    """Validated events, every column kept; booleans parsed, years and dates checked."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise RiskwatchError("not UTF-8 text", file=path) from None
    except pd.errors.EmptyDataError:
        raise RiskwatchError("file is empty", file=path) from None
    missing = [c for c in EVENT_COLUMNS if c not in frame.columns]
    if missing:
        raise RiskwatchError(f"missing required column(s): {', '.join(missing)}", file=path)
    if frame.empty:
        raise RiskwatchError("no events below the header", file=path)
    for index, row in frame.iterrows():
        _check_row(path, index + 2, row)
    frame = frame[EVENT_COLUMNS].copy()
    for column in ("revised", "counts_as_failure"):
        frame[column] = frame[column].str.lower().map({"true": True, "false": False})
    frame["amount_gbp_m"] = pd.to_numeric(frame["amount_gbp_m"].replace("", None))
    frame["amount_other_gbp_m"] = pd.to_numeric(frame["amount_other_gbp_m"].replace("", None))
    return frame.replace({"": None})


def _check_row(path: Path, line: int, row: pd.Series) -> None:
    if not re.fullmatch(r"E\d{8}", row["gss_code"]):
        raise RiskwatchError(
            f"not a GSS code: '{row['gss_code']}'", file=path, row=line, field="gss_code"
        )
    if row["event"] not in EVENT_TYPES:
        raise RiskwatchError(
            f"unknown event '{row['event']}' (expected s114 or efs)",
            file=path,
            row=line,
            field="event",
        )
    for field in ("financial_year", "decided_year"):
        if not is_financial_year(row[field]):
            raise RiskwatchError(
                f"malformed financial year '{row[field]}'", file=path, row=line, field=field
            )
    if row["decided_year"] < row["financial_year"] and row["event"] == "efs":
        raise RiskwatchError(
            "support decided before the year it covers", file=path, row=line, field="decided_year"
        )
    if row["event"] == "s114" and not _DATE.match(row["date"]):
        raise RiskwatchError(
            f"s114 notice needs a date, got '{row['date']}'", file=path, row=line, field="date"
        )
    if row["counts_as_failure"].lower() not in ("true", "false"):
        raise RiskwatchError(
            f"counts_as_failure must be true or false, got '{row['counts_as_failure']}'",
            file=path,
            row=line,
            field="counts_as_failure",
        )
    for field in ("amount_gbp_m", "amount_other_gbp_m"):
        if row[field]:
            try:
                value = float(row[field])
            except ValueError:
                raise RiskwatchError(
                    f"non-numeric amount '{row[field]}'", file=path, row=line, field=field
                ) from None
            if not (value >= 0 and value < float("inf")):
                raise RiskwatchError(
                    f"impossible amount '{row[field]}'", file=path, row=line, field=field
                )
