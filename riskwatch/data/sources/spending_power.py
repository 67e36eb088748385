"""Readers for the "Councillors at the Casino" tables: spending power and one-year snapshots.

The book's repository keeps (see PROVENANCE.md, `councillors-at-the-casino/`):

- spending power per council, £ million, in columns 2012 to 2021. A column's
  year is the financial year that ENDS in it (2016 = 2015-16), shown by the
  reorganisations: Dorset county and its districts, abolished on 1 April 2019,
  have no value in 2020 (2019-20); Buckinghamshire county and its districts,
  abolished on 1 April 2020, none in 2021 (2020-21). The percentage file agrees
  (its 2016-17 to 2017-18 change is the 2018 column over the 2017 column).
  The columns are each settlement's headline, not one series: the total of
  the councils falls 15% from 2015-16 to 2016-17 while the settlement's own
  change for that year averages -1%, because the 2016-17 settlement replaced
  "Spending Power" with "Core Spending Power". The two are kept as different
  indicators; even within each, compare years through `spending_power_change`.
- year-on-year changes (fractions). Two columns are not read: `201819_201920`
  is not the change its label says (for 93% of councils it equals the change
  from 2018-19 to 2020-21 in the levels file, and it is empty exactly where
  2020-21 is), and `201516_202021` spans five years.
- one-year tables, each value only in the year it describes: gross external
  borrowing and interest and investment income 2019-20 (NAO 2021); investments
  by type in 2019 (MHCLG live tables, no date within 2019 stated, and the
  figures match no quarter from June 2018 to March 2020 of the live tables in
  `borrowing-investment/`: the last day of 2019 is taken); trading-account
  surpluses 2016-17 to 2018-19, by name.

Per-capita columns are not read (the population column is wrong for some
councils: Northumberland carries Shropshire's), nor the trading table's
"Average" (it is the three years' sum).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskwatch.data.kit.authority_index import AuthorityIndex, Match, load_authorities
from riskwatch.data.kit.cells import parse_cell
from riskwatch.data.kit.header import cell_text, locate_columns
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.panel_rows import panel_record, panel_rows, unmatched_record, unmatched_rows
from riskwatch.data.kit.publication import YearRule
from riskwatch.data.kit.source import Source
from riskwatch.data.years import (
    financial_year_ending,
    financial_year_starting,
    parse_financial_year,
    year_end,
)
from riskwatch.errors import RiskwatchError

FOLDER = Path("councillors-at-the-casino")
LEVELS_FILE = "spendingpower_SpendingMillions.csv"
CHANGES_FILE = "spendingpower_SpendingPercentage.csv"
CSP_FIRST_YEAR = "2016-17"  # the first settlement with Core Spending Power

# indicator -> (unit, definition)
INDICATORS: dict[str, tuple[str, str]] = {
    "spending_power": (
        "GBP_million",
        "Spending Power as the settlements for 2011-12 to 2015-16 defined it (before Core "
        "Spending Power); each year the headline of its own settlement, so definitions "
        "change between years (e.g. 2013-14, business rates retention).",
    ),
    "core_spending_power": (
        "GBP_million",
        "Core Spending Power, 2016-17 to 2020-21, as the final settlement for the year set it: "
        "settlement funding, council tax, and the grants the settlement counts.",
    ),
    "spending_power_change": (
        "fraction",
        "Change in (core) spending power from the previous year, as the source gives it "
        "(2 decimal places); the year is the later one. For 2017-18 and 2018-19 it equals "
        "the ratio of the levels; earlier years compare each settlement's own figures.",
    ),
    "external_borrowing_nao": (
        "GBP",
        "Gross external borrowing at 31 March 2020 (NAO 2021 visualisation, 2019-20).",
    ),
    "investment_income_nao": (
        "GBP",
        "Interest and investment income in 2019-20 (NAO 2021); negative as printed.",
    ),
    "investments_bank_deposits": ("GBP_thousand", "Investments held as bank deposits, 2019."),
    "investments_money_market_funds": (
        "GBP_thousand",
        "Investments held in money market funds, 2019.",
    ),
    "investments_other": ("GBP_thousand", "Other investments, 2019."),
    "trading_account_surplus": (
        "GBP_thousand",
        "Net surplus (+) or deficit (-) on trading accounts for the year (commercial activity).",
    ),
}

# Change columns the source prints that are not year-on-year changes, and why.
CHANGES_NOT_READ = {
    "201819_201920": "equals the 2018-19 to 2020-21 change of the levels, not its label",
    "201516_202021": "a five-year change",
}
EXPECTED_LEVEL_YEARS = tuple(str(year) for year in range(2012, 2022))
EXPECTED_CHANGE_YEARS = tuple(financial_year_starting(y) for y in range(2011, 2019))
_LEVEL_COLUMN = re.compile(r"^20\d\d$")
_CHANGE_COLUMN = re.compile(r"^20\d{4}_20\d{4}$")
SPENDING_LABELS = {"code": ("onscode",), "name": ("onsname",)}


# A year's (core) spending power is public with the final settlement, in the February
# before the year starts.
SETTLEMENT_PUBLICATION = YearRule(0, "02-28")


def level_year(column: str) -> str:
    """The financial year a levels column describes: the one ending in it (2016 -> 2015-16)."""
    return financial_year_ending(int(column))


def read_spending_power(
    root: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spending power levels 2011-12 to 2020-21 and year-on-year changes, by ONS code."""
    folder = Path(root) / FOLDER
    index = load_authorities(authorities)
    levels = _spending_table(folder / LEVELS_FILE, index, _level_columns)
    changes = _spending_table(folder / CHANGES_FILE, index, _change_columns)
    values = pd.concat([levels[0], changes[0]], ignore_index=True)
    return values, unmatched_rows([*levels[1], *changes[1]])


