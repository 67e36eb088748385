"""Reader for the MHCLG revenue family: RS outturn, RA budgets and RSX service expenditure.

One code path for every year: each measure is located by its form line (label
and, where printed, line number) through `revenue_lines`, never by position.
A file of a known year that lacks a known measure, or prints a known line under
a label we have not met, fails loudly with the file, sheet and column named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskwatch.data.kit.cells import ImpossibleValue, parse_cell
from riskwatch.data.kit.header import cell_text, label_key
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.panel_rows import panel_rows
from riskwatch.data.kit.publication import ConfiguredRule
from riskwatch.data.kit.source import Source
from riskwatch.data.kit.workbook import Column, DataSheet, describe_sheet, stated_update_date
from riskwatch.data.sources.revenue_lines import Line, carried, lines_for
from riskwatch.data.years import CODE, financial_years_in, year_end
from riskwatch.errors import RiskwatchError

# Where the releases sit under a data root.
FILES = (
    "revenue-outturn/*.xls*",
    "revenue-budget/*.xls*",
    "service-expenditure/*.ods",
    "bbc-council-reserves/RS_*.xlsx",
    "bbc-council-reserves/budgetaccounts1617.xlsx",
    "bbc-council-reserves/revenueaccountsexportAug7.csv",
)
FORM_TITLES = {
    "RS": re.compile(r"revenue outturn summary|\(rs\)", re.I),
    "RA": re.compile(r"revenue account budget|\(ra\)", re.I),
    "RSX": re.compile(r"service expenditure summary|\(rsx\)", re.I),
}
# Captions of memo blocks that repeat main-form labels (only consulted where a
# sheet prints no line numbers).
MEMO_CAPTION = re.compile(
    r"iceland|memorandum|capital charges|capital items|equal pay|net current expenditure"
    r"|housing revenue account|\bhra\b|sub components|exceptional elements|optional detail",
    re.I,
)
# Council classes as printed (London boroughs are L until 2020-21, LB after): only councils'
# values are held to the impossible-value rules; other bodies (class O) keep what they report.
COUNCILS = {"SC", "SD", "UA", "MD", "L", "LB"}


@dataclass(frozen=True)
class RevenueRelease:
    """What one revenue file holds: its form, year, values and the authorities it lists."""

    form: str
    financial_year: str
    source_file: str
    stated_update: str | None  # the release's own "Last updated" date, if printed
    values: pd.DataFrame  # PANEL_COLUMNS less gss_code/published (filled by the build)
    roster: pd.DataFrame  # ecode, ons_code, name, class, financial_year
    encoding: str | None = None  # a CSV's text encoding ("cp1252" when not UTF-8)
    # A council's negative value of a measure that cannot be negative, each as the error
    # that refuses it: the build refuses the release, an ingest unless outliers are
    # accepted on purpose (MHCLG's RA 2023-24 prints Eastbourne's council tax
    # requirement as -1). The value stays in `values`, as published.
    impossible_values: tuple[RiskwatchError, ...] = ()


def identify_release(path: Path, sheets: list[DataSheet]) -> tuple[str, str]:
    """The form (RS/RA/RSX) and financial year a release states in its title."""
    title = " ".join(sheet.title for sheet in sheets) + " " + path.name
    forms = [form for form, pattern in FORM_TITLES.items() if pattern.search(title)]
    if "RSX" in forms:
        forms = ["RSX"]
    if len(forms) != 1:
        raise RiskwatchError(
            "cannot tell which revenue return this is (RS, RA or RSX) from its title "
            f"'{sheets[0].title[:80]}'",
            file=path,
        )
    years = financial_years_in(sheets[0].title, CODE) or financial_years_in(path.name, CODE)
    if not years:
        raise RiskwatchError("cannot find the financial year in the release title", file=path)
    return forms[0], years[0]


def read_revenue_file(path: Path) -> RevenueRelease:
    """Read one RS, RA or RSX release into tidy panel rows."""
    path = Path(path)
    grids = read_grids(path, formulas_as_text=True)
    described = (
        describe_sheet(name, grid, file=path, sheet=_shown_sheet(path, name))
        for name, grid in grids.items()
    )
    sheets = [sheet for sheet in described if sheet is not None]
    if not sheets:
        raise RiskwatchError(
            "no sheet with an 'E-code' header row: not a known revenue release "
            f"(sheets: {', '.join(grids)})",
            file=path,
        )
    form, year = identify_release(path, sheets)
    for sheet in sheets:
        check_every_row_keyed(path, sheet)
    primary = _primary_sheet(path, sheets)
    check_stated_unit(path, primary)
    columns = {
        line.indicator: _locate(path, form, year, line, primary, sheets) for line in lines_for(form)
    }
    values, impossible = _values(path, form, year, columns)
    if values.empty:
        raise RiskwatchError("no authority rows with values below the header", file=path)
    return RevenueRelease(
        form=form,
        financial_year=year,
        source_file=path.name,
        stated_update=stated_update_date(primary),
        values=values,
        roster=_roster(primary, year),
        encoding=next((g.attrs["encoding"] for g in grids.values() if "encoding" in g.attrs), None),
        impossible_values=tuple(impossible),
    )


_STATED_UNIT = re.compile(r"£\s*('?000|thousands?|millions?|m\b|bn|billions?)?", re.I)


def check_stated_unit(path: Path, sheet: DataSheet) -> None:
    """Refuse a release whose title states a unit other than £ thousand (values would be 1000x off)."""
    for match in _STATED_UNIT.finditer(sheet.title):
        unit = (match.group(1) or "").lower()
        if unit in ("000", "'000", "thousand", "thousands"):
            continue
        stated = match.group(0).strip()
        raise RiskwatchError(
            f"the release states its values in '{stated}', not £ thousand: convert it to "
            "£ thousand before ingesting",
            file=path,
            sheet=_shown_sheet(path, sheet.name),
            field="title",
        )


def check_every_row_keyed(path: Path, sheet: DataSheet) -> None:
    """Refuse a table row that names no authority, or authority rows cut off below a blank
    row: every row is either read or refused, none dropped without a word."""
    for row, code in sheet.unkeyed_rows().items():
        reason = (
            "data row without an E-code"
            if not code
            else f"'{code[:20]}' is not an E-code (E and four digits)"
        )
        raise RiskwatchError(
            f"{reason}: every row of the authority table must name its authority",
            file=path,
            row=int(row) + 1,
            sheet=_shown_sheet(path, sheet.name),
            field="E-code",
        )
    if sheet.authority_below_table is not None:
        raise RiskwatchError(
            "authority row below a blank row that ends the table: remove the blank row",
            file=path,
            row=sheet.authority_below_table + 1,
            sheet=_shown_sheet(path, sheet.name),
            field="E-code",
        )


def _shown_sheet(path: Path, sheet: str) -> str | None:
    """The sheet an error names: a workbook's sheet, none for a CSV (its one table)."""
    return None if path.suffix.lower() == ".csv" else sheet


