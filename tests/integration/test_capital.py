"""Capital outturn (COR) reader: golden numbers from the real workbooks, and bad layouts.

Each expected figure was read by hand (openpyxl / xlrd) from the cell named in
the comment; rows and columns are the spreadsheet's own (1-based, letters).
"""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest

from riskwatch.data.schema import PANEL_COLUMNS
from riskwatch.data.sources.capital import CAPITAL_MEASURES, read_capital, read_capital_file
from riskwatch.errors import RiskwatchError

COR_C_2018_19 = "COR_2018-19_outputs_COR_C.xlsx"
COR_B_2018_19 = "COR_2018-19_outputs_COR_B.xlsx"
COR_2008_09 = "1719274.xls"  # the file name does not say the year; the sheets do
COR_2012_13 = "LA_drop-down_capital_expenditure_receipts_and_financing_COR4_2012-13.xls"


@pytest.fixture(scope="module")
def cor(shared_data):
    folder = shared_data / "capital-outturn"
    return {name: read_capital_file(folder / name) for name in (COR_C_2018_19, COR_2008_09)}


def one(frame, ecode, indicator):
    rows = frame[(frame.ecode == ecode) & (frame.indicator == indicator)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("name", "ecode", "indicator", "expected", "period_end"),
    [
        # COR_2018-19_outputs_COR_C.xlsx, 'Capital Financing Requirement', row 437
        # (E3641 Woking), column O 'Capital Financing Requirement as at 31 March 2019'
        (COR_C_2018_19, "E3641", "cfr_close", 640932, "2019-03-31"),
        # same row, column F 'Capital Financing Requirement as at 1 April 2018'
        (COR_C_2018_19, "E3641", "cfr_open", 498959, "2018-04-01"),
        # 'Borrowing & Lending', row 15 (Woking), column M 'Gross external debt as at 31 March 2019'
        (COR_C_2018_19, "E3641", "gross_external_debt_close", 1212343, "2019-03-31"),
        # same row, column X 'Authorised limit for gross external debt at 31 March 2019'
        (COR_C_2018_19, "E3641", "authorised_limit_close", 1915867, "2019-03-31"),
        # 'Borrowing & Lending', row 37 (E1502 Thurrock), column S 'Net external debt as at
        # 31 March 2019'
        (COR_C_2018_19, "E1502", "net_external_debt_close", 353838, "2019-03-31"),
        # 1719274.xls, 'Data_col2', row 106 (E1502 Thurrock UA), column AD, line 37
        # 'Capital Financing Requirement as at 31 March (line 30 plus line 36)'
        (COR_2008_09, "E1502", "cfr_close", 125880, "2009-03-31"),
        # same sheet, row 301 (E3641 Woking), column W, line 30 'Capital Financing
        # Requirement as at 1 April'
        (COR_2008_09, "E3641", "cfr_open", 21032, "2008-04-01"),
    ],
)
def test_golden_numbers(cor, name, ecode, indicator, expected, period_end):
    row = one(cor[name], ecode, indicator)
    assert math.isclose(row["value"], expected, rel_tol=0, abs_tol=1e-6)
    assert row["status"] == "reported"
    assert row["period_end"] == period_end
    assert row["unit"] == "GBP_thousand"


def test_year_gss_and_publication_come_from_the_workbook(cor):
    recent, early = cor[COR_C_2018_19], cor[COR_2008_09]
    assert set(recent.financial_year) == {"2018-19"}
    assert set(early.financial_year) == {"2008-09"}
    assert one(recent, "E3641", "cfr_close")["gss_code"] == "E07000217"
    assert early["gss_code"].isna().all()  # ONS codes are printed from 2015-16 only
    # Front pages: "published on 26 September 2019"; 2008-09 "...further revised on
    # 2 September 2010" (the latest revision, the figures this file holds).
    assert set(recent.published) == {"2019-09-26"}
    assert set(early.published) == {"2010-09-02"}
    assert set(recent.published_basis) == set(early.published_basis) == {"file"}
    assert set(recent.vintage) == {COR_C_2018_19}


