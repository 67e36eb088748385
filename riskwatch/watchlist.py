"""The ranked watchlist: probability, band, rank change and reasons from the model's contributions.

Pure functions of a scored frame: the CLI loads the model and data, these rank,
band and explain. A reason names the indicator in plain words with the
council's value, its percentile among class peers and nearest neighbours, its
1- and 3-year change, and the contribution that made it a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.units import format_change, format_value

CONTRIB = "contrib__"
# Units where a percentile among peers says nothing more: peer-relative values and 0/1 flags.
NO_STANDING_UNITS = ("percentile", "robust_z", "flag")


@dataclass(frozen=True)
class Band:
    name: str
    min_probability: float


def bands_from_config(config: dict) -> list[Band]:
    """Bands from configs/run.toml, highest first."""
    bands = [Band(b["name"], float(b["min_probability"])) for b in config["bands"]]
    return sorted(bands, key=lambda b: -b.min_probability)


def assign_band(probability: pd.Series, bands: list[Band]) -> pd.Series:
    """The first band whose lower bound the probability reaches; 'below watch' otherwise."""
    out = pd.Series("below threshold", index=probability.index, dtype=object)
    for band in reversed(bands):
        out[probability >= band.min_probability] = band.name
    return out


def rank_councils(scored: pd.DataFrame) -> pd.DataFrame:
    """Highest probability first; ties broken by GSS code so the order is deterministic."""
    ranked = scored.sort_values(
        ["probability", "gss_code"], ascending=[False, True], kind="mergesort"
    )
    return ranked.assign(rank=np.arange(1, len(ranked) + 1)).reset_index(drop=True)


def rank_change(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.Series:
    """Places moved up (+) or down (-) since the previous review; NaN where new to the list."""
    if previous is None or previous.empty:
        return pd.Series(np.nan, index=current.index)
    before = previous.set_index("gss_code")["rank"]
    return current["gss_code"].map(before) - current["rank"]


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


def reasons(
    scored: pd.DataFrame,
    frame: pd.DataFrame,
    history: dict[str, pd.DataFrame],
    as_of: str,
    catalogue: pd.DataFrame,
    neighbours: pd.DataFrame | None,
    count: int,
) -> pd.DataFrame:
    """Up to `count` reasons per council: the features pushing its score up most.

    Ordered by contribution (largest first, then by feature name), only features with
    a positive contribution: a reason is something that raises the risk.
    """
    from riskwatch.labels import shift_year

    features = [c.removeprefix(CONTRIB) for c in scored.columns if c.startswith(CONTRIB)]
    features = [f for f in features if f != "baseline" and f in frame.columns]
    by_class, by_neighbours = peer_percentiles(frame, features, neighbours)
    values = frame.set_index("gss_code")[features]
    past = {k: history.get(shift_year(as_of, -k)) for k in (1, 3)}
    past = {
        k: v.set_index("gss_code")[features] if v is not None else None for k, v in past.items()
    }
    described = catalogue.set_index("name")
    # An input no council has this year (a source that stops, e.g. capital outturn after
    # 2018-19) moves every score alike: it says nothing about one council, so it is no reason.
    unpublished = {f for f in features if values[f].notna().mean() < 0.1}
    records = []
    for row in scored.itertuples(index=False):
        gss = row.gss_code
        contributions = pd.Series(
            {f: getattr(row, CONTRIB + f) for f in features if f not in unpublished}
        )
        top = (
            contributions[contributions > 0]
            .sort_index()
            .sort_values(ascending=False, kind="mergesort")
        )
        for order, (feature, contribution) in enumerate(top.head(count).items(), start=1):
            value = values.at[gss, feature] if gss in values.index else np.nan
            records.append(
                {
                    "gss_code": gss,
                    "reason": order,
                    "feature": feature,
                    "indicator": _plain(described, feature),
                    "unit": described["unit"].get(feature, "") if "unit" in described else "",
                    "value": value,
                    "class_percentile": by_class.at[gss, feature]
                    if gss in by_class.index
                    else np.nan,
                    "neighbour_percentile": (
                        by_neighbours.at[gss, feature]
                        if by_neighbours is not None and gss in by_neighbours.index
                        else np.nan
                    ),
                    "change_1y": _change(value, past[1], gss, feature),
                    "change_3y": _change(value, past[3], gss, feature),
                    "contribution": contribution,
                }
            )
    return pd.DataFrame(records)


def _plain(described: pd.DataFrame, feature: str) -> str:
    """The indicator in plain words: its catalogue label."""
    if feature == "past_failure":
        return "A failure of its own is already on record"
    if feature not in described.index:
        return feature.replace("_", " ")
    return str(described.at[feature, "label"])


def _change(value: float, past: pd.DataFrame | None, gss: str, feature: str) -> float:
    if past is None or gss not in past.index or feature not in past.columns:
        return np.nan
    return float(value - past.at[gss, feature])


def reason_text(reason: pd.Series) -> str:
    """One reason as a sentence a reviewer can read."""
    unit = reason.get("unit", "")
    parts = [f"{reason['indicator']}: {format_value(reason['value'], unit)}"]
    standing = unit not in NO_STANDING_UNITS
    if standing and not pd.isna(reason["class_percentile"]):
        parts.append(f"{_ordinal(reason['class_percentile'])} percentile of its class")
    if standing and not pd.isna(reason["neighbour_percentile"]):
        parts.append(f"{_ordinal(reason['neighbour_percentile'])} among nearest neighbours")
    changes = [
        f"{label} {format_change(reason[key], unit)}"
        for key, label in (("change_1y", "1y"), ("change_3y", "3y"))
        if not pd.isna(reason[key])
    ]
    if changes:
        parts.append("change " + ", ".join(changes))
    parts.append(f"+{reason['contribution']:.2f} log-odds")
    return "; ".join(parts)


def _ordinal(value: float) -> str:
    number = int(round(value))
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def build_watchlist(
    scored: pd.DataFrame,
    previous: pd.DataFrame | None,
    reasons_table: pd.DataFrame,
    names: pd.Series,
    bands: list[Band],
    top: int,
) -> pd.DataFrame:
    """The ranked list: the top `top` councils (and any tied with the last), banded, explained."""
    ranked = rank_councils(scored[["gss_code", "class", "as_of", "probability"]])
    before = rank_councils(previous[["gss_code", "probability"]]) if previous is not None else None
    ranked["rank_change"] = rank_change(ranked, before)
    ranked["band"] = assign_band(ranked["probability"], bands)
    ranked.insert(1, "name", ranked["gss_code"].map(names))
    listed = ranked[ranked["rank"] <= top].copy()
    texts = reasons_table.sort_values(["gss_code", "reason"]).groupby("gss_code")
    for order in range(1, int(reasons_table["reason"].max() if len(reasons_table) else 0) + 1):
        listed[f"reason_{order}"] = listed["gss_code"].map(
            {gss: reason_text(rows.iloc[order - 1]) for gss, rows in texts if len(rows) >= order}
        )
    return listed.reset_index(drop=True)
