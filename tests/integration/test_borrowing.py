"""Borrowing and investment (BI) reader: golden numbers, vintages, flags, bad layouts.

Each expected figure was read by hand (openpyxl) from the cells named in the
comment, in Borrowing_and_Investment_Live_Table_Q4_2019_20.xlsx; the indicators
are sums of the sheet's category columns, so every cell of the sum is named.
"""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from riskwatch.data.schema import PANEL_COLUMNS
from riskwatch.data.sources.borrowing import (
    CATEGORIES,
    read_borrowing,
    read_borrowing_file,
)
from riskwatch.errors import RiskwatchError
from riskwatch.years import financial_year_of

BI_2019_20 = "Borrowing_and_Investment_Live_Table_Q4_2019_20.xlsx"


@pytest.fixture(scope="module")
def bi(shared_data):
    return read_borrowing_file(shared_data / "borrowing-investment" / BI_2019_20)


def one(frame, ecode, indicator, period_end):
    rows = frame[
        (frame.ecode == ecode) & (frame.indicator == indicator) & (frame.period_end == period_end)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("ecode", "indicator", "period_end", "year", "expected"),
    [
        # 'LA Borrowing 18-19 Q4' (as at 31 March 2019), row 462 (E1502 Thurrock): the short-term
        # columns D:K are 0, W 'Short Term Loans Local Authorities' = 920100
        ("E1502", "borrowing_short_term", "2019-03-31", "2018-19", 920100),
        # 'LA Borrowing 19-20 Q1' (as at 30 June 2019), row 458 (Thurrock): D:K 0, W = 984900
        ("E1502", "borrowing_short_term", "2019-06-30", "2019-20", 984900),
        # 'LA Borrowing 19-20 Q4' (as at 31 March 2020), row 458 (Thurrock): D:K 0, W = 1061200
        ("E1502", "borrowing_short_term", "2020-03-31", "2019-20", 1061200),
        # 'LA Borrowing 18-19 Q4', row 516 (E3641 Woking): N 'Loans Longer-term - PWLB' 1119591
        # + O 'Loans Longer-term - Banks in UK' 30000 + W 35000, every other category 0
        # (COR C 2018-19 prints the same gross borrowing at 31 March 2019: 1184591)
        ("E3641", "borrowing_total", "2019-03-31", "2018-19", 1184591),
        ("E3641", "borrowing_pwlb", "2019-03-31", "2018-19", 1119591),
        # 'LA Investments 18-19 Q4', row 516 (Woking): D 'Deposits: banks' 7911 + M 'Money
        # market funds' 128000 + P 'Loans Local Government' 10000, the rest 0
        ("E3641", "investments_total", "2019-03-31", "2018-19", 145911),
        # 'LA Investments 18-19 Q4', row 462 (Thurrock): D 1000 + E 10000 + N 'Externally
        # managed funds' 784051 + P 15500 (COR C 2018-19 investments at 31 March 2019: 810551)
        ("E1502", "investments_total", "2019-03-31", "2018-19", 810551),
    ],
)
def test_golden_numbers(bi, ecode, indicator, period_end, year, expected):
    row = one(bi, ecode, indicator, period_end)
    assert math.isclose(row["value"], expected, rel_tol=0, abs_tol=1e-6)
    assert row["status"] == "reported"
    assert row["financial_year"] == year
    assert row["unit"] == "GBP_thousand"
    assert row["gss_code"] == {"E1502": "E06000034", "E3641": "E07000217"}[ecode]


def test_every_date_is_a_vintage_of_this_workbook(bi):
    assert list(bi.columns) == PANEL_COLUMNS
    assert not bi.duplicated(["ecode", "indicator", "period_end"]).any()
    dates = sorted(bi.period_end.unique())
    assert dates[0] == "2014-03-31" and dates[-1] == "2020-03-31" and len(dates) == 13
    assert (bi.vintage == BI_2019_20 + ":" + bi.period_end).all()
    # The workbook's latest date is 31 March 2020: public by the rule three months on,
    # for its repeats of earlier dates too.
    assert set(bi.published) == {"2020-06-30"}
    assert set(bi.published_basis) == {"rule"}
    assert set(bi.source) == {"BI"}
    assert bi.ecode.str.fullmatch(r"E\d{4}").all()  # Welsh, Scottish, NI rows left out


