"""No trend across a definition break: a change or slope whose window spans one is missing,
and the reason says why."""

from __future__ import annotations

import numpy as np
import pytest
from riskwatch.features import prepare, spanned
from riskwatch.features.frame import View, councils_of

from riskwatch.data.check.definition_breaks import Break, configured
from riskwatch.reason_words import reason_text

EARMARKED = "the earmarked line was redefined in 2021-22"


RESERVE_RATIOS = ("usable_reserves_pct_nre", "earmarked_reserves_pct_nre")


@pytest.fixture(scope="module")
def prepared(tables):
    """The RS reserve levels and the ratios' denominators of the embedded panel: all the
    reserve ratios read."""
    panel = tables["panel"]
    wanted = panel["indicator"].str.startswith("reserves_") | panel["indicator"].isin(
        ["net_revenue_expenditure", "total_service_expenditure"]
    )
    return prepare(panel[(panel["source"] == "RS") & wanted])


def _view(prepared, tables, as_of: str, breaks: tuple[Break, ...]) -> View:
    classes = councils_of(tables["authority_years"], as_of)
    return View.as_of(prepared, classes, as_of, breaks=breaks)


def test_a_3_year_change_across_the_earmarked_redefinition_is_missing(prepared, tables):
    broken = _view(prepared, tables, "2022-23", configured("declared"))
    unbroken = _view(prepared, tables, "2022-23", ())
    for name in RESERVE_RATIOS:
        for form in ("change_3y", "slope_3y"):
            assert unbroken.feature(f"{name}_{form}").notna().mean() > 0.8, (name, form)
            assert broken.feature(f"{name}_{form}").isna().all(), (name, form)
    # the total of reserve levels reads the earmarked line as reported: no break there
    assert broken.feature("total_reserves_pct_nre_change_3y").notna().mean() > 0.8


def test_a_frame_without_breaks_in_its_windows_is_unchanged(prepared, tables):
    """2019-20's windows (2016-17 to 2019-20) hold no declared break: the reserve trends
    are the same with the breaks as without."""
    broken = _view(prepared, tables, "2019-20", configured("declared"))
    unbroken = _view(prepared, tables, "2019-20", ())
    for name in [f"{r}_{form}" for r in RESERVE_RATIOS for form in ("change_3y", "slope_3y")]:
        assert unbroken.feature(name).notna().mean() > 0.8, name
        np.testing.assert_array_equal(
            broken.feature(name).to_numpy(), unbroken.feature(name).to_numpy(), err_msg=name
        )


def test_a_break_spans_a_window_only_after_its_first_year():
    breaks = configured("declared")
    inputs = {"RS reserves_earmarked_adjusted_close", "RS net_revenue_expenditure"}
    assert spanned(breaks, inputs, "2020-21", "2023-24").reason == EARMARKED
    assert spanned(breaks, inputs, "2021-22", "2024-25") is None  # both ends adjusted
    assert spanned(breaks, {"RS reserves_earmarked_close"}, "2020-21", "2023-24") is None


def test_the_reason_says_why_there_is_no_3_year_change():
    reason = {
        "indicator": "Usable reserves, % of net revenue spending",
        "unit": "percent",
        "value": 21.4,
        "mechanism": "reserves",
        "change_3y": np.nan,
        "break_3y": EARMARKED,
        "change_1y": -2.5,
        "break_1y": "",
    }
    assert reason_text(reason) == (
        "[reserves] Usable reserves, % of net revenue spending: 21.4%, no 3-year change: "
        "the earmarked line was redefined in 2021-22, down 2.5 points over the year"
    )
    unbroken = {**reason, "change_3y": 17.0, "break_3y": ""}
    assert reason_text(unbroken).endswith("21.4%, up 17 points in 3 years")


def test_a_break_that_blanks_both_changes_is_said_once():
    reason = {
        "indicator": "Financing costs (interest + MRP), % of net revenue spending",
        "unit": "percent",
        "value": 15.9,
        "change_3y": np.nan,
        "break_3y": EARMARKED,
        "change_1y": np.nan,
        "break_1y": EARMARKED,
    }
    text = reason_text(reason)
    assert text.count(EARMARKED) == 1
    assert text.endswith(f"15.9%, no 3-year or 1-year change: {EARMARKED}")
