"""Golden numbers: features computed by hand from the source workbooks equal the builders'.

Every input figure below was read from the cell named in the comment (£ thousand, as
printed in the workbooks under ../shared/data: revenue-outturn, capital-outturn,
borrowing-investment), and the expected value is the feature's definition applied to
those figures by hand.
"""

from __future__ import annotations

import math

import pytest
from riskwatch.features import build_features
from riskwatch.features.frame import View, councils_of

from riskwatch.data.store.table_store import load_table

# Croydon (E5035, E09000008), rs2023_24.xlsx, sheet RS_LA_Data_2023-24, row 89.
CROYDON_NRE = 345011  # BU89, C1R805 NET REVENUE EXPENDITURE
CROYDON_EARMARKED_ADJ_CLOSE = 130805  # DC89, C3R915b earmarked at 31 March (adjusted)
CROYDON_EARMARKED_ADJ_OPEN = 113727  # CO89, C2R915b earmarked at 1 April (adjusted)
CROYDON_UNALLOCATED_CLOSE = 27516  # DM89, C3R916 unallocated at 31 March
CROYDON_UNALLOCATED_OPEN = 27516  # DL89, C2R916 unallocated at 1 April
CROYDON_INTEREST = 46385  # AU89, C1R781 Interest: external payments
CROYDON_MRP = 27629  # AS89, C1R773 Provision for repayment of principal
CROYDON_INVESTMENT_INCOME = -13972  # AX89, C1R786 Interest and investment income (-)

# Northamptonshire (E2820, E10000021).
# rs2016_17.xlsx, sheet RS LA Data 2016-17, row 213:
NORTHANTS_NRE_1617 = 432101.4299631447  # BG213, line 805 NET REVENUE EXPENDITURE
NORTHANTS_EARMARKED_CLOSE_1617 = 8481  # BX213, line 915 at 31 March
NORTHANTS_UNALLOCATED_CLOSE_1617 = 11721  # BY213, line 916 at 31 March
# rs2014_15.xls, sheet RS LA Data 2014-15 (1) ("levels at 1 April 2014"), row 213:
NORTHANTS_EARMARKED_OPEN_1415 = 46963  # BT213
NORTHANTS_UNALLOCATED_OPEN_1415 = 12810  # BU213

# Ipswich (E3533, E07000202), rs2009_10.xls, row 258.
IPSWICH_NRE = 19926  # sheet (1), BD258 NET REVENUE EXPENDITURE
IPSWICH_INTEREST = 2178  # sheet (1), AS258 Interest payable (not the Iceland memo, BZ258)
IPSWICH_INVESTMENT_INCOME = -1064  # sheet (1), AV258
IPSWICH_EARMARKED_OPEN = 2899  # sheet (1) ("levels at 1 April 2009"), BQ258
IPSWICH_UNALLOCATED_OPEN = 3349  # sheet (1), BR258
IPSWICH_EARMARKED_CLOSE = 5608  # sheet (2) ("levels at 31 March 2010"), BQ258
IPSWICH_UNALLOCATED_CLOSE = 5191  # sheet (2), BR258

# Croydon 2018-19: COR_2018-19_outputs_COR_C.xlsx, sheet Capital Financing Requirement,
# row 89; rs2018_19.xls, sheet RS_LA_Data_2018-19, row 36.
CROYDON_CFR_OPEN_1819 = 1016539  # F89, PRU1-prucfrstrt-amt, CFR as at 1 April 2018
CROYDON_CFR_CLOSE_1819 = 1310956  # O89, PRU1-prucfrend-amt, CFR as at 31 March 2019
CROYDON_NRE_1819 = 270395.6072499998  # BG36, line 805 NET REVENUE EXPENDITURE
CROYDON_MRP_1819 = 8940.61085  # AP36, line 773 Provision for repayment of principal

# Thurrock (E1502, E06000034), Borrowing_and_Investment_Live_Table_Q4_2019_20.xlsx, sheet
# LA Borrowing 19-20 Q4 ("as at 31 March 2020"), row 458; every other column holds 0.
THURROCK_PWLB = 260289  # N458, Loans Longer-term - PWLB
THURROCK_BANKS_LONG = 29000  # O458, Loans Longer-term - Banks in UK
THURROCK_LA_SHORT = 1061200  # W458, Short Term Loans Local Authorities
THURROCK_LA_LONG = 63000  # X458, Longer Term Loans Local Authorities


def _croydon() -> dict[str, float]:
    usable = CROYDON_EARMARKED_ADJ_CLOSE + CROYDON_UNALLOCATED_CLOSE
    opening = CROYDON_EARMARKED_ADJ_OPEN + CROYDON_UNALLOCATED_OPEN
    return {
        "usable_reserves": usable,
        "usable_reserves_pct_nre": 100 * usable / CROYDON_NRE,
        "unallocated_reserves_pct_nre": 100 * CROYDON_UNALLOCATED_CLOSE / CROYDON_NRE,
        "earmarked_reserves_pct_nre": 100 * CROYDON_EARMARKED_ADJ_CLOSE / CROYDON_NRE,
        "usable_reserves_change_1y_pct": 100 * (usable / opening - 1),
        "interest_payable_pct_nre": 100 * CROYDON_INTEREST / CROYDON_NRE,
        "mrp_pct_nre": 100 * CROYDON_MRP / CROYDON_NRE,
        "investment_income_pct_nre": -100 * CROYDON_INVESTMENT_INCOME / CROYDON_NRE,
        "missing_return_latest": 0,
    }


