"""Describe the header blocks of official spreadsheets' grids (opened by `opening`).

MHCLG workbooks move their header row between years, split one return over
several sheets and print the form's line numbers (where at all) on a row of
their own. This module turns any sheet into a `DataSheet`: the header row, the
identifying columns, and for every other column its label, form line number,
the group caption written above it and the date that caption names.
Every other reader finds its one-table sheet's header row with `header.locate_columns`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.data.kit.header import (  # the header locators lived here: old imports work
    HEADER_SEARCH_ROWS,
    TOTAL_KEYS,
    RepeatedHeader,
    blank_rows,
    cell_text,
    check_header_not_repeated,
    label_key,
    locate_columns,
    locate_tables,
    two_row_header,
)
from riskwatch.errors import RiskwatchError

_LINE_CODE = re.compile(r"^C(\d+)R(\d{3,4}[a-z]?)$", re.IGNORECASE)
_BARE_LINE = re.compile(r"^(\d{3,4}[a-z]?)$", re.IGNORECASE)
_DATE_OPEN = re.compile(r"\b1(st)?\s+april", re.IGNORECASE)
_DATE_CLOSE = re.compile(r"\b31(st)?\s+march", re.IGNORECASE)
E_CODE = r"E\d{4}"


@dataclass(frozen=True)
class Column:
    """One value column of a data sheet, described by what is printed above it."""

    index: int
    label: str
    line: str | None  # form line number ("781", "815a") where the sheet prints one
    form_column: str | None  # form column ("1", "7") where a C<n>R<line> code gives it
    group: str  # the group caption(s) above the column, carried right
    date_context: str | None  # "open" (1 April), "close" (31 March) or None

    @property
    def key(self) -> str:
        return label_key(self.label)


@dataclass(frozen=True)
class DataSheet:
    """A sheet with one row per authority under a header row."""

    name: str
    title: str
    header_row: int
    id_columns: dict[str, int]  # "ecode", "ons", "name", "class" -> column index
    columns: list[Column]
    grid: pd.DataFrame

    def authority_rows(self) -> pd.DataFrame:
        """Rows of the authority table whose E-code cell holds an MHCLG E-code (taken once:
        a reader reads them for every measure, and a sheet as wide as RA 2020-21's, 16,384
        columns, takes a tenth of a second to filter). Read them; do not change them."""
        return self._authority_rows

    @cached_property
    def _authority_rows(self) -> pd.DataFrame:
        table = self._table.rows
        return table[self._table.codes.loc[table.index].str.fullmatch(E_CODE)]

    def unkeyed_rows(self) -> pd.Series:
        """E-code cell text of the authority table's rows that hold no E-code (by grid row)."""
        codes = self._table.codes.loc[self._table.rows.index]
        return codes[~codes.str.fullmatch(E_CODE)]

    @property
    def authority_below_table(self) -> int | None:
        """Grid row of an authority row stranded below a blank row that ended the table."""
        return self._table.stranded

    @cached_property
    def _table(self) -> _Table:
        """The authority table: from the first filled row below the header to the row before
        the first blank row (no cell filled, or no identifying cell: an exported separator
        row may carry a row number and R's NA), totals row (ENGLAND) or repeated header. The class and regional
        breakdowns printed below it repeat codes (the GLA's E5100) and are not authorities."""
        body = self.grid.iloc[self.header_row + 1 :]
        identity = body.iloc[:, list(self.id_columns.values())].map(cell_text)
        codes = identity[body.columns[self.id_columns["ecode"]]]
        blank = blank_rows(body) | identity.isin(_NO_IDENTITY).all(axis=1).to_numpy()
        marks = codes.map(label_key).isin({"ecode", *TOTAL_KEYS})
        if "name" in self.id_columns:
            names = body.iloc[:, self.id_columns["name"]].map(cell_text)
            marks |= names.map(label_key).isin(TOTAL_KEYS)
        marks = marks.to_numpy()
        filled = np.flatnonzero(~blank)
        start = int(filled[0]) if len(filled) else len(body)
        ends = np.flatnonzero((blank | marks)[start:])
        end = start + int(ends[0]) if len(ends) else len(body)
        stranded = None
        if end < len(body) and blank[end]:
            authority = codes.str.fullmatch(E_CODE).to_numpy()
            for position in range(end, len(body)):
                if marks[position]:
                    break
                if authority[position]:
                    stranded = int(body.index[position])
                    break
        return _Table(rows=body.iloc[start:end], codes=codes, stranded=stranded)


_NO_IDENTITY = {"", "NA"}  # an identifying cell with no identity: empty, or R's missing mark


@dataclass(frozen=True)
class _Table:
    rows: pd.DataFrame
    codes: pd.Series  # E-code cell text of every row below the header
    stranded: int | None


_ID_LABELS = {
    "ecode": {"ecode"},
    "ons": {"onscode", "onscodes", "gsscode", "newlacode"},
    "name": {"localauthority", "authority", "laname", "localauthorityname"},
    "class": {"class"},
}


