"""Checks on the compiled debt and outturn figures before anyone relies on them.

`data check` shows: debt coverage per year (CFR, external debt, outstanding borrowing),
where the compiled figures and MHCLG's own files hold the same value (agreements and
disagreements), the compiled 2024-25 year against the same council's 2023-24 values by
class (a definition break or a compilation slip shows as a class-wide jump), and values
that look implausible (a zero where the council reported millions the year before).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskwatch.data.schema import TO_POUNDS

DEBT_MEASURES = {
    "cfr": ("COR", "cfr_close"),
    "external_debt": ("COR", "gross_external_debt_close"),
    "borrowing": ("BI", "borrowing_total"),
}
IMPLAUSIBLE_FLOOR = 1_000.0  # £ thousand: a zero after a year of at least £1m is flagged
# Stocks a council can clear in a year (short-term loans repaid, investments drawn):
# a zero there is not implausible.
CAN_BE_ZERO = {"borrowing_short_term", "investments_close"}
# The outturn return a budget return is compared with.
OUTTURN_OF_BUDGET = {"RA": "RS"}


def is_compiled(panel: pd.DataFrame) -> pd.Series:
    """Rows read from the compiled files (their vintage says so)."""
    return panel["vintage"].str.contains(" compiled (", regex=False)


def latest_compiled(panel: pd.DataFrame) -> pd.DataFrame:
    """The compiled rows, one per council, measure and date: the latest published of the
    compiled vintages held (a revised compiled file ingested beside the embedded one)."""
    key = ["gss_code", "source", "indicator", "financial_year", "period_end"]
    compiled = panel[is_compiled(panel)].sort_values(["published", "vintage"], kind="stable")
    return compiled.drop_duplicates(key, keep="last").sort_index()


def debt_coverage(panel: pd.DataFrame, years_table: pd.DataFrame) -> dict[str, dict]:
    """Share of each year's councils with a reported CFR, external debt and borrowing at
    31 March (any vintage)."""
    councils = years_table.groupby("financial_year")["gss_code"].nunique()
    reported = panel[panel["status"] == "reported"]
    out: dict[str, dict] = {}
    for name, (source, indicator) in DEBT_MEASURES.items():
        rows = reported[(reported["source"] == source) & (reported["indicator"] == indicator)]
        if source == "BI":
            rows = rows[rows["period_end"].str.endswith("-03-31")]
        held = rows.groupby("financial_year")["gss_code"].nunique()
        out[name] = {
            year: round(float(held.get(year, 0)) / float(n), 3) for year, n in councils.items()
        }
    return out


def overlap_agreement(panel: pd.DataFrame) -> dict:
    """Values both the compiled files and MHCLG's own files hold: agreements (within £1k)
    and every disagreement."""
    key = ["gss_code", "source", "indicator", "financial_year", "period_end"]
    reported = panel[panel["status"] == "reported"]
    compiled = latest_compiled(reported)
    official = reported[~is_compiled(reported)].drop_duplicates(key, keep="last")
    both = compiled.merge(official, on=key, suffixes=("_compiled", "_mhclg"))
    left = both["value_compiled"] * both["unit_compiled"].map(TO_POUNDS)
    right = both["value_mhclg"] * both["unit_mhclg"].map(TO_POUNDS)
    agree = np.isclose(left, right, rtol=0, atol=1e3)  # within £1k
    disagreements = both.loc[~agree, [*key, "value_compiled", "value_mhclg", "source_file_mhclg"]]
    return {
        "values_compared": int(len(both)),
        "agree": int(agree.sum()),
        "disagree": int((~agree).sum()),
        "disagreements": disagreements.to_dict(orient="records"),
    }


def year_on_year_by_class(panel: pd.DataFrame, years_table: pd.DataFrame) -> dict:
    """Median % change of each compiled 2024-25 measure against the council's 2023-24 value,
    by class, and the councils compared. A budget figure (RA) is set against the council's
    2023-24 outturn (RS) of the same line: budget against the last outturn."""
    classes = (
        years_table[years_table["financial_year"] == "2024-25"]
        .drop_duplicates("gss_code")
        .set_index("gss_code")["class"]
    )
    reported = panel[panel["status"] == "reported"]
    latest = reported[reported["financial_year"] == "2024-25"]
    latest = latest_compiled(latest)
    latest = latest[latest["unit"] == "GBP_thousand"]
    earlier = reported[reported["financial_year"] == "2023-24"].drop_duplicates(
        ["gss_code", "source", "indicator", "period_end"], keep="last"
    )
    out: dict[str, dict] = {}
    for (source, indicator), rows in latest.groupby(["source", "indicator"]):
        new = rows.set_index("gss_code")["value"]
        # A budget is compared with the last outturn of the same line (RA with RS).
        against = OUTTURN_OF_BUDGET.get(source, source)
        old_rows = earlier[(earlier["source"] == against) & (earlier["indicator"] == indicator)]
        if source == "BI":
            old_rows = old_rows[old_rows["period_end"] == "2024-03-31"]
        if len(old_rows):
            label = f"{source}:{indicator}"
            if against != source:
                label += f" (budget, against {against} 2023-24 outturn)"
            out[label] = _medians(new, old_rows.set_index("gss_code")["value"], classes)
    return out


def _medians(new: pd.Series, old: pd.Series, classes: pd.Series) -> dict:
    both = pd.concat([new.rename("new"), old.rename("old")], axis=1, join="inner").dropna()
    both = both[both["old"] > 0]
    change = (both["new"] / both["old"] - 1.0) * 100.0
    by_class = change.groupby(classes.reindex(change.index)).median()
    return {
        "councils": int(len(change)),
        "median_change_pct": {k: round(float(v), 1) for k, v in by_class.items()},
    }


def implausible_values(panel: pd.DataFrame, authorities: pd.DataFrame) -> list[str]:
    """Compiled 2024-25 zeros (or values PROVENANCE.md marks unknown) where the council
    reported at least £1m the year before (for a budget, in its outturn of the line)."""
    names = authorities.set_index("gss_code")["name"]
    key = ["gss_code", "source", "indicator"]
    latest = latest_compiled(panel[panel["financial_year"] == "2024-25"])
    flagged = latest[
        (
            ((latest["status"] == "reported") & (latest["value"] == 0))
            | (latest["status"] == "not_available")
        )
        & ~latest["indicator"].isin(CAN_BE_ZERO)
    ]
    before = panel[(panel["financial_year"] == "2023-24") & (panel["status"] == "reported")]
    before = before.drop_duplicates(key, keep="last").set_index(key)["value"]
    warnings = []
    for row in flagged.itertuples(index=False):
        # a budget is set against the last outturn of its line (RA against RS)
        against = OUTTURN_OF_BUDGET.get(row.source, row.source)
        previous = before.get((row.gss_code, against, row.indicator))
        if previous is not None and abs(previous) >= IMPLAUSIBLE_FLOOR:
            shown = "0" if row.status == "reported" else "0 in the source, held as unknown"
            kind = f" {against} outturn" if against != row.source else ""
            warnings.append(
                f"implausible compiled value: {names.get(row.gss_code, row.gss_code)} "
                f"({row.gss_code}) {row.source} {row.indicator} 2024-25 = {shown}, "
                f"after {previous:,.0f} (£ thousand){kind} in 2023-24"
            )
    return warnings


def compiled_summary(tables: dict[str, pd.DataFrame]) -> dict:
    panel, years_table = tables["panel"], tables["authority_years"]
    return {
        "debt_coverage": debt_coverage(panel, years_table),
        "overlap_with_mhclg_files": overlap_agreement(panel),
        "year_on_year_2024_25_by_class": year_on_year_by_class(panel, years_table),
        "implausible": implausible_values(panel, tables["authorities"]),
    }
