"""What each real as-of year has seen (`Sightings`: the earliest year held, the councils of
each outturn source, so the returns carried) equals the real panel's rows seen by its
as-of date, worked out plainly in pandas. It decides which year every outturn line is
read at, so a wrong count moves whole columns of the frames."""

import pandas as pd
from riskwatch.features.seen import Releases, Seen, as_of_date, check_seen_by

from riskwatch.data.registry import KIND_OF_SOURCE
from riskwatch.pipeline import score_years


def seen_plainly(panel: pd.DataFrame, as_of: str) -> Seen:
    """`Seen` of the rows of years up to `as_of` published by its as-of date."""
    date = as_of_date(as_of)
    year, published = panel["financial_year"], panel["published"]
    shown = panel[year.notna() & (year <= as_of) & published.notna() & (published <= date)]
    previous = f"{int(as_of[:4]) - 1}-{as_of[2:4]}"
    outturn = [source for source, kind in KIND_OF_SOURCE.items() if kind == "outturn"]
    counted = shown[
        shown["source"].isin(outturn)
        & shown["financial_year"].isin([as_of, previous])
        & shown["gss_code"].notna()
    ]
    councils = counted.groupby(["source", "financial_year"])["gss_code"].nunique()
    return Seen(min(shown["financial_year"]), {key: int(n) for key, n in councils.items()})


def test_what_each_real_year_has_seen_equals_its_rows(tables):
    seen = Releases(tables["panel"]).seen
    years = score_years(tables)
    for as_of in years:
        assert seen.at(as_of, check_seen_by(as_of, None)) == seen_plainly(tables["panel"], as_of)
    latest = seen.at(years[-1], check_seen_by(years[-1], None))
    assert latest.carried(years[-1]).get("RS") == 1  # RS 2024-25 is not held: 2023-24 is read
