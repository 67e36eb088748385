"""Every figure the right kind and year: budgets are not outturn, an outturn not yet held is
read at its latest year with that year named, a negative denominator neither explodes nor
vanishes, and one quantity makes one reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from riskwatch.features import FEATURES, build_features
from riskwatch.features.registry import QUANTITIES

from riskwatch.data.registry import KIND_OF_SOURCE, with_kinds
from riskwatch.data.schema import KINDS
from riskwatch.reason_words import dated_words
from riskwatch.reasons import _quantity_rows

WOKING, THURROCK, HAVERING = "E07000217", "E06000034", "E09000016"


def test_every_panel_value_carries_its_kind(tables):
    panel = tables["panel"]
    assert panel["kind"].isin(KINDS).all()
    assert (panel["kind"] == panel["source"].map(KIND_OF_SOURCE)).all()
    with pytest.raises(ValueError, match="sources of no declared kind: NEW"):
        with_kinds(pd.DataFrame({"source": ["RS", "NEW"]}))


def test_compiled_2024_25_revenue_columns_are_budgets_and_reserves_are_not_read(tables):
    panel = tables["panel"]
    year = panel[panel["financial_year"] == "2024-25"]
    assert not year["source"].eq("RS").any()  # RS 2024-25 outturn is not held
    budget = year[(year["source"] == "RA") & (year["indicator"] == "net_revenue_expenditure")]
    assert len(budget) == 317 and budget["kind"].eq("budget").all()
    assert budget["published"].eq("2024-10-03").all()
    assert not year["indicator"].eq("reserves_total_close").any()


@pytest.fixture(scope="module")
def scored_year(tables) -> pd.DataFrame:
    return build_features(tables["panel"], tables["authority_years"], "2024-25").set_index(
        "gss_code"
    )


@pytest.fixture(scope="module")
def year_before(tables) -> pd.DataFrame:
    return build_features(tables["panel"], tables["authority_years"], "2023-24").set_index(
        "gss_code"
    )


def test_an_outturn_not_yet_held_is_read_at_its_latest_year(scored_year, year_before):
    """2024-25 reads RS 2023-24 whole (reserves, interest, their 3-year changes), marked as
    one year back; its capital figures are 2024-25's own."""
    assert scored_year["revenue_outturn_years_back"].eq(1).all()
    assert year_before["revenue_outturn_years_back"].eq(0).all()
    for name in ("usable_reserves_pct_nre", "interest_payable_pct_nre", "mrp_pct_nre"):
        pd.testing.assert_series_equal(scored_year[name], year_before[name], check_names=False)
    pd.testing.assert_series_equal(
        scored_year["usable_reserves_pct_nre_change_3y"],
        year_before["usable_reserves_pct_nre_change_3y"],
        check_names=False,
    )
    # Thurrock: CFR at 31 March 2025 (compiled COR) over RS 2023-24 NRE £123,802k
    assert scored_year.loc[THURROCK, "cfr"] != year_before.loc[THURROCK, "cfr"]
    assert scored_year.loc[THURROCK, "cfr_pct_nre"] == pytest.approx(
        scored_year.loc[THURROCK, "cfr"] / 123_802 * 100
    )


def test_budget_features_read_budgets_against_the_last_outturn(scored_year):
    # Thurrock: RA 2024-25 budget interest 18,556 against RS 2023-24 outturn interest
    outturn_interest = 18_556 / (
        1 + scored_year.loc[THURROCK, "budgeted_interest_growth_pct"] / 100
    )
    assert outturn_interest == pytest.approx(float(_rs(THURROCK, "interest_payable", "2023-24")))
    assert scored_year.loc[THURROCK, "budgeted_spending_growth_pct"] == pytest.approx(
        (147_298 / 123_802 - 1) * 100
    )
    assert not FEATURES["budgeted_interest_pct_budgeted_nre"].model_input


