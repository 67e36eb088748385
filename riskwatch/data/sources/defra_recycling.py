"""Defra ENV18 household waste reused, recycled or composted, as panel rows.

`recycling_rate`: percent, financial year, English collection authorities;
published by rule 31 March a year after its end (Defra waste statistics appear
between December and March of the year after).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from riskwatch.data.kit.authority_index import (
    attach_codes,
    index_or_none,
)
from riskwatch.data.kit.cells import EES_MARKS, parse_cell
from riskwatch.data.kit.header import cell_text, locate_columns
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.panel_rows import concat_parts, file_constants, panel_rows
from riskwatch.data.kit.publication import YearRule
from riskwatch.data.kit.source import Source
from riskwatch.data.years import parse_financial_year
from riskwatch.errors import RiskwatchError

WASTE_DIR = Path("services/waste")
PUBLICATION = YearRule(2, "03-31")  # 31 March a year after the year ends
# File -> factor to percent. The older file's `measure` column says "Percentage"
# but holds fractions (0.298); the factor is checked against the values.
RECYCLING_FILES = {
    "recycling_2010-11_to_2017-18_fraction.csv": 100.0,
    "recycling_2015-16_to_2023-24_percent.csv": 1.0,
}
RECYCLING_COLUMNS = {
    "code": ("area_code",),
    "name": ("area_name",),
    "period": ("period",),
    "value": ("value",),
}


# ================================================================== recycling
def read_recycling_file(
    path: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One Defra recycling-rate file, English collection authorities (E codes), in percent."""
    path = Path(path)
    if path.name not in RECYCLING_FILES:
        raise RiskwatchError(
            f"not a known recycling file (expected one of {', '.join(RECYCLING_FILES)})",
            file=path.name,
        )
    factor = RECYCLING_FILES[path.name]
    grid = read_grids(path)["csv"]
    header, cols = locate_columns(grid, RECYCLING_COLUMNS, file=path.name)
    records = []
    for index in range(header + 1, len(grid)):
        cells = grid.iloc[index]
        code = cell_text(cells.iloc[cols["code"]])
        if code.startswith("E"):
            records.append(_recycling_record(cells, cols, code, factor, path.name, index + 1))
    if not records:
        raise RiskwatchError(
            "no English (E-code) rows below the header", file=path.name, row=header + 1
        )
    frame = panel_rows(records, **file_constants("DEFRA", path, "rule"))
    _check_scale(frame, factor, path.name)
    return attach_codes(frame, index_or_none(authorities))


def _recycling_record(
    cells: pd.Series, cols: dict[str, int], code: str, factor: float, file: str, row: int
) -> dict:
    year = parse_financial_year(
        cell_text(cells.iloc[cols["period"]]), file=file, row=row, field="period"
    )
    value, status = parse_cell(
        cells.iloc[cols["value"]],
        file=file,
        row=row,
        field="value",
        marks=EES_MARKS,
        indicator="recycling_rate",
    )
    end = int(year[:4]) + 1
    return {
        "code": code,
        "name": cell_text(cells.iloc[cols["name"]]),
        "row": row,
        "financial_year": year,
        "indicator": "recycling_rate",
        "value": value * factor,
        "status": status,
        "unit": "percent",
        "period_end": f"{end}-03-31",
        "published": PUBLICATION.date(year),
    }


def _check_scale(frame: pd.DataFrame, factor: float, file: str) -> None:
    """Fractions must lie in [0, 1] and percentages reach above 1, or the factor is wrong."""
    raw = frame["value"] / factor
    if factor != 1.0 and raw.max() > 1.0:
        raise RiskwatchError(
            f"values up to {raw.max()} in a file of fractions", file=file, field="value"
        )
    if factor == 1.0 and raw.max() <= 1.0:
        raise RiskwatchError("no value above 1 in a file of percentages", file=file, field="value")


def read_recycling(
    root: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both recycling files, each kept as its own vintage (they overlap 2015-16 to 2017-18)."""
    folder = Path(root) / WASTE_DIR
    return concat_parts(
        [read_recycling_file(folder / name, authorities) for name in RECYCLING_FILES]
    )


REGISTERED = (
    Source(
        name="DEFRA",
        title="ENV18: household waste reused, recycled or composted, by collection authority",
        publisher="Department for Environment, Food and Rural Affairs",
        kinds={"DEFRA": "outturn"},
        files=tuple(f"{WASTE_DIR}/{name}" for name in RECYCLING_FILES),
        read=read_recycling,
        published="31 March a year after the year's end",
        rules={"DEFRA": PUBLICATION},
    ),
)
