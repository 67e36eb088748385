"""`read_grids` reads an ODS workbook with the kit's own parser exactly as pandas' odf engine
(odfpy) reads it, cell types included: the build's tables stay byte-identical while the
parse takes a fraction of odfpy's time."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from riskwatch.data.kit.opening import read_grids
from riskwatch.errors import RiskwatchError

ROWS = [
    ["Revenue outturn 2023-24", None, None, None],
    [None, None, None, None],  # a blank row inside the sheet
    ["Authority", "E-code", "Net current expenditure", "Share"],
    ["Leeds", "E4705", 12.0, 0.25],
    ["York", "E2741", 2.5, None],
    ["", "E4706", 7, 1.0],  # the 7 is shown as #N/A below
]


def write_ods(path: Path, seven: bytes = b'office:value="0"><text:p>#N/A</text:p>') -> Path:
    """A two-sheet ODS written by odfpy, its cell holding 7 rewritten as `seven`: by default
    showing #N/A over a cached 0 (what a spreadsheet's failed lookup saves, as in MHCLG's
    council tax table 9)."""
    with pd.ExcelWriter(path, engine="odf") as book:
        pd.DataFrame(ROWS).to_excel(book, sheet_name="RS", header=False, index=False)
        pd.DataFrame([["Notes"], ["See the title sheet"]]).to_excel(
            book, sheet_name="Notes", header=False, index=False
        )
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    shown = b'office:value="7"><text:p>7</text:p>'
    assert shown in parts["content.xml"]
    parts["content.xml"] = parts["content.xml"].replace(shown, seven)
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def test_an_ods_reads_as_pandas_odf_engine_reads_it(tmp_path):
    path = write_ods(tmp_path / "rs.ods")
    ours = read_grids(path)
    with pd.ExcelFile(path, engine="odf") as book:
        theirs = {
            name: pd.read_excel(
                book, sheet_name=name, header=None, dtype=object, keep_default_na=False
            )
            for name in book.sheet_names
        }
    assert list(ours) == list(theirs) == ["RS", "Notes"]
    for name, grid in theirs.items():
        mine = ours[name].to_numpy().tolist()
        expected = grid.to_numpy().tolist()
        assert [[type(v) for v in row] for row in mine] == [
            [type(v) for v in row] for row in expected
        ]
        assert [[None if v != v else v for v in row] for row in mine] == [  # NaN == NaN
            [None if v != v else v for v in row] for row in expected
        ]
    sheet = ours["RS"]
    assert sheet.iat[3, 2] == 12 and isinstance(sheet.iat[3, 2], int)  # a whole float is int
    assert sheet.iat[1, 0] == "" and math.isnan(sheet.iat[5, 2])  # empty is '', #N/A is NaN


def test_a_number_that_is_not_one_is_refused_in_one_line_naming_the_file(tmp_path):
    path = write_ods(tmp_path / "damaged.ods", b'office:value="seven"><text:p>7</text:p>')
    with pytest.raises(RiskwatchError, match="damaged.ods: cannot read as .ods workbook"):
        read_grids(path)
