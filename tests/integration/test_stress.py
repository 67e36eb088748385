"""Stress scenarios on the real 2024-25 year: a zero shock changes nothing, a larger shock
never lowers a probability, one council worked by hand, peer standings against the
unstressed distribution, and a bad scenario file stops in one line naming the key."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_helpers import registered_like
from riskwatch.features import feature_descriptions, prepare
from riskwatch.features.frame import neighbour_positions
from riskwatch.features.peers import PEER_FORMS, standing_against

from riskwatch.errors import RiskwatchError
from riskwatch.registered import LoadedModel
from riskwatch.report.pack import write_table
from riskwatch.review import make_watchlist
from riskwatch.scoring import score
from riskwatch.scoring_context import WhatIfBase
from riskwatch.settings import load_run_config
from riskwatch.shocks import Scenario, load_scenarios
from riskwatch.stress import stress, stressed_frame
from riskwatch.watchlist import bands_from_config

AS_OF = "2024-25"
STOKE = "E06000021"  # Stoke-on-Trent
WOKING = "E07000217"


def spending_scenario(percent: float) -> Scenario:
    shock = {"first_year": "2026-27", "percent": percent, "years": 1}
    definition = {"version": 1, "title": "t", "source": "s", "date": "2026-12", "spending": shock}
    return Scenario("spending", definition, (("spending", shock),))


@pytest.fixture(scope="module")
def model(tables, frames, feature_inputs) -> LoadedModel:
    """The default champion's family, trained for 2024-25, wrapped as a registered model."""
    return registered_like(tables, frames, feature_inputs, load_run_config()["train"]["model"])


@pytest.fixture(scope="module")
def prepared(tables):
    return prepare(tables["panel"])


def run(scenario, model, frames, prepared, tables):
    bands = bands_from_config(load_run_config()["watchlist"])
    return stress(
        scenario, WhatIfBase(model, frames[AS_OF], prepared, tables, None, bands), [5.0, 10.0]
    )


def test_a_zero_shock_reproduces_the_watchlist_byte_for_byte(
    model, frames, prepared, tables, tmp_path
):
    result = run(spending_scenario(0.0), model, frames, prepared, tables)
    assert (result.table["stressed_probability"] == result.table["probability"]).all()
    assert (result.table["crosses"] == "").all() and (result.table["worst_gap"] == 0).all()
    taken = result.table.set_index("gss_code")["worst_gap"]
    stressed = {**frames, AS_OF: stressed_frame(frames[AS_OF], prepared, tables, None, taken)}
    config = load_run_config()["watchlist"]
    for name, year_frames in (("before", frames), ("after", stressed)):
        listed = make_watchlist(tables, year_frames, model, AS_OF, feature_descriptions(), config)
        write_table(listed.table, tmp_path / f"{name}.csv")
    assert (tmp_path / "before.csv").read_bytes() == (tmp_path / "after.csv").read_bytes()


def test_one_council_worked_by_hand(model, frames, prepared, tables):
    """Pay and prices 2% over plan for Stoke-on-Trent, from its published lines: 2024-25
    reads RS 2023-24 (its RS 2024-25 is not held), so its usable reserves (earmarked, as
    adjusted, plus unallocated) and net revenue spending are rs2023_24.xlsx's."""
    panel = tables["panel"]
    rows = panel[
        (panel["gss_code"] == STOKE)
        & (panel["financial_year"] == "2023-24")
        & (panel["source"] == "RS")
    ]
    value = rows.sort_values("published").groupby("indicator")["value"].last()  # £ thousand
    spending = value["net_revenue_expenditure"]
    reserves = value["reserves_earmarked_adjusted_close"] + value["reserves_unallocated_close"]
    now = 100 * reserves / spending
    result = run(spending_scenario(2.0), model, frames, prepared, tables)
    stoke = result.table.set_index("gss_code").loc[STOKE]
    assert stoke["reserves_measure"] == "usable reserves"
    assert stoke["worst_gap"] == pytest.approx(0.02 * spending * 1e3)
    assert stoke["reserves_pct_nre"] == pytest.approx(now)
    assert stoke["low_point_pct_nre"] == pytest.approx(now - 2.0)
    assert stoke["below_10pct"] == (now - 2.0 < 10) and stoke["below_5pct"] == (now - 2.0 < 5)
    assert stoke["headroom_5pct"] == pytest.approx((reserves - 0.05 * spending) / (0.02 * spending))
    # The model read the stressed ratio, and its class percentile among the unstressed
    # unitaries: count by hand the others below it.
    stressed = result.frame.set_index("gss_code")
    ratio = stressed.at[STOKE, "usable_reserves_pct_nre"]
    assert ratio == pytest.approx(now - 2.0)
    before = frames[AS_OF].set_index("gss_code")
    others = before.loc[
        (before["class"] == "UA") & (before.index != STOKE), "usable_reserves_pct_nre"
    ].dropna()
    by_hand = 100 * ((others < ratio).sum() + 0.5 * (others == ratio).sum()) / len(others)
    assert stressed.at[STOKE, "usable_reserves_pct_nre_pctile_class"] == pytest.approx(by_hand)
    assert stoke["stressed_probability"] > stoke["probability"]


