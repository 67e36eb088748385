"""Review flags: plain configured rules beside the model (configs/flags.toml).

Each flag marks a council for review whatever its score when every condition of its rule
holds on the council's as-of-year features. Pure functions of feature frames; each flag
is backtested on its own (councils flagged, and how many failed within one and two years).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.errors import RiskwatchError
from riskwatch.labels import failed_by, outcomes, shift_year
from riskwatch.settings import config_file, plain

CONFIG = "configs/flags.toml"
OPERATORS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Condition:
    feature: str
    op: str
    value: float

    def holds(self, frame: pd.DataFrame) -> np.ndarray:
        """True where the feature meets the condition (NaN never does)."""
        values = frame[self.feature].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return ~np.isnan(values) & OPERATORS[self.op](values, self.value)


@dataclass(frozen=True)
class Flag:
    name: str
    label: str
    mechanism: str
    conditions: tuple[Condition, ...]

    def raised(self, frame: pd.DataFrame) -> np.ndarray:
        """True for every council of the frame the flag marks."""
        result = np.ones(len(frame), dtype=bool)
        for condition in self.conditions:
            result &= condition.holds(frame)
        return result


def load_flags(known_features: set[str] | None = None) -> tuple[Flag, ...]:
    """The configured flags (configs/flags.toml, read once), validated: one line naming the
    file and key on a bad entry."""
    return parse_flags(plain(config_file("flags.toml")), known_features)


def parse_flags(config: dict, known_features: set[str] | None = None) -> tuple[Flag, ...]:
    flags, names = [], set()
    for position, entry in enumerate(config.get("flag", []), start=1):
        where = f"flag[{position}]"
        for key in ("name", "label", "mechanism", "conditions"):
            if key not in entry:
                raise RiskwatchError(f"missing key '{key}'", file=CONFIG, field=where)
        if entry["name"] in names:
            raise RiskwatchError(f"flag '{entry['name']}' named twice", file=CONFIG, field=where)
        names.add(entry["name"])
        conditions = []
        for number, raw in enumerate(entry["conditions"], start=1):
            field = f"{where}.conditions[{number}]"
            if set(raw) != {"feature", "op", "value"}:
                raise RiskwatchError(
                    "a condition needs exactly feature, op and value", file=CONFIG, field=field
                )
            if raw["op"] not in OPERATORS:
                raise RiskwatchError(
                    f"unknown op '{raw['op']}' (one of {' '.join(OPERATORS)})",
                    file=CONFIG,
                    field=field,
                )
            if known_features is not None and raw["feature"] not in known_features:
                raise RiskwatchError(
                    f"unknown feature '{raw['feature']}'", file=CONFIG, field=field
                )
            if not isinstance(raw["value"], int | float) or isinstance(raw["value"], bool):
                raise RiskwatchError("value must be a number", file=CONFIG, field=field)
            conditions.append(Condition(raw["feature"], raw["op"], float(raw["value"])))
        if not conditions:
            raise RiskwatchError("a flag needs at least one condition", file=CONFIG, field=where)
        flags.append(Flag(entry["name"], entry["label"], entry["mechanism"], tuple(conditions)))
    return tuple(flags)


def raised_flags(frame: pd.DataFrame, flags: tuple[Flag, ...]) -> pd.DataFrame:
    """One row per council and flag raised: gss_code, flag, label, mechanism."""
    rows = [
        pd.DataFrame(
            {
                "gss_code": frame.loc[flag.raised(frame), "gss_code"].to_numpy(),
                "flag": flag.name,
                "label": flag.label,
                "mechanism": flag.mechanism,
            }
        )
        for flag in flags
    ]
    columns = ["gss_code", "flag", "label", "mechanism"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def flag_labels(frame: pd.DataFrame, flags: tuple[Flag, ...]) -> pd.Series:
    """Per council of the frame, the labels of its raised flags joined by '; ' ('' if none)."""
    raised = raised_flags(frame, flags)
    joined = raised.groupby("gss_code")["label"].agg("; ".join)
    return frame["gss_code"].map(joined).fillna("")


def flag_backtest(
    frames: dict[str, pd.DataFrame],
    flags: tuple[Flag, ...],
    failures: pd.DataFrame,
    covered_until: str,
    horizons: tuple[int, ...] = (1, 2),
) -> pd.DataFrame:
    """Each flag on its own, over every year whose outcome windows the labels cover: councils
    flagged (not yet failed), how many had a first failure known within each horizon, and
    the precision. Councils that already failed are left out, as in the new-failures task.
    The last row, every council, gives the base rate a flag's precision is read against."""
    records = []
    every_council = Flag("base_rate", "Every council not yet failed (the base rate)", "", ())
    for flag in (*flags, every_council):
        record: dict[str, object] = {"flag": flag.name, "label": flag.label}
        years = [y for y in sorted(frames) if shift_year(y, max(horizons)) <= covered_until]
        flagged_total = 0
        for horizon in horizons:
            flagged = failed = 0
            for year in years:
                frame = frames[year]
                fresh = ~failed_by(frame["gss_code"], year, failures)
                marked = flag.raised(frame) & fresh
                outcome = outcomes(frame["gss_code"], year, horizon, failures)
                flagged += int(marked.sum())
                failed += int(outcome[marked].sum())
            flagged_total = flagged
            record[f"failed_within_{horizon}y"] = failed
            record[f"precision_{horizon}y"] = failed / flagged if flagged else np.nan
        record["council_years_flagged"] = flagged_total
        record["years"] = f"{years[0]}..{years[-1]}" if years else ""
        records.append(record)
    leading = ["flag", "label", "council_years_flagged"]
    table = pd.DataFrame(records)
    return table[leading + [c for c in table.columns if c not in leading]]
