"""Class-level plausibility: a measure whose every class's median moves beyond its own past
is a suspected definition break, reported and held out of trends until accepted."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import TEST_DATA

from riskwatch.data.check.definition_breaks import (
    Break,
    breaks_in_force,
    breaks_report,
    class_median_moves,
    suspected_breaks,
)

# Real rows: every RS reserve level at 31 March of the embedded panel as it stood before
# issue 18's fix, with the compiled 2024-25 `reserves` still read as RS reserves_total_close.
RESERVES_BEFORE_FIX = TEST_DATA / "rs_reserve_levels_with_compiled_2024_25.parquet"


@pytest.fixture(scope="module")
def report_before_fix(tables) -> dict:
    return breaks_report(pd.read_parquet(RESERVES_BEFORE_FIX), tables["authority_years"])


def _found(report: dict, indicator: str, year: str) -> dict:
    rows = [
        r
        for r in report["suspected"]
        if (r["source"], r["indicator"], r["financial_year"]) == ("RS", indicator, year)
    ]
    assert len(rows) == 1, f"{indicator} {year} not flagged: {report['suspected']}"
    return rows[0]


def test_the_old_compiled_reserves_are_a_suspected_break_held_out(report_before_fix):
    flagged = _found(report_before_fix, "reserves_total_close", "2024-25")
    assert not flagged["accepted"]
    for council_class in ("L", "MD", "SC", "SD", "UA"):
        assert f"{council_class} -" in flagged["classes"]  # every class fell
    held_out = breaks_in_force(report_before_fix)
    assert ("RS", "reserves_total_close", "2024-25") in {
        (b.source, b.indicator, b.year) for b in held_out
    }


def test_covid_grants_of_2020_21_are_flagged_and_accepted_by_configuration(report_before_fix):
    flagged = _found(report_before_fix, "reserves_total_close", "2020-21")
    assert flagged["accepted"] and "COVID-19" in flagged["reason"]
    assert ("RS", "reserves_total_close", "2020-21") not in {
        (b.source, b.indicator, b.year) for b in breaks_in_force(report_before_fix)
    }


def test_the_earmarked_redefinition_is_a_declared_break():
    declared = breaks_in_force({"suspected": []})
    assert (
        Break(
            "RS",
            "reserves_earmarked_adjusted_close",
            "2021-22",
            "the earmarked line was redefined in 2021-22",
        )
        in declared
    )


def _synthetic(last_year_growth: dict[str, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """12 councils in each of three classes over six years, each growing 2-4% a year, and
    in the last year by the given growth per class."""
    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2021)]
    rows, classes = [], []
    for c, council_class in enumerate(("SD", "UA", "L")):
        for k in range(12):
            gss, value = f"E0{c}{k:06d}", 1000.0 + 10 * k
            for i, year in enumerate(years):
                growth = last_year_growth[council_class] if i == len(years) - 1 else 0.02 + k / 600
                value = value * (1 + growth) if i else value
                rows.append((gss, "RS", "mrp", year, value, "reported", "GBP_thousand"))
                classes.append((gss, year, council_class))
    panel = pd.DataFrame(
        rows,
        columns=["gss_code", "source", "indicator", "financial_year", "value", "status", "unit"],
    ).assign(published="2022-01-01", period_end="", vintage="synthetic")
    return panel, pd.DataFrame(classes, columns=["gss_code", "financial_year", "class"])


def test_every_class_jumping_at_once_is_a_break_one_class_is_not():
    usual = {"SD": 0.03, "UA": 0.03, "L": 0.03}
    assert suspected_breaks(class_median_moves(*_synthetic(usual))).empty
    one_class = {**usual, "L": 0.40}
    assert suspected_breaks(class_median_moves(*_synthetic(one_class))).empty
    every_class = {"SD": 0.40, "UA": 0.25, "L": 0.30}
    found = suspected_breaks(class_median_moves(*_synthetic(every_class)))
    assert found[["source", "indicator", "financial_year"]].values.tolist() == [
        ["RS", "mrp", "2020-21"]
    ]


def test_a_panel_without_the_measures_asked_about_has_no_suspected_break(tables):
    report = breaks_report(tables["panel"], tables["authority_years"], frozenset())
    assert report["suspected"] == []
    assert breaks_in_force(report) == breaks_in_force({"suspected": []})  # the declared ones
