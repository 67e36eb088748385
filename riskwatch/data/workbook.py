"""Read official spreadsheets as raw grids and describe their header blocks.

MHCLG workbooks move their header row between years, split one return over
several sheets and print the form's line numbers (where at all) on a row of
their own. This module turns any sheet into a `DataSheet`: the header row, the
identifying columns, and for every other column its label, form line number,
the group caption written above it and the date that caption names.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskwatch.errors import RiskwatchError

SUPPORTED_SUFFIXES = (".csv", ".xls", ".xlsx", ".ods")
_ENGINES = {".xls": "xlrd", ".xlsx": "openpyxl", ".ods": "odf"}

_LINE_CODE = re.compile(r"^C(\d+)R(\d{3,4}[a-z]?)$", re.IGNORECASE)
_BARE_LINE = re.compile(r"^(\d{3,4}[a-z]?)$", re.IGNORECASE)
_DATE_OPEN = re.compile(r"\b1(st)?\s+april", re.IGNORECASE)
_DATE_CLOSE = re.compile(r"\b31(st)?\s+march", re.IGNORECASE)


def read_grids(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a CSV/XLS/XLSX/ODS file as a raw grid of cells (no header parsing)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise RiskwatchError(
            f"unsupported file type '{suffix}' (expected one of {', '.join(SUPPORTED_SUFFIXES)})",
            file=path,
        )
    if not path.exists():
        raise RiskwatchError("file not found", file=path)
    if path.stat().st_size == 0:
        raise RiskwatchError("file is empty", file=path)
    if suffix == ".csv":
        return {"csv": _read_csv_grid(path)}
    try:
        with pd.ExcelFile(path, engine=_ENGINES[suffix]) as book:
            return {
                name: pd.read_excel(
                    book, sheet_name=name, header=None, dtype=object, keep_default_na=False
                )
                for name in book.sheet_names
            }
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        raise RiskwatchError(
            f"cannot read as {suffix} workbook (truncated or corrupt?): {exc}", file=path
        ) from None
    except Exception as exc:  # xlrd/odf raise their own types for damaged files
        raise RiskwatchError(
            f"cannot read as {suffix} workbook (truncated or corrupt?): "
            f"{type(exc).__name__}: {exc}",
            file=path,
        ) from None


def _read_csv_grid(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RiskwatchError(
            f"not UTF-8 text (byte {raw[exc.start]:#x}); save the file as UTF-8 CSV",
            file=path,
            row=line,
        ) from None
    import io

    try:
        grid = pd.read_csv(io.StringIO(text), header=None, dtype=object, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise RiskwatchError("file has no rows", file=path) from None
    except pd.errors.ParserError as exc:
        raise RiskwatchError(f"malformed CSV: {exc}", file=path) from None
    return grid.replace({"": None})


def cell_text(value: object) -> str:
    """A cell as stripped text with whitespace collapsed ('' for empty cells)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def label_key(label: str) -> str:
    """Normalised form of a line label for matching variants across years.

    Drops notes in square brackets, "(total of lines ...)" remarks, case, and
    every character that is not a letter or digit, so that "Interest and
    investment income (-): external receipts" and "Interest and investment
    income(-):external receipts" compare equal.
    """
    text = label.lower().replace("’", "'")
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\((total|sum) of lines?[^)]*\)", "", text)
    text = re.sub(r"\(line[^)]*\)", "", text)
    text = re.sub(r"see footnote", "", text)
    text = re.sub(r"(\s*\([a-z]\)|\*)+\s*$", "", text.strip())  # footnote markers
    return re.sub(r"[^a-z0-9]", "", text)


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
        """Rows below the header whose E-code cell holds an MHCLG E-code."""
        body = self.grid.iloc[self.header_row + 1 :]
        codes = body.iloc[:, self.id_columns["ecode"]].map(cell_text)
        return body[codes.str.fullmatch(r"E\d{4}")]


_ID_LABELS = {
    "ecode": {"ecode"},
    "ons": {"onscode", "onscodes", "gsscode", "newlacode"},
    "name": {"localauthority", "authority", "laname", "localauthorityname"},
    "class": {"class"},
}


def find_header_row(grid: pd.DataFrame, *, search_rows: int = 40) -> int | None:
    """Index of the first row with an 'E-code' cell, or None."""
    for row in range(min(search_rows, len(grid))):
        if any(label_key(cell_text(v)) == "ecode" for v in grid.iloc[row].tolist()):
            return row
    return None


def describe_sheet(name: str, grid: pd.DataFrame) -> DataSheet | None:
    """Describe a sheet's header block; None when the sheet has no E-code header."""
    header = find_header_row(grid)
    if header is None:
        return None
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
