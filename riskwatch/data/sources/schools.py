"""Readers for Dedicated Schools Grant (DSG) data.

High-needs deficits on the DSG are the failure mechanism government has held off
with an accounting override; two DfE tables describe them (see `INDICATORS`).

The deficit table names councils only; the allocations carry DfE's old 3-digit
LA codes, which `services/childrens-social-care/lait/la_code_list.xlsx` turns
into DfE's names (it holds no GSS codes). Both are therefore matched by name,
in the year the value describes, so that "Buckinghamshire" is the county in
2019-20 and the unitary council from 2020-21. National and regional rows are
aggregates and are not read.

Authorities are matched by `riskwatch.data.kit.authority_index`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from riskwatch.data.kit.authority_index import Match, load_authorities
from riskwatch.data.kit.cells import parse_cell
from riskwatch.data.kit.header import cell_text, label_key, locate_columns
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.panel_rows import panel_record, panel_rows, unmatched_record, unmatched_rows
from riskwatch.data.kit.publication import YearRule
from riskwatch.data.kit.source import Source
from riskwatch.data.years import parse_financial_year
from riskwatch.errors import RiskwatchError

SOURCE = "DSG"
DEFICIT_FILE = Path("schools-dsg/dsg_deficit_derived.xlsx")
ALLOCATIONS_FILE = Path("schools-dsg/DSG_by_year_dr.xlsx")
LA_CODE_FILE = Path("services/childrens-social-care/lait/la_code_list.xlsx")

# indicator -> (unit, definition)
INDICATORS: dict[str, tuple[str, str]] = {
    "dsg_deficit_pct": (
        "percent",
        "DSG balance carried forward to the next year as % of the year's DSG allocation, "
        "positive = deficit (the file's `deficit` column; its other column is the same number "
        "with the sign flipped). DfE analysts' derivation from Section 251 outturn line 1.9.3, "
        "2019-20 to 2021-22, not an official statistic.",
    ),
    "dsg_allocation": (
        "GBP",
        "Total Dedicated Schools Grant allocated to the council for the year, all blocks "
        "(DSG_by_year_dr.xlsx, one sheet per year 2019-20 to 2023-24).",
    ),
}

# DSG deficit ---------------------------------------------------------------

DEFICIT_LABELS = {
    "level": ("geographiclevel",),
    "name": ("laname",),
    "year": ("financialyear", "timeperiod"),
    "deficit": ("deficit",),
}
LEVELS_READ = ("localauthority",)
LEVELS_SKIPPED = ("national", "regional")


# Section 251 outturn for a year is public by 31 March two years after it starts (2021-22
# outturn appeared in the winter of 2022-23); the derived table itself carries no date.
DEFICIT_PUBLICATION = YearRule(2, "03-31")
# An allocation sheet not named by its date: public by the end of the year it allocates.
ALLOCATION_PUBLICATION = YearRule(1, "03-31")


def read_dsg_deficit(
    root: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DSG deficit as % of allocation per council, 2019-20 to 2021-22, matched by name."""
    path = Path(root) / DEFICIT_FILE
    index = load_authorities(authorities)
    grid = _only_sheet(path)
    header, columns = locate_columns(grid, DEFICIT_LABELS, file=path.name)
    values, unmatched = [], []
    for row_index in range(header + 1, len(grid)):
        cells = grid.iloc[row_index]
        level = label_key(cell_text(cells.iloc[columns["level"]]))
        if not level or level in LEVELS_SKIPPED:
            continue
        row = row_index + 1
        if level not in LEVELS_READ:
            raise RiskwatchError(
                f"unknown geographic level '{cell_text(cells.iloc[columns['level']])}'",
                file=path.name,
                row=row,
                field="geographic_level",
            )
        name = cell_text(cells.iloc[columns["name"]])
        year = parse_financial_year(
            cell_text(cells.iloc[columns["year"]]), file=path.name, row=row, field="year"
        )
        match = index.by_name(name, year)
        if match.problem:
            unmatched.append(unmatched_record(SOURCE, path.name, row, None, name, match.problem))
            continue
        parsed = parse_cell(
            cells.iloc[columns["deficit"]], file=path.name, row=row, field="deficit"
        )
        if parsed is None:
            continue
        values.append(
            panel_record(
                match,
                year,
                "dsg_deficit_pct",
                parsed,
                unit=INDICATORS["dsg_deficit_pct"][0],
                source=SOURCE,
                source_file=path.name,
                published=(DEFICIT_PUBLICATION.date(year), "rule"),
            )
        )
    return panel_rows(values), unmatched_rows(unmatched)


