"""Named "what if" scenarios (configs/scenarios.toml, or a user's file) and the revenue gap
each one opens, in pounds per council and financial year.

A scenario is a set of shocks; each shock is read from the council's own published
figures as known on the as-of date (a point-in-time view of the panel, the one the
feature builders read): a share of net revenue spending, a rate rise on its short-term
borrowing, growth in its temporary accommodation spending, its schools deficit falling
on the general fund, or (a saving, a negative gap) the interest and debt provision no longer
due on borrowing government repays. The gap is what `riskwatch.stress` takes from usable
reserves; repaid borrowing also leaves the council's debt (`debt_repaid`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.errors import RiskwatchError
from riskwatch.features.frame import View
from riskwatch.features.housing import RO4_TA_NET
from riskwatch.features.inputs import RS, nre, schools_deficit
from riskwatch.features.ops import latest, slope
from riskwatch.settings import SHOCKS, config_file, plain, read_config
from riskwatch.years import financial_year_starting

SHIPPED = "configs/scenarios.toml"
SHORT_TERM_LINES = ("borrowing_short_term", "borrowing_other_local_authorities")
DEFICIT_YEARS = 5  # year-ends of schools deficit the trend looks back over
INTEREST_PAID = (RS, "interest_payable")  # outturn, RS line 781
BORROWING_HELD = ("COR", "gross_borrowing_close")  # gross borrowing at 31 March
INTEREST_YEARS = 4  # how far back the latest outturn interest is looked for


@dataclass(frozen=True)
class Scenario:
    """A named scenario: its definition as written (with what it includes, resolved), and
    a hash of that definition, logged with every run that used it."""

    name: str
    definition: dict
    shocks: tuple[tuple[str, dict], ...]  # (kind, parameters), included scenarios' too

    @property
    def digest(self) -> str:
        text = json.dumps(self.definition, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def title(self) -> str:
        return str(self.definition["title"])


def load_scenarios(user_file: Path | None = None) -> dict[str, Scenario]:
    """The shipped scenarios, and a user's file on top (its names win); an include that
    names no scenario, or that includes itself, is one line naming the key."""
    definitions = {
        name: (SHIPPED, d) for name, d in plain(config_file("scenarios.toml"))["scenarios"].items()
    }
    if user_file is not None:
        own = plain(read_config(user_file, "scenarios.toml"))["scenarios"]
        definitions |= {name: (str(user_file), d) for name, d in own.items()}
    return {name: _resolve(name, definitions, ()) for name in definitions}


def _resolve(name: str, definitions: Mapping, chain: tuple[str, ...]) -> Scenario:
    file, definition = definitions[name]
    shocks = [(kind, definition[kind]) for kind in SHOCKS.fields if kind in definition]
    included = {}
    for position, other in enumerate(definition.get("includes", [])):
        key = f"scenarios.{name}.includes[{position}]"
        if other not in definitions:
            raise RiskwatchError(
                f"includes '{other}', which no scenario is named", file=file, field=key
            )
        if other in (*chain, name):
            raise RiskwatchError(f"'{other}' includes itself", file=file, field=key)
        inner = _resolve(other, definitions, (*chain, name))
        shocks.extend(inner.shocks)
        included[other] = inner.definition
    if not shocks:
        raise RiskwatchError(
            f"has no shock ({', '.join(SHOCKS.fields)}) and includes nothing",
            file=file,
            field=f"scenarios.{name}",
        )
    return Scenario(name, definition | ({"included": included} if included else {}), tuple(shocks))


def pick(scenarios: dict[str, Scenario], names: list[str]) -> list[Scenario]:
    """The scenarios named, in order; an unknown name is one line listing the known ones."""
    unknown = [name for name in names if name not in scenarios]
    if unknown:
        raise RiskwatchError(
            f"no scenario '{unknown[0]}' (known: {', '.join(scenarios)})", field="SCENARIO"
        )
    return [scenarios[name] for name in names]


def years_from(first: str, count: int) -> list[str]:
    start = int(first[:4])
    return [financial_year_starting(start + k) for k in range(count)]


def spending_gap(view: View, shock: dict) -> pd.DataFrame:
    """A share of net revenue spending, each year for `years`."""
    gap = nre(view) * shock["percent"] / 100.0
    return pd.DataFrame({year: gap for year in years_from(shock["first_year"], shock["years"])})


def borrowing_rate_gap(view: View, shock: dict) -> pd.DataFrame:
    """`points` more interest on the larger of the latest short-term and inter-council
    borrowing positions (loans from other councils are mostly short-term; the positions do
    not say how far they overlap, so they are not added)."""
    positions = pd.concat([view.position(line)[0] for line in SHORT_TERM_LINES], axis=1)
    gap = positions.max(axis=1) * shock["points"] / 100.0
    return pd.DataFrame({year: gap for year in years_from(shock["first_year"], shock["years"])})


def temporary_accommodation_gap(view: View, shock: dict) -> pd.DataFrame:
    """Net RO4 spending on temporary accommodation (nightly paid, hostels, bed and
    breakfast) growing by `growth_percent` over `years`, compounding: each year's growth
    over today's spending is the gap."""
    spend = sum(view.get(*line) for line in RO4_TA_NET)
    years = years_from(shock["first_year"], shock["years"])
    factor = 1.0 + shock["growth_percent"] / 100.0
    return pd.DataFrame(
        {year: spend * (factor ** ((k + 1) / len(years)) - 1.0) for k, year in enumerate(years)}
    )


