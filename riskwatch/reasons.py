"""Reasons a reviewer can act on: the contributions of every form of one indicator, summed.

A model sees an indicator in several forms (its level, its percentile and robust z-score
in its class and among its nearest neighbours, its change and trend). A reason is the
base indicator the registry names for those forms, carrying their summed contribution,
tagged with the mechanism the registry declares, and worded in the base's own unit with
its standing in its class and its change, e.g. "[debt and financing] Interest payable, %
of net revenue spending: 7.4%, highest 3% of unitary councils, up 2.1 points in 3 years".
Percentiles and z-scores are never printed as values of their own: the base's level and
its standing say the same thing in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskwatch.tracking import CONTRIB_PREFIX as CONTRIB
from riskwatch.units import change_words, format_value

# The class of a council as a reviewer names its peers.
CLASS_WORDS = {
    "UA": "unitary councils",
    "SC": "county councils",
    "SD": "district councils",
    "MD": "metropolitan districts",
    "L": "London boroughs",
}
MIN_PEERS = 5  # fewer values in a class than this: no standing is given
EXTREME_SHARE = 25  # within this share of either end a standing is a share; else a side
# An input no council has this year (a source that stops, e.g. capital outturn after
# 2018-19) moves every score alike: it says nothing about one council, so it is no reason.
MIN_COVERAGE = 0.1
PAST_FAILURE_LABEL = "A failure of its own is already on record"


def contribution_features(
    scored: pd.DataFrame, frame: pd.DataFrame, every: bool = False
) -> list[str]:
    """The scored features a reason can name (in the frame, published for enough councils),
    or with `every` all the model's inputs, as an explanation lists them."""
    features = [c.removeprefix(CONTRIB) for c in scored.columns if c.startswith(CONTRIB)]
    features = [f for f in features if f != "baseline"]
    if every:
        return features
    return [f for f in features if f in frame.columns and frame[f].notna().mean() >= MIN_COVERAGE]


def base_indicators(features: list[str], catalogue: pd.DataFrame) -> pd.Series:
    """Each feature's base indicator from the catalogue (itself where the catalogue has none)."""
    described = catalogue.set_index("name")
    bases = described["base"] if "base" in described else pd.Series(dtype=object)
    return pd.Series([bases.get(f, f) for f in features], index=features, dtype=object)


def group_contributions(scored: pd.DataFrame, bases: pd.Series) -> pd.DataFrame:
    """Contributions summed per base indicator: one row per council (by GSS code), one column
    per base, in `bases` order of first appearance."""
    matrix = scored[[CONTRIB + f for f in bases.index]].to_numpy(dtype=float)
    order = list(dict.fromkeys(bases))
    position = pd.Index(order).get_indexer(bases.to_numpy())
    summed = np.zeros((len(scored), len(order)))
    np.add.at(summed.T, position, matrix.T)
    return pd.DataFrame(summed, index=scored["gss_code"].to_numpy(), columns=order)


def class_standing(value: float, peers: pd.Series, council_class: str) -> str:
    """Where a value stands among the councils of its class: 'the highest of 62 unitary
    councils', 'lowest 4% of county councils', 'above the median of district councils';
    '' without a value or with fewer than `MIN_PEERS` values in the class."""
    known = peers.dropna().to_numpy(dtype=float)
    if pd.isna(value) or len(known) < MIN_PEERS:
        return ""
    words = CLASS_WORDS.get(council_class, f"{council_class} councils")
    higher, lower = int((known > value).sum()), int((known < value).sum())
    side, beyond = ("highest", higher) if higher < lower else ("lowest", lower)
    if higher == lower:
        return f"at the median of {words}"
    if beyond == 0:
        return f"the {side} of {len(known)} {words}"
    share = math.ceil(100 * (beyond + 1) / len(known))
    if share <= EXTREME_SHARE:
        return f"{side} {share}% of {words}"
    return f"{'above' if side == 'highest' else 'below'} the median of {words}"


def peer_percentiles(frame: pd.DataFrame, features: list[str], neighbours: pd.DataFrame | None):
    """Each council's percentile (0-100) for every feature, within class and within its neighbours."""
    by_class = frame.groupby("class")[features].rank(pct=True) * 100
    by_class.index = frame["gss_code"]
    if neighbours is None or neighbours.empty:
        return by_class, None
    values = frame.set_index("gss_code")[features]
    matrix = values.to_numpy(dtype=float)
    position = {gss: i for i, gss in enumerate(values.index)}
    percentiles = np.full(matrix.shape, np.nan)
    for gss, peers in neighbours.groupby("gss_code")["neighbour_gss"]:
        if gss not in position:
            continue
        group = matrix[[position[gss], *(position[p] for p in peers if p in position)]]
        percentiles[position[gss]] = _percentile_of_first(group)
    by_neighbours = pd.DataFrame(percentiles, index=values.index, columns=features)
    return by_class, by_neighbours