def describe_sheet(
    name: str, grid: pd.DataFrame, *, file: str | Path | None = None, sheet: str | None = None
) -> DataSheet | None:
    """Describe a sheet's header block; None when the sheet has no E-code header.

    A header repeated inside the table is refused, naming `file` (else the sheet's name)
    and `sheet`."""
    try:
        # A sheet with an E-code header and no rows is a revenue table still: the reader
        # refuses it as one ("no authority rows").
        header, _ = locate_columns(
            grid, {"ecode": ("E-code",)}, file=file or name, sheet=sheet, require_rows=False
        )
    except RepeatedHeader:
        raise
    except RiskwatchError:
        return None  # a title, notes or contents sheet: no authority table
    header_cells = [cell_text(v) for v in grid.iloc[header].tolist()]
    ids: dict[str, int] = {}
    for index, text in enumerate(header_cells):
        key = label_key(text)
        for role, keys in _ID_LABELS.items():
            if key in keys and role not in ids:
                ids[role] = index
    first_value_col = max(ids.values()) + 1
    # Further descriptive columns (Notes, Detailed Class, Certification, Region) sit
    # right after the ids in some years; they are not values.
    descriptive = {"notes", "detailedclass", "certification", "certified", "region", ""}
    while first_value_col < len(header_cells) and (
        label_key(header_cells[first_value_col]) in descriptive
        and not _has_line_above(grid, header, first_value_col)
    ):
        first_value_col += 1

    above = grid.iloc[:header, :]
    line_rows = _line_number_rows(above, first_value_col)
    group_rows = _group_rows(above, first_value_col, line_rows)
    groups = _carried_captions(above, group_rows, first_value_col)

    columns = []
    for index in range(first_value_col, grid.shape[1]):
        label = header_cells[index] if index < len(header_cells) else ""
        line, form_column = _line_of(above, index, line_rows)
        if not label and not line:
            continue
        group = groups.get(index, "")
        columns.append(
            Column(
                index=index,
                label=label,
                line=line,
                form_column=form_column,
                group=group,
                date_context=_date_context(group + " " + label),
            )
        )
    title = " | ".join(
        t for t in (cell_text(v) for v in above.iloc[:, :first_value_col].to_numpy().ravel()) if t
    )
    return DataSheet(
        name=name, title=title, header_row=header, id_columns=ids, columns=columns, grid=grid
    )


def _has_line_above(grid: pd.DataFrame, header: int, col: int) -> bool:
    return any(
        _LINE_CODE.match(cell_text(v)) or _BARE_LINE.match(cell_text(v))
        for v in grid.iloc[:header, col].tolist()
    )


def _line_number_rows(above: pd.DataFrame, first_col: int) -> list[int]:
    """Rows above the header that print form line numbers (not column counters)."""
    rows = []
    for row in range(len(above)):
        cells = [cell_text(v) for v in above.iloc[row, first_col:].tolist()]
        filled = [c for c in cells if c]
        if len(filled) < 3:
            continue
        if all(_LINE_CODE.match(c) for c in filled):
            rows.append(row)
            continue
        if not all(_BARE_LINE.match(c) for c in filled):
            continue
        numbers = [int(re.sub(r"\D", "", c)) for c in filled]
        steps = [b - a for a, b in zip(numbers, numbers[1:], strict=False)]
        counter_like = sum(1 for s in steps if s == 1) > 0.8 * len(steps)
        if not counter_like:
            rows.append(row)
    return rows


def _group_rows(above: pd.DataFrame, first_col: int, line_rows: list[int]) -> list[int]:
    """Rows above the header that hold group captions (text, not codes or counters)."""
    rows = []
    for row in range(len(above)):
        if row in line_rows:
            continue
        cells = [cell_text(v) for v in above.iloc[row, first_col:].tolist()]
        filled = [c for c in cells if c]
        if not filled:
            continue
        textual = [
            c
            for c in filled
            if re.search(r"[A-Za-z]{3,}", c)
            and not re.fullmatch(r"[A-Za-z]+(-[A-Za-z0-9]+)+", c)  # variable codes
            and not _LINE_CODE.match(c)
            and not c.lower().startswith("hide or delete")
        ]
        if textual:
            rows.append(row)
    return rows


def _carried_captions(above: pd.DataFrame, group_rows: list[int], first_col: int) -> dict:
    """Caption text for each column: the nearest caption at or left of it, per group row."""
    captions: dict[int, list[str]] = {}
    for row in group_rows:
        current = ""
        for index in range(first_col, above.shape[1]):
            text = cell_text(above.iat[row, index])
            if text and re.search(r"[A-Za-z]{3,}", text) and not _LINE_CODE.match(text):
                current = text
            if current:
                captions.setdefault(index, []).append(current)
    return {index: " | ".join(texts) for index, texts in captions.items()}


def _line_of(
    above: pd.DataFrame, index: int, line_rows: list[int]
) -> tuple[str | None, str | None]:
    for row in range(len(above)):
        match = _LINE_CODE.match(cell_text(above.iat[row, index]))
        if match:
            return match.group(2).lower(), match.group(1)
    for row in line_rows:
        match = _BARE_LINE.match(cell_text(above.iat[row, index]))
        if match:
            return match.group(1).lower(), None
    return None, None


def _date_context(text: str) -> str | None:
    if _DATE_CLOSE.search(text):
        return "close"
    if _DATE_OPEN.search(text):
        return "open"
    return None


def stated_update_date(sheet: DataSheet) -> str | None:
    """The 'Last updated: 15 May 2025' date a release prints above its table, ISO."""
    match = re.search(
        r"last updated:?\s*(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\s+(\d{4})", sheet.title, re.I
    )
    if not match:
        return None
    try:
        return (
            pd.Timestamp(f"{match.group(1)} {match.group(2)} {match.group(3)}").date().isoformat()
        )
    except ValueError:
        return None


__all__ = [
    "HEADER_SEARCH_ROWS",
    "Column",
    "DataSheet",
    "RepeatedHeader",
    "cell_text",
    "check_header_not_repeated",
    "describe_sheet",
    "label_key",
    "locate_columns",
    "locate_tables",
    "stated_update_date",
    "two_row_header",
]
