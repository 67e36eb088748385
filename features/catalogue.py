"""The catalogue `riskwatch features list` prints, with each feature's coverage on the data."""

from __future__ import annotations

import pandas as pd

from .frame import build_history
from .registry import FEATURES, RISKIER, SAFER, base_of, catalogue_version, ordered, quantity_of

ID_COLUMNS = ("gss_code", "as_of", "class")
DIRECTION_WORDS = {RISKIER: "higher is riskier", SAFER: "higher is safer", 0: "context"}


def coverage_by_year(history: pd.DataFrame) -> pd.DataFrame:
    """Share of councils with a value, per feature (rows) and as-of year (columns)."""
    names = [name for name in FEATURES if name in history.columns]
    return history[names].notna().groupby(history["as_of"]).mean().T


def _coverage_text(shares: pd.Series, absent: list[str]) -> str:
    built = shares[shares > 0]
    if built.empty:
        if absent:
            return "no values: inputs absent from the panel: " + ", ".join(absent)
        return "no values on this panel"
    first, last = built.index.min(), built.index.max()
    span = shares.loc[first:last]
    return f"{first} to {last}: {span.mean():.0%} of councils"


def catalogue_table(
    panel: pd.DataFrame,
    authority_years: pd.DataFrame,
    neighbours: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per feature: name, label (plain words), family, definition, unit, direction,
    inputs, years (which years it can be built for, and why), coverage (first and last
    as-of year with values on this panel and the share of councils covered, or why there
    are none), model_input. Coverage comes from `history` (stacked feature frames) when
    given, else from building every year filed."""
    if history is None:
        history = build_history(panel, authority_years, neighbours=neighbours)
    shares = coverage_by_year(history)
    held = set(zip(panel["source"], panel["indicator"], strict=True))
    coverage = [
        _coverage_text(
            shares.loc[feature.name],
            [f"{s} {i}" for s, i in feature.inputs if (s, i) not in held],
        )
        for feature in ordered()
    ]
    table = feature_descriptions()
    table.insert(table.columns.get_loc("model_input"), "coverage", coverage)
    return table


def feature_descriptions() -> pd.DataFrame:
    """What each feature is, from the registry alone (no data needed): name, label, family,
    definition, unit, direction, inputs, years, model_input, base (the indicator it is a
    form of), quantity (the stock or flow its base measures, `QUANTITIES`) and mechanism. Enough to explain a score; `catalogue_table` adds each
    feature's coverage on a panel."""
    return pd.DataFrame(
        [
            {
                "name": feature.name,
                "label": feature.label,
                "family": feature.family,
                "definition": feature.definition,
                "unit": feature.unit,
                "direction": feature.direction,
                "direction_meaning": DIRECTION_WORDS[feature.direction],
                "inputs": ", ".join(f"{s} {i}" for s, i in feature.inputs),
                "years": feature.years,
                "model_input": feature.model_input,
                "base": base_of(feature.name),
                "quantity": quantity_of(base_of(feature.name)),
                "mechanism": feature.mechanism,
            }
            for feature in ordered()
        ]
    )


def model_features() -> tuple[list[str], dict[str, int], str]:
    """The features a model may use (finite, with a direction), their directions, and the
    catalogue version that defines them."""
    usable = [f for f in ordered() if f.model_input and f.direction != 0]
    return [f.name for f in usable], {f.name: f.direction for f in usable}, catalogue_version()
