"""Reader for MHCLG "Borrowing and investment live tables": outstanding debt and investments.

Each workbook holds one borrowing sheet and one investments sheet per date
(31 March 2009 to 2016, then quarter ends), one row per UK authority, one
column per lender or instrument category. The tables print no totals per
authority, so every indicator is a sum of categories, grouped as MHCLG's own UK
summary tables group them (`BI_INDICATORS`). Each category is found by its label
(`CATEGORIES`), never by position; a sheet that shows some categories of its
kind but not all fails naming the missing one. The date comes from the sheet's
own title ("as at 31 March 2019"), never from the sheet name (the Q4 2017-18
workbook titles its borrowing sheet "Outstanding investments").

Later workbooks repeat earlier dates, sometimes revised: every (workbook, date)
is kept as its own vintage. In the Q3 2016-17 workbook's 31 December 2016 sheet
every loan from local authorities sits in the longer-term column (its UK
short-term total is 0), so that date's short/long-term split is not comparable.
Rows of Welsh, Scottish and Northern Irish authorities (W/S/N codes) are outside
the English panel and are not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskwatch.data.kit.cells import COR_MARKS, parse_cell
from riskwatch.data.kit.opening import SUPPORTED_SUFFIXES, read_grids
from riskwatch.data.kit.panel_rows import panel_rows
from riskwatch.data.kit.publication import LagRule
from riskwatch.data.kit.source import Source, ignoring_unmatched
from riskwatch.data.sources.capital import (
    FULL_DATE,
    AuthorityTable,
    authority_tables,
    measure_key,
)
from riskwatch.data.years import financial_year_of
from riskwatch.errors import RiskwatchError

SOURCE = "BI"
FOLDER = "borrowing-investment"
UNIT = "GBP_thousand"
# The workbooks state no release date. MHCLG published each quarter's live tables
# about two months after the quarter ended; a workbook (its revised repeats of
# earlier dates included) is taken as public at the end of the third month after
# its latest date (configs/releases.toml), so an as-of selection never sees it early.
PUBLICATION = LagRule(SOURCE)
# Where an authority sent no return for a date, MHCLG prints its previous return's
# figures, flagged "(i)" (the 2019-20 Metadata sheet; "(I)" in 2017-18) or by a
# lettered footnote such as "(b) North Yorkshire failed to submit a Q4 return".
# Such a figure is not the authority's position at that date: status
# "missing_return", value NaN (the earlier figure stays at its own date).
CARRIED_FORWARD_FLAG = "(i)"
CARRIED_FORWARD_NOTE = re.compile(
    r"did not (?:manage to )?(?:submit|provide)|failed to submit|brought forward"
    r"|carried forward",
    re.IGNORECASE,
)
NOTE_MARK = re.compile(r"\([a-z]\)", re.IGNORECASE)


@dataclass(frozen=True)
class Category:
    """One lender or instrument column of the borrowing or investments sheet."""

    name: str
    kind: str  # "borrowing" or "investments"
    labels: tuple[str, ...]


def _categories(kind: str, pairs: tuple[tuple[str, str], ...]) -> tuple[Category, ...]:
    return tuple(Category(name, kind, (label,)) for name, label in pairs)


CATEGORIES: tuple[Category, ...] = (
    *_categories(
        "borrowing",
        (
            ("short_banks", "Loans short term - Banks in UK"),
            ("short_building_societies", "Loans short term - Building Societies"),
            ("short_other_financial", "Loans short term - Other financial intermediaries"),
            ("short_public_corporations", "Loans short term - Public corporations"),
            ("short_private_corporations", "Loans short term - Private non-financial corporations"),
            ("short_central_government", "Loans short term - Central Government"),
            ("short_households", "Loans short term - Households sector"),
            ("short_other", "Loans short term - Other Sources"),
            ("short_local_authorities", "Short Term Loans Local Authorities"),
            ("bonds", "Securities - Negotiable bonds & commercial paper"),
            ("other_securities", "Securities - Other stock issues"),
            ("long_pwlb", "Loans Longer-term - PWLB"),
            ("long_banks", "Loans Longer-term - Banks in UK"),
            ("long_building_societies", "Loans Longer-term - Building Societies"),
            ("long_other_financial", "Loans Longer-term - Other financial intermediaries"),
            ("long_public_corporations", "Loans Longer-term - Public corporations"),
            ("long_private_corporations", "Loans Longer-term - Private non-financial corporations"),
            ("long_central_government", "Loans Longer-term - Central Government"),
            ("long_households", "Loans Longer-term - Households sector"),
            ("long_other", "Loans Longer-term - Other Sources"),
            ("long_local_authorities", "Longer Term Loans Local Authorities"),
        ),
    ),
    *_categories(
        "investments",
        (
            ("deposits_banks", "Deposits: banks"),
            ("deposits_building_societies", "Deposits: building societies"),
            ("treasury_bills", "Treasury bills"),
            ("cd_banks", "Certificates of deposit: banks"),
            ("cd_building_societies", "Certificates of deposit: building societies"),
            ("gilts", "British Government (Gilt-edge) securities"),
            ("inv_other_financial", "Other financial intermediaries"),
            ("inv_public_corporations", "Public corporations"),
            ("dmadf", "Debt Management Account deposit facility"),
            ("money_market_funds", "Money market funds"),
            ("externally_managed_funds", "Externally managed funds"),
            ("other_investments", "Other investments"),
            ("loans_local_government", "Loans Local Government"),
        ),
    ),
)
_SHORT = tuple(c.name for c in CATEGORIES if c.name.startswith("short_"))
_LONG = ("bonds", "other_securities") + tuple(
    c.name for c in CATEGORIES if c.name.startswith("long_")
)


@dataclass(frozen=True)
class Indicator:
    """A panel indicator: the sum of some categories of one sheet."""

    name: str
    description: str
    categories: tuple[str, ...]


BI_INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "borrowing_pwlb", "Longer-term loans from the Public Works Loan Board", ("long_pwlb",)
    ),
    Indicator(
        "borrowing_banks",
        "Loans from banks in the UK, short and longer term",
        ("short_banks", "long_banks"),
    ),
    Indicator(
        "borrowing_bonds",
        "Listed securities: negotiable bonds and commercial paper, other stock issues",
        ("bonds", "other_securities"),
    ),
    Indicator(
        "borrowing_other_local_authorities",
        "Loans from other local authorities, short and longer term",
        ("short_local_authorities", "long_local_authorities"),
    ),
    Indicator(
        "borrowing_short_term",
        "Short-term borrowing from every lender, loans from local authorities included",
        _SHORT,
    ),
    Indicator(
        "borrowing_long_term",
        "Longer-term borrowing: securities and longer-term loans from every lender",
        _LONG,
    ),
    Indicator("borrowing_total", "Total outstanding borrowing", _SHORT + _LONG),
    Indicator(
        "investments_total",
        "Total investments, loans to other local authorities included",
        tuple(c.name for c in CATEGORIES if c.kind == "investments"),
    ),
)
# The indicator a category column is summed into: its cells are that indicator's figures.
_INDICATOR_OF: dict[str, str] = {
    category: indicator.name
    for indicator in reversed(BI_INDICATORS)
    for category in indicator.categories
}


@dataclass(frozen=True)
class DatedSheet:
    """One borrowing or investments sheet: its date and the column of each category."""

    table: AuthorityTable
    kind: str
    date: pd.Timestamp
    columns: dict[str, int]  # category name -> column index


def sheet_date(path: Path, table: AuthorityTable) -> pd.Timestamp:
    """The one 'as at' date a sheet's title states."""
    dates = {pd.Timestamp(f"{d} {m} {y}") for d, m, y in FULL_DATE.findall(table.title)}
    if len(dates) != 1:
        stated = ", ".join(sorted(d.date().isoformat() for d in dates)) or "none"
        raise RiskwatchError(
            f"expected one 'as at' date in the sheet title, found {stated}",
            file=path,
            field=table.sheet,
        )
    return dates.pop()