# DSG allocations -----------------------------------------------------------

ALLOCATION_LABELS = {
    "code": ("lacode",),
    "name": ("laname",),
    "allocation": ("totaldsgallocations", "totaldsgallocation"),
    "year": ("timeperiod", "financialyear"),
}
LA_CODE_LABELS = {"code": ("lanumber",), "name": ("laname",)}
_SHEET_DATE = re.compile(r"(20\d\d)_(\d\d)_(\d\d)$")


def read_dsg_allocations(
    root: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Total DSG allocation per council, 2019-20 to 2023-24, by DfE LA code -> name -> council.

    A sheet named with a date (`dsg_budget_2021_03_16`) is that date's update of
    the allocations: the date is taken as published (basis "file"). A sheet
    without one is taken as public by the end of its year (basis "rule").
    """
    root = Path(root)
    path = root / ALLOCATIONS_FILE
    index = load_authorities(authorities)
    dfe_names = read_la_codes(root / LA_CODE_FILE)
    values, unmatched = [], []
    for sheet, grid in read_grids(path).items():
        header, columns = locate_columns(grid, ALLOCATION_LABELS, file=path.name, sheet=sheet)
        for row_index in range(header + 1, len(grid)):
            cells = grid.iloc[row_index]
            code = cell_text(cells.iloc[columns["code"]])
            if not re.fullmatch(r"\d{3}", code):
                continue  # England, regions and groups of authorities
            row = row_index + 1
            year = parse_financial_year(
                cell_text(cells.iloc[columns["year"]]), file=path.name, row=row, field="time_period"
            )
            name = cell_text(cells.iloc[columns["name"]])
            dfe_name = dfe_names.get(code)
            match = (
                index.by_name(dfe_name, year)
                if dfe_name
                else Match(None, None, f"DfE LA code {code} is not in {LA_CODE_FILE.name}")
            )
            if match.problem:
                unmatched.append(
                    unmatched_record(
                        SOURCE, f"{path.name} (sheet {sheet})", row, code, name, match.problem
                    )
                )
                continue
            parsed = parse_cell(
                cells.iloc[columns["allocation"]],
                file=path.name,
                row=row,
                field="allocation",
                indicator="dsg_allocation",
            )
            if parsed is None:
                continue
            dated = _SHEET_DATE.search(sheet)
            published = (
                ("-".join(dated.groups()), "file")
                if dated
                else (ALLOCATION_PUBLICATION.date(year), "rule")
            )
            values.append(
                panel_record(
                    match,
                    year,
                    "dsg_allocation",
                    parsed,
                    unit=INDICATORS["dsg_allocation"][0],
                    source=SOURCE,
                    source_file=path.name,
                    published=published,
                    vintage=f"{SOURCE} {year} ({path.name}, sheet {sheet})",
                )
            )
    return panel_rows(values), unmatched_rows(unmatched)


def read_la_codes(path: Path) -> dict[str, str]:
    """DfE 3-digit LA number -> DfE's LA name, from the LAIT code list."""
    grid = _only_sheet(path)
    header, columns = locate_columns(grid, LA_CODE_LABELS, file=path.name)
    body = grid.iloc[header + 1 :]
    codes = body.iloc[:, columns["code"]].map(cell_text)
    names = body.iloc[:, columns["name"]].map(cell_text)
    return {c: n for c, n in zip(codes, names, strict=True) if c and n}


def _only_sheet(path: Path) -> pd.DataFrame:
    grids = read_grids(path)
    if len(grids) != 1:
        raise RiskwatchError(f"expected one sheet, found {', '.join(grids)}", file=path.name)
    return next(iter(grids.values()))


REGISTERED = (
    Source(
        name="DSG_deficit",
        title="Dedicated Schools Grant carried forward, % of the allocation (DfE analysts)",
        publisher="Department for Education",
        kinds={SOURCE: "outturn"},
        files=(str(DEFICIT_FILE),),
        read=read_dsg_deficit,
        published="31 March two years after the year starts",
        rules={"DSG deficit": DEFICIT_PUBLICATION},
    ),
    Source(
        name="DSG_allocations",
        title="Dedicated Schools Grant allocations per council",
        publisher="Department for Education",
        kinds={SOURCE: "outturn"},
        files=(str(ALLOCATIONS_FILE), str(LA_CODE_FILE)),
        read=read_dsg_allocations,
        published="the date each allocation sheet is named by, else the year's end",
        rules={"DSG allocations": ALLOCATION_PUBLICATION},
    ),
)
