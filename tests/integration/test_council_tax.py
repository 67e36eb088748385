"""Council tax reader on three real releases (2015-16, 2020-21, 2023-24) and on broken slices."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import SHARED_DATA

from riskwatch.data.kit.authority_index import AuthorityIndex
from riskwatch.data.kit.header import cell_text, locate_tables
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.schema import PANEL_COLUMNS, UNMATCHED_COLUMNS
from riskwatch.data.sources.council_tax import (
    FOLDER,
    ID_COLUMNS,
    MEASURES,
    read_council_tax,
    read_council_tax_file,
)
from riskwatch.data.store.table_store import load_table
from riskwatch.errors import RiskwatchError

CT = SHARED_DATA / FOLDER
# Every test here reads the shared public data: a failure in CI, a skip elsewhere, without it.
pytestmark = pytest.mark.usefixtures("shared_data")
ODS = "CTR_Table_9_2023-24 (10).ods"


@pytest.fixture(scope="module")
def authorities() -> pd.DataFrame:
    return load_table("authorities")


@pytest.fixture(scope="module")
def releases(authorities) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    index = AuthorityIndex(authorities)
    return {
        name: read_council_tax_file(CT / name, index)
        for name in ("ctr_1516.xlsx", "ctr_2021.xlsx", ODS)
    }


def value(values: pd.DataFrame, ecode: str, indicator: str) -> float:
    row = values[(values.ecode == ecode) & (values.indicator == indicator)]
    assert len(row) == 1, (ecode, indicator, len(row))
    return float(row.value.iloc[0])


def test_frames_have_the_contract_columns(releases):
    for values, unmatched in releases.values():
        assert list(values.columns) == PANEL_COLUMNS
        assert list(unmatched.columns) == UNMATCHED_COLUMNS
        assert unmatched.empty  # every council's E-code is in the authorities table
        assert not values.duplicated(["ecode", "indicator"]).any()


def test_billing_authority_band_d_2015_16(releases):
    values, _ = releases["ctr_1516.xlsx"]
    # ctr_1516.xlsx, sheet Data, row 8 (E3831 Adur): column AB "11. Average (Band D ...)
    # council tax (excluding local precepts)" under 2015-16 = 271.53; column Z (including
    # local precepts) = 289.63; column U/V are the tax base lines, not read here
    assert value(values, "E3831", "band_d") == pytest.approx(271.53)
    assert value(values, "E3831", "band_d_with_parish") == pytest.approx(289.63)
    adur = values[values.ecode == "E3831"].iloc[0]
    assert (adur.financial_year, adur.period_end) == ("2015-16", "2016-03-31")
    assert (adur.published, adur.published_basis) == ("2015-03-31", "rule")


def test_county_rows_under_the_billing_header_2015_16(releases):
    values, _ = releases["ctr_1516.xlsx"]
    # same sheet, row 342 (E0421 Buckinghamshire, SC), column AB under 2015-16: 1115.67
    assert value(values, "E0421", "band_d") == pytest.approx(1115.67)
    county = set(values[values.ecode == "E0421"].indicator)
    assert county == {"ct_requirement_ctr", "council_tax_base", "band_d"}  # no parish lines
    assert values.ecode.nunique() == 353  # 326 billing councils and 27 counties
    assert not values.ecode.str.startswith(("E60", "E61", "E70")).any()  # no fire or police


def test_new_council_figures_come_from_the_reorganising_block(releases):
    values, _ = releases["ctr_2021.xlsx"]
    # ctr_2021.xlsx, sheet Data, row 48 (E0402 Buckinghamshire UA, created April 2020):
    # the main Band D column Y reads 0; the re-organising block's last row has column CB
    # (Band D excluding local precepts) = 1550.87 and CC (total ASC precept) = 6680994.528
    assert value(values, "E0402", "band_d") == pytest.approx(1550.87)
    assert value(values, "E0402", "asc_precept_increase") == pytest.approx(6_680_994.528)


def test_2023_24_open_document_release(releases):
    values, _ = releases[ODS]
    # CTR_Table_9_2023-24 (10).ods, sheet Data_Billing, row 27 (E4601 Birmingham), column AB
    # "9. Average (Band D ...) ... excluding local precepts) (current year)": 1630.16
    assert value(values, "E4601", "band_d") == pytest.approx(1630.16)
    # sheet Data_Precepting, row 62 (E2221 Kent), column N "3. Average ... (current year)"
    assert value(values, "E2221", "band_d") == pytest.approx(1534.23)
    birmingham = values[values.ecode == "E4601"].iloc[0]
    assert birmingham.gss_code == "E08000025"
    # the cover sheet states "Published ... on 23 March 2023"
    assert (birmingham.published, birmingham.published_basis) == ("2023-03-23", "file")


def test_every_measure_has_a_unit_and_a_definition():
    assert all(m.unit and m.definition for m in MEASURES)
    assert len({m.indicator for m in MEASURES}) == len(MEASURES)


# Bad files: slices of the real 2015-16 Data sheet -------------------------------


@pytest.fixture(scope="module")
def data_slice() -> pd.DataFrame:
    """Caption, header block, England row and Adur, as the 2015-16 release prints them."""
    return read_grids(CT / "ctr_1516.xlsx")["Data"].iloc[:8]


def write_release(tmp: Path, grid: pd.DataFrame) -> Path:
    (tmp / FOLDER).mkdir(parents=True)
    grid.to_excel(tmp / FOLDER / "ctr_1516.xlsx", sheet_name="Data", header=False, index=False)
    return tmp


def assert_one_line_naming_the_file(error: RiskwatchError) -> None:
    assert "ctr_1516.xlsx" in str(error) and "\n" not in str(error)


def test_every_table_of_a_sheet_has_its_header_found_and_checked():
    """ctr_2021.xlsx's Data sheet holds two tables, headed on sheet rows 4 and 326."""
    grid = read_grids(CT / "ctr_2021.xlsx")["Data"]
    tables = locate_tables(grid, ID_COLUMNS, file="ctr_2021.xlsx", sheet="Data")
    assert tables == [(3, {"ecode": 0, "name": 1, "class": 2}), (325, tables[0][1])]
    broken = grid.copy()
    broken.iat[325, 2] = None  # the second table's 'Class' label
    with pytest.raises(RiskwatchError, match=r"row 326: field 'Class': missing column 'Class'"):
        locate_tables(broken, ID_COLUMNS, file="ctr_2021.xlsx", sheet="Data")


def test_a_release_missing_a_known_measure_is_rejected(tmp_path, data_slice, authorities):
    labels = [cell_text(v) for v in data_slice.iloc[3]]
    column = next(i for i, text in enumerate(labels) if text.startswith("11. Average"))
    bad = data_slice.drop(columns=data_slice.columns[[column, column + 1]])
    with pytest.raises(RiskwatchError, match="known measure 'band_d' not found") as error:
        read_council_tax(write_release(tmp_path, bad), authorities)
    assert_one_line_naming_the_file(error.value)
