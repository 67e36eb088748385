"""Reader for MHCLG's H-CLIC detailed local authority tables: households in temporary accommodation.

One workbook per quarter (April-June 2018 on, XLSX or ODS); only sheet TA1 is
read: households in temporary accommodation (TA) at the quarter's end, by type of
accommodation, with children, and the households in the area (thousands; from
2018 to March 2019 the 2016-based projections the sheet names). The sheet's
layout moves between releases (title and hidden pivot rows above the table), so
the table is found by its first row coded with an ONS code (England) and its
columns by the two header rows directly above it (`two_row_header`); every
measure must match exactly one column or the file fails naming the measure.

`..` (figure not submitted or withheld; Lambeth has none from mid-2021 to early
2025) and `-` (suppressed) are missing with status `not_available`, never zero.
England, region and "Rest of England" rows are not councils and are not kept;
every other coded row goes to the authority matching of the build.

Each quarter of each file is one vintage. The period is the date the title states
(checked against the YYYYMM in the file name), the financial year the one that
quarter falls in; publication is the later of the rule in configs/releases.toml
(six months after the quarter) and the update date the sheet states.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskwatch.data.kit.cells import COR_MARKS, parse_cell
from riskwatch.data.kit.header import cell_text, two_row_header
from riskwatch.data.kit.opening import read_named_sheet
from riskwatch.data.kit.panel_rows import panel_rows
from riskwatch.data.kit.publication import LagRule
from riskwatch.data.kit.source import Source, files_under
from riskwatch.data.sources.capital import FULL_DATE
from riskwatch.data.years import financial_year_of
from riskwatch.errors import RiskwatchError

SOURCE = "HCLIC"
FOLDER = "housing-homelessness/hclic-detailed-la"
FILES = (f"{FOLDER}/*.xlsx", f"{FOLDER}/*.ods")
PUBLICATION = LagRule(SOURCE)  # configs/releases.toml, where a file states no later update
TA1_SHEET = re.compile(r"TA1(_|\s*-.*)?")  # "TA1", "TA1_", "TA1 - Apr-Jun 18"
GSS_CODE = re.compile(r"E\d{8}")
NOT_COUNCILS = re.compile(r"E92\d{6}|E12\d{6}")  # England, regions
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
QUARTER_RANGE = re.compile(rf"\b(?:{MONTHS})\s+to\s+({MONTHS})\s+(\d{{4}})\b", re.IGNORECASE)
_NUMBER = re.compile(r"-?[\d.,]+(?:e-?\d+)?")
FILE_MONTH = re.compile(r"(20\d\d)(0[369]|12)")
STATED_UPDATE = re.compile(
    rf"latest update:\s*(\d{{1,2}}\s+)?({MONTHS}|[A-Z][a-z]{{2}})\s+(\d{{4}})", re.IGNORECASE
)


@dataclass(frozen=True)
class Measure:
    """A TA1 column: its indicator, unit, and the header texts it is printed under."""

    indicator: str
    unit: str
    label: re.Pattern  # the column's own label (lower case, spaces collapsed)
    caption: re.Pattern  # the group caption above it ("" where it has none)


def _measure(indicator: str, label: str, caption: str = "", unit: str = "households") -> Measure:
    return Measure(indicator, unit, re.compile(label), re.compile(caption))


TOTAL = "total number of households"
TA1_MEASURES: tuple[Measure, ...] = (
    _measure("ta_households_total", r"total number of households in ta[\d, ]*"),
    _measure("ta_households_with_children", r"total number of households in ta with children\d*"),
    _measure("ta_children", r"total number of children in ta\d*", unit="children"),
    _measure(
        "households_in_area",
        r"number of households (?:in area\d*|\(\d{4}-based household projections for \d{4}\)\d*)"
        r" \(000s\)",
        unit="thousand_households",
    ),
    _measure("ta_bed_and_breakfast", TOTAL, r"bed and breakfast hotels.*"),
    _measure("ta_nightly_paid", TOTAL, r"nightly paid, privately managed accommodation.*"),
    _measure("ta_hostels", TOTAL, r"hostels.*"),
    _measure("ta_private_sector_leased", TOTAL, r"private sector accommodation leased.*"),
    _measure("ta_la_ha_stock", TOTAL, r"local authority or housing association.*"),
    _measure("ta_other", TOTAL, r"any other type of temporary accommodation.*"),
    _measure("ta_in_another_district", r"in ta in another local authority district[\d ]*"),
)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


@dataclass(frozen=True)
class Ta1Table:
    """The TA1 table of one release: where its rows start and the column of each measure."""

    sheet: str
    text: pd.DataFrame  # the grid as `cell_text`
    first_row: int  # the England row, the first coded row
    code_col: int
    columns: dict[str, int]  # indicator -> column

    @property
    def title(self) -> str:
        block = self.text.iloc[: self.first_row - 2]
        return " | ".join(t for t in block.to_numpy().ravel() if t)

    @property
    def notes(self) -> str:
        block = self.text.iloc[self.first_row :]
        return " | ".join(t for t in block.to_numpy().ravel() if t and not _NUMBER.fullmatch(t))


def locate_table(path: Path, sheet: str, grid: pd.DataFrame) -> Ta1Table:
    """The TA1 table: first coded row, code column and each measure's column."""
    text = grid.map(cell_text)
    coded = text.apply(lambda column: column.str.fullmatch(GSS_CODE.pattern))
    rows = coded.any(axis=1).to_numpy().nonzero()[0]
    if len(rows) == 0 or rows[0] < 2:
        raise RiskwatchError(
            "no row coded with an ONS code under two header rows: unknown layout",
            file=path.name,
            field=sheet,
        )
    first_row = int(rows[0])
    code_col = int(coded.iloc[first_row].to_numpy().argmax())
    header = two_row_header(grid, first_row - 1)
    columns: dict[str, int] = {}
    for measure in TA1_MEASURES:
        found = [
            col
            for col, (caption, label) in header.items()
            if measure.label.fullmatch(_normal(label))
            and measure.caption.fullmatch(_normal(caption))
        ]
        if len(found) != 1:
            raise RiskwatchError(
                f"measure '{measure.indicator}' matches {len(found)} columns of the header "
                f"rows {first_row - 1}-{first_row}: unknown layout",
                file=path.name,
                row=first_row,
                field=sheet,
            )
        columns[measure.indicator] = found[0]
    return Ta1Table(sheet, text, first_row, code_col, columns)


