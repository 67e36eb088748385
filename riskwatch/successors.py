"""The successor view: councils announced but not yet formed, each scored by the frozen model
from its predecessors' combined figures and shown beside them (what the new council inherits).

1. Each predecessor's figures as known on the review date (`visible`) pass to its successor
   whole, or, for a predecessor shared between successors (a county split in two), in
   proportion to each successor's part of the share basis: the council tax base of the
   districts it takes whole, the base the county's precept is levied on.
2. Amounts (pounds; counts of households or children) are summed; a rate, score or grade is
   the average of the predecessors reporting it, weighted by the same shares; a flag keeps
   the worst, and so does a return's state (one predecessor's missing return is the
   successor's).
3. Every feature is built by its own builder from the combined figures, as for any council;
   a peer standing is the successor's value among the scored year's unitary councils (it has
   no nearest neighbours yet), and a flag feature keeps the worst of its predecessors'.
4. The registered model scores successors and predecessors alike (no refit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.data.authorities import load_reorganisation_config
from riskwatch.data.check.definition_breaks import configured
from riskwatch.data.schema import TO_POUNDS
from riskwatch.errors import RiskwatchError
from riskwatch.features import FEATURES
from riskwatch.features.frame import View, neighbour_positions
from riskwatch.features.inputs import nre
from riskwatch.features.peers import PEER_FORMS, standing_against
from riskwatch.features.seen import KEY, visible
from riskwatch.scoring import score
from riskwatch.scoring_context import WhatIfBase
from riskwatch.stress import reserves_now
from riskwatch.watchlist import assign_band

REORGANISATIONS_FILE = "configs/reorganisations.toml"
SUCCESSOR_CLASS = "UA"  # every announced successor is a unitary council
AMOUNT_UNITS = frozenset(TO_POUNDS) | {"count", "households", "children", "thousand_households"}
FLAG_UNIT = "flag"
DATES = ("period_end", "published")
# The features shown beside each council (where the frame has them), with the model's score.
SHOWN = (
    "usable_reserves_pct_nre",
    "total_reserves_pct_nre",
    "financing_cost_pct_nre",
    "borrowing_pct_nre",
    "schools_deficit_pct_nre",
    "missing_return_latest",
)


@dataclass(frozen=True)
class Announced:
    """An announced reorganisation: the new council, when, on whose decision, and from what."""

    name: str
    first_year: str
    decided: str
    source: str
    predecessors: tuple[str, ...]  # GSS codes passing whole
    shared: tuple[str, ...]  # GSS codes shared with other successors
    share_basis: tuple[str, str] | None  # (source, indicator) of the panel


@dataclass(frozen=True)
class SuccessorView:
    """A row per successor and per predecessor (grouped by successor), and the shares each
    successor takes of a shared predecessor, with their basis and year."""

    table: pd.DataFrame
    shares: pd.DataFrame


def announced_reorganisations(authorities: pd.DataFrame) -> list[Announced]:
    """`[[announced]]` of configs/reorganisations.toml, E-codes read as GSS codes."""
    gss = authorities.drop_duplicates("ecode").set_index("ecode")["gss_code"]
    plans = []
    for i, entry in enumerate(load_reorganisation_config().get("announced", [])):
        codes = {}
        for key in ("predecessors", "shared"):
            for j, ecode in enumerate(entry.get(key, [])):
                if ecode not in gss.index:
                    raise RiskwatchError(
                        "no council has this E-code",
                        file=REORGANISATIONS_FILE,
                        field=f"announced[{i}].{key}[{j}]",
                    )
            codes[key] = tuple(gss[ecode] for ecode in entry.get(key, []))
        if codes["shared"] and "share_basis" not in entry:
            raise RiskwatchError(
                "a shared predecessor needs a share_basis",
                file=REORGANISATIONS_FILE,
                field=f"announced[{i}].share_basis",
            )
        basis = entry.get("share_basis")
        plans.append(
            Announced(
                entry["name"],
                entry["first_year"],
                entry["decided"],
                entry["source"],
                codes["predecessors"],
                codes["shared"],
                tuple(basis.split(".", 1)) if basis else None,
            )
        )
    return plans


def successor_shares(plans: list[Announced], rows: pd.DataFrame) -> pd.DataFrame:
    """The share of each predecessor's figures each successor takes (columns successor,
    gss_code, share, basis, year): 1 for one taken whole; for a shared one, the successor's
    part of the basis summed over the predecessors it takes whole, in the latest year the
    basis is held for every one of them (no row where no year holds it)."""
    whole = [(p.name, code, 1.0, "whole", "") for p in plans for code in p.predecessors]
    parts = []
    for shared in sorted({code for p in plans for code in p.shared}):
        sharing = [p for p in plans if shared in p.shared]
        source, indicator = sharing[0].share_basis
        districts = [code for p in sharing for code in p.predecessors]
        basis = (
            rows[
                (rows["source"] == source).to_numpy()
                & (rows["indicator"] == indicator).to_numpy()
                & rows["gss_code"].isin(districts).to_numpy()
            ]
            .pivot_table("value", "gss_code", "financial_year", observed=True)
            .reindex(districts)
        )
        complete = [year for year in basis.columns if basis[year].notna().all()]
        if not complete:
            continue
        year = max(complete)
        total = basis[year].sum()
        parts += [
            (
                p.name,
                shared,
                float(basis.loc[list(p.predecessors), year].sum() / total),
                f"{source} {indicator}",
                str(year),
            )
            for p in sharing
        ]
    return pd.DataFrame(whole + parts, columns=["successor", "gss_code", "share", "basis", "year"])


def unit_kinds(panel: pd.DataFrame) -> pd.Series:
    """How each panel line combines, by (source, indicator): 'amount' (every unit it is
    printed in sums), 'flag', or 'rate' (anything else: averaged)."""
    units = panel.groupby(["source", "indicator"], observed=True)["unit"].agg(
        lambda u: frozenset(u.astype(str))
    )
    return units.map(
        lambda u: "amount" if u <= AMOUNT_UNITS else "flag" if u == {FLAG_UNIT} else "rate"
    )


def combined_rows(rows: pd.DataFrame, shares: pd.DataFrame, kinds: pd.Series) -> pd.DataFrame:
    """Each successor's panel rows from its predecessors' `visible` rows: amounts summed at
    their shares, rates averaged with the shares as weights, flags and states the worst;
    dated at the earliest period end and the latest publication of the parts."""
    parts = rows.assign(gss_code=rows["gss_code"].astype(str)).merge(
        shares[["successor", "gss_code", "share"]], on="gss_code"
    )
    kind = pd.MultiIndex.from_frame(parts[["source", "indicator"]].astype(str)).map(kinds)
    reported = parts["value"].notna()
    parts = parts.assign(
        weighted=parts["value"] * parts["share"],
        weight=parts["share"].where(reported),
        kind=np.asarray(kind),
        **{c: parts[c].astype("string") for c in DATES},
    )
    keys = ["successor", *KEY[1:]]
    grouped = parts.groupby(keys, observed=True)
    out = grouped.agg(
        total=("weighted", lambda v: v.sum(min_count=1)),
        weight=("weight", "sum"),
        worst=("value", "max"),
        state=("state", "min"),
        kind=("kind", "first"),
        period_end=("period_end", "min"),
        published=("published", "max"),
    ).reset_index()
    value = np.select(
        [out["kind"] == "amount", out["kind"] == FLAG_UNIT],
        [out["total"], out["worst"]],
        out["total"] / out["weight"].where(out["weight"] > 0),
    )
    out = out.assign(value=value).rename(columns={"successor": "gss_code"})
    return out[[*KEY, "value", "state", *DATES]]


def as_prepared(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the prepared panel's shape (keys and dates as categories, sorting as ISO)."""
    text = {c: rows[c].astype(object).where(rows[c].notna()) for c in (*KEY, *DATES)}
    categories = {c: pd.Series(v, dtype=object).astype("category") for c, v in text.items()}
    return pd.DataFrame(
        {
            **categories,
            "value": rows["value"].to_numpy(float),
            "state": rows["state"].to_numpy(float),
        }
    )