def _primary_sheet(path: Path, sheets: list[DataSheet]) -> DataSheet:
    """The sheet holding form column 1 (net current expenditure), or the only data sheet."""
    if len(sheets) == 1:
        return sheets[0]
    for sheet in sheets:
        if re.search(r"net current expenditure", sheet.title, re.I):
            return sheet
    raise RiskwatchError(
        "several data sheets and none titled 'Net current expenditure': unknown layout "
        f"(sheets: {', '.join(s.name for s in sheets)})",
        file=path,
    )


def _matches(column: Column, line: Line, form: str) -> bool:
    if column.key not in {label_key(label) for label in line.labels}:
        return False
    if line.date != column.date_context and line.date is not None:
        return False
    if column.line is not None:
        if column.line not in line.lines[form]:
            return False
        return line.form_column is None or column.form_column in (None, line.form_column)
    return line.date is not None or not MEMO_CAPTION.search(column.group)


def _locate(
    path: Path, form: str, year: str, line: Line, primary: DataSheet, sheets: list[DataSheet]
) -> tuple[DataSheet, Column] | None:
    """The sheet and column holding a measure, or None where the year does not carry it."""
    expected = carried(line, form, year)
    # Reserve levels may sit on a later sheet (the 31 March block before 2015-16);
    # every other measure is form column 1, on the primary sheet.
    search = [primary] + [s for s in sheets if s is not primary] if line.date else [primary]
    for sheet in search:
        found = [c for c in sheet.columns if _matches(c, line, form)]
        if len(found) > 1:
            found = _drop_identical(sheet, found)
        if len(found) > 1:
            raise RiskwatchError(
                f"measure '{line.indicator}' matches several columns "
                f"({', '.join(c.label + ' @' + str(c.index + 1) for c in found)}); "
                "add the distinguishing line number or caption to the mapping",
                file=path,
                field=sheet.name,
            )
        if found:
            return sheet, found[0]
        if expected:
            _check_reworded(path, form, line, sheet)
    if expected:
        raise RiskwatchError(
            f"known measure '{line.indicator}' ({line.description}) not found in this "
            f"{form} {year} release; labels met so far: {'; '.join(line.labels[:3])}",
            file=path,
            field=primary.name,
        )
    return None


