"""Read official spreadsheets as raw grids and describe their header blocks.

MHCLG workbooks move their header row between years, split one return over
several sheets and print the form's line numbers (where at all) on a row of
their own. This module turns any sheet into a `DataSheet`: the header row, the
identifying columns, and for every other column its label, form line number,
the group caption written above it and the date that caption names.
"""

from __future__ import annotations

import html
import re
import warnings
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from riskwatch.errors import RiskwatchError

SUPPORTED_SUFFIXES = (".csv", ".xls", ".xlsx", ".ods")
_ENGINES = {".xls": "xlrd", ".xlsx": "openpyxl", ".ods": "odf"}

_LINE_CODE = re.compile(r"^C(\d+)R(\d{3,4}[a-z]?)$", re.IGNORECASE)
_BARE_LINE = re.compile(r"^(\d{3,4}[a-z]?)$", re.IGNORECASE)
_DATE_OPEN = re.compile(r"\b1(st)?\s+april", re.IGNORECASE)
_DATE_CLOSE = re.compile(r"\b31(st)?\s+march", re.IGNORECASE)
E_CODE = r"E\d{4}"
# E-code or name cells of the totals row that closes an authority table.
_TOTAL_KEYS = {"eng", "england", "englandtotal", "total"}
HEADER_SEARCH_ROWS = 20


def read_grids(path: Path, *, formulas_as_text: bool = False) -> dict[str, pd.DataFrame]:
    """Every sheet of a CSV/XLS/XLSX/ODS file as a raw grid of cells (no header parsing).

    With `formulas_as_text`, an XLSX formula is read as its text ('=SUM(...)'), not the
    value a spreadsheet last cached (a workbook written by a script has none, and would
    read as empty), so a release's reader can refuse it like the same formula in a CSV.
    """
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
    engine_kwargs = {"data_only": False} if suffix == ".xlsx" and formulas_as_text else {}
    try:
        with pd.ExcelFile(path, engine=_ENGINES[suffix], engine_kwargs=engine_kwargs) as book:
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