def scorable_plans(
    base: WhatIfBase,
) -> tuple[list[Announced], list[str], pd.DataFrame, pd.DataFrame]:
    """The announced successors that can be scored in the frame's year (their predecessors
    all scored, the shared ones with a share basis held by then); the predecessors of those
    all scored, and their panel rows visible by then; each successor's predecessors with
    their shares."""
    as_of = str(base.frame["as_of"].iloc[0])
    scored = set(base.frame["gss_code"])
    plans = [
        p
        for p in announced_reorganisations(base.tables["authorities"])
        if scored.issuperset(p.predecessors + p.shared)
    ]
    if not plans:
        return [], [], pd.DataFrame(), pd.DataFrame()
    predecessors = sorted({c for p in plans for c in (*p.predecessors, *p.shared)})
    rows = visible(
        base.prepared[base.prepared["gss_code"].isin(predecessors).to_numpy()], as_of, base.seen_by
    )
    shares = successor_shares(plans, rows)
    split = set(zip(shares["successor"], shares["gss_code"], strict=True))
    plans = [p for p in plans if all((p.name, code) in split for code in p.shared)]
    return plans, predecessors, rows, shares[shares["successor"].isin([p.name for p in plans])]


def members(plan: Announced, shares: pd.DataFrame) -> list[tuple[str, str, float]]:
    """A successor's rows of the view: itself (whole), then each predecessor with its share,
    as (code or successor name, role, share)."""
    own = shares[shares["successor"] == plan.name][["gss_code", "share"]]
    return [(plan.name, "successor", 1.0)] + [
        (code, "predecessor", share) for code, share in own.itertuples(index=False)
    ]