def _percentile_of_first(group: np.ndarray) -> np.ndarray:
    """Per column, the first row's percentile rank among the group's values (NaN ignored,
    ties averaged): pandas' ``rank(pct=True) * 100`` of that row, without building frames."""
    own = group[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        rank = (group < own).sum(axis=0) + ((group == own).sum(axis=0) + 1) / 2
        percentile = rank / (~np.isnan(group)).sum(axis=0) * 100
    return np.where(np.isnan(own), np.nan, percentile)


def indicator_groups(
    scored: pd.DataFrame,
    frame: pd.DataFrame,
    history: dict[str, pd.DataFrame],
    as_of: str,
    catalogue: pd.DataFrame,
    neighbours: pd.DataFrame | None,
    every: bool = False,
) -> pd.DataFrame:
    """Every base indicator of every scored council: summed contribution, mechanism, the
    base's value, class standing, percentiles and 1- and 3-year change, and its forms'
    contributions; largest contribution first within a council (ties by base name).
    `every`: from all the model's inputs, not only those a reason may name."""
    from riskwatch.labels import shift_year

    features = contribution_features(scored, frame, every)
    bases = base_indicators(features, catalogue)
    summed = group_contributions(scored, bases)
    base_names = [b for b in summed.columns if b in frame.columns]
    by_class, by_neighbours = peer_percentiles(frame, base_names, neighbours)
    values = frame.set_index("gss_code")
    past = {
        k: history[year].set_index("gss_code")
        for k in (1, 3)
        if (year := shift_year(as_of, -k)) in history
    }
    described = catalogue.set_index("name")
    per_feature = scored.set_index("gss_code")
    records = []
    for gss, row in summed.iterrows():
        council_class = values.at[gss, "class"] if gss in values.index else ""
        peers = frame[frame["class"] == council_class]
        for base, contribution in (
            row.sort_index().sort_values(ascending=False, kind="mergesort").items()
        ):
            known = base in base_names and gss in values.index
            value = float(values.at[gss, base]) if known else np.nan
            forms = per_feature.loc[gss, [CONTRIB + f for f in bases.index[bases == base]]]
            records.append(
                {
                    "gss_code": gss,
                    "base": base,
                    "mechanism": _described(described, base, "mechanism", ""),
                    "indicator": _label(described, base),
                    "unit": _described(described, base, "unit", ""),
                    "value": value,
                    "class_standing": class_standing(value, peers[base], council_class)
                    if known
                    else "",
                    "class_percentile": by_class.at[gss, base] if known else np.nan,
                    "neighbour_percentile": (
                        by_neighbours.at[gss, base]
                        if known and by_neighbours is not None
                        else np.nan
                    ),
                    "change_1y": _change(value, past.get(1), gss, base),
                    "change_3y": _change(value, past.get(3), gss, base),
                    "contribution": float(contribution),
                    "forms": _forms(forms),
                }
            )
    return pd.DataFrame(records)


def reasons(
    scored: pd.DataFrame,
    frame: pd.DataFrame,
    history: dict[str, pd.DataFrame],
    as_of: str,
    catalogue: pd.DataFrame,
    neighbours: pd.DataFrame | None,
    count: int,
) -> pd.DataFrame:
    """Up to `count` reasons per council: the base indicators whose forms together push its
    score up most (only positive sums: a reason is something that raises the risk)."""
    groups = indicator_groups(scored, frame, history, as_of, catalogue, neighbours)
    if groups.empty:
        return groups.assign(reason=pd.Series(dtype=int))
    rising = groups[groups["contribution"] > 0]
    top = rising.groupby("gss_code", sort=False).head(count).copy()
    top.insert(1, "reason", top.groupby("gss_code").cumcount() + 1)
    return top.reset_index(drop=True)


def reason_text(reason: Mapping) -> str:
    """One reason (a row of `indicator_groups`, as a Series or a dict) as a reviewer reads it:
    mechanism, indicator and value, standing, change."""
    unit = reason.get("unit", "")
    parts = [f"{reason['indicator']}: {format_value(reason['value'], unit)}"]
    if reason.get("class_standing"):
        parts.append(reason["class_standing"])
    for key, years in (("change_3y", 3), ("change_1y", 1)):
        words = change_words(reason.get(key, np.nan), unit, years)
        if words:
            parts.append(words)
            break
    mechanism = reason.get("mechanism", "")
    return (f"[{mechanism}] " if mechanism else "") + ", ".join(parts)


def _described(described: pd.DataFrame, name: str, column: str, default: str) -> str:
    if column not in described.columns or name not in described.index:
        return default
    return str(described.at[name, column])


def _label(described: pd.DataFrame, name: str) -> str:
    """The indicator in plain words: its catalogue label."""
    if name == "past_failure":
        return PAST_FAILURE_LABEL
    return _described(described, name, "label", name.replace("_", " "))


def _change(value: float, past: pd.DataFrame | None, gss: str, base: str) -> float:
    if past is None or gss not in past.index or base not in past.columns:
        return np.nan
    with np.errstate(invalid="ignore"):  # unbounded then and now: no change to say
        return float(value - past.at[gss, base])


def _forms(contributions: pd.Series) -> str:
    """The forms behind a reason with their contributions, largest effect first."""
    shown = contributions[contributions.abs() >= 0.005]
    ordered = shown.reindex(shown.abs().sort_values(ascending=False, kind="mergesort").index)
    return ", ".join(f"{name.removeprefix(CONTRIB)} {c:+.2f}" for name, c in ordered.items())
