"""Stress a scored year with a scenario: its revenue gaps come out of usable reserves, the
features built on reserves are rebuilt by the same builders, and the frozen model rescores.

The same mechanics for every scenario:
1. the gap (riskwatch.shocks, £ per council and year) at its worst running total is taken
   from the general fund balance (and so from the total of reserve levels), never from
   schools, DSG or public health reserves; borrowing a scenario repays leaves the council's
   debt stocks (borrowing, external debt, the capital financing requirement) from the
   latest year held on;
2. every feature of the as-of frame whose inputs include those lines (the registry says
   which) is built again by its own builder from the adjusted panel, for the councils the
   scenario hits;
3. a stressed council's peer standings (percentiles, robust z-scores) are measured against
   the unstressed values of its class and neighbours: stressing every council at once would
   otherwise leave its rank, and the shock, invisible;
4. the registered model scores the stressed frame as it is (no refit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.features import FEATURES
from riskwatch.features.frame import View, councils_of, neighbour_positions
from riskwatch.features.inputs import RS, nre, total_reserves, usable
from riskwatch.features.ops import ratio
from riskwatch.features.peers import PEER_FORMS, standing_against
from riskwatch.features.seen import read_year
from riskwatch.scoring import score
from riskwatch.scoring_context import WhatIfBase
from riskwatch.shocks import (
    Scenario,
    debt_repaid,
    debt_repayment_rates,
    revenue_gaps,
    worst_cumulative_gap,
)
from riskwatch.watchlist import BELOW_BANDS, Band, assign_band

# The panel line a gap is taken from: the general fund (unallocated) balance at 31 March,
# of the year the scored frame reads the revenue outturn at (the year before where the
# year's own RS is not yet held: 2023-24 for 2024-25).
GAP_LINES = ((RS, "reserves_unallocated_close"),)
# The stocks repaid borrowing leaves: gross borrowing, gross and net external debt and the
# capital financing requirement at 31 March (COR), and the borrowing positions (BI).
DEBT_LINES = (
    ("COR", "gross_borrowing_close"),
    ("COR", "gross_external_debt_close"),
    ("COR", "net_external_debt_close"),
    ("COR", "cfr_close"),
    ("BI", "borrowing_total"),
)
INTO_WATCHLIST, HIGHER_BAND = "into the watchlist", "into a higher band"


@dataclass(frozen=True)
class StressResult:
    """One scenario's outcome: a row per council, and the crossings counted by class."""

    scenario: Scenario
    table: pd.DataFrame
    crossings: pd.DataFrame
    frame: pd.DataFrame  # the stressed feature frame the model scored


def stressed_panel(
    prepared: pd.DataFrame,
    year: str,
    taken: pd.Series,
    debt_year: str | None = None,
    repaid: pd.Series | None = None,
) -> pd.DataFrame:
    """The prepared panel (values in £) with `taken` (£ by GSS code) subtracted from
    `GAP_LINES` of `year`, and `repaid` from `DEBT_LINES` of `debt_year` and every later
    year (a repayment lowers every later stock), every release of them."""
    lines = pd.Series(list(zip(prepared["source"], prepared["indicator"], strict=True)))
    years = prepared["financial_year"]
    value = prepared["value"].to_numpy(dtype=float).copy()
    changes = [(taken, GAP_LINES, (years == year).to_numpy())]
    if repaid is not None and debt_year is not None:
        later = np.append(years.cat.categories.to_numpy(dtype=object) >= debt_year, False)
        changes.append((repaid, DEBT_LINES, later[years.cat.codes.to_numpy()]))
    for amounts, changed, in_years in changes:
        hit = (
            in_years
            & lines.isin(changed).to_numpy()
            & prepared["gss_code"].isin(amounts.index[amounts != 0]).to_numpy()
        )
        value[hit] -= prepared.loc[hit, "gss_code"].astype(str).map(amounts).to_numpy(dtype=float)
    return prepared.assign(value=value)


def affected_features(columns: list[str], changed: tuple = GAP_LINES) -> list[str]:
    """The features of a frame built on a `changed` line (peer forms included, as a peer
    form reads its ratio's inputs), ratios before their peer forms."""
    hit = [
        name for name in columns if name in FEATURES and set(FEATURES[name].inputs) & set(changed)
    ]
    return sorted(hit, key=lambda name: name in PEER_FORMS)


def stressed_frame(
    frame: pd.DataFrame,
    prepared: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    seen_by: str | None,
    taken: pd.Series,
    repaid: pd.Series | None = None,
) -> pd.DataFrame:
    """The as-of frame with the features built on reserves rebuilt for the councils losing
    `taken` (£ by GSS code), and those built on debt for the councils whose borrowing is
    `repaid`, peer standings against the unstressed frame; other councils' rows are the
    frame's own."""
    as_of = str(frame["as_of"].iloc[0])
    repaid = pd.Series(dtype=float) if repaid is None else repaid
    amounts = frame["gss_code"].map(taken).fillna(0.0) + frame["gss_code"].map(repaid).fillna(0.0)
    hit = amounts.to_numpy() != 0
    out = frame.copy()
    if not hit.any():
        return out
    classes = councils_of(tables["authority_years"], as_of)
    panel = stressed_panel(
        prepared,
        read_year(prepared, as_of, RS, seen_by),
        taken,
        read_year(prepared, as_of, "COR", seen_by),
        repaid,
    )
    view = View.as_of(panel, classes, as_of, tables.get("neighbours"), seen_by)
    pairs = neighbour_positions(pd.Index(frame["gss_code"]), tables.get("neighbours"))
    councils = np.flatnonzero(hit)
    changed = GAP_LINES + (DEBT_LINES if (repaid != 0).any() else ())
    for name in affected_features(list(frame.columns), changed):
        if name not in PEER_FORMS:
            out.loc[hit, name] = view.feature(name).loc[frame["gss_code"][hit]].to_numpy()
            continue
        form = PEER_FORMS[name]
        reference = frame[form[0]].astype(float)
        out.loc[hit, name] = [
            standing_against(i, float(out[form[0]].iloc[i]), reference, frame["class"], pairs, form)
            for i in councils
        ]
    return out


