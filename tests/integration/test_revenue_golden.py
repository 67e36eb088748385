"""Golden numbers: values read by hand from the workbooks equal the embedded panel.

Each expected figure was read from the cell named in the comment.
"""

import math

import pytest


def value(tables, gss, year, indicator, source="RS", period_end=None):
    panel = tables["panel"]
    rows = panel[
        (panel.gss_code == gss)
        & (panel.financial_year == year)
        & (panel.indicator == indicator)
        & (panel.source == source)
    ]
    if period_end:
        rows = rows[rows.period_end == period_end]
    assert rows["value"].nunique(dropna=False) == 1, rows
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("gss", "year", "indicator", "expected"),
    [
        # rs2023_24.xlsx, RS_LA_Data_2023-24, row 89 (E5035 Croydon), column C3R916
        ("E09000008", "2023-24", "reserves_unallocated_close", 27516),
        # rs2016_17.xlsx, RS LA Data 2016-17, row 213 (E2820 Northamptonshire), line 805
        ("E10000021", "2016-17", "net_revenue_expenditure", 432101.4299631447),
        # rs2009_10.xls, RS LA Data 2009-10 (1), row 258 (E3533 Ipswich), NET REVENUE EXPENDITURE
        ("E07000202", "2009-10", "net_revenue_expenditure", 19926),
        # rs2009_10.xls, RS LA Data 2009-10 (2), row 258, Unallocated ... at 31 March 2010
        ("E07000202", "2009-10", "reserves_unallocated_close", 5191),
        # rs2023_24.xlsx, row 110 (E4603, ONS E08000027 Dudley), column C1R805
        ("E08000027", "2023-24", "net_revenue_expenditure", 280721),
    ],
)
def test_golden_numbers(tables, gss, year, indicator, expected):
    row = value(tables, gss, year, indicator)
    assert row["status"] == "reported"
    assert math.isclose(row["value"], expected, rel_tol=0, abs_tol=1e-6)
    assert row["unit"] == "GBP_thousand"


def test_interest_payable_is_the_form_line_not_the_iceland_memo(tables):
    # rs2010_11.xlsx (1), Croydon row 346: col 42 'Interest payable and similar charges' = 7268;
    # the 'Icelandic bank impairment' column with the same wording holds 0.
    assert value(tables, "E09000008", "2010-11", "interest_payable")["value"] == 7268


def test_closing_reserves_before_2015_come_from_the_dated_block_on_a_later_sheet(tables):
    opening = value(tables, "E07000202", "2009-10", "reserves_unallocated_open")
    closing = value(tables, "E07000202", "2009-10", "reserves_unallocated_close")
    assert opening["period_end"] == "2009-04-01"
    assert closing["period_end"] == "2010-03-31"
    assert opening["value"] != closing["value"]


def test_closing_level_and_next_years_opening_level_are_both_kept(tables):
    panel = tables["panel"]
    rs = panel[(panel.source == "RS") & (panel.indicator.str.startswith("reserves_unallocated"))]
    closing = rs[(rs.financial_year == "2016-17") & rs.indicator.str.endswith("close")]
    opening = rs[(rs.financial_year == "2017-18") & rs.indicator.str.endswith("open")]
    assert len(closing) > 300 and len(opening) > 300
    assert set(closing.period_end) == {"2017-03-31"}
    assert set(opening.period_end) == {"2017-04-01"}


def test_earmarked_reserves_adjusted_and_unadjusted_from_2021_22(tables):
    # rs2021_22.xlsx, Croydon: 31 March 2022 unadjusted 146297, adjusted 127265
    assert value(tables, "E09000008", "2021-22", "reserves_earmarked_close")["value"] == 146297
    assert (
        value(tables, "E09000008", "2021-22", "reserves_earmarked_adjusted_close")["value"]
        == 127265
    )
    panel = tables["panel"]
    adjusted = panel[panel.indicator == "reserves_earmarked_adjusted_close"]
    assert adjusted.financial_year.min() == "2021-22"


def test_social_care_is_one_line_until_2010_11_then_adult_and_children(tables):
    panel = tables["panel"]
    rs = panel[panel.source == "RS"]
    combined = rs[rs.indicator == "social_care_nce"].financial_year
    adult = rs[rs.indicator == "adult_social_care_nce"].financial_year
    children = rs[rs.indicator == "children_social_care_nce"].financial_year
    assert combined.max() == "2010-11"
    assert adult.min() == "2011-12" and children.min() == "2011-12"


def test_london_boroughs_are_counted_in_every_year(tables):
    years = tables["authority_years"]
    rs = years[years.source == "RS"]
    per_year = rs[rs["class"] == "L"].groupby("financial_year").size()
    assert len(per_year) == 17 and (per_year == 33).all()
    assert "LB" not in set(tables["authorities"]["class"])
    assert "E09000008" in set(rs[(rs["class"] == "L") & (rs.financial_year == "2022-23")].gss_code)


def test_reissued_ons_codes_are_keyed_by_e_code(tables):
    authorities = tables["authorities"].set_index("ecode")
    assert authorities.loc["E2721", "gss_code"] == "E10000023"
    assert "E10000022" in authorities.loc["E2721", "former_gss_codes"]
    panel = tables["panel"]
    assert "E10000022" not in set(panel.gss_code)
    assert panel[panel.gss_code == "E10000023"].financial_year.nunique() == 16


def test_missing_return_is_a_fact_not_a_zero(tables):
    for gss in ("E08000025", "E07000217"):  # Birmingham, Woking
        for year in ("2022-23", "2023-24"):
            row = value(tables, gss, year, "net_revenue_expenditure")
            assert row["status"] == "missing_return"
            assert math.isnan(row["value"])


def test_reorganisation_successors(tables):
    authorities = tables["authorities"].set_index("gss_code")
    assert authorities.loc["E10000021", "successor_gss"] == "E06000061;E06000062"
    assert authorities.loc["E10000021", "last_year"] == "2020-21"
    assert authorities.loc["E06000061", "first_year"] == "2021-22"
    cumbria = authorities[authorities.name.str.startswith("Cumbria")]
    assert cumbria.successor_gss.iloc[0] == "E06000063;E06000064"


def test_earlier_and_revised_releases_are_both_kept(tables):
    panel = tables["panel"]
    rows = panel[
        (panel.gss_code == "E06000022")
        & (panel.financial_year == "2017-18")
        & (panel.indicator == "reserves_earmarked_close")
        & (panel.source == "RS")
    ].sort_values("published")
    # RS_2017-18_data_by_LA_PRENOV.xlsx: 32371; rs2017_18.xls (revised): 31741
    assert rows["value"].tolist() == [32371, 31741]
    assert rows["published"].tolist() == ["2018-11-30", "2019-11-30"]
    assert rows["vintage"].nunique() == 2
