"""What the data holds: authorities per class and year, measures, coverage, events, gaps."""

from __future__ import annotations

import pandas as pd

from riskwatch.data.check.compiled import compiled_summary
from riskwatch.data.check.definition_breaks import breaks_report
from riskwatch.data.check.verification import verification_summary
from riskwatch.units import pounds_from_thousands

OUTTURN_SOURCES = ("RS", "RSX")


def data_summary(tables: dict[str, pd.DataFrame], verification_sample: pd.DataFrame | None) -> dict:
    """A JSON-ready description of the tables, with warnings about gaps, and the panel
    against the verification sample (None where it is absent: the summary says so)."""
    panel = tables["panel"]
    years_table = tables["authority_years"]
    authorities = tables["authorities"]
    events = tables["events"]
    outturn = panel[panel["source"] == "RS"]
    compiled = compiled_summary(tables)
    verification = verification_summary(panel, verification_sample)
    councils_per_year = (
        years_table.groupby(["financial_year", "class"]).size().unstack(fill_value=0)
    )
    return {
        "outturn_years": sorted(outturn["financial_year"].unique().tolist()),
        "councils": int(len(authorities)),
        "councils_by_class": authorities["class"].value_counts().sort_index().to_dict(),
        "councils_per_year_and_class": {
            year: {k: int(v) for k, v in row.items()} for year, row in councils_per_year.iterrows()
        },
        "sources": _sources(panel, tables.get("unmatched")),
        "measures": _measures(panel, years_table),
        "events": _events(events),
        "reorganisations": _reorganisations(authorities),
        "compiled": compiled,
        "verification": verification,
        "definition_breaks": breaks_report(panel, years_table),
        "warnings": _warnings(panel, years_table, authorities, tables.get("unmatched"))
        + compiled["implausible"]
        + _verification_warnings(verification),
    }


def _sources(panel: pd.DataFrame, unmatched: pd.DataFrame | None) -> dict:
    missed = (
        unmatched.groupby("source").size()
        if unmatched is not None and len(unmatched)
        else pd.Series(dtype=int)
    )
    out = {}
    for source, rows in panel.groupby("source"):
        out[source] = {
            "years": sorted(rows["financial_year"].unique().tolist()),
            "authorities": int(rows["gss_code"].nunique()),
            "indicators": sorted(rows["indicator"].unique().tolist()),
            "rows": int(len(rows)),
            "vintages": int(rows["vintage"].nunique()),
            "unmatched_rows": int(missed.get(source, 0)),
            "authorities_per_year": rows.groupby("financial_year")["gss_code"].nunique().to_dict(),
        }
    return out


def _measures(panel: pd.DataFrame, years_table: pd.DataFrame) -> dict:
    """Per source and measure: unit and the share of councils with a reported value per year."""
    councils = years_table.groupby("financial_year")["gss_code"].nunique()
    reported = panel[panel["status"] == "reported"]
    out: dict[str, dict] = {}
    for (source, indicator), rows in reported.groupby(["source", "indicator"]):
        per_year = rows.groupby("financial_year")["gss_code"].nunique()
        out[f"{source}:{indicator}"] = {
            "unit": rows["unit"].iloc[0],
            "coverage": {
                year: round(float(n) / float(councils.get(year, n) or n), 3)
                for year, n in per_year.items()
            },
        }
    return out


def _events(events: pd.DataFrame) -> dict:
    counted = events[events["counts_as_failure"]]
    return {
        "rows": int(len(events)),
        "counting_as_failure": int(len(counted)),
        "bodies": int(events["gss_code"].nunique()),
        "by_type_and_decided_year": {
            f"{event}:{year}": int(n)
            for (event, year), n in counted.groupby(["event", "decided_year"]).size().items()
        },
    }


def _reorganisations(authorities: pd.DataFrame) -> list[dict]:
    abolished = authorities[authorities["successor_gss"] != ""]
    return [
        {
            "gss_code": r.gss_code,
            "name": r.name,
            "last_year": r.last_year,
            "successors": r.successor_gss,
        }
        for r in abolished.itertuples()
    ]


def _verification_warnings(verification: dict) -> list[str]:
    """One line where the panel is not verified, one per value it holds as something else."""
    if not verification["verified"]:
        return [verification["note"]]
    return [
        f"disagrees with the verification sample: {d['name']} ({d['gss_code']}) {d['form']} "
        f"line {d['row']} {d['financial_year']}: sample {d['value_gbp_thousand']:,.0f}, panel "
        f"{d['source']}:{d['indicator']} {d['panel_value']:,.0f} (£ thousand; {d['vintage']})"
        for d in verification["disagreements"]
    ]


def _negative_general_fund(panel: pd.DataFrame, authorities: pd.DataFrame) -> list[str]:
    """Returns that state a negative general fund (unallocated) balance.

    A council cannot lawfully plan for one, so it is either a council in deficit
    (Northamptonshire at 1 April 2018) or a figure to query with the publisher; either
    way a reviewer should know the reserves features for that year rest on it.
    """
    dates = {"reserves_unallocated_open": "1 April", "reserves_unallocated_close": "31 March"}
    negative = panel[
        panel["indicator"].isin(list(dates))
        & (panel["status"] == "reported")
        & (panel["value"] < 0)
    ]
    names = authorities.set_index("gss_code")["name"]
    warnings = []
    for (gss, source, year), rows in negative.groupby(["gss_code", "source", "financial_year"]):
        levels = ", ".join(
            f"{pounds_from_thousands(value)} at {dates[indicator]}"
            for indicator, value in rows.drop_duplicates("indicator")[["indicator", "value"]]
            .sort_values("indicator", ascending=False)
            .itertuples(index=False)
        )
        warnings.append(
            f"negative general fund balance: {names.get(gss, gss)} ({gss}) {source} {year}: {levels}"
        )
    return warnings


def _warnings(
    panel: pd.DataFrame,
    years_table: pd.DataFrame,
    authorities: pd.DataFrame,
    unmatched: pd.DataFrame | None,
) -> list[str]:
    warnings = []
    missing = panel[panel["status"] == "missing_return"]
    for (gss, year, source), rows in missing.groupby(["gss_code", "financial_year", "source"]):
        name = authorities.set_index("gss_code")["name"].get(gss, gss)
        warnings.append(
            f"missing return: {name} ({gss}) {source} {year}: {len(rows)} measure(s) marked [x]"
        )
    warnings += _negative_general_fund(panel, authorities)
    filed = years_table[years_table["source"] == "RS"]
    latest = filed["financial_year"].max()
    for row in authorities.itertuples():
        if row.successor_gss == "" and row.last_year < latest:
            warnings.append(
                f"no outturn return after {row.last_year} for {row.name} ({row.gss_code}) "
                "and no successor recorded"
            )
    if unmatched is not None and not unmatched.empty:
        for (source, file), rows in unmatched.groupby(["source", "source_file"]):
            warnings.append(f"{source} {file}: {len(rows)} row(s) match no authority")
    return warnings