def projected_schools_deficit(view: View, year: str) -> pd.Series:
    """Each council's schools deficit at the end of `year`, projected along the straight
    line through its last published year-ends (held where fewer than three), never below 0."""
    history = pd.concat(
        [schools_deficit(view, lag) for lag in reversed(range(DEFICIT_YEARS))], axis=1
    )
    value, lag = latest(history, DEFICIT_YEARS)
    trend = slope(history).fillna(0.0)
    ahead = int(year[:4]) - int(view.year[:4]) + lag
    return (value + trend * ahead).clip(lower=0.0)


def schools_override_gap(view: View, shock: dict) -> pd.DataFrame:
    """In the year after the override ends: the share of the deficit settled by
    `settled_year` that government does not meet, plus what accrues after it."""
    settled = projected_schools_deficit(view, shock["settled_year"])
    final = projected_schools_deficit(view, shock["last_override_year"])
    gap = (1.0 - shock["government_share"]) * settled + (final - settled).clip(lower=0.0)
    first = years_from(shock["last_override_year"], 2)[1]
    return pd.DataFrame({first: gap})


def latest_rate(paid: pd.DataFrame, owed: pd.DataFrame) -> pd.Series:
    """The newest of `paid` over `owed` (councils × years) among the last INTEREST_YEARS
    years where both are held and `owed` is positive, per £."""
    owed = owed.reindex(columns=paid.columns)
    return latest((paid / owed).where(owed > 0), INTEREST_YEARS)[0]


def debt_repayment_rates(view: View) -> pd.DataFrame:
    """What £1 of borrowing costs a council a year, per £, from its own published figures:
    its average interest rate (outturn interest payable, RS, over the year's mean gross
    borrowing, COR, 31 March of the year and of the year before) and its debt provision
    (MRP, RS or else COR, over the capital financing requirement at 1 April, COR); each the
    latest year held, NaN where none is."""
    held = view.history(*BORROWING_HELD)
    cfr = view.history("COR", "cfr_close")
    provision = view.history("COR", "mrp")
    from_rs = view.history(RS, "mrp").reindex(columns=provision.columns)
    return pd.DataFrame(
        {
            "interest_rate": latest_rate(
                view.history(*INTEREST_PAID), (held + held.shift(1, axis=1)) / 2
            ),
            "mrp_rate": latest_rate(
                from_rs.where(from_rs.notna(), provision), cfr.shift(1, axis=1)
            ),
        }
    )


def debt_repayment_gap(view: View, shock: dict) -> pd.DataFrame:
    """A saving (a negative gap) for `council`, each year for `years`: the `amount` of
    borrowing repaid times its own average interest rate, plus the debt provision no longer
    due on it where the panel gives one; nothing where it gives no interest rate."""
    rates = debt_repayment_rates(view)
    saving = shock["amount"] * (rates["interest_rate"] + rates["mrp_rate"].fillna(0.0))
    gap = -saving.where(view.index == shock["council"], 0.0)
    return pd.DataFrame({year: gap for year in years_from(shock["first_year"], shock["years"])})


def debt_repaid(view: View, scenario: Scenario) -> pd.Series:
    """Borrowing the scenario repays, £ by council (0 for most)."""
    repaid = pd.Series(0.0, index=view.index)
    for kind, shock in scenario.shocks:
        if kind == "debt_repayment" and shock["council"] in repaid.index:
            repaid[shock["council"]] += shock["amount"]
    return repaid


GAPS = {
    "spending": spending_gap,
    "borrowing_rate": borrowing_rate_gap,
    "temporary_accommodation": temporary_accommodation_gap,
    "schools_override_end": schools_override_gap,
    "debt_repayment": debt_repayment_gap,
}


def revenue_gaps(view: View, scenario: Scenario) -> pd.DataFrame:
    """The scenario's extra revenue gap, £, councils × financial years (oldest first): its
    shocks added up; a council without the figure a shock reads takes no gap from it."""
    parts = [GAPS[kind](view, shock).fillna(0.0) for kind, shock in scenario.shocks]
    total = pd.concat(parts, axis=1).T.groupby(level=0).sum().T
    return total.reindex(columns=sorted(total.columns)).reindex(view.index).fillna(0.0)


def worst_cumulative_gap(gaps: pd.DataFrame) -> pd.Series:
    """The largest running total of the gaps over the years (0 where it never exceeds 0):
    how far reserves fall at their low point."""
    running = gaps.cumsum(axis=1).to_numpy(dtype=float)
    worst = np.nanmax(np.concatenate([np.zeros((len(gaps), 1)), running], axis=1), axis=1)
    return pd.Series(worst, index=gaps.index)