def _level_columns(path: Path, header: list[str]) -> dict[int, tuple[str, str]]:
    """Column -> (indicator, financial year) for the levels file."""
    found = {i: c for i, c in enumerate(header) if _LEVEL_COLUMN.match(c)}
    _require(path, EXPECTED_LEVEL_YEARS, found.values(), "year column")
    return {
        i: (
            "spending_power" if level_year(c) < CSP_FIRST_YEAR else "core_spending_power",
            level_year(c),
        )
        for i, c in found.items()
    }


def _change_columns(path: Path, header: list[str]) -> dict[int, tuple[str, str]]:
    """Column -> (indicator, later financial year) for the one-year changes."""
    columns = {}
    for i, text in enumerate(header):
        match = _CHANGE_COLUMN.match(text)
        if not match or text in CHANGES_NOT_READ:
            continue
        start, end = (
            parse_financial_year(code, file=path.name, row=1, field=text)
            for code in text.split("_")
        )
        if int(end[:4]) != int(start[:4]) + 1:
            raise RiskwatchError(
                "not a change from one year to the next: unknown layout",
                file=path.name,
                field=text,
            )
        columns[i] = ("spending_power_change", end)
    _require(path, EXPECTED_CHANGE_YEARS, [year for _, year in columns.values()], "change column")
    return columns


def _require(path: Path, expected: tuple[str, ...], found: Iterable[str], what: str) -> None:
    missing = sorted(set(expected) - set(found))
    if missing:
        raise RiskwatchError(
            f"known {what}(s) {', '.join(missing)} missing: unknown layout", file=path.name
        )


def _spending_table(
    path: Path, index: AuthorityIndex, columns_of: Callable[[Path, list[str]], dict]
) -> tuple[pd.DataFrame, list[dict]]:
    """Rows keyed by ONS code, one value per column `columns_of` picks from the header."""
    grid = read_grids(path)["csv"]
    header_row, ids = locate_columns(grid, SPENDING_LABELS, file=path.name)
    header = [cell_text(v) for v in grid.iloc[header_row].tolist()]
    columns = columns_of(path, header)
    values, unmatched = [], []
    for row_index in range(header_row + 1, len(grid)):
        cells = grid.iloc[row_index]
        code, name = (cell_text(cells.iloc[ids[r]]) for r in ("code", "name"))
        if not code and not name:
            continue
        match = index.by_code(code)
        if match.problem:
            unmatched.append(
                unmatched_record("CSP", path.name, row_index + 1, code, name, match.problem)
            )
            continue
        for column, (indicator, year) in columns.items():
            parsed = parse_cell(
                cells.iloc[column],
                file=path.name,
                row=row_index + 1,
                field=header[column],
                indicator=indicator,
            )
            if parsed is not None:
                values.append(
                    panel_record(
                        match,
                        year,
                        indicator,
                        parsed,
                        unit=INDICATORS[indicator][0],
                        source="CSP",
                        source_file=path.name,
                        published=(SETTLEMENT_PUBLICATION.date(year), "rule"),
                    )
                )
    return panel_rows(values), unmatched


# One-year tables -----------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One value column of a one-year table: its label variants, indicator and year."""

    labels: tuple[str, ...]
    indicator: str
    financial_year: str


@dataclass(frozen=True)
class OneYearTable:
    """A casino table: how rows are keyed, which columns hold values, and their dates."""

    file: str
    source: str
    key: str  # "code" (ONS code) or "name"
    key_labels: dict[str, tuple[str, ...]]
    measures: tuple[Measure, ...]
    period_end: str | None  # None: the end of each measure's financial year
    published: str | None  # rule date; None: the revenue-outturn rule (autumn after the year)


NAO_PUBLISHED = "2021-12-31"  # NAO (2021): month not stated, so the year's last day
INVESTMENTS_PUBLISHED = "2020-12-31"  # live tables for dates in 2019 were public within 2020