def quarter_end(path: Path, table: Ta1Table) -> pd.Timestamp:
    """The quarter's last day, from the title ('30th June 2020', 'April to June 2018')."""
    title = table.title
    dates = {pd.Timestamp(f"{d} {m} {y}") for d, m, y in FULL_DATE.findall(title)}
    dates |= {
        pd.Timestamp(f"1 {m} {y}") + pd.offsets.MonthEnd(0) for m, y in QUARTER_RANGE.findall(title)
    }
    if len(dates) != 1:
        raise RiskwatchError(
            f"expected one quarter end in the TA1 title, found {len(dates)}: {title[:120]}",
            file=path.name,
            field=table.sheet,
        )
    date = dates.pop()
    named = FILE_MONTH.search(path.stem)
    if named and (int(named.group(1)), int(named.group(2))) != (date.year, date.month):
        raise RiskwatchError(
            f"the TA1 title dates the quarter {date.date()}, the file name {named.group(0)}",
            file=path.name,
            field=table.sheet,
        )
    return date


def stated_update(table: Ta1Table) -> pd.Timestamp | None:
    """The 'Latest update: 22 July 2025' (or 'Dec 2019': that month's end) the sheet states."""
    match = STATED_UPDATE.search(table.notes + " | " + table.title)
    if match is None:
        return None
    day, month, year = match.groups()
    date = pd.Timestamp(f"{day or 1} {month} {year}")
    return date if day else date + pd.offsets.MonthEnd(0)


def read_ta1_file(path: Path) -> pd.DataFrame:
    """Panel rows of one release's TA1 sheet, councils only, one vintage.

    Extra columns `row` (sheet row) and `name` serve the unmatched report.
    """
    path = Path(path)
    sheet, grid = read_named_sheet(path, TA1_SHEET)
    table = locate_table(path, sheet, grid)
    period = quarter_end(path, table)
    period_end = period.date().isoformat()
    rule = pd.Timestamp(PUBLICATION.date(financial_year_of(period), period_end))
    stated = stated_update(table)
    published, basis = (stated, "file") if stated is not None and stated > rule else (rule, "rule")
    records = []
    for index in range(table.first_row, len(table.text)):
        code = table.text.iat[index, table.code_col]
        if not GSS_CODE.fullmatch(code) or NOT_COUNCILS.fullmatch(code):
            continue
        name = table.text.iat[index, table.code_col + 1]  # the name printed beside the code
        for measure in TA1_MEASURES:
            raw = grid.iat[index, table.columns[measure.indicator]]
            parsed = parse_cell(
                raw,
                file=path.name,
                row=index + 1,
                field=measure.indicator,
                marks=COR_MARKS,
                indicator=measure.indicator,
            )
            value, status = parsed if parsed is not None else (float("nan"), "not_available")
            records.append(
                {
                    "code": code,
                    "name": name,
                    "row": index + 1,
                    "indicator": measure.indicator,
                    "unit": measure.unit,
                    "value": value,
                    "status": status,
                }
            )
    if not any(record["status"] == "reported" for record in records):
        raise RiskwatchError("no council values in TA1", file=path.name, field=sheet)
    return panel_rows(
        records,
        financial_year=financial_year_of(period),
        source=SOURCE,
        source_file=path.name,
        vintage=f"{path.name}:{period_end}",
        period_end=period_end,
        published=published.date().isoformat(),
        published_basis=basis,
    )


def read_homelessness(root: Path, authorities: pd.DataFrame | None = None) -> tuple:
    """Every H-CLIC release under `FOLDER`: (panel rows, unmatched=None).

    Rows are matched to councils by the build (`attach_codes`), which reports the
    unmatched ones.
    """
    files = files_under(root, FILES)
    if not files:
        raise RiskwatchError(
            "no H-CLIC detailed local authority workbooks found", file=Path(root) / FOLDER
        )
    return pd.concat([read_ta1_file(p) for p in files], ignore_index=True), None


REGISTERED = (
    Source(
        name="HCLIC",
        title="Statutory homelessness, detailed local authority tables (H-CLIC): TA1",
        publisher="Ministry of Housing, Communities and Local Government",
        kinds={SOURCE: "position"},
        files=FILES,
        read=read_homelessness,
        published="the update a file states, else configs/releases.toml's lag after the quarter",
        rules={SOURCE: PUBLICATION},
    ),
)
