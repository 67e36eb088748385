"""Housing features: golden values for Newham, point in time, counties NaN.

Inputs, cited to their cells: H-CLIC TA1, row 184 (E09000025 Newham) of
Detailed_LA_202503.ods (31 March 2025: E 6980 households in TA, F 120.931 thousand
households, K 394 in B&B, Q 3537 nightly paid), of Detailed_LA_202403.xlsx (31 March
2024: E 6350, F 119.604) and of Detailed_LA_202412.ods (31 December 2024: E 6933,
F 119.604); RO4 2024-25 (ro4_housing_expenditure_2024-25.csv line 164: nightly paid net
56134, hostels net 0, B&B net 5206, £ thousand); RSX 2024-25 total service expenditure
760874 (£ thousand, the embedded panel's RSX_LA_Data_2024-25_data_by_LA.ods row).
"""

from __future__ import annotations

import pandas as pd
import pytest
from riskwatch.features import FEATURES, build_features

NEWHAM, KENT, BARNET = "E09000025", "E10000016", "E09000003"
HOUSING = ["ta_per_1000_households", "ta_growth_1y_pct", "ta_nightly_paid_bb_share"]
ALL = [
    *HOUSING,
    "ta_spending_pct_nre",
    "housing_services_pct_nre",
    "housing_services_growth_1y_pct",
]


@pytest.fixture(scope="module")
def small_panel(tables) -> pd.DataFrame:
    """The panel rows of three councils (a London borough, a county, a second borough)."""
    panel = tables["panel"]
    return panel[panel["gss_code"].isin([NEWHAM, KENT, BARNET])]


def features_of(panel, tables, year) -> pd.DataFrame:
    frame = build_features(panel, tables["authority_years"], year)
    return frame.set_index("gss_code")


def test_registered_in_the_housing_family():
    for name in ALL:
        feature = FEATURES[name]
        assert feature.family == "housing" and feature.direction == 1
        assert "County councils have no housing duty" in feature.definition
        assert feature.years and feature.label and feature.inputs


def test_newham_golden_values_2024_25(small_panel, tables):
    newham = features_of(small_panel, tables, "2024-25").loc[NEWHAM]
    assert newham["ta_per_1000_households"] == pytest.approx(6980 / 120.931)
    assert newham["ta_growth_1y_pct"] == pytest.approx(
        ((6980 / 120.931) / (6350 / 119.604) - 1) * 100
    )
    assert newham["ta_nightly_paid_bb_share"] == pytest.approx((3537 + 394) / 6980 * 100)
    # RO4 net TA spending over the latest outturn NRE, 2023-24's £333,187k (rs2023_24.xlsx):
    # the compiled £331,325k (outturn-and-capital_2024-25 row 176) is its 2024-25 budget
    assert newham["ta_spending_pct_nre"] == pytest.approx((56134 + 0 + 5206) / 333187 * 100)


def test_newham_housing_services_spending_2024_25(small_panel, tables):
    newham = features_of(small_panel, tables, "2024-25").loc[NEWHAM]
    # RSX 2024-25 housing services (GFRA) net current expenditure £84,848k
    # (RSX_LA_Data_2024-25_data_by_LA.ods), RSX/RS 2023-24 £61,251k (rs2023_24.xlsx), over
    # the latest outturn NRE, 2023-24's £333,187k (RS 2024-25 is not held)
    assert newham["housing_services_pct_nre"] == pytest.approx(84848 / 333187 * 100)
    assert newham["housing_services_growth_1y_pct"] == pytest.approx((84848 / 61251 - 1) * 100)


def test_a_quarter_published_after_the_as_of_date_is_not_used(small_panel, tables):
    # As of 2024-25 (seen on 31 December 2025, when its outturn was published) the March 2025
    # quarter is public (rule: 30 September 2025). Published one day after the as-of date,
    # it must not be used: the December 2024 quarter is the latest seen.
    from riskwatch.features import as_of_date

    day_after = (pd.Timestamp(as_of_date("2024-25")) + pd.Timedelta(days=1)).date().isoformat()
    march = (small_panel["source"] == "HCLIC") & (small_panel["period_end"] == "2025-03-31")
    late = small_panel.copy()
    late.loc[march, "published"] = day_after
    newham = features_of(late, tables, "2024-25").loc[NEWHAM]
    assert newham["ta_per_1000_households"] == pytest.approx(6933 / 119.604)


def test_first_quarters_unseen_before_their_revision(small_panel, tables):
    # The 2018-19 quarters are held as revised in December 2019 (the files say so), after
    # the 2018-19 as-of date (30 November 2019): nothing of them is seen as of 2018-19.
    frame = features_of(small_panel, tables, "2018-19")
    assert frame[HOUSING].isna().all().all()
    assert features_of(small_panel, tables, "2019-20").loc[NEWHAM, HOUSING[0]] > 0


def test_counties_are_nan_not_zero(small_panel, tables):
    frame = features_of(small_panel, tables, "2024-25")
    assert frame.loc[KENT, "class"] == "SC"
    assert frame.loc[KENT, ALL].isna().all()
    # even with TA figures in the panel, a county is not a housing authority
    planted = small_panel[
        (small_panel.gss_code == NEWHAM) & small_panel.source.isin(["HCLIC", "RO4"])
    ].assign(gss_code=KENT)
    frame = features_of(pd.concat([small_panel, planted]), tables, "2024-25")
    assert frame.loc[KENT, ALL].isna().all()
    assert frame.loc[NEWHAM, ALL].notna().all()


def test_whole_frame_counties_nan_and_coverage(tables):
    frame = build_features(tables["panel"], tables["authority_years"], "2024-25")
    counties = frame[frame["class"] == "SC"]
    assert len(counties) > 10 and counties[ALL].isna().all().all()
    assert frame.loc[frame["class"] != "SC", "ta_per_1000_households"].notna().sum() > 250