def reserves_now(view: View) -> tuple[pd.Series, pd.Series]:
    """The reserves a gap is held against, £, and which measure: usable reserves where the
    year has them, else the total of reserve levels (net of the schools deficit)."""
    held = usable(view)
    measure = pd.Series(
        np.where(held.notna(), "usable reserves", "total reserves less the schools deficit"),
        index=view.index,
    )
    return held.where(held.notna(), total_reserves(view)), measure


def headroom(reserves: pd.Series, spending: pd.Series, worst: pd.Series, line: float):
    """The smallest multiple of the shock that takes reserves below `line` % of spending
    (0 where they are below it already; NaN where the scenario takes nothing)."""
    spare = reserves - spending * line / 100.0
    multiple = (spare / worst.where(worst > 0)).clip(lower=0.0)
    return multiple.where(spare > 0, 0.0).where(worst > 0)


def band_order(bands: list[Band]) -> dict[str, int]:
    """Each band's height: 0 below every band, then the lowest band 1 and up."""
    return {BELOW_BANDS: 0} | {b.name: len(bands) - i for i, b in enumerate(bands)}


def stress(scenario: Scenario, base: WhatIfBase, reserve_lines: list[float]) -> StressResult:
    """A row per council of the as-of frame: its gap, reserves now and at their low point
    as % of net revenue spending against each line, headroom, and its probability and band
    before and under stress, with the crossing it makes."""
    as_of = str(base.frame["as_of"].iloc[0])
    classes = councils_of(base.tables["authority_years"], as_of)
    view = View.as_of(base.prepared, classes, as_of, base.tables.get("neighbours"), base.seen_by)
    gaps = revenue_gaps(view, scenario)
    worst = worst_cumulative_gap(gaps)
    reserves, measure = reserves_now(view)
    spending = nre(view)
    taken = worst.where(reserves.notna(), 0.0)
    repaid = debt_repaid(view, scenario)
    stressed = stressed_frame(base.frame, base.prepared, base.tables, base.seen_by, taken, repaid)
    before = score(base.model, base.frame, base.tables["events"]).set_index("gss_code")[
        "probability"
    ]
    after = score(base.model, stressed, base.tables["events"]).set_index("gss_code")["probability"]
    table = pd.DataFrame(
        {
            "scenario": scenario.name,
            "name": classes.index.map(base.tables["authorities"].set_index("gss_code")["name"]),
            "class": classes,
            "gap": gaps.sum(axis=1),
            "worst_gap": worst,
            "reserves_measure": measure,
            "reserves_pct_nre": ratio(reserves, spending),
            "low_point_pct_nre": ratio(reserves - taken, spending),
            "debt_repaid": repaid,
        }
    )
    if (repaid > 0).any():  # what the repaid borrowing cost, and the debt before and after
        rates = debt_repayment_rates(view).where(repaid > 0)
        table["interest_rate_pct"] = 100 * rates["interest_rate"]
        table["mrp_pct_cfr"] = 100 * rates["mrp_rate"]
        for name in ("borrowing_pct_nre", "cfr_pct_nre"):
            if name in base.frame.columns:
                table[name] = base.frame.set_index("gss_code")[name].where(repaid > 0)
                table[f"stressed_{name}"] = stressed.set_index("gss_code")[name].where(repaid > 0)
    for line in reserve_lines:
        table[f"below_{line:g}pct"] = table["low_point_pct_nre"] < line
        table[f"headroom_{line:g}pct"] = headroom(reserves, spending, worst, line)
    table = table.assign(
        probability=before.reindex(table.index),
        stressed_probability=after.reindex(table.index),
    )
    table["band"] = assign_band(table["probability"], base.bands)
    table["stressed_band"] = assign_band(table["stressed_probability"], base.bands)
    height = band_order(base.bands)
    was, now = table["band"].map(height), table["stressed_band"].map(height)
    table["crosses"] = np.where(
        (was == 0) & (now > 0), INTO_WATCHLIST, np.where(now > was, HIGHER_BAND, "")
    )
    table = table.rename_axis("gss_code").reset_index()
    table = table.sort_values(
        ["stressed_probability", "gss_code"], ascending=[False, True], kind="mergesort"
    )
    table.insert(0, "stressed_rank", np.arange(1, len(table) + 1))
    return StressResult(scenario, table.reset_index(drop=True), crossings_by_class(table), stressed)


def crossings_by_class(table: pd.DataFrame) -> pd.DataFrame:
    """Councils per class, and how many cross into the watchlist or into a higher band."""
    counts = pd.crosstab(table["class"], table["crosses"]).reindex(
        columns=[INTO_WATCHLIST, HIGHER_BAND], fill_value=0
    )
    counts.insert(0, "councils", table.groupby("class").size())
    counts.loc["all"] = counts.sum()
    return counts.rename_axis("class").reset_index()
