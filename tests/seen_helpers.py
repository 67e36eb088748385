"""`Seen` worked out plainly in pandas from a panel's rows, for the tests of `Sightings`."""

from __future__ import annotations

import pandas as pd
from riskwatch.features.seen import Seen

from riskwatch.data.registry import KIND_OF_SOURCE


def seen_plainly(rows: pd.DataFrame, as_of: str, seen_by: str | None) -> Seen:
    """`Seen` of the rows of years up to `as_of` published by `seen_by` (None: every row,
    dated or not): the earliest year held, and the councils of each outturn source in the
    as-of year and the year before."""
    year, published = (rows[c].astype(object) for c in ("financial_year", "published"))
    shown = year.notna() & (year.fillna("") <= as_of)
    if seen_by is not None:
        shown &= published.notna() & (published.fillna("") <= seen_by)
    shown = rows[shown.to_numpy()]
    previous = f"{int(as_of[:4]) - 1}-{as_of[2:4]}"
    outturn = [source for source, kind in KIND_OF_SOURCE.items() if kind == "outturn"]
    counted = shown[
        shown["source"].isin(outturn)
        & shown["financial_year"].isin([as_of, previous])
        & shown["gss_code"].notna()
    ]
    councils = counted.groupby(["source", "financial_year"])["gss_code"].nunique()
    first = min(shown["financial_year"]) if len(shown) else None
    return Seen(first, {(str(s), str(y)): int(n) for (s, y), n in councils.items()})
