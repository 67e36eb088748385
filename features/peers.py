"""Peer-relative values: where a council's ratio sits among its class and its nearest neighbours.

For each key ratio, a percentile (0 lowest .. 100 highest, against the peers' values,
ties counted half) and a robust z-score ((value − median) / (1.4826 × MAD), the median
and median absolute deviation of the council and its peers; the Office for Local
Government's Data Explorer flags outliers by MADs from the median, and the 1.4826
factor puts them on the scale of a standard deviation). Peers are the councils of the
same class in the as-of year, or the council's nearest neighbours (Oflog's sets) that
filed for the year. NaN with fewer than `MIN_PEERS` peer values or a MAD of zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import debt, finance, reserves  # noqa: F401  (registers the ratios compared here)
from .frame import NeighbourSets, Pairs, View
from .registry import FEATURES, Feature, register

MIN_PEERS = 5
MAD_SCALE = 1.4826
PEER_RATIOS = (
    "usable_reserves_pct_nre",
    "unallocated_reserves_pct_nre",
    "earmarked_reserves_pct_nre",
    "usable_reserves_change_3y_pct",
    "reserves_draw_pct",
    "total_reserves_pct_nre",
    "total_reserves_change_1y_pct",
    "schools_deficit_pct_nre",
    "interest_payable_pct_nre",
    "financing_cost_pct_nre",
    "mrp_pct_nre",
    "investment_income_pct_nre",
    "cfr_pct_nre",
    "gross_external_debt_pct_nre",
    "net_debt_pct_nre",
    "borrowing_pct_nre",
    "short_term_borrowing_share",
    "la_borrowing_share",
    "council_tax_pct_nre",
    "grant_dependency_pct",
    "adult_social_care_share",
    "children_social_care_share",
)


def class_percentile(values: pd.Series, classes: pd.Series) -> pd.Series:
    """Percentile of each value against the other values of its class (`classes`: the
    class of each council, indexed as `values`)."""
    values_at, classes_at = _by_position(values, classes)
    grouped = values_at.groupby(classes_at)
    peers = grouped.transform("count") - 1
    rank = grouped.rank(method="average")
    percentile = (100.0 * (rank - 1) / peers).where(peers >= MIN_PEERS)
    return pd.Series(percentile.to_numpy(), index=values.index)


def class_robust_z(values: pd.Series, classes: pd.Series) -> pd.Series:
    """Robust z-score of each value within its class (the council included)."""
    values_at, classes_at = _by_position(values, classes)
    grouped = values_at.groupby(classes_at)
    median = grouped.transform("median")
    mad = (values_at - median).abs().groupby(classes_at).transform("median")
    peers = grouped.transform("count") - 1
    z = ((values_at - median) / (MAD_SCALE * mad.where(mad > 0))).where(peers >= MIN_PEERS)
    return pd.Series(z.to_numpy(), index=values.index)


def _by_position(values: pd.Series, classes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """`values` and `classes` labelled by position: pandas' `where` and arithmetic slice the
    index, and an index of GSS codes (Arrow text) is copied to objects each time (~10 ms at
    100k councils). Both must be indexed alike, as they are grouped by position."""
    if not classes.index.equals(values.index):  # the same index object: no comparison
        raise ValueError("values and classes should be indexed alike")
    return values.reset_index(drop=True), classes.reset_index(drop=True)


def neighbour_percentile(values: pd.Series, sets: NeighbourSets) -> pd.Series:
    """Percentile of each value against its nearest neighbours' values."""
    own = values.to_numpy(dtype=float)
    peer, mine = sets.table(own)[:, 1:], own[:, None]
    # a comparison with NaN is false: an unknown value is neither below nor tied
    total = (peer < mine).sum(axis=1) + 0.5 * (peer == mine).sum(axis=1)
    count = np.where(np.isnan(own), 0, (~np.isnan(peer)).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        percentile = np.where(count >= MIN_PEERS, 100.0 * total / count, np.nan)
    return pd.Series(percentile, index=values.index)


def neighbour_robust_z(values: pd.Series, sets: NeighbourSets) -> pd.Series:
    """Robust z-score of each value within the set of itself and its nearest neighbours."""
    own = values.to_numpy(dtype=float)
    members = sets.table(own)
    median = row_median(members)
    mad = row_median(np.abs(members - median[:, None]))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (own - median) / (MAD_SCALE * np.where(mad > 0, mad, np.nan))
    # neighbours with a value (whatever the council's own: where that is NaN, so is z)
    peers = members.shape[1] - 1 - np.isnan(members[:, 1:]).sum(axis=1)
    return pd.Series(np.where(peers >= MIN_PEERS, z, np.nan), index=values.index)


def row_median(table: np.ndarray) -> np.ndarray:
    """The median of each row's values, NaN ignored (NaN where a row has none): the middle
    value, or the mean of the two middle ones, as pandas' groupby median gives it. A table
    of councils by peer, each row sorted at once: nearest-neighbour sets are of a like
    size, so this is several times faster than grouping the pairs."""
    ordered = np.sort(table, axis=1)  # NaN last
    count = (~np.isnan(table)).sum(axis=1)
    rows, held = np.arange(len(table)), count > 0
    low, high = np.maximum((count - 1) // 2, 0), count // 2 - (count == 0)
    return np.where(held, (ordered[rows, low] + ordered[rows, high]) / 2, np.nan)


def standing_against(
    council: int, value: float, reference: pd.Series, classes: pd.Series, pairs: Pairs, form: tuple
) -> float:
    """One council's peer standing (`form`: ratio, peers, kind, as in `PEER_FORMS`) with its
    own value `value` and its peers at their `reference` values: a council stressed on its
    own, measured against the unstressed distribution. Equal to the builders' value when
    `value` is the council's reference value."""
    _, peers, kind = form
    known = reference.to_numpy(dtype=float)
    if peers == "class":
        same = (classes == classes.iloc[council]).to_numpy().copy()
        same[council] = False
        others = known[same]
    else:
        others = known[pairs[1][pairs[0] == council]]
    others = others[~np.isnan(others)]
    if np.isnan(value) or len(others) < MIN_PEERS:
        return float("nan")
    if kind == "pctile":
        return float(100.0 * ((others < value).sum() + 0.5 * (others == value).sum()) / len(others))
    members = np.append(others, value)
    median = np.median(members)
    mad = np.median(np.abs(members - median))
    return float((value - median) / (MAD_SCALE * mad)) if mad > 0 else float("nan")


def _builder(name: str, peers: str, kind: str):
    def build(view: View) -> pd.Series:
        values = view.feature(name)
        if peers == "class":
            compare = class_percentile if kind == "pctile" else class_robust_z
            return compare(values, view.classes)
        compare = neighbour_percentile if kind == "pctile" else neighbour_robust_z
        return compare(values, view.neighbour_sets())

    return build


PEER_SETS = {"class": "the councils of its class", "nn": "its nearest neighbours (Oflog's sets)"}
PEER_WORDS = {"class": "in its class", "nn": "among its nearest neighbours"}
KINDS = {
    "pctile": ("percentile", "Percentile (0 lowest .. 100 highest) of {name} against {peers}"),
    "z": ("robust_z", "Robust z-score, (value − median) / (1.4826 × MAD), of {name} among {peers}"),
}
KIND_WORDS = {"pctile": "percentile", "z": "robust z-score"}
PEER_FORMS: dict[str, tuple[str, str, str]] = {}  # peer feature -> (ratio, peers, kind)


def _register_peers() -> None:
    for name in PEER_RATIOS:
        base = FEATURES[name]
        for peers, described in PEER_SETS.items():
            for kind, (unit, text) in KINDS.items():
                needs = "; needs the neighbour table" if peers == "nn" else ""
                PEER_FORMS[f"{name}_{kind}_{peers}"] = (name, peers, kind)
                register(
                    Feature(
                        f"{name}_{kind}_{peers}",
                        f"{base.label}: {KIND_WORDS[kind]} {PEER_WORDS[peers]}",
                        "peers",
                        text.format(name=name, peers=described)
                        + f" (NaN with fewer than {MIN_PEERS} peer values). {base.definition}",
                        unit,
                        base.direction,
                        base.inputs,
                        base.years + needs,
                        _builder(name, peers, kind),
                        base=name,
                        mechanism=base.mechanism,
                    )
                )


_register_peers()
