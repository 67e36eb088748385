"""Find a table's header in an official spreadsheet's grid (opened by `opening`).

Publishers move a table's header row between years and print its labels in many
variants. `locate_columns` finds the one header row of a one-table sheet by the labels
each column may be printed as (compared by `label_key`), `locate_tables` every header of
a sheet holding several tables, `two_row_header` the captions and labels of a header of
two rows. Each fails loudly, naming the file, sheet, row and column, on a layout it does
not know, and refuses a header repeated inside its table (`RepeatedHeader`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.errors import RiskwatchError

# E-code or name cells of the totals row that closes an authority table.
TOTAL_KEYS = {"eng", "england", "englandtotal", "total"}
# How far down a sheet its header row may sit (notes and titles above it).
HEADER_SEARCH_ROWS = 40


def cell_text(value: object) -> str:
    """A cell as stripped text with whitespace collapsed ('' for empty cells)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())  # as re.sub(r"\s+", " ", text).strip(), 3x faster


def blank_rows(grid: pd.DataFrame) -> np.ndarray:
    """Whether each row of a grid has no filled cell (every `cell_text` empty).

    A row stops being read at its first filled cell, so a sheet printed 16,384 columns
    wide (MHCLG's RA 2020-21) costs no more than its filled cells."""
    return np.array([not any(map(cell_text, row)) for row in grid.to_numpy()], dtype=bool)


@lru_cache(maxsize=2**16)
def label_key(label: str) -> str:
    """Normalised form of a line label for matching variants across years.

    Drops notes in square brackets, "(total of lines ...)" remarks, case, and
    every character that is not a letter or digit, so that "Interest and
    investment income (-): external receipts" and "Interest and investment
    income(-):external receipts" compare equal. Kept per distinct text: a build
    asks for the same few thousand labels over a million times.
    """
    text = label.lower().replace("’", "'")
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\((total|sum) of lines?[^)]*\)", "", text)
    text = re.sub(r"\(line[^)]*\)", "", text)
    text = re.sub(r"see footnote", "", text)
    text = re.sub(r"(\s*\([a-z]\)|\*)+\s*$", "", text.strip())  # footnote markers
    return re.sub(r"[^a-z0-9]", "", text)


def two_row_header(grid: pd.DataFrame, label_row: int) -> dict[int, tuple[str, str]]:
    """Each column's (caption, label) under a header of two rows ending at `label_row`.

    The upper row captions groups of columns (a merged cell prints its text in the
    group's first column, so a caption carries right); the lower row labels the
    columns of a group. A column with no label in the lower row is labelled by the
    upper row's own cell and has no caption.
    """
    upper = [cell_text(v) for v in grid.iloc[label_row - 1].tolist()]
    lower = [cell_text(v) for v in grid.iloc[label_row].tolist()]
    header: dict[int, tuple[str, str]] = {}
    caption = ""
    for col, (above, below) in enumerate(zip(upper, lower, strict=True)):
        caption = above or caption
        if below:
            header[col] = (caption, below)
        elif above:
            header[col] = ("", above)
    return header


def locate_columns(
    grid: pd.DataFrame,
    spec: dict[str, tuple[str, ...]],
    *,
    file: str,
    sheet: str | None = None,
    require_rows: bool = True,
) -> tuple[int, dict[str, int]]:
    """The header row holding every role's label, and each role's column.

    `spec` maps a role to the labels it may be printed as, compared by `label_key`
    (the first variant the row holds wins). The header is the first of the top
    HEADER_SEARCH_ROWS rows that holds every role. Fails naming the missing column
    when a row holds at least half of them, else naming the labels no row holds, and
    fails when nothing but blank rows follows the header (a table cut off, or its
    header moved below the data, would otherwise read as empty) unless `require_rows`
    is False (a caller that reports an empty table in its own words).
    """
    wanted = _wanted(spec)
    best: tuple[int, dict[str, int]] | None = None
    for row in range(min(HEADER_SEARCH_ROWS, len(grid))):
        found = _roles_in_row(grid, row, wanted)
        if len(found) == len(spec):
            if require_rows and blank_rows(grid.iloc[row + 1 :]).all():
                where = f" of sheet '{sheet}'" if sheet else ""
                raise RiskwatchError(
                    f"no rows below the header{where}: the table is empty or cut off",
                    file=file,
                    row=row + 1,
                )
            check_header_not_repeated(grid, row, found, file=file, sheet=sheet)
            return row, found
        if 2 * len(found) >= len(spec) and (best is None or len(found) > len(best[1])):
            best = (row, found)
    if best is not None:
        raise _missing_column(spec, *best, file=file, sheet=sheet)
    raise _no_header(spec, f" in the first {HEADER_SEARCH_ROWS} rows", file=file, sheet=sheet)