def _rs(gss: str, indicator: str, year: str) -> float:
    from riskwatch.data.store.table_store import load_table

    panel = load_table("panel")
    rows = panel[
        (panel["gss_code"] == gss)
        & (panel["source"] == "RS")
        & (panel["indicator"] == indicator)
        & (panel["financial_year"] == year)
    ]
    return rows.sort_values("published")["value"].iloc[-1]


def test_a_feature_reads_one_kind_unless_it_declares_a_comparison():
    from riskwatch.features.registry import Feature, register

    mixed = {
        f.name
        for f in FEATURES.values()
        if {KIND_OF_SOURCE[s] for s, _ in f.inputs} >= {"budget", "outturn"}
    }
    assert mixed == {n for n, f in FEATURES.items() if f.compares}
    assert {"budgeted_spending_growth_pct", "budgeted_interest_growth_pct"} <= mixed
    stand_in = Feature(
        "budget_as_outturn", "x", "debt", "x", "percent", 1,
        (("RA", "interest_payable"), ("RS", "net_revenue_expenditure")), "x", lambda v: v,
    )  # fmt: skip
    with pytest.raises(ValueError, match="reads budget and outturn figures"):
        register(stand_in)


def test_woking_negative_spending_takes_its_last_valid_figure(scored_year):
    """Woking's 2024-25 budget NRE is -£14.3m and its RS 2022-23 and 2023-24 returns are
    missing: ratios divide by its last valid outturn, £20,493k in 2021-22 (rs2021_22.xlsx),
    and say so; they neither vanish (missing reads as safe) nor turn negative."""
    woking = scored_year.loc[WOKING]
    assert woking["nre_denominator_years_back"] == 2  # 2023-24 -> 2021-22
    assert woking["cfr_pct_nre"] == pytest.approx(2_274_515 / 20_493 * 100)
    assert woking["gross_external_debt_pct_nre"] == pytest.approx(2_176_291 / 20_493 * 100)
    assert dated_words({"COR cfr_close", "RS net_revenue_expenditure"}, "2024-25", 1, 2.0) == (
        "over net revenue spending of 2021-22, the last valid figure"
    )


def test_dated_words_name_the_year_of_a_carried_outturn():
    reserves = {"RS reserves_unallocated_close", "RS net_revenue_expenditure"}
    assert dated_words(reserves, "2024-25", 1, 0.0) == "2023-24 outturn, the latest published"
    assert dated_words({"COR cfr_close", "RS net_revenue_expenditure"}, "2024-25", 1, 0.0) == (
        "over net revenue spending of 2023-24, the latest outturn published"
    )
    assert dated_words(reserves, "2023-24", 0, 0.0) == ""
    assert dated_words({"HCLIC ta_households_total"}, "2024-25", 1, np.nan) == ""
    # a service share read from RSX 2024-25 where RS is carried is the scored year's own
    shares = {"RS children_social_care_nce", "RSX children_social_care_nce"}
    assert dated_words(shares | {"RS total_service_expenditure"}, "2024-25", 1, 0.0) == ""


def test_one_quantity_is_one_reason_in_its_most_telling_form():
    summed = pd.DataFrame(
        {
            "borrowing_pct_nre": [0.3, 0.1],
            "gross_external_debt_pct_nre": [0.2, 0.4],
            "x": [0.25, 0],
        },
        index=["A", "B"],
    )
    quantities = pd.Series(
        {
            "borrowing_pct_nre": "debt outstanding",
            "gross_external_debt_pct_nre": "debt outstanding",
            "x": "x",
        }
    )
    rows = _quantity_rows(summed, quantities)
    first = rows[rows["gss_code"] == "A"]
    assert list(first["base"]) == ["borrowing_pct_nre", "x"]
    assert first["contribution"].iloc[0] == pytest.approx(0.5)
    assert rows[rows["gss_code"] == "B"]["base"].iloc[0] == "gross_external_debt_pct_nre"
    assert all(base in FEATURES for bases in QUANTITIES.values() for base in bases)
