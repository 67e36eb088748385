"""Reader for MHCLG Revenue Outturn RO4 (housing services) 2024-25: temporary accommodation spending.

A third party's extract of the first release (see data/PROVENANCE.md), one row per
housing authority, £ thousand: gross and net expenditure on nightly paid temporary
accommodation, hostels, bed and breakfast, total homelessness and total general
fund housing. Columns are found by their header names. The four class-total rows
(code only E06, E07, E08 or E09) are not authorities and are skipped; rows with
`data_missing` true are authorities that sent no return: every measure NaN with
status `missing_return`. The column `hra_admin_prevention_relief_net_exp_000` is
unreliable and not read. The publication date is the one each row's `source` states.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from riskwatch.data.kit.cells import EES_MARKS, parse_cell
from riskwatch.data.kit.header import cell_text, locate_columns
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.panel_rows import panel_rows
from riskwatch.data.kit.source import Source
from riskwatch.data.years import is_financial_year
from riskwatch.errors import RiskwatchError

SOURCE = "RO4"
FILE = "housing-homelessness/ro4_housing_expenditure_2024-25.csv"
UNIT = "GBP_thousand"
CLASS_TOTALS = {"E06", "E07", "E08", "E09"}
# indicator -> the column holding it
RO4_MEASURES = {
    "ta_nightly_paid_gross": "nightly_paid_ta_gross_exp_000",
    "ta_nightly_paid_net": "nightly_paid_ta_net_exp_000",
    "ta_hostels_gross": "hostels_gross_exp_000",
    "ta_hostels_net": "hostels_net_exp_000",
    "ta_bed_and_breakfast_gross": "bb_gross_exp_000",
    "ta_bed_and_breakfast_net": "bb_net_exp_000",
    "homelessness_gross": "total_homelessness_gross_exp_000",
    "homelessness_net": "total_homelessness_net_exp_000",
    "general_fund_housing_gross": "total_housing_gross_exp_000",
    "general_fund_housing_net": "total_housing_net_exp_000",
}
ID_COLUMNS = {
    "code": ("lad24cd",),
    "name": ("la_name",),
    "year": ("financial_year",),
    "missing": ("data_missing",),
    "source": ("source",),
}
MISSING_FLAGS = {"true": True, "false": False}
STATED_DATE = re.compile(r"published\s+(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})", re.IGNORECASE)


def read_housing_spending_file(path: Path) -> pd.DataFrame:
    """Panel rows of the RO4 extract (extra columns `row` and `name` for the unmatched report)."""
    path = Path(path)
    grid = read_grids(path)["csv"]
    spec = {**ID_COLUMNS, **{k: (v,) for k, v in RO4_MEASURES.items()}}
    header, cols = locate_columns(grid, spec, file=path.name)
    records = []
    for index in range(header + 1, len(grid)):
        cells = grid.iloc[index]
        code = cell_text(cells.iloc[cols["code"]])
        if code in CLASS_TOTALS:
            continue
        row = index + 1
        flag = cell_text(cells.iloc[cols["missing"]]).lower()
        if flag not in MISSING_FLAGS:
            raise RiskwatchError(
                f"data_missing should be True or False, not '{flag}'",
                file=path.name,
                row=row,
                field="data_missing",
            )
        year = cell_text(cells.iloc[cols["year"]])
        published = _stated_date(cell_text(cells.iloc[cols["source"]]), path, row)
        for indicator, column in RO4_MEASURES.items():
            if MISSING_FLAGS[flag]:
                value, status = float("nan"), "missing_return"
            else:
                value, status = parse_cell(
                    cells.iloc[cols[indicator]],
                    file=path.name,
                    row=row,
                    field=column,
                    marks=EES_MARKS,
                    indicator=indicator,
                )
            records.append(
                {
                    "gss_code": code,
                    "name": cell_text(cells.iloc[cols["name"]]),
                    "row": row,
                    "financial_year": year,
                    "indicator": indicator,
                    "value": value,
                    "status": status,
                    "published": published,
                }
            )
    if not records:
        raise RiskwatchError("no authority rows", file=path.name)
    years = sorted({record["financial_year"] for record in records})
    if len(years) != 1 or not all(map(is_financial_year, years)):
        raise RiskwatchError(
            f"expected one financial year, found {', '.join(map(str, years))}", file=path.name
        )
    return panel_rows(
        records,
        unit=UNIT,
        source=SOURCE,
        source_file=path.name,
        vintage=f"RO4 {years[0]} first release ({path.name})",
        period_end=f"{int(years[0][:4]) + 1}-03-31",
        published_basis="file",
    )


def _stated_date(text: str, path: Path, row: int) -> str:
    """The publication date a row's source note states ('..., published 18 Sep 2025')."""
    try:
        dates = {pd.Timestamp(f"{d} {m} {y}") for d, m, y in STATED_DATE.findall(text)}
    except ValueError:
        dates = set()
    if len(dates) != 1:
        raise RiskwatchError(
            f"expected one publication date in the source note, found {len(dates)}",
            file=path.name,
            row=row,
            field="source",
        )
    return dates.pop().date().isoformat()


def read_housing_spending(root: Path, authorities: pd.DataFrame | None = None) -> tuple:
    """The RO4 extract (`FILE`): (panel rows, unmatched=None; the build matches codes)."""
    return read_housing_spending_file(Path(root) / FILE), None


REGISTERED = (
    Source(
        name="RO4",
        title="Revenue outturn housing services (RO4) 2024-25: temporary accommodation",
        publisher="Ministry of Housing, Communities and Local Government",
        kinds={SOURCE: "outturn"},
        files=(FILE,),
        read=read_housing_spending,
        published="the release date the file's source column states",
        rules={},  # every date is stated
    ),
)
