"""H-CLIC TA1 and RO4 readers: golden cells, the crosscheck table, vintages, bad layouts.

Golden figures were read from the cells named beside them (sheet rows 1-based,
columns as lettered in the sheet); PROVENANCE.md states the England and Newham ones.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskwatch.data.kit.authority_index import attach_codes, council_index
from riskwatch.data.kit.opening import read_named_sheet
from riskwatch.data.schema import PANEL_COLUMNS
from riskwatch.data.sources.homelessness import (
    TA1_SHEET,
    locate_table,
    quarter_end,
    read_homelessness,
    read_ta1_file,
)
from riskwatch.data.sources.housing_spending import read_housing_spending
from riskwatch.errors import RiskwatchError

FOLDER = "housing-homelessness/hclic-detailed-la"
CROSSCHECK = (
    "housing-homelessness/crosscheck/hclic_ta1_households_in_TA_by_LA_2018Q2-2025Q4_DERIVED.csv"
)
NEWHAM, LAMBETH = "E09000025", "E09000022"


@pytest.fixture(scope="module")
def hclic(shared_data) -> pd.DataFrame:
    return read_homelessness(shared_data)[0]


def value(frame, code, indicator, period_end):
    rows = frame[
        (frame.gss_code == code) & (frame.indicator == indicator) & (frame.period_end == period_end)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_england_june_2018_from_the_ta1_sheet(shared_data):
    # DetailedLA_201806.xlsx, sheet 'TA1 - Apr-Jun 18', row 4 (E92000001 ENGLAND), column E
    # 'Total number of households in TA': 82390 (MHCLG's national series at June 2018)
    path = shared_data / FOLDER / "DetailedLA_201806.xlsx"
    sheet, grid = read_named_sheet(path, TA1_SHEET)
    table = locate_table(path, sheet, grid)
    assert sheet == "TA1 - Apr-Jun 18"
    assert table.text.iat[table.first_row, table.code_col] == "E92000001"
    assert table.first_row + 1 == 4 and table.columns["ta_households_total"] == 4
    assert float(grid.iat[table.first_row, table.columns["ta_households_total"]]) == 82390
    assert quarter_end(path, table) == pd.Timestamp("2018-06-30")


def test_newham_december_2024(hclic):
    # Detailed_LA_202412.ods, sheet TA1, row 184 (E09000025 Newham), column E: 6933
    row = value(hclic, NEWHAM, "ta_households_total", "2024-12-31")
    assert row.value == 6933 and row.status == "reported" and row.row == 184
    assert row.financial_year == "2024-25" and row.source == "HCLIC"
    assert row.source_file == "Detailed_LA_202412.ods"


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        # Detailed_LA_202503.ods, sheet TA1, row 184 (Newham): E 6980, F 120.931, K 394 (B&B
        # total), Q 3537 (nightly paid total), T 0 (hostels total)
        ("ta_households_total", 6980),
        ("households_in_area", 120.931),
        ("ta_bed_and_breakfast", 394),
        ("ta_nightly_paid", 3537),
        ("ta_hostels", 0),
    ],
)
def test_newham_march_2025_by_type(hclic, indicator, expected):
    assert value(hclic, NEWHAM, indicator, "2025-03-31").value == pytest.approx(expected)


def test_equal_to_the_crosscheck_table_on_every_council_quarter(shared_data, hclic):
    """Every council-quarter both hold agrees; the table's `..` are our not_available."""
    check = pd.read_csv(shared_data / CROSSCHECK)
    check = check[~check["ons_code"].str.match(r"E(92|12)")]  # England, regions: not councils
    ours = hclic.assign(quarter_end=hclic["period_end"].str[:7])
    wide = ours.pivot_table(
        index=["quarter_end", "gss_code"], columns="indicator", values="value", dropna=False
    )
    status = ours[ours.indicator == "ta_households_total"].set_index(["quarter_end", "gss_code"])
    check = check.set_index(["quarter_end", "ons_code"])
    assert check.index.isin(status.index).all()
    assert len(check) == len(status) == 9556
    for ours_name, theirs in [
        ("ta_households_total", "ta_households_total"),
        ("ta_households_with_children", "ta_households_with_children"),
        ("ta_children", "ta_children"),
    ]:
        a, b = wide.loc[check.index, ours_name], check[theirs]
        assert np.isclose(a, b, rtol=0, atol=1e-9, equal_nan=True).all(), ours_name
    missing = check["ta_households_total_as_published"].astype(str) == ".."
    assert missing.sum() == 548
    assert (status.loc[check.index, "status"] == "not_available").eq(missing).all()
    # households in the area: equal from mid-2019; the table leaves the 2018-19 quarters
    # blank, where TA1 prints the 2016-based projections under another header
    area = wide.loc[check.index, "households_in_area"]
    later = check.index.get_level_values(0) >= "2019-06"
    assert np.isclose(area[later], check["households_in_area_000s"][later], equal_nan=True).all()
    assert check["households_in_area_000s"][~later].isna().all() and area[~later].notna().all()