class RepeatedHeader(RiskwatchError):
    """A table's header row printed again inside the table: the rows below it would be cut
    off or read as a second table, so the file is refused rather than read in part."""


def repeated_header_row(grid: pd.DataFrame, header: int, columns: dict[str, int]) -> int | None:
    """The first row below `header` whose cells in `columns` read as the header's own
    labels, right below a row of the table; None when the header is not repeated so.

    A row of the table fills every one of `columns` and is no totals row (ENGLAND): a
    header below a blank, title or totals row starts a second table, not a repeat (RS
    prints its class breakdowns so, the council tax workbook its precepting bodies)."""
    positions = list(columns.values())
    keys = [label_key(cell_text(grid.iat[header, col])) for col in positions]
    block = grid.iloc[header:, positions].map(cell_text).map(label_key)
    in_table = (block.ne("").all(axis=1) & ~block.isin(TOTAL_KEYS).any(axis=1)).to_numpy()
    repeats = block.eq(keys).all(axis=1).to_numpy()
    found = np.flatnonzero(repeats[1:] & in_table[:-1])
    return header + 1 + int(found[0]) if len(found) else None


def check_header_not_repeated(
    grid: pd.DataFrame,
    header: int,
    columns: dict[str, int],
    *,
    file: str | Path,
    sheet: str | None = None,
) -> None:
    """Refuse a table whose header row is repeated inside it (a pasted copy of the header)."""
    repeat = repeated_header_row(grid, header, columns)
    if repeat is not None:
        first = min(columns.values())
        raise RepeatedHeader(
            f"the header row (row {header + 1}) is repeated inside the table: remove the "
            "repeated row, or the rows below it would be cut off",
            file=file,
            sheet=sheet,
            row=repeat + 1,
            field=cell_text(grid.iat[header, first]),
        )


def locate_tables(
    grid: pd.DataFrame, spec: dict[str, tuple[str, ...]], *, file: str, sheet: str | None = None
) -> list[tuple[int, dict[str, int]]]:
    """Every header row of a sheet holding several tables, top to bottom, with its columns.

    As `locate_columns`, over the whole sheet: a row holding a label of the first
    role (the tables' key column) is a header, and fails naming the missing column
    unless it holds every role; a sheet with no such row fails naming the labels. A
    header right below a row of a table is that table's header repeated, and refused.
    """
    wanted = _wanted(spec)
    key = next(iter(spec))
    headers = []
    for row in range(len(grid)):
        found = _roles_in_row(grid, row, wanted)
        if len(found) == len(spec):
            headers.append((row, found))
        elif key in found:
            raise _missing_column(spec, row, found, file=file, sheet=sheet)
    if not headers:
        raise _no_header(spec, "", file=file, sheet=sheet)
    for row, found in headers:
        check_header_not_repeated(grid, row, found, file=file, sheet=sheet)
    return headers


def _wanted(spec: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    return {role: [label_key(v) for v in variants] for role, variants in spec.items()}


def _roles_in_row(grid: pd.DataFrame, row: int, wanted: dict[str, list[str]]) -> dict[str, int]:
    """Each role whose label the row holds -> the column of the first variant held."""
    keys = [label_key(cell_text(v)) for v in grid.iloc[row].tolist()]
    found = {}
    for role, accepted in wanted.items():
        present = [keys.index(k) for k in accepted if k in keys]
        if present:
            found[role] = present[0]
    return found


def _missing_column(
    spec: dict[str, tuple[str, ...]],
    row: int,
    found: dict[str, int],
    *,
    file: str,
    sheet: str | None,
) -> RiskwatchError:
    where = f" in sheet '{sheet}'" if sheet else ""
    missing = next(spec[role] for role in spec if role not in found)
    return RiskwatchError(
        f"missing column {' or '.join(repr(v) for v in missing)} in the header row{where}: "
        "unknown layout",
        file=file,
        row=row + 1,
        field=missing[0],
    )


def _no_header(
    spec: dict[str, tuple[str, ...]], searched: str, *, file: str, sheet: str | None
) -> RiskwatchError:
    where = f" in sheet '{sheet}'" if sheet else ""
    return RiskwatchError(
        f"header row not found{where}{searched} (expected columns "
        f"{', '.join(repr(v[0]) for v in spec.values())}): unknown layout",
        file=file,
    )
