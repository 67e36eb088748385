"""DSG deficit and allocation readers, and the name matching they share, on the real files."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SHARED_DATA

from riskwatch.data.kit.authority_index import AuthorityIndex, name_key
from riskwatch.data.schema import PANEL_COLUMNS, UNMATCHED_COLUMNS
from riskwatch.data.sources.schools import (
    read_dsg_allocations,
    read_dsg_deficit,
)
from riskwatch.data.store.table_store import load_table

DATA = SHARED_DATA
# Every test here reads the shared public data: a failure in CI, a skip elsewhere, without it.
pytestmark = pytest.mark.usefixtures("shared_data")


@pytest.fixture(scope="module")
def authorities() -> pd.DataFrame:
    return load_table("authorities")


@pytest.fixture(scope="module")
def deficit(authorities):
    return read_dsg_deficit(DATA, authorities)


@pytest.fixture(scope="module")
def allocations(authorities):
    return read_dsg_allocations(DATA, authorities)


def value(values: pd.DataFrame, ecode: str, year: str, indicator: str) -> float:
    row = values[
        (values.ecode == ecode) & (values.financial_year == year) & (values.indicator == indicator)
    ]
    assert len(row) == 1, (ecode, year, indicator, len(row))
    return float(row.value.iloc[0])


@pytest.mark.parametrize(
    ("spelling", "other"),
    [
        ("Bristol, City of", "Bristol UA"),
        ("County Durham", "Durham UA"),
        ("St. Helens", "St Helens MBC"),
        ("Telford and Wrekin", "Telford & the Wrekin UA"),
        ("Kingston upon Hull, City of", "Kingston-upon-Hull UA"),
        ("Bedford Borough", "Bedford UA"),
        ("Derby", "Derby City UA"),
        ("Newcastle upon Tyne", "Newcastle"),
        ("Bournemouth (Pre LG)", "Bournemouth UA"),
        ("Kent", "Kent CC"),
        ("Shepway*****", "Folkestone & Hythe"),
    ],
)
def test_name_key_equates_publishers_spellings(spelling, other):
    assert name_key(spelling) == name_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Newcastle-under-Lyme", "Newcastle"), ("City of London", "London"), ("Derby", "Derbyshire")],
)
def test_name_key_keeps_different_councils_apart(one, other):
    assert name_key(one) != name_key(other)


def test_names_are_matched_in_the_year_the_value_describes(authorities):
    index = AuthorityIndex(authorities)
    assert index.by_name("Buckinghamshire", "2019-20").ecode == "E0421"  # the county
    assert index.by_name("Buckinghamshire", "2020-21").ecode == "E0402"  # the unitary
    assert index.by_name("North Yorkshire", "2023-24").ecode == "E2702"
    assert "none of which existed" in index.by_name("Dorset", "2006-07").problem
    assert "matches no authority" in index.by_name("Atlantis", "2019-20").problem


def test_a_name_two_councils_share_in_one_year_is_not_guessed(authorities):
    twin = authorities[authorities.ecode == "E0701"].assign(ecode="E9999", gss_code="E06999999")
    problem = (
        AuthorityIndex(pd.concat([authorities, twin])).by_name("Hartlepool", "2019-20").problem
    )
    assert "several authorities" in problem


def test_frames_have_the_contract_columns(deficit, allocations):
    for values, unmatched in (deficit, allocations):
        assert list(values.columns) == PANEL_COLUMNS
        assert list(unmatched.columns) == UNMATCHED_COLUMNS
        assert values.value.dtype == float


def test_deficit_golden_numbers(deficit):
    values, _ = deficit
    # dsg_deficit_derived.xlsx, Sheet 1, row 29 (Camden, 2019-20), column E `deficit`: -3.08
    assert value(values, "E5011", "2019-20", "dsg_deficit_pct") == pytest.approx(-3.08)
    # same sheet, row 417 (Bournemouth, Christchurch and Poole, 2021-22), column E: 6.8
    assert value(values, "E1204", "2021-22", "dsg_deficit_pct") == pytest.approx(6.8)


def test_deficit_reads_every_council_row_and_no_aggregate(deficit):
    values, unmatched = deficit
    assert unmatched.empty  # every name in the file matches a council
    assert values.groupby("financial_year").size().to_dict() == {
        "2019-20": 149,
        "2020-21": 149,
        "2021-22": 150,
    }
    assert set(values.unit) == {"percent"} and set(values.published_basis) == {"rule"}
    assert values.gss_code.notna().all() and values.ecode.notna().all()


def test_allocations_golden_number_and_stated_date(allocations):
    values, unmatched = allocations
    assert unmatched.empty
    # DSG_by_year_dr.xlsx, sheet dsg_budget_2021_03_16, row 88 (825 Buckinghamshire), column C
    row = values[(values.ecode == "E0402") & (values.financial_year == "2020-21")].iloc[0]
    assert row.value == pytest.approx(472_648_016)
    assert (row.published, row.published_basis) == ("2021-03-16", "file")
    # code 825 is the county in 2019-20, the unitary from 2020-21
    assert value(values, "E0421", "2019-20", "dsg_allocation") > 0
    assert sorted(values.financial_year.unique()) == [
        "2019-20",
        "2020-21",
        "2021-22",
        "2022-23",
        "2023-24",
    ]
