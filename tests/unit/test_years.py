"""The one financial-year parser (riskwatch.years): each caller's forms, from real
titles and file names in /work/shared/data."""

from __future__ import annotations

import pytest

from riskwatch.errors import RiskwatchError
from riskwatch.years import (
    ANY_ONE,
    CODE,
    SPACED,
    WRITTEN,
    financial_years_in,
    is_financial_year,
    parse_financial_year,
)

# (text, joiner, years found). Real texts name their file; the others are the forms a
# caller's old pattern accepted or refused, kept as they were.
FOUND_IN_TEXT = [
    # revenue.identify_release: first sheet's title (rs2019_20.xls), then the file name
    (
        "Revenue Outturn (RO) 2019-20 Final: Revenue Outturn Summary (RS) data",
        CODE,
        ["2019-20"],
    ),
    ("Revenue Account Budget (RA): 2013-14 data | Net current expenditure", CODE, ["2013-14"]),
    ("rs2007_08.xls", CODE, ["2007-08"]),
    ("RA_2023-24_data_Part_1.csv", CODE, ["2023-24"]),
    ("ra201920.xlsx", CODE, ["2019-20"]),
    ("Revenue Account Budget 2019/20", CODE, ["2019-20"]),
    # capital.stated_year: title cells (CER_2020-21_C_prudential_system_information.xlsx)
    (
        "CER C 2019-20: Prudential system information for England (adjusted, excluding "
        "double counting**), 2020-21",
        SPACED,
        ["2019-20", "2020-21"],
    ),
    ("Capital outturn return (COR) 2008-09: Capital Expenditure & Receipts", SPACED, ["2008-09"]),
    ("COR 2018 – 19 and 2019/20", SPACED, ["2018-19", "2019-20"]),
    ("COR 201819", SPACED, []),
    # council_tax._file_year: cells above the data (ctr_1516.xlsx)
    ("17. Charter Trustees in the authority's area - 2015-16", WRITTEN, ["2015-16"]),
    ("2014-15", WRITTEN, ["2014-15"]),
    ("2014/15", WRITTEN, []),
    # halves not consecutive, or digits either side: no year
    ("2019-2020", SPACED, []),
    ("2019-21", WRITTEN, []),
    ("12019-20", WRITTEN, []),
    ("2019-201", CODE, []),
]


@pytest.mark.parametrize(("text", "joiner", "years"), FOUND_IN_TEXT)
def test_financial_years_in_finds_each_callers_forms(text, joiner, years):
    assert financial_years_in(text, joiner) == years


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("2019-20", True),  # events.csv, configs, --as-of
        ("1999-00", False),
        ("2019-21", False),
        ("2019/20", False),
        ("201920", False),
        ("2019-20 ", False),
        ("2016-17\n", False),
    ],
)
def test_is_financial_year_only_as_riskwatch_writes_it(text, written):
    assert is_financial_year(text) is written


@pytest.mark.parametrize(
    ("code", "year"),
    [("2019-20", "2019-20"), ("201920", "2019-20"), ("2019/20", "2019-20"), ("2099-00", "2099-00")],
)
def test_parse_financial_year_reads_year_codes(code, year):
    assert parse_financial_year(code, file="f.csv", row=2, field="time_period") == year


@pytest.mark.parametrize("code", ["2019-21", "2019", "2019-20-21", "FY2019-20"])
def test_parse_financial_year_refuses_other_text(code):
    with pytest.raises(RiskwatchError, match=r"^f\.csv: row 2: field 'time_period': not a fin"):
        parse_financial_year(code, file="f.csv", row=2, field="time_period")


def test_any_one_joiner_is_the_year_code_form():
    assert financial_years_in("period 2019/20 and 2020 21", ANY_ONE) == ["2019-20", "2020-21"]
