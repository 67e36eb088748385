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

from collections.abc import Callable

import numpy as np
import pandas as pd

from riskwatch.data.check.definition_breaks import Break, configured
from riskwatch.features import breaks_of, spanned
from riskwatch.models.scores import CONTRIB_PREFIX as CONTRIB
from riskwatch.reason_words import PER_NRE, dated_words, standing_words

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


def quantity_of_bases(bases: pd.Series, catalogue: pd.DataFrame) -> pd.Series:
    """Each base's quantity from the catalogue: bases measuring one stock or flow (outstanding
    borrowing, gross external debt, CFR and net debt) share one; others are their own."""
    by_base = (
        catalogue.drop_duplicates("base").set_index("base")["quantity"]
        if "quantity" in catalogue.columns
        else pd.Series(dtype=object)
    )
    return pd.Series({b: by_base.get(b, b) for b in dict.fromkeys(bases)}, dtype=object)


def _quantity_rows(summed: pd.DataFrame, quantities: pd.Series) -> pd.DataFrame:
    """One row per council and quantity: the summed contribution of its bases, shown as the
    base contributing most for that council (its most telling form); largest contribution
    first within a council (ties by base name)."""
    rows = summed.stack().rename("contribution").rename_axis(["gss_code", "base"]).reset_index()
    rows["council"] = pd.Index(summed.index).get_indexer(rows["gss_code"])
    rows["quantity"] = quantities.reindex(rows["base"]).to_numpy()
    rows = rows.sort_values(
        ["council", "contribution", "base"], ascending=[True, False, True], kind="mergesort"
    )
    totals = rows.groupby(["council", "quantity"], sort=False)["contribution"].transform("sum")
    rows = rows.assign(contribution=totals).drop_duplicates(["council", "quantity"])
    rows = rows.sort_values(
        ["council", "contribution", "base"], ascending=[True, False, True], kind="mergesort"
    )
    return rows.drop(columns="quantity")


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
    count: int | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The base indicators of every scored council: summed contribution, mechanism, the
    base's value, class standing, percentiles and 1- and 3-year change, and its forms'
    contributions; largest contribution first within a council (ties by base name).
    `every`: from all the model's inputs, not only those a reason may name; `count`: only
    the first `count` with a positive contribution (the reasons), numbered in `reason`.
    A change spanning a definition break of a base's inputs is missing, and `break_1y` /
    `break_3y` say why: the declared breaks, and with `tables` (panel, authority_years) the
    suspected ones of those inputs not accepted (features.breaks)."""
    features = contribution_features(scored, frame, every)
    bases = base_indicators(features, catalogue)
    quantities = quantity_of_bases(bases, catalogue)
    groups = _quantity_rows(group_contributions(scored, bases), quantities)
    if count is not None:
        groups = groups[groups["contribution"] > 0].groupby("council").head(count)
        groups["reason"] = groups.groupby("council").cumcount() + 1
    groups = groups.reset_index(drop=True)
    described = catalogue.set_index("name")
    names = groups["base"]
    groups["mechanism"] = [_described(described, b, "mechanism", "") for b in names]
    groups["indicator"] = [_label(described, b) for b in names]
    groups["unit"] = [_described(described, b, "unit", "") for b in names]
    inputs = _inputs(described)
    breaks = _breaks(tables, {i for b in dict.fromkeys(names) for i in inputs.get(b, ())})
    attributes = _base_attributes(groups, frame, history, as_of, neighbours, inputs, breaks)
    groups = pd.concat([groups, attributes], axis=1)
    groups["forms"] = _forms(scored, bases, quantities, groups)
    return groups[[c for c in GROUP_COLUMNS if c in groups.columns]]


GROUP_COLUMNS = [
    "gss_code",
    "reason",
    "base",
    "mechanism",
    "indicator",
    "unit",
    "value",
    "class_standing",
    "class_percentile",
    "neighbour_percentile",
    "change_1y",
    "change_3y",
    "break_1y",
    "break_3y",
    "contribution",
    "dated",
    "forms",
]
# Context columns of the frame saying how old its revenue figures are (features/dating.py).
RS_YEARS_BACK, NRE_YEARS_BACK = "revenue_outturn_years_back", "nre_denominator_years_back"


def _breaks(tables: dict[str, pd.DataFrame] | None, inputs: set[str]) -> tuple[Break, ...]:
    """The definition breaks of `inputs` ('RS reserves_earmarked_close', ...) no change may
    span: the declared ones, and the suspected ones of the panel in `tables` not accepted."""
    if tables is None:
        return configured("declared")
    wanted = frozenset(tuple(i.split(" ", 1)) for i in inputs)
    return breaks_of(tables["panel"], tables["authority_years"], wanted)


def _inputs(described: pd.DataFrame) -> dict[str, set[str]]:
    """Each catalogued feature's inputs ('RS interest_payable', ...)."""
    if "inputs" not in described.columns:
        return {}
    return {name: set(filter(None, text.split(", "))) for name, text in described["inputs"].items()}