def test_dotdot_is_missing_not_zero(hclic):
    # Detailed_LA_202203.ods, sheet TA1, Lambeth's row: '..' in column E
    row = value(hclic, LAMBETH, "ta_households_total", "2022-03-31")
    assert math.isnan(row.value) and row.status == "not_available"


def test_one_vintage_per_file_and_quarter_with_publication_dates(hclic):
    assert list(hclic.columns[: len(PANEL_COLUMNS)]) == PANEL_COLUMNS
    per_file = hclic.groupby("source_file")["period_end"].nunique()
    assert len(per_file) == 31 and (per_file == 1).all()
    assert not hclic.duplicated(["gss_code", "indicator", "vintage"]).any()
    # the rule: six months after the quarter ends (configs/releases.toml)
    june_2024 = value(hclic, NEWHAM, "ta_households_total", "2024-06-30")
    assert (june_2024.published, june_2024.published_basis) == ("2024-12-31", "rule")
    # DetailedLA_201806.xlsx states 'Latest update: Dec 2019' below its table: later than
    # the rule, so the December 2019 revision counts from then
    june_2018 = value(hclic, NEWHAM, "ta_households_total", "2018-06-30")
    assert (june_2018.published, june_2018.published_basis) == ("2019-12-31", "file")
    assert june_2018.financial_year == "2018-19"


def test_new_codes_of_barnsley_and_sheffield_match_and_unknown_codes_are_reported(hclic, tables):
    sample = hclic[hclic.source_file.str.endswith("202512.ods")]
    assert {"E08000038", "E08000039"} <= set(sample.gss_code)  # Barnsley, Sheffield from 2025
    coded, unmatched = attach_codes(sample, council_index(tables["authorities"]))
    assert len(coded) == len(sample) and unmatched.empty
    assert {"E08000016", "E08000019"} <= set(coded.gss_code)
    stray = sample[sample.gss_code == NEWHAM].assign(gss_code="E07999999")
    coded, unmatched = attach_codes(stray, council_index(tables["authorities"]))
    assert coded.empty
    assert unmatched[["code", "name", "row"]].values.tolist() == [["E07999999", "Newham", 184]]


def test_unknown_layout_fails_naming_the_measure(shared_data):
    path = shared_data / FOLDER / "Detailed_LA_202503.ods"
    sheet, grid = read_named_sheet(path, TA1_SHEET)
    table = locate_table(path, sheet, grid)
    broken = grid.copy()
    broken.iat[table.first_row - 2, table.columns["ta_hostels"]] = "Refuges"
    with pytest.raises(RiskwatchError, match="ta_hostels"):
        locate_table(path, sheet, broken)


def test_quarter_in_title_must_match_file_name(shared_data, tmp_path):
    source = shared_data / FOLDER / "Detailed_LA_202503.ods"
    renamed = tmp_path / "Detailed_LA_202506.ods"
    renamed.write_bytes(source.read_bytes())
    with pytest.raises(RiskwatchError, match="file name 202506"):
        read_ta1_file(renamed)


def test_ro4_reader(shared_data, tables):
    ro4 = read_housing_spending(shared_data)[0]
    assert not ro4.gss_code.isin(["E06", "E07", "E08", "E09"]).any()  # class totals dropped
    assert "hra_admin_prevention_relief_net_exp_000" not in set(ro4.indicator)
    # ro4_housing_expenditure_2024-25.csv line 164 (E09000025 Newham): nightly_paid_ta_net 56134,
    # hostels_net 0, bb_net 5206, total_housing_net 84848
    newham = ro4[ro4.gss_code == NEWHAM].set_index("indicator")
    assert newham.loc["ta_nightly_paid_net", "value"] == 56134
    assert newham.loc["ta_bed_and_breakfast_net", "value"] == 5206
    assert newham.loc["general_fund_housing_net", "value"] == 84848
    assert (newham["row"] == 164).all() and (newham["published"] == "2025-09-18").all()
    # line 3 (E07000032 Amber Valley): data_missing True -> no return, never zero
    amber = ro4[ro4.gss_code == "E07000032"]
    assert amber["value"].isna().all() and (amber["status"] == "missing_return").all()
    assert ro4.groupby("gss_code")["status"].first().eq("missing_return").sum() == 9
    coded, unmatched = attach_codes(ro4, council_index(tables["authorities"]))
    assert unmatched.empty and coded.gss_code.nunique() == 296
