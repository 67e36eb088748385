"""A reason in words: a council's standing among its class, the earlier years its figures
are from, and the whole reason as a reviewer reads it (`reason_text`). `riskwatch.reasons`
finds the reasons; this module only words them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskwatch.units import break_words, change_words, format_value

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

NRE_INPUT = "RS net_revenue_expenditure"
PER_NRE = "% of net revenue spending"  # how a ratio to it is labelled
SIZE_INPUTS = {NRE_INPUT, "RS total_service_expenditure"}


def class_standing(value: float, peers: pd.Series, council_class: str) -> str:
    """Where a value stands among the councils of its class (`standing_words`)."""
    known = peers.dropna().to_numpy(dtype=float)
    if pd.isna(value):
        return ""
    higher, lower = int((known > value).sum()), int((known < value).sum())
    return standing_words(higher, lower, len(known), council_class)


def standing_words(higher: int, lower: int, count: int, council_class: str) -> str:
    """A standing from how many of the class's `count` values are higher and lower: 'the
    highest of 62 unitary councils', '3 of 36 metropolitan districts share the highest value'
    (a flag that is set, say), 'lowest 4% of county councils', 'above the median of district
    councils'; '' with fewer than `MIN_PEERS` values in the class."""
    if count < MIN_PEERS:
        return ""
    words = CLASS_WORDS.get(council_class, f"{council_class} councils")
    if higher == lower:
        return f"at the median of {words}"
    side, beyond = ("highest", higher) if higher < lower else ("lowest", lower)
    sharing = count - higher - lower
    if beyond == 0 and sharing > 1:
        return f"{sharing} of {count} {words} share the {side} value"
    if beyond == 0:
        return f"the {side} of {count} {words}"
    share = math.ceil(100 * (beyond + 1) / count)
    if share <= EXTREME_SHARE:
        return f"{side} {share}% of {words}"
    return f"{'above' if side == 'highest' else 'below'} the median of {words}"


def dated_words(
    inputs: set[str], as_of: str, rs_back: int, nre_back: float, per_nre: bool = True
) -> str:
    """Which earlier year a base's figures are from, where not the scored year's: '2023-24
    outturn, the latest published', 'over net revenue spending of 2021-22, the last valid
    figure' (for a ratio to net revenue spending, `per_nre`); '' where every figure is the
    scored year's."""
    from riskwatch.labels import shift_year

    # RS lines a feature reads, less those it reads from RSX where RS is carried (services)
    own = {i for i in inputs if i.startswith("RS ") and f"RSX {i[3:]}" not in inputs}
    own -= SIZE_INPUTS
    notes = []
    if own and rs_back:
        notes.append(f"{shift_year(as_of, -rs_back)} outturn, the latest published")
    back = rs_back + (0 if np.isnan(nre_back) else int(nre_back))
    if per_nre and NRE_INPUT in inputs and back and not (own and back == rs_back):
        why = "the last valid figure" if back > rs_back else "the latest outturn published"
        notes.append(f"over net revenue spending of {shift_year(as_of, -back)}, {why}")
    return "; ".join(notes)


def reason_text(reason: Mapping) -> str:
    """One reason (a row of `indicator_groups`, as a Series or a dict) as a reviewer reads it:
    mechanism, indicator and value, standing, change."""
    unit = reason.get("unit", "")
    parts = [f"{reason['indicator']}: {format_value(reason['value'], unit)}"]
    if reason.get("class_standing"):
        parts.append(reason["class_standing"])
    blanked: dict[str, tuple[int, ...]] = {}
    for years in (3, 1):
        words = change_words(reason.get(f"change_{years}y", np.nan), unit, years)
        if words:
            parts.extend(break_words(spans, why) for why, spans in blanked.items())
            parts.append(words)
            break
        if reason.get(f"break_{years}y"):
            why = reason[f"break_{years}y"]
            blanked[why] = (*blanked.get(why, ()), years)
    else:
        parts.extend(break_words(spans, why) for why, spans in blanked.items())
    dated = f" ({reason['dated']})" if reason.get("dated") else ""
    mechanism = reason.get("mechanism", "")
    return (f"[{mechanism}] " if mechanism else "") + ", ".join(parts) + dated
