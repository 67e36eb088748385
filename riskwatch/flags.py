"""Review flags: plain configured rules beside the model (configs/flags.toml).

Each flag marks a council for review whatever its score when every condition of its rule
holds on the council's as-of-year features. Pure functions of feature frames; each flag
is backtested on its own (councils flagged, and how many failed within one and two years)
and must earn its place (the [rule] of configs/flags.toml): a flag whose two-year precision
is under a multiple of the base rate is re-thresholded over its stated grid, or dropped.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, replace

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
class Search:
    """The thresholds a flag may be moved to on its condition on `feature`."""

    feature: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Flag:
    name: str
    label: str
    mechanism: str
    conditions: tuple[Condition, ...]
    search: Search | None = None

    def raised(self, frame: pd.DataFrame) -> np.ndarray:
        """True for every council of the frame the flag marks."""
        result = np.ones(len(frame), dtype=bool)
        for condition in self.conditions:
            result &= condition.holds(frame)
        return result

    def threshold(self) -> float | None:
        """The value of the condition its search moves (None without a search)."""
        if self.search is None:
            return None
        return next(c.value for c in self.conditions if c.feature == self.search.feature)

    def with_threshold(self, value: float) -> Flag:
        """The same flag with its searched condition's value set to `value`."""
        feature = self.search.feature if self.search else None
        conditions = tuple(
            replace(c, value=value) if c.feature == feature else c for c in self.conditions
        )
        return replace(self, conditions=conditions)


@dataclass(frozen=True)
class ThresholdRule:
    """When a flag earns its place: its precision over `horizon` years is at least
    `precision_multiple` times the base rate. A flag short of it moves to the loosest
    threshold of its search (the one flagging the most council-years) that reaches it while
    flagging at least `min_council_years`, or is dropped when none does."""

    horizon: int
    precision_multiple: int
    min_council_years: int


def load_rule() -> ThresholdRule:
    """configs/flags.toml [rule]."""
    return ThresholdRule(**plain(config_file("flags.toml"))["rule"])


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
        search = parse_search(entry.get("search"), conditions, f"{where}.search")
        flags.append(
            Flag(entry["name"], entry["label"], entry["mechanism"], tuple(conditions), search)
        )
    return tuple(flags)


def parse_search(raw: dict | None, conditions: list[Condition], field: str) -> Search | None:
    """A flag's threshold grid: the feature of one of its conditions and the values tried."""
    if raw is None:
        return None
    if set(raw) != {"feature", "values"}:
        raise RiskwatchError("a search needs exactly feature and values", file=CONFIG, field=field)
    if raw["feature"] not in {c.feature for c in conditions}:
        raise RiskwatchError(
            f"'{raw['feature']}' is not the feature of one of the flag's conditions",
            file=CONFIG,
            field=field,
        )
    values = raw["values"]
    if (
        not isinstance(values, list)
        or not values
        or any(not isinstance(v, int | float) or isinstance(v, bool) for v in values)
    ):
        raise RiskwatchError("values must be a list of numbers", file=CONFIG, field=field)
    return Search(raw["feature"], tuple(float(v) for v in values))


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


def closed_years(frames: dict[str, pd.DataFrame], horizon: int, covered_until: str) -> list[str]:
    """The as-of years whose `horizon`-year outcome windows the labels cover (closed)."""
    return [y for y in sorted(frames) if shift_year(y, horizon) <= covered_until]


def flag_counts(
    frames: dict[str, pd.DataFrame],
    flag: Flag,
    failures: pd.DataFrame,
    years: list[str],
    horizon: int,
) -> tuple[int, int]:
    """Council-years the flag marks among councils not yet failed, and how many of them
    had a first failure known within `horizon` years."""
    flagged = failed = 0
    for year in years:
        frame = frames[year]
        marked = flag.raised(frame) & ~failed_by(frame["gss_code"], year, failures)
        flagged += int(marked.sum())
        failed += int(outcomes(frame["gss_code"], year, horizon, failures)[marked].sum())
    return flagged, failed


EVERY_COUNCIL = Flag("base_rate", "Every council not yet failed (the base rate)", "", ())


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
    years = closed_years(frames, max(horizons), covered_until)
    for flag in (*flags, EVERY_COUNCIL):
        record: dict[str, object] = {"flag": flag.name, "label": flag.label}
        for horizon in horizons:
            flagged, failed = flag_counts(frames, flag, failures, years, horizon)
            record[f"failed_within_{horizon}y"] = failed
            record[f"precision_{horizon}y"] = failed / flagged if flagged else np.nan
        record["council_years_flagged"] = flagged
        record["years"] = f"{years[0]}..{years[-1]}" if years else ""
        records.append(record)
    leading = ["flag", "label", "council_years_flagged"]
    table = pd.DataFrame(records)
    return table[leading + [c for c in table.columns if c not in leading]]


def judge_flags(
    frames: dict[str, pd.DataFrame],
    flags: tuple[Flag, ...],
    failures: pd.DataFrame,
    covered_until: str,
    rule: ThresholdRule,
) -> pd.DataFrame:
    """Each flag against the rule, on the years whose outcome windows have closed only (no
    year a review now judges): kept, re-thresholded (from its threshold to the loosest grid
    value passing) or dropped, with the council-years and precision of the threshold it keeps or moves to."""
    years = closed_years(frames, rule.horizon, covered_until)
    flagged, failed = flag_counts(frames, EVERY_COUNCIL, failures, years, rule.horizon)
    target = rule.precision_multiple * failed / flagged
    records = []
    for flag in flags:
        verdict, chosen = "dropped", None
        flagged, failed = flag_counts(frames, flag, failures, years, rule.horizon)
        if flagged and failed / flagged >= target:
            verdict, chosen = "kept", (flagged, failed, flag.threshold())
        elif flag.search is not None:
            trials = [
                (*flag_counts(frames, flag.with_threshold(v), failures, years, rule.horizon), v)
                for v in flag.search.values
            ]
            passing = [
                t for t in trials if t[0] >= rule.min_council_years and t[1] / t[0] >= target
            ]
            if passing:  # the loosest: most council-years, then nearest the current value
                chosen = min(passing, key=lambda t: (-t[0], abs(t[2] - flag.threshold())))
                verdict = f"re-thresholded from {flag.threshold():g} to {chosen[2]:g}"
        records.append(
            {
                "flag": flag.name,
                "verdict": verdict,
                "threshold": flag.threshold(),
                "threshold_after": chosen[2] if chosen else None,
                "council_years_after": chosen[0] if chosen else None,
                "precision_after": chosen[1] / chosen[0] if chosen else None,
                "target_precision": target,
            }
        )
    return pd.DataFrame(records)
