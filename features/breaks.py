"""The definition breaks trends and reasons must not span, for the inputs trends read.

Declared breaks come from configs/breaks.toml; suspected ones from the class-level
plausibility check of the panel (riskwatch/data/check/definition_breaks.py), unless the same file
accepts them. Only the inputs asked about are checked (those of trend features, or of the
indicators a reason shows), so the check costs a fraction of `data check`'s.
"""

from __future__ import annotations

import pandas as pd

from riskwatch.data.check.definition_breaks import Break, breaks_in_force, breaks_report

from .registry import FEATURES, Input


def trended_inputs() -> frozenset[Input]:
    """The panel inputs of every feature of the trend family and of the bases they trend."""
    trends = [f for f in FEATURES.values() if f.family == "trend"]
    bases = [FEATURES[f.base] for f in trends if f.base in FEATURES]
    return frozenset(i for f in (*trends, *bases) for i in f.inputs)


def breaks_of(
    panel: pd.DataFrame, authority_years: pd.DataFrame, inputs: frozenset[Input]
) -> tuple[Break, ...]:
    """Declared breaks, and the suspected breaks of `inputs` not accepted."""
    return breaks_in_force(breaks_report(panel, authority_years, inputs))


def breaks_for_trends(panel: pd.DataFrame, authority_years: pd.DataFrame) -> tuple[Break, ...]:
    """Declared breaks, and the suspected breaks of trended inputs not accepted."""
    return breaks_of(panel, authority_years, trended_inputs())


def spanned(breaks: tuple[Break, ...], inputs: set[str], first: str, last: str) -> Break | None:
    """The first break of one of `inputs` (written 'RS reserves_earmarked_close', as the
    catalogue lists them) after year `first` and no later than `last`; None if none."""
    for found in breaks:
        if f"{found.source} {found.indicator}" in inputs and first < found.year <= last:
            return found
    return None