ONE_YEAR_TABLES: tuple[OneYearTable, ...] = (
    OneYearTable(
        "externalborrowing_ExternalBorrowing_ByType.csv",
        "NAO",
        "code",
        {"code": ("lacode",), "name": ("laname",)},
        (Measure(("grossexternalborrowing",), "external_borrowing_nao", "2019-20"),),
        "2020-03-31",
        NAO_PUBLISHED,
    ),
    OneYearTable(
        "interestandinvestmentincome_InterestandInvestmentIncome_byType.csv",
        "NAO",
        "code",
        {"code": ("lacode",), "name": ("laname",)},
        (Measure(("interestandinvestment",), "investment_income_nao", "2019-20"),),
        "2020-03-31",
        NAO_PUBLISHED,
    ),
    OneYearTable(
        "investment_Investments_LA_bytype.csv",
        "CAC",
        "code",
        {"code": ("onscode",), "name": ("laname",)},
        (
            Measure(("depositsbanks",), "investments_bank_deposits", "2019-20"),
            Measure(("moneymarketfunds",), "investments_money_market_funds", "2019-20"),
            Measure(("otherinvestments",), "investments_other", "2019-20"),
        ),
        "2019-12-31",
        INVESTMENTS_PUBLISHED,
    ),
    OneYearTable(
        "tradingaccounts_TradingAccounts.csv",
        "CAC",
        "name",
        {"name": ("localauthority",)},
        (
            Measure(("trading201617",), "trading_account_surplus", "2016-17"),
            Measure(("trading201718",), "trading_account_surplus", "2017-18"),
            Measure(("trading201819",), "trading_account_surplus", "2018-19"),
        ),
        None,
        None,
    ),
)


# Outturn figures for a year are public in the autumn after it ends (as RS), where a
# table states no date.
OUTTURN_PUBLICATION = YearRule(1, "11-30")


def read_casino_tables(
    root: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The one-year tables: borrowing, investment income, investments, trading accounts."""
    folder = Path(root) / FOLDER
    index = load_authorities(authorities)
    values, unmatched = [], []
    for table in ONE_YEAR_TABLES:
        table_values, table_unmatched = _one_year_table(folder / table.file, table, index)
        values.append(table_values)
        unmatched.extend(table_unmatched)
    return pd.concat(values, ignore_index=True), unmatched_rows(unmatched)


def _one_year_table(
    path: Path, table: OneYearTable, index: AuthorityIndex
) -> tuple[pd.DataFrame, list]:
    grid = read_grids(path)["csv"]
    labels = {
        **table.key_labels,
        **{m.indicator + m.financial_year: m.labels for m in table.measures},
    }
    header_row, columns = locate_columns(grid, labels, file=path.name)
    values, unmatched = [], []
    for row_index in range(header_row + 1, len(grid)):
        cells = grid.iloc[row_index]
        keys = {role: cell_text(cells.iloc[columns[role]]) for role in table.key_labels}
        if not any(keys.values()):
            continue  # blank rows below the table
        for measure in table.measures:
            match = _match(index, table, keys, measure.financial_year)
            if match.problem:
                unmatched.append(
                    unmatched_record(
                        table.source,
                        path.name,
                        row_index + 1,
                        keys.get("code"),
                        keys.get("name"),
                        match.problem,
                    )
                )
                continue
            column = columns[measure.indicator + measure.financial_year]
            parsed = parse_cell(
                cells.iloc[column],
                file=path.name,
                row=row_index + 1,
                field=cell_text(grid.iat[header_row, column]),
                indicator=measure.indicator,
            )
            if parsed is None:
                continue
            year = measure.financial_year
            values.append(
                panel_record(
                    match,
                    year,
                    measure.indicator,
                    parsed,
                    unit=INDICATORS[measure.indicator][0],
                    source=table.source,
                    source_file=path.name,
                    published=(table.published or OUTTURN_PUBLICATION.date(year), "rule"),
                    period_end=table.period_end or year_end(year),
                )
            )
    return panel_rows(values), unmatched


def _match(index: AuthorityIndex, table: OneYearTable, keys: dict[str, str], year: str) -> Match:
    if table.key == "code":
        return index.by_code(keys["code"])
    return index.by_name(keys["name"], year)


CASINO_PUBLISHER = "C. H. Robinson and A. Pike, from MHCLG, NAO and CIPFA figures (CaitHRobinson/councillorsatthecasino)"

REGISTERED = (
    Source(
        name="CSP",
        title="Core Spending Power per council, from the data of 'Councillors at the Casino?'",
        publisher=CASINO_PUBLISHER,
        kinds={"CSP": "forecast"},
        files=(f"{FOLDER}/{LEVELS_FILE}", f"{FOLDER}/{CHANGES_FILE}"),
        read=read_spending_power,
        published="with the final settlement, in the February before the year",
        rules={"CSP": SETTLEMENT_PUBLICATION},
    ),
    Source(
        name="casino_tables",
        title="One-year borrowing, investment income, investment and trading-account tables",
        publisher=CASINO_PUBLISHER,
        kinds={table.source: "outturn" for table in ONE_YEAR_TABLES},
        files=tuple(f"{FOLDER}/{table.file}" for table in ONE_YEAR_TABLES),
        read=read_casino_tables,
        published="a stated date per table, else the autumn after the year",
        rules={"casino outturn": OUTTURN_PUBLICATION},
    ),
)
