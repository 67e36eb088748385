"""DfE children's social care open data (see `CSC_FILES`) as panel rows.

- `cin_rereferral_rate` (DfE c1, referrals within 12 months of a previous one) and
  `cpp_repeat_rate` (d3, child protection plans that are a second or later plan):
  percent, year to 31 March; published by rule 30 November of that year.
- `sw_turnover_rate`, `sw_agency_rate`, `sw_vacancy_rate`: DfE children's social
  work workforce census, FTE, percent, year to (vacancy: at) 30 September,
  financial year containing that date; published by rule 28 February after.
- `cla_rate_per_10k`: children looked after at 31 March per 10,000 children;
  published by rule 31 December of that year.

Rule dates are conservative (on or after the real release) so that a backtest
never sees a figure before it was public: children in need statistics for the
year to 31 March appear in late October or November, children looked after in
November or December, the workforce census (year to 30 September) in late February.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
from riskwatch.data.years import financial_year_starting
from riskwatch.errors import RiskwatchError

CSC_DIR = Path("services/childrens-social-care")


@dataclass(frozen=True)
class CscFile:
    """One DfE open-data file: the measures it carries and its time conventions."""

    prefix: str  # file names start with it
    measures: dict[str, tuple[str, str]]  # header -> (indicator, unit)
    period_month_day: str  # "03-31" (year to / at 31 March) or "09-30" (30 September)
    publication: YearRule  # when a financial year's figures are public
    keep: tuple[tuple[str, ...], str] | None = None  # (header variants, value) filter


CSC_FILES = (
    CscFile(
        prefix="c1_",
        measures={"rereferral_percent": ("cin_rereferral_rate", "percent")},
        period_month_day="03-31",
        publication=YearRule(1, "11-30"),
    ),
    CscFile(
        prefix="d3_",
        measures={"CPP_subsequent_percent": ("cpp_repeat_rate", "percent")},
        period_month_day="03-31",
        publication=YearRule(1, "11-30"),
    ),
    CscFile(
        prefix="csww_",
        measures={
            "turnover_rate_fte": ("sw_turnover_rate", "percent"),
            "agency_rate_fte": ("sw_agency_rate", "percent"),
            "vacancy_rate_fte": ("sw_vacancy_rate", "percent"),
        },
        period_month_day="09-30",
        publication=YearRule(1, "02-28"),
    ),
    CscFile(
        prefix="cla_number_and_rate",
        measures={"rate_per_10000": ("cla_rate_per_10k", "rate_per_10k")},
        period_month_day="03-31",
        publication=YearRule(1, "12-31"),
        # The file names its measure column `population_count` (EES: `cla_group`).
        keep=(("cla_group", "population_count"), "Children looked after at 31 March each year"),
    ),
)
DFE_COLUMNS = {
    "period": ("time_period",),
    "level": ("geographic_level",),
    "code": ("new_la_code",),
    "name": ("la_name",),
}
DFE_LA_LEVEL = "Local authority"


# ============================================================ DfE children's social care
def csc_spec(path: Path) -> CscFile:
    """The known DfE file this is, by its name."""
    for spec in CSC_FILES:
        if path.name.startswith(spec.prefix):
            return spec
    known = ", ".join(f"{s.prefix}*" for s in CSC_FILES)
    raise RiskwatchError(
        f"not a known DfE children's social care file (expected {known})", file=path.name
    )


def read_csc_file(
    path: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One DfE children's social care CSV: local-authority rows only, as panel rows."""
    path = Path(path)
    spec = csc_spec(path)
    grid = read_grids(path)["csv"]
    columns = dict(DFE_COLUMNS)
    columns.update({header: (header,) for header in spec.measures})
    if spec.keep:
        columns["keep"] = spec.keep[0]
    header, cols = locate_columns(grid, columns, file=path.name)
    records = []
    for index in range(header + 1, len(grid)):
        cells = grid.iloc[index]
        if cell_text(cells.iloc[cols["level"]]) != DFE_LA_LEVEL:
            continue
        if spec.keep and cell_text(cells.iloc[cols["keep"]]) != spec.keep[1]:
            continue
        records.extend(_csc_records(cells, cols, spec, path.name, index + 1))
    if not records:
        raise RiskwatchError(
            "no local-authority rows below the header", file=path.name, row=header + 1
        )
    frame = panel_rows(records, **file_constants("DFE_CSC", path, "rule"))
    return attach_codes(frame, index_or_none(authorities))


def _csc_records(
    cells: pd.Series, cols: dict[str, int], spec: CscFile, file: str, row: int
) -> list[dict]:
    period = cell_text(cells.iloc[cols["period"]])
    if not re.fullmatch(r"(19|20)\d\d", period):
        raise RiskwatchError(
            f"time_period '{period}' is not a year", file=file, row=row, field="time_period"
        )
    year = int(period)
    start = year - 1 if spec.period_month_day == "03-31" else year
    financial_year = financial_year_starting(start)
    base = {
        "code": cell_text(cells.iloc[cols["code"]]),
        "name": cell_text(cells.iloc[cols["name"]]),
        "row": row,
        "financial_year": financial_year,
        "period_end": f"{year}-{spec.period_month_day}",
        "published": spec.publication.date(financial_year),
    }
    records = []
    for header, (indicator, unit) in spec.measures.items():
        value, status = parse_cell(
            cells.iloc[cols[header]],
            file=file,
            row=row,
            field=header,
            marks=EES_MARKS,
            indicator=indicator,
        )
        records.append(
            {**base, "indicator": indicator, "unit": unit, "value": value, "status": status}
        )
    return records


def read_children_social_care(
    root: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The DfE re-referral, repeat-plan, workforce and looked-after-children files."""
    folder = Path(root) / CSC_DIR
    parts = []
    for spec in CSC_FILES:
        files = sorted(folder.glob(f"{spec.prefix}*.csv"))
        if not files:
            raise RiskwatchError(f"no file {spec.prefix}*.csv", file=folder)
        parts.extend(read_csc_file(path, authorities) for path in files)
    return concat_parts(parts)


REGISTERED = (
    Source(
        name="DFE_CSC",
        title="Children's social care open data (referrals, protection plans, workforce, care)",
        publisher="Department for Education",
        kinds={"DFE_CSC": "outturn"},
        files=tuple(f"{CSC_DIR}/{spec.prefix}*.csv" for spec in CSC_FILES),
        read=read_children_social_care,
        published="a rule per file: each table's date after the year it covers",
        rules={f"DFE_CSC {spec.prefix}": spec.publication for spec in CSC_FILES},
    ),
)
