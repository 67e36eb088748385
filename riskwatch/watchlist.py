"""The ranked watchlist: probability, band, rank change, and the reasons as text.

Pure functions of a scored frame: the CLI loads the model and data, these rank and
band; `riskwatch.reasons` says why (one reason per base indicator).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.reason_words import reason_text


@dataclass(frozen=True)
class Band:
    name: str
    min_probability: float


def bands_from_config(config: dict) -> list[Band]:
    """Bands from configs/run.toml, highest first."""
    bands = [Band(b["name"], float(b["min_probability"])) for b in config["bands"]]
    return sorted(bands, key=lambda b: -b.min_probability)


BELOW_BANDS = "below threshold"  # the band name of a council below every configured band


def assign_band(probability: pd.Series, bands: list[Band]) -> pd.Series:
    """The first band whose lower bound the probability reaches; BELOW_BANDS otherwise."""
    out = pd.Series(BELOW_BANDS, index=probability.index, dtype=object)
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
    texts = reason_texts(reasons_table)
    for order in range(1, int(reasons_table["reason"].max() if len(reasons_table) else 0) + 1):
        listed[f"reason_{order}"] = listed["gss_code"].map(texts.get(order, {}))
    return listed.reset_index(drop=True)


def reason_texts(reasons_table: pd.DataFrame) -> dict[int, dict[str, str]]:
    """Each council's reasons as text by position: {1: {gss_code: text}, 2: ...}, the n-th
    of a council's rows in reason order being its n-th reason. Each row is worded once."""
    ordered = reasons_table.sort_values(["gss_code", "reason"])
    position = ordered.groupby("gss_code").cumcount().to_numpy() + 1
    texts: dict[int, dict[str, str]] = {}
    for order, row in zip(position, ordered.to_dict(orient="records"), strict=True):
        texts.setdefault(int(order), {})[row["gss_code"]] = reason_text(row)
    return texts