def _northamptonshire() -> dict[str, float]:
    usable = NORTHANTS_EARMARKED_CLOSE_1617 + NORTHANTS_UNALLOCATED_CLOSE_1617
    three_years_before = NORTHANTS_EARMARKED_OPEN_1415 + NORTHANTS_UNALLOCATED_OPEN_1415
    draw = (three_years_before - usable) / 3
    return {
        "usable_reserves_pct_nre": 100 * usable / NORTHANTS_NRE_1617,
        "unallocated_reserves_pct_nre": 100 * NORTHANTS_UNALLOCATED_CLOSE_1617 / NORTHANTS_NRE_1617,
        "usable_reserves_change_3y_pct": 100 * (usable / three_years_before - 1),
        "reserves_runway_years": usable / draw,
        "reserves_runway_years_capped": usable / draw,
        "reserves_draw_pct": 100 * draw / usable,
    }


def _ipswich() -> dict[str, float]:
    usable = IPSWICH_EARMARKED_CLOSE + IPSWICH_UNALLOCATED_CLOSE
    opening = IPSWICH_EARMARKED_OPEN + IPSWICH_UNALLOCATED_OPEN
    return {
        "usable_reserves_pct_nre": 100 * usable / IPSWICH_NRE,
        "unallocated_reserves_pct_nre": 100 * IPSWICH_UNALLOCATED_CLOSE / IPSWICH_NRE,
        "usable_reserves_change_1y_pct": 100 * (usable / opening - 1),
        "interest_payable_pct_nre": 100 * IPSWICH_INTEREST / IPSWICH_NRE,
        "investment_income_pct_nre": -100 * IPSWICH_INVESTMENT_INCOME / IPSWICH_NRE,
    }


def _croydon_debt() -> dict[str, float]:
    return {
        "cfr": CROYDON_CFR_CLOSE_1819,
        "cfr_pct_nre": 100 * CROYDON_CFR_CLOSE_1819 / CROYDON_NRE_1819,
        "cfr_growth_1y_pct": 100 * (CROYDON_CFR_CLOSE_1819 / CROYDON_CFR_OPEN_1819 - 1),
        "mrp_pct_cfr": 100 * CROYDON_MRP_1819 / CROYDON_CFR_OPEN_1819,
    }


def _thurrock() -> dict[str, float]:
    total = THURROCK_PWLB + THURROCK_BANKS_LONG + THURROCK_LA_SHORT + THURROCK_LA_LONG
    return {
        "la_borrowing_share": 100 * (THURROCK_LA_SHORT + THURROCK_LA_LONG) / total,
        "short_term_borrowing_share": 100 * THURROCK_LA_SHORT / total,
    }


GOLDEN = [
    ("E09000008", "2023-24", _croydon()),
    ("E09000008", "2018-19", _croydon_debt()),
    ("E06000034", "2019-20", _thurrock()),
    ("E10000021", "2016-17", _northamptonshire()),
    ("E07000202", "2009-10", _ipswich()),
]


@pytest.fixture(scope="module")
def tables() -> dict[str, object]:
    return {name: load_table(name) for name in ("panel", "authority_years")}


@pytest.fixture(scope="module")
def frames(tables) -> dict[str, object]:
    years = {year for _, year, _ in GOLDEN} | {"2017-18"}
    return {
        year: build_features(tables["panel"], tables["authority_years"], year).set_index("gss_code")
        for year in years
    }


@pytest.mark.parametrize(
    ("gss", "year", "expected"), GOLDEN, ids=[f"{g}-{y}" for g, y, _ in GOLDEN]
)
def test_golden_features(frames, gss, year, expected):
    row = frames[year].loc[gss]
    for name, value in expected.items():
        assert math.isclose(row[name], value, rel_tol=1e-12, abs_tol=1e-9), name


def test_northamptonshire_had_the_thinnest_reserves_of_the_shire_counties(frames):
    frame = frames["2016-17"]
    counties = frame[frame["class"] == "SC"]
    assert counties["usable_reserves_pct_nre"].idxmin() == "E10000021"
    assert frame.loc["E10000021", "usable_reserves_pct_nre_pctile_class"] == 0.0


def test_a_missing_return_gives_nan_and_is_counted(tables):
    # Birmingham's RS 2022-23 and 2023-24 are marked [x] (missing returns).
    frame = build_features(tables["panel"], tables["authority_years"], "2023-24")
    birmingham = frame.set_index("gss_code").loc["E08000025"]
    assert math.isnan(birmingham["usable_reserves_pct_nre"])
    assert math.isnan(birmingham["reserves_runway_years"])
    assert birmingham["missing_return_latest"] == 1
    assert birmingham["missing_return_count"] == 2


def test_a_revision_published_later_is_not_seen_early(frames, tables):
    """RS 2017-18 was revised in November 2018; the revision is public a year later."""
    panel = tables["panel"]
    rows = panel[
        (panel["gss_code"] == "E06000026")  # Plymouth
        & (panel["source"] == "RS")
        & (panel["financial_year"] == "2017-18")
        & (panel["indicator"].isin(["reserves_unallocated_close", "net_revenue_expenditure"]))
    ]
    first = rows[rows["published"] == rows["published"].min()].set_index("indicator")["value"]
    revised = rows[rows["published"] == rows["published"].max()].set_index("indicator")["value"]
    assert first["reserves_unallocated_close"] != revised["reserves_unallocated_close"]

    def ratio(values):
        return 100 * values["reserves_unallocated_close"] / values["net_revenue_expenditure"]

    seen_then = frames["2017-18"].loc["E06000026", "unallocated_reserves_pct_nre"]
    assert math.isclose(seen_then, ratio(first), rel_tol=1e-12)
    classes = councils_of(tables["authority_years"], "2018-19")
    seen_a_year_on = View.as_of(panel, classes, "2018-19").shift(1)
    value = seen_a_year_on.feature("unallocated_reserves_pct_nre")["E06000026"]
    assert math.isclose(value, ratio(revised), rel_tol=1e-12)
