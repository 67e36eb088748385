"""Open official spreadsheets (CSV, XLS, XLSX, ODS) as raw grids of cells.

One opener for every reader: it refuses unsupported, missing, empty, corrupt or
binary files with a one-line error, reads a CSV that is not UTF-8 as Windows-1252,
and parses only the sheet asked for in a large ODS or XLSX workbook. Describing
what a grid holds is `riskwatch.data.kit.header`'s job (a table's header) and `riskwatch.data.kit.workbook`'s (an MHCLG form's sheets).
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

import pandas as pd

from riskwatch.errors import RiskwatchError
from riskwatch.paths import check_input_file

SUPPORTED_SUFFIXES = (".csv", ".xls", ".xlsx", ".ods")
# calamine (Rust) parses an XLS or XLSX several times faster than xlrd or openpyxl, the
# largest cost of a build; openpyxl only where an XLSX formula must be read as its text
# (calamine reads the value a spreadsheet cached, and a workbook written by a script has
# none). An ODS is read by this module's own parser (calamine reads a cell showing #N/A
# as the 0 cached under it; odfpy, pandas' engine, builds the whole document).
_ENGINES = {".xls": "calamine", ".xlsx": "calamine"}
_FORMULA_ENGINE = "openpyxl"


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
    check_input_file(path)
    if path.stat().st_size == 0:
        raise RiskwatchError("file is empty", file=path)
    if suffix == ".csv":
        return {"csv": _read_csv_grid(path)}
    if suffix == ".ods":
        return _ods_grids(path)
    engine, engine_kwargs = _ENGINES[suffix], {}
    if suffix == ".xlsx" and formulas_as_text:
        engine, engine_kwargs = _FORMULA_ENGINE, {"data_only": False}
    try:
        # openpyxl warns about features it skips (print areas, validation): not the user's
        # business, and a warning would break the one-line output of `data ingest`
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with pd.ExcelFile(path, engine=engine, engine_kwargs=engine_kwargs) as book:
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
    except Exception as exc:  # calamine and openpyxl raise their own types for damaged files
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
    check_input_file(path)
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
    workbook, against 0.1 s here. Cells read as int, float, Timestamp, bool or text.
    """
    path = Path(path)
    check_input_file(path)
    return _ods_table(path, _ods_content(path), sheet)


_ODS_SHEET_NAME = re.compile(rb"<table:table\s[^>]*?table:name=\"([^\"]*)\"")


def _ods_content(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as book:
            return book.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise RiskwatchError(
            f"cannot read as .ods workbook (truncated or corrupt?): {exc}", file=path
        ) from None


def _ods_grids(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of an ODS file as a raw grid, as pandas' odf engine reads one with
    `keep_default_na=False` (an empty cell is ''), in a fifth of its time or less."""
    content = _ods_content(path)
    try:
        document = ElementTree.fromstring(content)
        return {
            table.get(f"{_TABLE}name"): _ods_grid(table, empty="")
            for table in document.iter(f"{_TABLE}table")
        }
    except (ElementTree.ParseError, ValueError, TypeError) as exc:  # malformed XML or values
        raise RiskwatchError(
            f"cannot read as .ods workbook (truncated or corrupt?): {type(exc).__name__}: {exc}",
            file=path,
        ) from None


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


def _ods_grid(table: ElementTree.Element, empty: object = None) -> pd.DataFrame:
    """Rows of an ODS table, expanding repeated rows and cells (trailing blanks dropped),
    an empty cell read as `empty`."""
    rows: list[list] = []
    blank_rows = 0
    for row in table.iter(f"{_TABLE}table-row"):
        cells = _ods_cells(row, empty)
        repeat = int(row.get(f"{_TABLE}number-rows-repeated", "1"))
        if not cells:
            blank_rows += repeat
            continue
        rows.extend([[]] * blank_rows + [cells] * repeat)
        blank_rows = 0
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [empty] * (width - len(r)) for r in rows], dtype=object)


def _ods_cells(row: ElementTree.Element, empty: object) -> list:
    cells: list = []
    blanks = 0
    for cell in row:
        repeat = int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
        value = _ods_value(cell)
        if value is None:
            blanks += repeat
            continue
        cells.extend([empty] * blanks + [value] * repeat)
        blanks = 0
    return cells


def _ods_value(cell: ElementTree.Element) -> object:
    """A cell's value as pandas' odf engine reads it: a whole number of type float as int,
    and a cell showing #N/A (a spreadsheet error over a cached 0) as NaN."""
    shown = cell.find(f"{_TEXT}p")
    if shown is not None and shown.text == "#N/A" and len(shown) == 0:
        return math.nan
    kind = cell.get(f"{_OFFICE}value-type")
    if kind == "float":
        value = float(cell.get(f"{_OFFICE}value"))
        return int(value) if value.is_integer() else value
    if kind in ("percentage", "currency"):
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
    cut = _row_cut_off(text)
    if cut is not None:
        raise RiskwatchError(
            "the file ends part-way through this row (fewer cells than the row above, no line "
            "end): cut off in a copy or download? fetch it again",
            file=path,
            row=cut,
        )
    try:
        grid = pd.read_csv(io.StringIO(text), header=None, dtype=object, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise RiskwatchError("file has no rows", file=path) from None
    except pd.errors.ParserError as exc:
        unclosed = _UNCLOSED_QUOTE.search(str(exc))
        if unclosed:
            raise RiskwatchError(
                "the file ends inside a quoted cell: cut off in a copy or download? fetch it again",
                file=path,
                row=int(unclosed.group(1)) + 1,
            ) from None
        raise RiskwatchError(f"malformed CSV: {exc}", file=path) from None
    grid = grid.replace({"": None})
    if encoding != "utf-8":
        grid.attrs["encoding"] = encoding
    return grid


_UNCLOSED_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _row_cut_off(text: str) -> int | None:
    """The number of a CSV's last row when the file stops part-way through it: no line end
    after it and fewer cells than the row before (a file saved without a final line end
    but whole, as MHCLG's RA_2023-24_data_Part_1.csv is, has its full row)."""
    if not text or text.endswith(("\n", "\r")):
        return None
    lines = text.splitlines()
    if len(lines) < 2:
        return None
    last, before = (next(csv.reader([line]), []) for line in lines[-2:][::-1])
    return len(lines) if len(last) < len(before) else None