def test_panel_contract(cor):
    for frame in cor.values():
        assert list(frame.columns) == PANEL_COLUMNS
        assert not frame.duplicated(["ecode", "indicator", "period_end"]).any()
        assert frame.ecode.str.fullmatch(r"E\d{4}").all()
        assert set(frame.source) == {"COR"}


def test_each_part_carries_its_own_measures(cor, shared_data):
    prudential = set(cor[COR_C_2018_19].indicator)
    assert "capex_prudential_borrowing" not in prudential
    assert {"gross_external_debt_close", "net_external_debt_open"} <= prudential
    financing = read_capital_file(shared_data / "capital-outturn" / COR_B_2018_19)
    assert set(financing.indicator) == {"capex_prudential_borrowing"}
    # COR_2018-19_outputs_COR_B.xlsx, 'Financing', row 437 (Woking), column W 'Other
    # borrowing & credit arrangements not supported by central government'
    assert one(financing, "E3641", "capex_prudential_borrowing")["value"] == 146822
    # External debt is only asked from 2017-18.
    assert not any("external_debt" in i for i in cor[COR_2008_09].indicator)


def test_misprinted_publication_date_falls_back_to_the_rule(shared_data):
    # The 2012-13 front page says "published on 17 October 2012", before the year ended.
    frame = read_capital_file(shared_data / "capital-outturn" / COR_2012_13)
    assert set(frame.financial_year) == {"2012-13"}
    assert set(frame.published) == {"2013-10-31"}
    assert set(frame.published_basis) == {"rule"}


# ---- bad layouts, on small COR C-like workbooks ------------------------------------

PART_C = [m for m in CAPITAL_MEASURES if "C" in m.parts]
IDS = ["LGF Code", "ONS Code", "LA Name", "Class"]


def cor_rows(n_authorities: int) -> list[list]:
    """A small COR C 2018-19 table: title, header, one row per authority."""
    header = IDS + [m.labels[0] + (" 2018" if m.date == "open" else " 2019") for m in PART_C]
    body = [
        [f"E{1000 + i}", f"E0700{1000 + i}", f"Council {i}", "SD"]
        + [float(100 * i + j) for j in range(len(PART_C))]
        for i in range(n_authorities)
    ]
    return [["COR C 2018-19: Prudential system information by authority"], [], header, *body]


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Prudential"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_small_workbook_reads(tmp_path):
    frame = read_capital_file(write_xlsx(tmp_path / "cor.xlsx", cor_rows(4)))
    assert set(frame.indicator) == {m.indicator for m in PART_C}
    assert len(frame) == 4 * len(PART_C)
    assert set(frame.published_basis) == {"rule"}
    assert one(frame, "E1002", "cfr_close")["gss_code"] == "E07001002"


def test_read_capital_reads_every_workbook_in_the_folder(tmp_path):
    folder = tmp_path / "capital-outturn"
    folder.mkdir()
    write_xlsx(folder / "a.xlsx", cor_rows(3))
    write_xlsx(folder / "b.xlsx", cor_rows(5))
    assert set(read_capital(tmp_path).source_file) == {"a.xlsx", "b.xlsx"}


def test_year_comes_from_the_titles_not_the_file_name(tmp_path):
    frame = read_capital_file(write_xlsx(tmp_path / "COR_2016-17.xlsx", cor_rows(3)))
    assert set(frame.financial_year) == {"2018-19"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_year", "no financial year"),
        ("no_cfr_open", "known measure 'cfr_open'"),
        ("wrong_year_in_label", "dates the stock outside 2018-19"),
    ],
)
def test_unknown_layouts_are_named(tmp_path, change, message):
    rows = cor_rows(3)
    if change == "no_year":
        rows[0] = ["COR C: Prudential system information by authority"]
    if change == "no_cfr_open":
        at = rows[2].index("Capital Financing Requirement as at 1 April 2018")
        rows = rows[:2] + [row[:at] + row[at + 1 :] for row in rows[2:]]
    if change == "wrong_year_in_label":
        rows[2] = [t.replace("2019", "2020") if isinstance(t, str) else t for t in rows[2]]
    path = write_xlsx(tmp_path / "cor.xlsx", rows)
    with pytest.raises(RiskwatchError, match=message):
        read_capital_file(path)