def test_wokings_repaid_debt_worked_by_hand(model, frames, prepared, tables):
    """£500m repaid: the saving is Woking's own interest rate (RS 2021-22 interest, its last
    return, over that year's mean COR gross borrowing) plus its MRP over its CFR at 1 April
    2024 (COR 2024-25 MRP: 2024-25 has no RS return); its borrowing falls by £500m."""
    panel = tables["panel"]
    rows = panel[panel["gss_code"] == WOKING].sort_values("published")
    value = rows.groupby(["source", "indicator", "financial_year"])["value"].last()  # £000
    borrowing = value["COR", "gross_borrowing_close"]
    rate = value["RS", "interest_payable", "2021-22"] / (
        (borrowing["2020-21"] + borrowing["2021-22"]) / 2
    )
    provision = value["COR", "mrp", "2024-25"] / value["COR", "cfr_close", "2023-24"]
    result = run(load_scenarios()["woking-debt-repaid"], model, frames, prepared, tables)
    woking = result.table.set_index("gss_code").loc[WOKING]
    assert woking["gap"] == pytest.approx(-500e6 * (rate + provision))
    assert woking["worst_gap"] == 0 and woking["debt_repaid"] == 500e6
    held = 1e3 * value["BI", "borrowing_total", "2024-25"]  # 31 March 2025, £
    before = frames[AS_OF].set_index("gss_code").at[WOKING, "borrowing_pct_nre"]
    assert woking["borrowing_pct_nre"] == before
    assert woking["stressed_borrowing_pct_nre"] == pytest.approx(before * (held - 500e6) / held)
    assert woking["stressed_probability"] < woking["probability"]
    others = result.table[result.table["gss_code"] != WOKING]
    assert (others["stressed_probability"] == others["probability"]).all()


def test_peer_standings_against_an_unchanged_distribution_equal_the_builders(frames, tables):
    frame = frames[AS_OF]
    pairs = neighbour_positions(pd.Index(frame["gss_code"]), tables["neighbours"])
    forms = {name: form for name, form in PEER_FORMS.items() if name in frame.columns}
    assert forms
    for i in range(0, len(frame), 23):
        for name, form in forms.items():
            reference = frame[form[0]].astype(float)
            got = standing_against(i, reference.iloc[i], reference, frame["class"], pairs, form)
            expected = frame[name].iloc[i]
            assert got == pytest.approx(expected, nan_ok=True), (name, i)


@pytest.fixture(scope="module")
def combined(model, frames, prepared, tables) -> pd.DataFrame:
    """The combined scenario's outcome, by GSS code."""
    return run(load_scenarios()["combined"], model, frames, prepared, tables).table.set_index(
        "gss_code"
    )


@pytest.mark.slow  # rebuilds the year's frame twice per example
@settings(max_examples=2, deadline=None)
@given(multiple=st.floats(min_value=0.2, max_value=4.0))
def test_a_larger_shock_never_lowers_a_probability(
    multiple, combined, model, frames, prepared, tables
):
    probabilities = [combined["probability"].to_numpy()]
    for scale in (multiple, 2 * multiple):
        frame = stressed_frame(frames[AS_OF], prepared, tables, None, combined["worst_gap"] * scale)
        scored = score(model, frame, tables["events"]).set_index("gss_code")["probability"]
        probabilities.append(scored.reindex(combined.index).to_numpy())
    for low, high in zip(probabilities, probabilities[1:], strict=False):
        assert (high >= low - 1e-12).all()
    assert (probabilities[2] > probabilities[0]).sum() > 100  # the shock reaches most councils


def test_a_bad_scenario_file_fails_in_one_line_naming_the_key(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text(
        '[scenarios.my-cut]\nversion = 1\ntitle = "t"\nsource = "s"\ndate = "2026-12"\n'
        '[scenarios.my-cut.spending]\nfirst_year = "2026-27"\npercent = "two"\nyears = 1\n'
    )
    with pytest.raises(RiskwatchError) as raised:
        load_scenarios(bad)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{bad}: field 'scenarios.my-cut.spending.percent': must be")
    bad.write_text(
        '[scenarios.both]\nversion = 1\ntitle = "t"\nsource = "s"\ndate = "2026-12"\n'
        'includes = ["combined", "no-such"]\n'
    )
    with pytest.raises(RiskwatchError, match=r"field 'scenarios\.both\.includes\[1\]'"):
        load_scenarios(bad)