def _check_reworded(path: Path, form: str, line: Line, sheet: DataSheet) -> None:
    """Fail when the measure's line number is printed under a label not in the mapping."""
    for column in sheet.columns:
        if (
            column.line is not None
            and column.line in line.lines.get(form, ())
            and (line.date is None or column.date_context == line.date)
            and (line.form_column is None or column.form_column in (None, line.form_column))
        ):
            raise RiskwatchError(
                f"line {column.line} reads '{column.label}', not a known label for "
                f"'{line.indicator}': add the variant to riskwatch/data/sources/revenue_lines.py "
                "if it is the same measure",
                file=path,
                field=sheet.name,
            )


def _drop_identical(sheet: DataSheet, columns: list[Column]) -> list[Column]:
    """Keep one of several columns that hold exactly the same values."""
    rows = sheet.authority_rows()
    first = rows.iloc[:, columns[0].index].map(cell_text)
    distinct = [columns[0]]
    for column in columns[1:]:
        if not rows.iloc[:, column.index].map(cell_text).equals(first):
            distinct.append(column)
    return distinct


def _values(
    path: Path, form: str, year: str, columns: dict
) -> tuple[pd.DataFrame, list[RiskwatchError]]:
    """The release's values as panel rows, and its impossible values as errors."""
    opening, closing = f"{year[:4]}-04-01", year_end(year)
    records, impossible = [], []
    for indicator, located in columns.items():
        if located is None:
            continue
        sheet, column = located
        rows = sheet.authority_rows()
        ecodes = rows.iloc[:, sheet.id_columns["ecode"]].map(cell_text)
        classes = (
            rows.iloc[:, sheet.id_columns["class"]].map(cell_text).str.upper()
            if "class" in sheet.id_columns
            else pd.Series("", index=rows.index)
        )
        for (row_index, raw), ecode in zip(rows.iloc[:, column.index].items(), ecodes, strict=True):
            try:
                parsed = parse_cell(
                    raw,
                    file=path.name,
                    row=int(row_index) + 1,
                    field=column.label or indicator,
                    indicator=indicator,
                )
            except ImpossibleValue as error:
                if classes[row_index] in COUNCILS:
                    impossible.append(error)
                parsed = (error.value, "reported")
            if parsed is None:
                continue
            value, status = parsed
            records.append(
                {
                    "ecode": ecode,
                    "indicator": indicator,
                    "value": value,
                    "status": status,
                    "period_end": opening if column.date_context == "open" else closing,
                }
            )
    frame = panel_rows(
        records,
        gss_code=None,
        financial_year=year,
        unit="GBP_thousand",
        source=form,
        source_file=path.name,
        vintage=None,
        published=None,
        published_basis=None,
    )
    return frame, impossible


def _roster(sheet: DataSheet, year: str) -> pd.DataFrame:
    """The authorities a release lists: E-code, ONS code (where given), name and class."""
    rows = sheet.authority_rows()
    ids = sheet.id_columns

    def column(role: str) -> pd.Series:
        if role not in ids:
            return pd.Series([None] * len(rows), index=rows.index, dtype=object)
        return rows.iloc[:, ids[role]].map(cell_text).replace({"": None})

    return pd.DataFrame(
        {
            "ecode": column("ecode"),
            "ons_code": column("ons"),
            "name": column("name"),
            "class": column("class"),
            "financial_year": year,
            "row": rows.index.to_numpy() + 1,  # the sheet's own row number, for errors
        }
    ).reset_index(drop=True)


REGISTERED = (
    Source(
        name="revenue",
        title="Revenue outturn (RS), service expenditure (RSX) and budgets (RA), by authority",
        publisher="Ministry of Housing, Communities and Local Government",
        kinds={"RS": "outturn", "RSX": "outturn", "RA": "budget"},
        files=FILES,
        read=None,
        published="configs/releases.toml: a stated date or the form's rule; each revision a "
        "year after the release before it",
        rules={form: ConfiguredRule(form) for form in ("RS", "RSX", "RA")},
    ),
)