def _base_attributes(
    groups: pd.DataFrame,
    frame: pd.DataFrame,
    history: dict[str, pd.DataFrame],
    as_of: str,
    neighbours: pd.DataFrame | None,
    inputs: dict[str, set[str]],
    breaks: tuple[Break, ...],
) -> pd.DataFrame:
    """Per (council, base) row: the base's value, standing and percentiles in the council's
    class and among its neighbours, its change on 1 and 3 years before (for a base read
    wholly from a revenue outturn carried from the year before, on that return's own years;
    missing where the years span one of `breaks`, and `break_{k}y` gives its reason), and
    the earlier years its figures are from (`dated_words`)."""
    bases = [b for b in dict.fromkeys(groups["base"]) if b in frame.columns]
    row = pd.Index(frame["gss_code"]).get_indexer(groups["gss_code"])
    column = pd.Index(bases).get_indexer(groups["base"])
    known = (row >= 0) & (column >= 0)

    def pick(matrix: np.ndarray) -> np.ndarray:
        out = np.full(len(groups), np.nan)
        out[known] = matrix[row[known], column[known]]
        return out

    now = frame[bases].to_numpy(dtype=float)
    out = {"value": pick(now), **_standings(frame, bases, neighbours, pick, row)}
    rs_back = int(frame[RS_YEARS_BACK].max()) if RS_YEARS_BACK in frame.columns else 0
    only_rs = [b for b in bases if inputs.get(b) and all(i.startswith("RS ") for i in inputs[b])]
    for k in (1, 3):
        then, spans = _values_back(
            k, frame, bases, only_rs, rs_back, history, as_of, inputs, breaks
        )
        with np.errstate(invalid="ignore"):  # unbounded then and now: no change to say
            out[f"change_{k}y"] = pick(now - then)
        out[f"break_{k}y"] = [
            spans[b].reason if spans.get(b) is not None else "" for b in groups["base"]
        ]
    nre_back = (
        frame[NRE_YEARS_BACK].to_numpy(dtype=float)
        if NRE_YEARS_BACK in frame.columns
        else np.full(len(frame), np.nan)
    )
    out["dated"] = [
        dated_words(inputs.get(b, set()), as_of, rs_back, nre_back[r], PER_NRE in label)
        if r >= 0 and not np.isnan(value)
        else ""
        for b, r, label, value in zip(
            groups["base"], row, groups["indicator"], out["value"], strict=True
        )
    ]
    return pd.DataFrame(out, index=groups.index)


def _standings(
    frame: pd.DataFrame,
    bases: list[str],
    neighbours: pd.DataFrame | None,
    pick: Callable[[np.ndarray], np.ndarray],
    row: np.ndarray,
) -> dict[str, object]:
    """Each (council, base) row's standing in its class in words, and its percentiles in
    its class and among its neighbours (`pick` reads a council × base matrix per row)."""
    by_class = frame[bases].groupby(frame["class"])
    lower = pick(by_class.rank(method="min").to_numpy(dtype=float) - 1)
    in_class = pick(by_class.transform("count").to_numpy(dtype=float))
    higher = in_class - pick(by_class.rank(method="max").to_numpy(dtype=float))
    classes = frame["class"].to_numpy()
    by_percentile, by_neighbours = peer_percentiles(frame, bases, neighbours)
    return {
        "class_standing": [
            standing_words(int(h), int(lo), int(n), classes[r]) if not np.isnan(h) else ""
            for h, lo, n, r in zip(higher, lower, in_class, row, strict=True)
        ],
        "class_percentile": pick(by_percentile.to_numpy(dtype=float)),
        "neighbour_percentile": (
            pick(by_neighbours.to_numpy(dtype=float))
            if by_neighbours is not None
            else np.full(len(row), np.nan)
        ),
    }


