"""The successor view on the real 2024-25 year: East and West Surrey from their predecessors'
combined figures, Surrey County Council shared by the districts' council tax base, ratios
rebuilt from the summed pounds, the worst flag kept, and a bad E-code stopped in one line."""

from __future__ import annotations

import pandas as pd
import pytest
from model_helpers import registered_like
from riskwatch.features import prepare

from riskwatch import successors
from riskwatch.errors import RiskwatchError
from riskwatch.scoring_context import WhatIfBase
from riskwatch.settings import load_run_config
from riskwatch.successors import announced_reorganisations, successor_view
from riskwatch.watchlist import bands_from_config

AS_OF = "2024-25"
SURREY_CC = "E10000030"
EAST = ["E07000207", "E07000208", "E07000210", "E07000211", "E07000215"]
WEST = ["E07000209", "E07000212", "E07000213", "E07000214", "E07000216", "E07000217"]


@pytest.fixture(scope="module")
def view(tables, frames, feature_inputs):
    model = registered_like(tables, frames, feature_inputs, load_run_config()["train"]["model"])
    bands = bands_from_config(load_run_config()["watchlist"])
    return successor_view(
        WhatIfBase(model, frames[AS_OF], prepare(tables["panel"]), tables, None, bands)
    )


def panel_line(tables, source: str, indicator: str, year: str) -> pd.Series:
    """One line of the panel for a year, latest release, £ thousand (or the unit printed)."""
    panel = tables["panel"]
    rows = panel[
        (panel["source"] == source)
        & (panel["indicator"] == indicator)
        & (panel["financial_year"] == year)
    ]
    return rows.sort_values("published").groupby("gss_code")["value"].last()


def test_the_surrey_successors_are_announced_with_their_districts(tables):
    plans = {p.name: p for p in announced_reorganisations(tables["authorities"])}
    assert sorted(plans["East Surrey"].predecessors) == EAST
    assert sorted(plans["West Surrey"].predecessors) == WEST
    assert plans["East Surrey"].shared == plans["West Surrey"].shared == (SURREY_CC,)
    assert plans["West Surrey"].first_year == "2027-28"


def test_the_county_is_shared_by_the_districts_council_tax_base(view, tables):
    base = panel_line(tables, "CTR", "council_tax_base", "2023-24")
    shares = view.shares.set_index("successor")["share"]
    assert shares["East Surrey"] == pytest.approx(base[EAST].sum() / base[EAST + WEST].sum())
    assert shares.sum() == pytest.approx(1.0)
    assert set(view.shares["year"]) == {"2023-24"}


def test_a_successor_sums_its_predecessors_pounds_and_rebuilds_its_ratios(view, tables):
    """2024-25 reads RS 2023-24: East Surrey's spending and usable reserves by hand."""
    year = "2023-24"
    share = view.shares.set_index("successor").at["East Surrey", "share"]
    lines = {
        name: panel_line(tables, "RS", name, year)
        for name in (
            "net_revenue_expenditure",
            "reserves_earmarked_adjusted_close",
            "reserves_unallocated_close",
        )
    }
    weights = pd.Series(1.0, index=EAST)
    weights[SURREY_CC] = share
    summed = {name: 1e3 * (line[weights.index] * weights).sum() for name, line in lines.items()}
    usable = summed["reserves_earmarked_adjusted_close"] + summed["reserves_unallocated_close"]
    east = view.table[view.table["name"] == "East Surrey"].iloc[0]
    assert east["role"] == "successor" and east["class"] == "UA"
    assert east["net_revenue_expenditure"] == pytest.approx(summed["net_revenue_expenditure"])
    assert east["reserves"] == pytest.approx(usable)
    assert east["usable_reserves_pct_nre"] == pytest.approx(
        100 * usable / summed["net_revenue_expenditure"]
    )
    assert 0 < east["probability"] < 1


def test_each_successor_is_shown_beside_its_predecessors_with_the_worst_flag(view, frames):
    table = view.table
    for name, districts in (("East Surrey", EAST), ("West Surrey", WEST)):
        rows = table[table["successor"] == name]
        assert list(rows["role"]) == ["successor"] + ["predecessor"] * (len(districts) + 1)
        assert sorted(rows["gss_code"].iloc[1:]) == sorted([*districts, SURREY_CC])
        flags = frames[AS_OF].set_index("gss_code").loc[[*districts, SURREY_CC]]
        worst = flags["missing_return_latest"].max()
        assert rows["missing_return_latest"].iloc[0] == worst


def test_an_unknown_e_code_stops_in_one_line_naming_the_key(tables, monkeypatch):
    entry = {
        "name": "Nowhere",
        "first_year": "2028-29",
        "decided": "2026-01-01",
        "source": "s",
        "predecessors": ["E3631", "E9999"],
    }
    monkeypatch.setattr(successors, "load_reorganisation_config", lambda: {"announced": [entry]})
    with pytest.raises(RiskwatchError) as raised:
        announced_reorganisations(tables["authorities"])
    message = str(raised.value)
    assert "\n" not in message
    assert "field 'announced[0].predecessors[1]'" in message


def test_the_pack_shows_each_successor_beside_its_predecessors(view):
    from riskwatch.report.what_if import _successors_html

    page = _successors_html(view)
    assert page.count('class="successor-row successor"') == 2
    assert page.count('class="successor-row predecessor"') == len(EAST) + len(WEST) + 2
    share = view.shares.set_index("successor").at["East Surrey", "share"]
    assert f"East Surrey takes {share:.1%} of" in page
    assert "of Surrey CC's figures" in page and "CTR council_tax_base" in page
