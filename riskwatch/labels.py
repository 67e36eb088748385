"""The failure label: which events count, dated by when they became known.

Defined in configs/labels.toml. A council fails when it receives a Section 114
notice, or Exceptional Financial Support that events.csv marks as counting. A
notice is known in the financial year it fell in; support in the year of the
government list that first announced it (`decided_year`), so retrospective
support counts when it was agreed, not in the years it covers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskwatch.settings import config_file, plain
from riskwatch.years import financial_year_starting


def load_label_config() -> dict:
    """configs/labels.toml [label] (read and checked once; a copy the caller may keep)."""
    return plain(config_file("labels.toml")["label"])


def shift_year(year: str, years: int) -> str:
    """'2019-20' shifted by `years` financial years."""
    return financial_year_starting(int(year[:4]) + years)


def quarter_year(quarter: str) -> str:
    """The financial year a calendar quarter falls in: '2026Q3' (July-September) -> '2026-27',
    '2026Q1' (January-March) -> '2025-26'."""
    year, part = int(quarter[:4]), int(quarter[-1])
    return financial_year_starting(year - 1 if part == 1 else year)


def failure_events(events: pd.DataFrame, config: dict | None = None) -> pd.DataFrame:
    """Counted failure events with the financial year each became known, oldest first."""
    config = config or load_label_config()
    rows = events[
        events["event"].isin(config["events"]) & events["body_type"].isin(config["body_types"])
    ]
    if config["only_counts_as_failure"]:
        rows = rows[rows["counts_as_failure"].astype(bool)]
    known_by = {"s114": config["s114_known_by"], "efs": config["efs_known_by"]}
    known = [row[known_by[row["event"]]] for _, row in rows.iterrows()]
    out = rows.assign(known_year=known)[
        [
            "gss_code",
            "authority_name",
            "event",
            "date",
            "financial_year",
            "decided_year",
            "known_year",
        ]
    ]
    return out.sort_values(["known_year", "gss_code", "event"]).reset_index(drop=True)


def first_failure_year(failures: pd.DataFrame) -> pd.Series:
    """The first year a failure of each council became known (gss_code -> year)."""
    return failures.groupby("gss_code")["known_year"].min()


def outcomes(gss_codes: pd.Series, as_of: str, horizon: int, failures: pd.DataFrame) -> np.ndarray:
    """1 where a failure of the council becomes known in years (as_of, as_of + horizon]."""
    window = {shift_year(as_of, k) for k in range(1, horizon + 1)}
    failing = set(failures.loc[failures["known_year"].isin(window), "gss_code"])
    return gss_codes.isin(failing).to_numpy().astype(int)


def failed_by(gss_codes: pd.Series, as_of: str, failures: pd.DataFrame) -> np.ndarray:
    """True where a failure of the council was already known in or before `as_of`."""
    first = first_failure_year(failures)
    known = gss_codes.map(first)
    return (known.notna() & (known <= as_of)).to_numpy()


def last_label_year(config: dict | None = None) -> str:
    """The last year the label source covers: outcome windows must end by then."""
    return (config or load_label_config())["covered_until"]