def _values_back(
    k: int,
    frame: pd.DataFrame,
    bases: list[str],
    only_rs: list[str],
    rs_back: int,
    history: dict[str, pd.DataFrame],
    as_of: str,
    inputs: dict[str, set[str]],
    breaks: tuple[Break, ...],
) -> tuple[np.ndarray, dict[str, Break | None]]:
    """The bases' values `k` years before (council × base; a base read wholly from a carried
    revenue outturn `rs_back` years further back), NaN where the years span a definition
    break, and the break each base's change spans (None where none)."""
    from riskwatch.labels import shift_year

    then = np.full((len(frame), len(bases)), np.nan)
    for offset, columns in ((0, bases), (rs_back, only_rs)):
        past = history.get(shift_year(as_of, -k - offset))
        if past is None or not columns:
            continue
        at = pd.Index(bases).get_indexer(columns)
        then[:, at] = (
            past.set_index("gss_code")
            .reindex(index=frame["gss_code"], columns=columns)
            .to_numpy(dtype=float)
        )
    spans = {
        b: spanned(
            breaks,
            inputs.get(b, set()),
            shift_year(as_of, -k - (rs_back if b in only_rs else 0)),
            shift_year(as_of, -(rs_back if b in only_rs else 0)),
        )
        for b in bases
    }
    broken = [b for b in bases if spans[b] is not None]
    then[:, pd.Index(bases).get_indexer(broken)] = np.nan
    return then, spans


def reasons(
    scored: pd.DataFrame,
    frame: pd.DataFrame,
    history: dict[str, pd.DataFrame],
    as_of: str,
    catalogue: pd.DataFrame,
    neighbours: pd.DataFrame | None,
    count: int,
    tables: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Up to `count` reasons per council: the base indicators whose forms together push its
    score up most (only positive sums: a reason is something that raises the risk)."""
    return indicator_groups(
        scored, frame, history, as_of, catalogue, neighbours, count=count, tables=tables
    )


def _described(described: pd.DataFrame, name: str, column: str, default: str) -> str:
    if column not in described.columns or name not in described.index:
        return default
    return str(described.at[name, column])


def _label(described: pd.DataFrame, name: str) -> str:
    """The indicator in plain words: its catalogue label."""
    if name == "past_failure":
        return PAST_FAILURE_LABEL
    return _described(described, name, "label", name.replace("_", " "))


def _forms(
    scored: pd.DataFrame, bases: pd.Series, quantities: pd.Series, groups: pd.DataFrame
) -> list[str]:
    """Per (council, quantity) row: the forms behind it, of every base of its quantity, with
    their contributions, largest effect first (those under 0.005 left out)."""
    matrix = scored[[CONTRIB + f for f in bases.index]].to_numpy(dtype=float)
    council = pd.Index(scored["gss_code"]).get_indexer(groups["gss_code"])
    quantity_of_feature = quantities.reindex(bases.to_numpy()).to_numpy()
    members = {
        base: np.flatnonzero(quantity_of_feature == quantities[base])
        for base in dict.fromkeys(groups["base"])
    }
    names = bases.index.to_numpy()
    texts = []
    for c, base in zip(council, groups["base"], strict=True):
        index = members[base]
        values = matrix[c, index]
        order = np.argsort(-np.abs(values), kind="mergesort")
        texts.append(
            ", ".join(
                f"{names[index[i]]} {values[i]:+.2f}" for i in order if abs(values[i]) >= 0.005
            )
        )
    return texts
