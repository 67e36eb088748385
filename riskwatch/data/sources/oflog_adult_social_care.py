"""Oflog Data Explorer adult social care measures as panel rows.

`asc1_...` to `asc7_...` (units in `ASC_MEASURES`), financial year; published by
rule 31 December after (ASCOF and Skills for Care measures appear by December
after the year).

Oflog's ASC2 ("ASC Quality of Life", 0 to 0.489) is ASCOF 1J, adjusted
social-care-related quality of life (the impact of services): ASCOF 1A is a
score out of 24 (about 19), 1J is about 0.4, and Oflog shows no 2020-21 value,
the year the user survey behind 1J covered 18 councils only. ASC5 equals
ASCOF 2D exactly (checked against NHS Digital's 2020-21 open data). The file
does not state the unit of ASC6 (values 132 to 18,232): kept as Oflog prints it.
ASC2 is 0 for five councils in 2019-20 (Kent, Trafford, Wokingham, the City of
London, the Isles of Scilly), four of which have no value for ASC3 from the same
survey, and Oflog scores them 24 deviations below the median: a missing value
written as zero, read as not_available.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from riskwatch.data.kit.authority_index import (
    attach_codes,
    index_or_none,
)
from riskwatch.data.kit.cells import EES_MARKS, parse_cell
from riskwatch.data.kit.header import cell_text, label_key, locate_columns
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.panel_rows import file_constants, panel_rows
from riskwatch.data.kit.publication import YearRule
from riskwatch.data.kit.source import Source
from riskwatch.data.years import parse_financial_year
from riskwatch.errors import RiskwatchError

ASC_DIR = Path("services/adult-social-care")
ASC_FILE = ASC_DIR / "oflog_ASC_data.csv"
PUBLICATION = YearRule(1, "12-31")  # 31 December after the year
# Oflog code -> (measure label the file prints, indicator, unit); ASCOF numbers in comments.
ASC_MEASURES = {
    "ASC1": ("Outcome, ASC Carer Quality of Life", "asc1_carer_quality_of_life", "score_0_12"),
    "ASC2": ("Outcome, ASC Quality of Life", "asc2_quality_of_life_impact", "score_0_1"),  # 1J
    "ASC3": (
        "Outcome, Ease of finding information about services : service users",
        "asc3_information_ease_users",
        "percent",
    ),  # 3D part 1
    "ASC4": (
        "Outcome, Ease of finding information about support : carers",
        "asc4_information_ease_carers",
        "percent",
    ),  # 3D part 2
    "ASC5": (
        "Outcome, Outcome of short-term services: sequel to service",
        "asc5_short_term_no_further_support",
        "percent",
    ),  # 2D
    "ASC6": (
        "Outcome, Requests resulting in a service",
        "asc6_requests_resulting_in_service",
        "unstated",
    ),
    "ASC7": ("Outcome, Workforce turnover rate", "asc7_workforce_turnover_rate", "percent"),
}
ZERO_MEANS_MISSING = {"ASC2"}  # see the module docstring
ASC_COLUMNS = {
    "year": ("Financial year",),
    "code": ("Local authority code",),
    "name": ("Local authority name",),
    "measure_code": ("Code",),
    "measure": ("Measure",),
    "value": ("Value",),
}


# ============================================================ adult social care
def read_adult_social_care(
    root: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Oflog's adult social care measures 2015-16 to 2022-23 (see `ASC_MEASURES`)."""
    path = Path(root) / ASC_FILE
    grid = read_grids(path)["csv"]
    header, cols = locate_columns(grid, ASC_COLUMNS, file=path.name)
    records = []
    for index in range(header + 1, len(grid)):
        cells = grid.iloc[index]
        records.append(_asc_record(cells, cols, path.name, index + 1))
    if not records:
        raise RiskwatchError("no rows below the header", file=path.name, row=header + 1)
    frame = panel_rows(records, **file_constants("OFLOG_ASC", path, "rule"))
    return attach_codes(frame, index_or_none(authorities))


def _asc_record(cells: pd.Series, cols: dict[str, int], file: str, row: int) -> dict:
    code = cell_text(cells.iloc[cols["measure_code"]])
    measure = cell_text(cells.iloc[cols["measure"]])
    if code not in ASC_MEASURES or label_key(ASC_MEASURES[code][0]) != label_key(measure):
        raise RiskwatchError(
            f"unknown measure {code} '{measure[:50]}': add it to ASC_MEASURES "
            "once its definition is checked",
            file=file,
            row=row,
            field="Code",
        )
    _, indicator, unit = ASC_MEASURES[code]
    year = parse_financial_year(
        cell_text(cells.iloc[cols["year"]]), file=file, row=row, field="Financial year"
    )
    value, status = parse_cell(
        cells.iloc[cols["value"]],
        file=file,
        row=row,
        field="Value",
        marks=EES_MARKS,
        indicator=indicator,
    )
    if code in ZERO_MEANS_MISSING and value == 0:
        value, status = float("nan"), "not_available"
    end = int(year[:4]) + 1
    return {
        "code": cell_text(cells.iloc[cols["code"]]),
        "name": cell_text(cells.iloc[cols["name"]]),
        "row": row,
        "financial_year": year,
        "indicator": indicator,
        "value": value,
        "status": status,
        "unit": unit,
        "period_end": f"{end}-03-31",
        "published": PUBLICATION.date(year),
    }


REGISTERED = (
    Source(
        name="OFLOG_ASC",
        title="Oflog Data Explorer: adult social care measures",
        publisher="Office for Local Government",
        kinds={"OFLOG_ASC": "outturn"},
        files=(str(ASC_FILE),),
        read=read_adult_social_care,
        published="31 December after the year",
        rules={"OFLOG_ASC": PUBLICATION},
    ),
)