def dated_sheets(path: Path, tables: list[AuthorityTable]) -> list[DatedSheet]:
    """Every borrowing or investments sheet of a workbook, with its categories located."""
    sheets = []
    for table in tables:
        columns = _category_columns(path, table)
        for kind in ("borrowing", "investments"):
            wanted = [c for c in CATEGORIES if c.kind == kind]
            found = {c.name: columns[c.name] for c in wanted if c.name in columns}
            if not found:
                continue
            missing = [c for c in wanted if c.name not in found]
            if missing:
                raise RiskwatchError(
                    f"{kind} sheet lacks the category '{missing[0].labels[0]}'",
                    file=path,
                    field=table.sheet,
                )
            sheets.append(DatedSheet(table, kind, sheet_date(path, table), found))
    seen: dict[tuple[str, pd.Timestamp], str] = {}
    for sheet in sheets:
        key = (sheet.kind, sheet.date)
        if key in seen:
            raise RiskwatchError(
                f"two {sheet.kind} sheets for {sheet.date.date()}: '{seen[key]}' and "
                f"'{sheet.table.sheet}'",
                file=path,
            )
        seen[key] = sheet.table.sheet
    return sheets


def _category_columns(path: Path, table: AuthorityTable) -> dict[str, int]:
    """Column of each category whose label the table prints; one column per category."""
    keys = {measure_key(label): c.name for c in CATEGORIES for label in c.labels}
    columns: dict[str, int] = {}
    for col, texts in table.headers.items():
        for name in {keys[k] for k in map(measure_key, texts) if k in keys}:
            if name in columns:
                raise RiskwatchError(
                    f"category '{name}' printed over columns {columns[name] + 1} and {col + 1}",
                    file=path,
                    field=table.sheet,
                )
            columns[name] = col
    return columns


