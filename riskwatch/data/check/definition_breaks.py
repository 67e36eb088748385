"""Class-level plausibility: a measure whose every class moves at once, beyond its own past.

A council's figure can jump for its own reasons; when the median council of every class
jumps in the same year, further than that class's median ever moved before, the likelier
story is that the measure changed: a new definition, a column read from another return, a
budget figure read as outturn. Such a (source, measure, year) is a *suspected definition
break*. It is reported by `data check`, `data build` and `data ingest` (never refused) and
held out of trends and reasons (features/breaks.py) until `configs/breaks.toml` accepts it
with a reason.

The spread: for each class, the range of its median year-on-year moves in every earlier
year held (at least MIN_HISTORY of them), widened by MARGIN_POINTS percentage points on
each side. A year is a suspected break when every class with at least MIN_COUNCILS councils
moving has its median beyond its own widened range on the same side (and at least two
classes do).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.data.schema import TO_POUNDS
from riskwatch.data.sources.revenue_lines import OTHER_TOTAL_RESERVE_KINDS
from riskwatch.data.years import financial_year_starting
from riskwatch.settings import config_file

MIN_COUNCILS = 10  # councils of a class with a move in both years, for its median to count
MIN_HISTORY = 3  # earlier years of class medians, for a spread to exist
MARGIN_POINTS = 1.0  # percentage points added on each side of the past range
MIN_CLASSES = 2
TOTAL_RESERVES = ("RS", "reserves_total_close")


def latest_values(panel: pd.DataFrame) -> pd.DataFrame:
    """One reported value per council, source, measure and year: the latest published
    (then the latest period end), in pounds for currency units."""
    key = ["gss_code", "source", "indicator", "financial_year"]
    rows = panel.loc[
        panel["status"] == "reported", [*key, "value", "unit", "published", "period_end"]
    ]
    rows = rows.sort_values(["published", "period_end"], kind="stable").drop_duplicates(
        ["gss_code", "source", "indicator", "financial_year"], keep="last"
    )
    scale = rows["unit"].map(TO_POUNDS).fillna(1.0)
    return rows.assign(value=rows["value"] * scale)[[*key, "value"]]


def with_line_totals(values: pd.DataFrame) -> pd.DataFrame:
    """The values (`latest_values`), and the RS total of reserve levels at 31 March summed
    from lines 911 to 916 (earmarked as reported; a line a year's form lacks counts as 0) in
    the years where a total is stated for no council, so a stated total (the compiled
    2024-25 `reserves` read before issue 18) has a past to move from."""
    source, indicator = TOTAL_RESERVES
    rs = values[values["source"] == source]
    stated = set(rs.loc[rs["indicator"] == indicator, "financial_year"])
    if not stated:
        return values
    lines = rs[rs["indicator"].str.startswith("reserves_") & ~rs["financial_year"].isin(stated)]
    wide = lines.pivot(index=["gss_code", "financial_year"], columns="indicator", values="value")
    others = [f"reserves_{kind}_close" for kind in OTHER_TOTAL_RESERVE_KINDS]
    main = wide.get("reserves_earmarked_close") + wide.get("reserves_unallocated_close")
    total = (main + wide.reindex(columns=others).fillna(0.0).sum(axis=1)).dropna()
    sums = total.rename("value").reset_index().assign(source=source, indicator=indicator)
    return pd.concat([values, sums], ignore_index=True)


def class_median_moves(
    panel: pd.DataFrame,
    authority_years: pd.DataFrame,
    measures: frozenset[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Per source, measure, year and class: the median of councils' year-on-year moves, in
    percent (a council counts where its previous year's value is above zero), and how many
    councils moved; of the given (source, indicator) `measures` only, where given. Columns
    source, indicator, financial_year, class, median_move, councils."""
    if measures is not None:
        panel = panel[panel["indicator"].isin({indicator for _, indicator in measures})]
        pairs = pd.MultiIndex.from_arrays([panel["source"], panel["indicator"]])
        reserve_line = (panel["source"] == TOTAL_RESERVES[0]) & panel["indicator"].str.startswith(
            "reserves_"
        )
        panel = panel[pairs.isin(list(measures)) | ((TOTAL_RESERVES in measures) & reserve_line)]
    columns = ["source", "indicator", "financial_year", "class", "median_move", "councils"]
    if panel.empty:
        return pd.DataFrame(columns=columns)
    values = with_line_totals(latest_values(panel))
    values = values[np.isfinite(values["value"])]
    next_year = {y: financial_year_starting(int(y[:4]) + 1) for y in set(values["financial_year"])}
    previous = values.assign(financial_year=values["financial_year"].map(next_year))
    key = ["gss_code", "source", "indicator", "financial_year"]
    both = values.merge(previous, on=key, suffixes=("", "_before"))
    both = both[both["value_before"] > 0]
    classes = authority_years.drop_duplicates(["gss_code", "financial_year"])
    both = both.merge(classes[["gss_code", "financial_year", "class"]], on=key[::3])
    both["move"] = (both["value"] / both["value_before"] - 1.0) * 100.0
    grouped = both.groupby(["source", "indicator", "financial_year", "class"])["move"]
    out = pd.DataFrame({"median_move": grouped.median(), "councils": grouped.size()})
    return out[out["councils"] >= MIN_COUNCILS].reset_index()


def suspected_breaks(moves: pd.DataFrame) -> pd.DataFrame:
    """The (source, measure, year) whose every class's median move lies beyond its past
    spread, on the same side (see the module's description). Columns source, indicator,
    financial_year and `classes`: per class, its median move and widened past range (text),
    e.g. 'SD -19.2% (-13.9..+57.2)'."""
    measure = ["source", "indicator"]
    if moves.empty:
        return pd.DataFrame(columns=[*measure, "financial_year", "classes"])
    moves = moves.sort_values([*measure, "class", "financial_year"], kind="stable")
    earlier = moves.groupby([*measure, "class"])["median_move"].shift()
    series = [moves[c] for c in (*measure, "class")]
    low = earlier.groupby(series).cummin() - MARGIN_POINTS
    high = earlier.groupby(series).cummax() + MARGIN_POINTS
    judged = moves.assign(
        low=low,
        high=high,
        history=earlier.notna().groupby(series).cumsum(),
        below=moves["median_move"] < low,
        above=moves["median_move"] > high,
    )
    judged["text"] = [
        f"{r.cls} {r.median_move:+.1f}% ({r.low:+.1f}..{r.high:+.1f})"
        for r in judged.rename(columns={"class": "cls"}).itertuples()
    ]
    per_year = judged.groupby([*measure, "financial_year"])
    years = pd.DataFrame(
        {
            "classes": per_year["text"].agg(", ".join),
            "count": per_year.size(),
            "enough": per_year["history"].min() >= MIN_HISTORY,
            "below": per_year["below"].all(),
            "above": per_year["above"].all(),
        }
    ).reset_index()
    found = years[
        (years["count"] >= MIN_CLASSES) & years["enough"] & (years["below"] | years["above"])
    ]
    return found[[*measure, "financial_year", "classes"]].reset_index(drop=True)


@dataclass(frozen=True)
class Break:
    """A year from which an input is no longer the quantity it was: values before `year`
    and from `year` on are not comparable. `reason` completes "no 3-year change: ..."."""

    source: str
    indicator: str
    year: str
    reason: str


def configured(kind: str) -> tuple[Break, ...]:
    """configs/breaks.toml's `declared` breaks or `accepted` moves."""
    return tuple(
        Break(entry["source"], entry["indicator"], entry["year"], entry["reason"])
        for entry in config_file("breaks.toml")[kind]
    )


def suspected_reason(year: str) -> str:
    return f"every class moved beyond its past in {year}, a suspected definition break"


def breaks_report(
    panel: pd.DataFrame,
    authority_years: pd.DataFrame,
    measures: frozenset[tuple[str, str]] | None = None,
) -> dict:
    """The rule, and each suspected break (of `measures` only, where given) with whether
    configs/breaks.toml accepts it (and why), as `data check`, `data build` and `data ingest`
    report them."""
    suspected = suspected_breaks(class_median_moves(panel, authority_years, measures))
    accepted = {(b.source, b.indicator, b.year): b.reason for b in configured("accepted")}
    return {
        "rule": (
            f"every class's median year-on-year move (councils with a value above 0 the year "
            f"before, at least {MIN_COUNCILS} a class) beyond the range of its medians in "
            f"every earlier year (at least {MIN_HISTORY}) widened by {MARGIN_POINTS:g} "
            "point each side, all on the same side"
        ),
        "suspected": [
            {
                **row,
                "accepted": (row["source"], row["indicator"], row["financial_year"]) in accepted,
                "reason": accepted.get(
                    (row["source"], row["indicator"], row["financial_year"]), ""
                ),
            }
            for row in suspected.to_dict("records")
        ],
    }


def breaks_in_force(report: dict) -> tuple[Break, ...]:
    """The breaks trends must not span: the declared ones and the suspected ones of a
    `breaks_report` that configuration does not accept."""
    held_out = tuple(
        Break(
            r["source"], r["indicator"], r["financial_year"], suspected_reason(r["financial_year"])
        )
        for r in report["suspected"]
        if not r["accepted"]
    )
    return configured("declared") + held_out
