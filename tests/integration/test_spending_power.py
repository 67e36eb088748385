"""Spending power and the one-year "Councillors at the Casino" tables, on the real files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import SHARED_DATA

from riskwatch.data.schema import PANEL_COLUMNS, UNMATCHED_COLUMNS
from riskwatch.data.sources.spending_power import (
    CHANGES_FILE,
    FOLDER,
    LEVELS_FILE,
    ONE_YEAR_TABLES,
    read_casino_tables,
    read_spending_power,
)
from riskwatch.data.store.table_store import load_table
from riskwatch.errors import RiskwatchError

DATA = SHARED_DATA
# Every test here reads the shared public data: a failure in CI, a skip elsewhere, without it.
pytestmark = pytest.mark.usefixtures("shared_data")
BORROWING_FILE = ONE_YEAR_TABLES[0].file


@pytest.fixture(scope="module")
def authorities() -> pd.DataFrame:
    return load_table("authorities")


@pytest.fixture(scope="module")
def spending(authorities):
    return read_spending_power(DATA, authorities)


@pytest.fixture(scope="module")
def casino(authorities):
    return read_casino_tables(DATA, authorities)


def row(values: pd.DataFrame, gss: str, year: str, indicator: str) -> pd.Series:
    found = values[
        (values.gss_code == gss) & (values.financial_year == year) & (values.indicator == indicator)
    ]
    assert len(found) == 1, (gss, year, indicator, len(found))
    return found.iloc[0]


def test_frames_have_the_contract_columns(spending, casino):
    for values, unmatched in (spending, casino):
        assert list(values.columns) == PANEL_COLUMNS
        assert list(unmatched.columns) == UNMATCHED_COLUMNS
        assert values.value.dtype == float
        assert values.ecode.notna().all() and values.gss_code.notna().all()


def test_spending_power_golden_numbers(spending):
    values, unmatched = spending
    assert unmatched.empty
    # spendingpower_SpendingMillions.csv, row 2 (E09000007 Camden), column "2017": 244.55
    camden = row(values, "E09000007", "2016-17", "core_spending_power")
    assert camden.value == pytest.approx(244.55)
    assert (camden.unit, camden.published, camden.period_end) == (
        "GBP_million",
        "2016-02-28",
        "2017-03-31",
    )
    # same row, column "2016": 298.1, the pre-2016-17 Spending Power measure
    assert row(values, "E09000007", "2015-16", "spending_power").value == pytest.approx(298.1)
    # spendingpower_SpendingPercentage.csv, row 4 (Hackney), column 201617_201718: 0.00
    assert row(values, "E09000012", "2017-18", "spending_power_change").value == 0.0


def test_a_column_year_is_the_financial_year_ending_in_it(spending):
    values, _ = spending
    # Dorset county was abolished on 1 April 2019: a figure in "2019" (2018-19), none in "2020"
    assert row(values, "E10000009", "2018-19", "core_spending_power").status == "reported"
    assert row(values, "E10000009", "2019-20", "core_spending_power").status == "not_available"
    # Buckinghamshire county, abolished on 1 April 2020: "2020" (2019-20) yes, "2021" no
    assert row(values, "E10000002", "2019-20", "core_spending_power").status == "reported"
    assert row(values, "E10000002", "2020-21", "core_spending_power").status == "not_available"


def test_only_year_on_year_changes_are_read(spending):
    values, _ = spending
    changes = values[values.indicator == "spending_power_change"]
    assert sorted(changes.financial_year.unique()) == [
        f"{y}-{(y + 1) % 100:02d}" for y in range(2011, 2019)
    ]


def test_one_year_tables_golden_numbers(casino):
    values, unmatched = casino
    assert unmatched.empty  # every code and name matches a council
    # externalborrowing_ExternalBorrowing_ByType.csv, row 2 (Adur), GrossExternalBorrowing
    adur = row(values, "E07000223", "2019-20", "external_borrowing_nao")
    assert (adur.value, adur.unit, adur.period_end) == (161_802_000, "GBP", "2020-03-31")
    # tradingaccounts_TradingAccounts.csv, row 2 (Newham), Trading_201819: -11803 (£ thousand)
    assert row(values, "E09000025", "2018-19", "trading_account_surplus").value == -11803
    # row 239 "Shepway*****" is Folkestone & Hythe (renamed 2018), E-code E2240
    shepway = values[(values.ecode == "E2240") & (values.indicator == "trading_account_surplus")]
    assert len(shepway) == 3


def test_one_year_tables_hold_each_value_only_in_its_year(casino):
    values, _ = casino
    years = values.groupby("indicator").financial_year.unique().map(sorted).to_dict()
    assert years["external_borrowing_nao"] == ["2019-20"]
    assert years["investment_income_nao"] == ["2019-20"]
    assert years["investments_bank_deposits"] == ["2019-20"]
    assert years["trading_account_surplus"] == ["2016-17", "2017-18", "2018-19"]
    assert not values.duplicated(["ecode", "financial_year", "indicator"]).any()


# Bad files -------------------------------------------------------------------


def bad_root(tmp: Path, name: str, lines: list[str]) -> Path:
    folder = tmp / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for other in (LEVELS_FILE, CHANGES_FILE):
        shutil.copy(DATA / FOLDER / other, folder / other)
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp


def real_lines(name: str, count: int = 6) -> list[str]:
    return (DATA / FOLDER / name).read_text(encoding="utf-8-sig").splitlines()[:count]


def without_column(lines: list[str], label: str) -> list[str]:
    position = lines[0].split(",").index(label)
    return [",".join(c for i, c in enumerate(line.split(",")) if i != position) for line in lines]


def test_a_levels_file_missing_a_known_year_is_rejected(tmp_path, authorities):
    root = bad_root(tmp_path, LEVELS_FILE, without_column(real_lines(LEVELS_FILE), "2016"))
    with pytest.raises(RiskwatchError, match="2016 missing"):
        read_spending_power(root, authorities)