def read_borrowing_file(path: Path) -> pd.DataFrame:
    """Read one borrowing and investment workbook into panel rows, one vintage per date."""
    path = Path(path)
    grids = read_grids(path)
    tables = authority_tables(grids, file=path.name)
    if not tables:
        raise RiskwatchError(
            f"no sheet with a column of authority codes (sheets: {', '.join(grids)})", file=path
        )
    sheets = dated_sheets(path, tables)
    if not sheets:
        raise RiskwatchError(
            "no borrowing or investments sheet: no known category label above the codes",
            file=path,
        )
    latest = max(sheet.date for sheet in sheets)
    published = PUBLICATION.date(financial_year_of(latest), latest.date().isoformat())
    # One return covers both sheets of a date, and the flags are printed on one only.
    carried: dict[pd.Timestamp, set[str]] = {}
    for sheet in sheets:
        carried.setdefault(sheet.date, set()).update(carried_forward(sheet))
    records = [
        record for sheet in sheets for record in _sheet_values(path, sheet, carried[sheet.date])
    ]
    return panel_rows(
        records,
        clashes="withhold",  # the publisher's known slips (module docstring of panel_rows)
        unit=UNIT,
        source=SOURCE,
        source_file=path.name,
        published=published,
        published_basis="rule",
    )


def read_borrowing(root: Path) -> pd.DataFrame:
    """Every borrowing and investment workbook under `root/borrowing-investment`."""
    folder = Path(root) / FOLDER
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    if not files:
        raise RiskwatchError("no borrowing and investment workbooks found", file=folder)
    return pd.concat([read_borrowing_file(p) for p in files], ignore_index=True)


def _sheet_values(path: Path, sheet: DatedSheet, carried: set[str]) -> list[dict]:
    """Panel records of one sheet: each indicator the sum of its categories per authority.

    Authorities in `carried` sent no return for the date (see `CARRIED_FORWARD_NOTE`).
    """
    table = sheet.table
    rows = table.english_rows()
    parsed = {
        name: [
            parse_cell(
                raw,
                file=path.name,
                row=int(index) + 1,
                field=name,
                marks=COR_MARKS,
                indicator=_INDICATOR_OF.get(name),
            )
            for index, raw in rows.iloc[:, col].items()
        ]
        for name, col in sheet.columns.items()
    }
    if not any(cell is not None for cells in parsed.values() for cell in cells):
        raise RiskwatchError(
            f"no values under the {sheet.kind} labels: header out of line with the data?",
            file=path,
            field=table.sheet,
        )
    ecodes = table.text.loc[rows.index, table.code_col].tolist()
    gss = table.gss_of(rows).tolist()
    year, period_end = financial_year_of(sheet.date), sheet.date.date().isoformat()
    records = []
    for indicator in BI_INDICATORS:
        if not set(indicator.categories) <= set(sheet.columns):
            continue  # an investments indicator on a borrowing sheet, or the reverse
        for i, ecode in enumerate(ecodes):
            total = _sum([parsed[name][i] for name in indicator.categories])
            if total is not None and ecode in carried:
                total = (float("nan"), "missing_return")
            if total is not None:
                value, status = total
                records.append(
                    {
                        "ecode": ecode,
                        "gss_code": gss[i],
                        "indicator": indicator.name,
                        "value": value,
                        "status": status,
                        "financial_year": year,
                        "period_end": period_end,
                        "vintage": f"{path.name}:{period_end}",
                    }
                )
    return records


def carried_forward(sheet: DatedSheet) -> set[str]:
    """E-codes whose row repeats an earlier return instead of reporting this date.

    A row is flagged by "(i)", or by the mark of a footnote saying authorities did
    not submit, printed beside its values (the name, a flag column).
    """
    text = sheet.table.text
    notes = [t for t in text.to_numpy().ravel() if t and CARRIED_FORWARD_NOTE.search(t)]
    marks = {CARRIED_FORWARD_FLAG} | {
        m.group(0).lower() for t in notes if (m := NOTE_MARK.match(t))
    }
    rows = text.loc[sheet.table.english_rows().index]
    if rows.empty:
        return set()
    id_columns = [c for c in range(text.shape[1]) if c not in sheet.columns.values()]
    flagged = rows[id_columns].apply(
        lambda row: any(m.lower() in marks for cell in row for m in NOTE_MARK.findall(cell)),
        axis=1,
    )
    return set(rows.loc[flagged, sheet.table.code_col])


def _sum(cells: list[tuple[float, str] | None]) -> tuple[float, str] | None:
    """Sum of reported categories (blank = none held); NaN if any category is marked missing."""
    present = [cell for cell in cells if cell is not None]
    if not present:
        return None
    flagged = [status for _, status in present if status != "reported"]
    if flagged:
        return float("nan"), "missing_return" if "missing_return" in flagged else flagged[0]
    return float(sum(value for value, _ in present)), "reported"


REGISTERED = (
    Source(
        name="BI",
        title="Borrowing and investment live tables",
        publisher="Ministry of Housing, Communities and Local Government",
        kinds={"BI": "position"},
        files=(f"{FOLDER}/*",),
        read=ignoring_unmatched(read_borrowing),
        published="configs/releases.toml's lag after each workbook's latest date",
        rules={SOURCE: PUBLICATION},
    ),
)