def test_carried_forward_returns_are_missing(bi):
    # 'LA Borrowing 19-20 Q1', C77 (E5011 Camden) and C491 (E6346 West Midlands CA) hold
    # "(i)": figures carried forward from an earlier return (the Metadata sheet's flag).
    for ecode in ("E5011", "E6346"):
        for indicator in ("borrowing_total", "investments_total"):
            row = one(bi, ecode, indicator, "2019-06-30")
            assert row["status"] == "missing_return"
            assert pd.isna(row["value"])
    assert one(bi, "E5011", "borrowing_total", "2019-09-30")["status"] == "reported"


def test_one_code_on_two_bodies_is_not_attributed(bi):
    # 'LA Borrowing 19-20 Q1', rows 329-330: E7028 printed on both the Northamptonshire
    # police and fire bodies, with different figures.
    row = one(bi, "E7028", "borrowing_pwlb", "2019-06-30")
    assert row["status"] == "not_available"
    assert pd.isna(row["value"])


@pytest.mark.parametrize(
    ("date", "year"),
    [
        ("2019-03-31", "2018-19"),
        ("2019-04-01", "2019-20"),
        ("2019-06-30", "2019-20"),
        ("2018-12-31", "2018-19"),
    ],
)
def test_financial_year_of_a_stock(date, year):
    assert financial_year_of(pd.Timestamp(date)) == year


# ---- bad layouts, on small borrowing-sheet-like workbooks ---------------------------

BORROWING = [c for c in CATEGORIES if c.kind == "borrowing"]


def bi_rows(n_authorities: int) -> list[list]:
    """A small borrowing sheet: title with its date, header, one row per authority."""
    header = ["LGF code", "Local authority name"] + [c.labels[0] for c in BORROWING]
    body = [
        [f"E{2000 + i}", f"Council {i}"] + [float(i + j) for j in range(len(BORROWING))]
        for i in range(n_authorities)
    ]
    title = "Outstanding borrowing by local authority and category, as at 31 March 2019, UK"
    return [[title], ["All figures reported in £ thousand"], header, *body]


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "LA Borrowing 18-19 Q4"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_small_workbook_reads(tmp_path):
    frame = read_borrowing_file(write_xlsx(tmp_path / "bi.xlsx", bi_rows(3)))
    assert set(frame.financial_year) == {"2018-19"}
    assert "investments_total" not in set(frame.indicator)
    # Council 1: categories hold 1, 2, ..., 21; PWLB is the 12th.
    assert one(frame, "E2001", "borrowing_total", "2019-03-31")["value"] == sum(range(1, 22))
    assert one(frame, "E2001", "borrowing_pwlb", "2019-03-31")["value"] == 12


def test_read_borrowing_reads_every_workbook_in_the_folder(tmp_path):
    folder = tmp_path / "borrowing-investment"
    folder.mkdir()
    write_xlsx(folder / "a.xlsx", bi_rows(3))
    write_xlsx(folder / "b.xlsx", bi_rows(4))
    frame = read_borrowing(tmp_path)
    assert set(frame.vintage) == {"a.xlsx:2019-03-31", "b.xlsx:2019-03-31"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_date", "one 'as at' date"),
        ("no_pwlb", "lacks the category 'Loans Longer-term - PWLB'"),
    ],
)
def test_unknown_layouts_are_named(tmp_path, change, message):
    rows = bi_rows(3)
    if change == "no_date":
        rows[0] = ["Outstanding borrowing by local authority and category, UK"]
    if change == "no_pwlb":
        at = rows[2].index("Loans Longer-term - PWLB")
        rows = rows[:2] + [row[:at] + row[at + 1 :] for row in rows[2:]]
    path = write_xlsx(tmp_path / "bi.xlsx", rows)
    with pytest.raises(RiskwatchError, match=message):
        read_borrowing_file(path)