def read_named_sheet(path: Path, name: re.Pattern) -> tuple[str, pd.DataFrame]:
    """The one sheet of an XLSX/ODS workbook whose name fully matches `name`, as a raw grid.

    Only that sheet is parsed (an H-CLIC workbook holds 40 sheets; reading all of
    them takes seconds per file). Fails naming the sheets when none or several match.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".ods"):
        raise RiskwatchError(f"expected an .xlsx or .ods workbook, not '{suffix}'", file=path)
    if not path.exists():
        raise RiskwatchError("file not found", file=path)
    if suffix == ".ods":
        xml = _ods_content(path)
        names = [html.unescape(n.decode()) for n in _ODS_SHEET_NAME.findall(xml)]
        sheet = _one_match(path, names, name)
        return sheet, _ods_table(path, xml, sheet)
    import openpyxl

    try:
        with warnings.catch_warnings():  # unsupported extensions (validation, sparklines)
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise RiskwatchError(f"cannot read as .xlsx workbook: {exc}", file=path) from None
    try:
        sheet = _one_match(path, book.sheetnames, name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            rows = [list(row) for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    return sheet, grid


def _one_match(path: Path, names: list[str], pattern: re.Pattern) -> str:
    found = [n for n in names if pattern.fullmatch(n)]
    if len(found) != 1:
        listed = ", ".join(n for n in names if len(n) < 40)
        raise RiskwatchError(
            f"expected one sheet named like '{pattern.pattern}', found {len(found)} "
            f"(sheets: {listed})",
            file=path,
        )
    return found[0]


def read_ods_sheet(path: Path, sheet: str) -> pd.DataFrame:
    """One sheet of an ODS file as a raw grid, parsing only that sheet's XML.

    odfpy (pandas' engine) builds the whole document: 23 s for the 40 MB Ofsted
    workbook, against 0.1 s here. Cells read as float, Timestamp, bool or text.
    """
    path = Path(path)
    if not path.exists():
        raise RiskwatchError("file not found", file=path)
    return _ods_table(path, _ods_content(path), sheet)


_ODS_SHEET_NAME = re.compile(rb"<table:table\s[^>]*?table:name=\"([^\"]*)\"")


def _ods_content(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as book:
            return book.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise RiskwatchError(f"cannot read as .ods workbook: {exc}", file=path) from None


def _ods_table(path: Path, xml: bytes, sheet: str) -> pd.DataFrame:
    """The named table of an ODS content.xml as a raw grid."""
    opening = re.search(
        rb"<table:table\s[^>]*table:name=" + re.escape(quoteattr(sheet).encode()), xml
    )
    if opening is None:
        raise RiskwatchError(f"no sheet named '{sheet}'", file=path, field=sheet)
    root = re.search(rb"<office:document-content[^>]*>", xml)
    end = xml.find(b"</table:table>", opening.start())
    if root is None or end < 0:
        raise RiskwatchError("unknown ODS layout (no document or table end)", file=path)
    document = (
        root.group(0) + xml[opening.start() : end] + b"</table:table></office:document-content>"
    )
    try:
        table = ElementTree.fromstring(document)[0]
    except ElementTree.ParseError as exc:
        raise RiskwatchError(f"malformed sheet XML: {exc}", file=path, field=sheet) from None
    return _ods_grid(table)


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _ods_grid(table: ElementTree.Element) -> pd.DataFrame:
    """Rows of an ODS table, expanding repeated rows and cells (trailing blanks dropped)."""
    rows: list[list] = []
    blank_rows = 0
    for row in table.iter(f"{_TABLE}table-row"):
        cells = _ods_cells(row)
        repeat = int(row.get(f"{_TABLE}number-rows-repeated", "1"))
        if not cells:
            blank_rows += repeat
            continue
        rows.extend([[]] * blank_rows + [cells] * repeat)
        blank_rows = 0
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)


def _ods_cells(row: ElementTree.Element) -> list:
    cells: list = []
    blanks = 0
    for cell in row:
        repeat = int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
        value = _ods_value(cell)
        if value is None:
            blanks += repeat
            continue
        cells.extend([None] * blanks + [value] * repeat)
        blanks = 0
    return cells


def _ods_value(cell: ElementTree.Element) -> object:
    kind = cell.get(f"{_OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        return float(cell.get(f"{_OFFICE}value"))
    if kind == "date":
        return pd.Timestamp(cell.get(f"{_OFFICE}date-value"))
    if kind == "boolean":
        return cell.get(f"{_OFFICE}boolean-value") == "true"
    text = "\n".join("".join(_ods_text(p)) for p in cell.iter(f"{_TEXT}p"))
    return text or None


def _ods_text(node: ElementTree.Element):
    if node.text:
        yield node.text
    for child in node:
        if child.tag == f"{_TEXT}s":
            yield " " * int(child.get(f"{_TEXT}c", "1"))
        elif child.tag in (f"{_TEXT}tab", f"{_TEXT}line-break"):
            yield " "
        else:
            yield from _ods_text(child)
        if child.tail:
            yield child.tail


# A CSV that is not UTF-8 is read as Windows-1252 (what Excel on Windows saves as "CSV";
# MHCLG's RA_2023-24_data_Part_1.csv is one, stating it nowhere but in its '£' bytes),
# and the grid records it in attrs["encoding"] so the vintage can say so (a UTF-8 grid
# carries no attrs, so nothing built from one changes). A file with a NUL byte is binary
# (or UTF-16), never read as text; a byte Windows-1252 does not define is refused.
FALLBACK_ENCODING = "cp1252"


def _read_csv_grid(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        raise RiskwatchError(
            f"not CSV text (NUL byte at offset {at}): a binary or UTF-16 file?",
            file=path,
            row=raw[:at].count(b"\n") + 1,
        )
    encoding = "utf-8"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding = FALLBACK_ENCODING
        try:
            text = raw.decode(FALLBACK_ENCODING)
        except UnicodeDecodeError as exc:
            raise RiskwatchError(
                f"neither UTF-8 nor Windows-1252 text (byte {raw[exc.start]:#x}); save the "
                "file as UTF-8 CSV",
                file=path,
                row=raw[: exc.start].count(b"\n") + 1,
            ) from None
    import io

    try:
        grid = pd.read_csv(io.StringIO(text), header=None, dtype=object, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise RiskwatchError("file has no rows", file=path) from None
    except pd.errors.ParserError as exc:
        raise RiskwatchError(f"malformed CSV: {exc}", file=path) from None
    grid = grid.replace({"": None})
    if encoding != "utf-8":
        grid.attrs["encoding"] = encoding
    return grid


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
        """Rows of the authority table whose E-code cell holds an MHCLG E-code."""
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
        texts = body.map(cell_text)
        codes = texts.iloc[:, self.id_columns["ecode"]]
        identity = texts.iloc[:, list(self.id_columns.values())]
        blank = (texts.eq("").all(axis=1) | identity.isin(_NO_IDENTITY).all(axis=1)).to_numpy()
        marks = codes.map(label_key).isin({"ecode", *_TOTAL_KEYS})
        if "name" in self.id_columns:
            marks |= texts.iloc[:, self.id_columns["name"]].map(label_key).isin(_TOTAL_KEYS)
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


def locate_columns(
    grid: pd.DataFrame,
    spec: dict[str, tuple[str, ...]],
    path: Path,
    *,
    start: int = 0,
    search_rows: int = HEADER_SEARCH_ROWS,
) -> tuple[int, dict[str, int]]:
    """The header row (from `start`) holding every role's label, and each role's column.

    Fails naming the missing column when a row holds most of the labels, else
    naming the labels no row in the first `search_rows` rows holds.
    """
    wanted = {role: {label_key(v) for v in variants} for role, variants in spec.items()}
    best: tuple[int, dict[str, int]] | None = None
    for row in range(start, min(start + search_rows, len(grid))):
        keys = [label_key(cell_text(v)) for v in grid.iloc[row].tolist()]
        found = {
            role: keys.index(k) for role, accepted in wanted.items() for k in keys if k in accepted
        }
        if len(found) == len(spec):
            return row, found
        if found and (best is None or len(found) > len(best[1])):
            best = (row, found)
    if best is not None and len(best[1]) * 2 >= len(spec):
        missing = [spec[r] for r in spec if r not in best[1]][0]
        raise RiskwatchError(
            f"missing column {' or '.join(repr(v) for v in missing)} in the header row: "
            "unknown layout",
            file=Path(path).name,
            row=best[0] + 1,
            field=missing[0],
        )
    raise RiskwatchError(
        f"no header row with columns {', '.join(repr(v[0]) for v in spec.values())} "
        f"in the first {search_rows} rows: unknown layout",
        file=Path(path).name,
    )