def successor_view(base: WhatIfBase) -> SuccessorView:
    """Every announced successor scored from its predecessors' combined figures, beside them
    (those `scorable_plans` gives; none, an empty view)."""
    plans, predecessors, rows, shares = scorable_plans(base)
    if not plans:
        return SuccessorView(pd.DataFrame(), pd.DataFrame())
    as_of = str(base.frame["as_of"].iloc[0])
    own = rows.assign(gss_code=rows["gss_code"].astype(str))[[*KEY, "value", "state", *DATES]]
    joined = pd.concat([own, combined_rows(rows, shares, unit_kinds(base.tables["panel"]))])
    names = [p.name for p in plans]
    by_code = base.frame.set_index("gss_code")
    classes = pd.concat(
        [by_code.loc[predecessors, "class"], pd.Series(SUCCESSOR_CLASS, index=names)]
    ).rename("class")
    view = View.as_of(
        as_prepared(joined), classes, as_of, None, base.seen_by, configured("declared")
    )
    new = successor_frame(base.frame, view, shares, names)
    scored = score(
        base.model,
        pd.concat([base.frame[base.frame["gss_code"].isin(predecessors)], new]),
        base.tables["events"],
    ).set_index("gss_code")
    features = pd.concat([by_code, new.set_index("gss_code")])
    reserves, measure = reserves_now(view)
    spending = nre(view)
    council_names = (
        base.tables["authorities"].drop_duplicates("gss_code").set_index("gss_code")["name"]
    )
    table = pd.DataFrame(
        [
            {
                "successor": plan.name,
                "role": role,
                "gss_code": code if role == "predecessor" else "",
                "name": council_names.get(code, code),
                "class": classes[code],
                "share": share,
                "net_revenue_expenditure": spending[code] * share,
                "reserves": reserves[code] * share,
                "reserves_measure": measure[code],
                "probability": scored.at[code, "probability"],
                **{f: features.at[code, f] for f in SHOWN if f in base.frame.columns},
            }
            for plan in plans
            for code, role, share in members(plan, shares)
        ]
    )
    table.insert(
        table.columns.get_loc("probability") + 1,
        "band",
        assign_band(table["probability"], base.bands),
    )
    shared = shares[shares["basis"] != "whole"].reset_index(drop=True)
    shared.insert(2, "name", shared["gss_code"].map(council_names))
    return SuccessorView(table, shared)


def successor_frame(
    frame: pd.DataFrame, view: View, shares: pd.DataFrame, names: list[str]
) -> pd.DataFrame:
    """The successors' rows of the feature frame: each feature built from the combined
    figures, peer standings among the frame's councils of the successor's class, flags the
    worst of the predecessors'."""
    values = {"gss_code": names, "as_of": frame["as_of"].iloc[0], "class": SUCCESSOR_CLASS}
    features = [c for c in frame.columns if c in FEATURES]
    for name in features:
        if name not in PEER_FORMS:
            values[name] = view.feature(name).reindex(names).to_numpy()
    built = pd.DataFrame(values)
    extended = pd.concat([frame, built], ignore_index=True)
    pairs = neighbour_positions(pd.Index(extended["gss_code"]), None)
    first = len(frame)
    for name in features:
        if name in PEER_FORMS:
            form = PEER_FORMS[name]
            reference = extended[form[0]].astype(float).where(extended.index < first)
            values[name] = [
                standing_against(
                    first + i,
                    float(built[form[0]].iloc[i]),
                    reference,
                    extended["class"],
                    pairs,
                    form,
                )
                for i in range(len(names))
            ]
    by_code = frame.set_index("gss_code")
    for name in features:
        if FEATURES[name].unit == FLAG_UNIT:
            values[name] = [
                by_code.loc[shares.loc[shares["successor"] == s, "gss_code"], name].max()
                for s in names
            ]
    return pd.DataFrame(values)[[c for c in frame.columns if c in values]]
