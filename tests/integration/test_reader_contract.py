"""The contract every data reader keeps, checked on a small slice of its real input.

One table, `READERS`, names each reader: how to cut a small input from the real
file in /work/shared/data (its header and a few authority rows, written back in
the reader's format), the public function that reads it, its key column labels, the
column an authority code sits in, a value column and the publisher's missing
mark. Each check below runs over every reader it applies to:

1. the untouched slice reads (control);
2. the header moved down a few rows reads the same values; moved beyond the rows
   searched, below its data or out of line with it, or relabelled, it is refused;
3. each key column removed is refused in one line naming the file and the column;
4. an unknown authority code is reported in the unmatched table, or kept as
   printed for a later stage (the reader's contract, `Reader.unknown`);
5. the publisher's missing mark gives a missing status, never a number or a crash;
6. text in a value cell is refused in one line naming the file, row and field.

Rows are the sheet's own, 1-based (a CSV's line numbers, header line 1): grid row
`r` of `read_grids` is row `r + 1` in every message and unmatched table.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from riskwatch.data.build import attach_gss
from riskwatch.data.kit.cells import NON_NEGATIVE
from riskwatch.data.kit.header import HEADER_SEARCH_ROWS, cell_text, label_key
from riskwatch.data.kit.opening import read_grids, read_ods_sheet
from riskwatch.data.registry import SOURCES
from riskwatch.data.schema import UNMATCHED_COLUMNS
from riskwatch.data.sources import (
    borrowing,
    capital,
    compiled,
    context,
    council_tax,
    defra_recycling,
    dfe_social_care,
    housing_spending,
    oflog_adult_social_care,
    ofsted,
    revenue,
    schools,
    spending_power,
)
from riskwatch.data.store.table_store import load_table
from riskwatch.errors import RiskwatchError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:openpyxl")

Grids = dict[str, pd.DataFrame]  # sheet name -> grid; the first sheet is the one changed
Read = Callable[[Path, Path, pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame | None]]


@dataclass(frozen=True)
class Reader:
    """One reader and the slice of real input its contract is checked on."""

    name: str
    relative: Path  # where the file sits under a data root
    sample: Callable[[Path], Grids]  # shared data root -> the slice, as grids
    read: Read  # (data root, file, authorities) -> (values, unmatched or None)
    keys: tuple[str, ...]  # key column labels, as the header prints them
    code: str  # label of the column holding the authority's code (or name)
    authority_row: str  # regex a body row's code cell matches
    unknown: tuple[str, str]  # (code written, "unmatched" or "kept")
    measure: str  # label of a value column
    mark: tuple[str, str]  # (the publisher's missing mark, "status", "absent" or "nan")
    unknown_also: tuple[tuple[str, str], ...] = ()  # other identifying cells rewritten with it
    measure_offset: int = 0  # columns right of that label (a caption over several years)
    header_block: tuple[int, int] = (0, 0)  # header rows above/below the key label row
    searched: bool = True  # the header is searched for in the top HEADER_SEARCH_ROWS rows
    aligned: bool = False  # a header out of line with its data (down, sideways) is refused
    key_row_named: bool = True  # the missing key column error names the header row
    extra: tuple[Path, ...] = field(default=())  # real files the reader needs beside it
    header_first: bool = False  # a layout known by its first line: a header moved is refused


# ------------------------------------------------------------------ grids
def header_row(grid: pd.DataFrame, label: str) -> int:
    """Grid row of the first cell reading `label` (labels are compared stripped)."""
    for row in range(len(grid)):
        if label in {cell_text(v) for v in grid.iloc[row].tolist()}:
            return row
    raise AssertionError(f"no cell reads {label!r}")


def column_of(grid: pd.DataFrame, label: str) -> int:
    return [cell_text(v) for v in grid.iloc[header_row(grid, label)].tolist()].index(label)


def top(grid: pd.DataFrame, label: str, body: int) -> pd.DataFrame:
    """The rows down to `body` rows below the header row holding `label`."""
    return grid.iloc[: header_row(grid, label) + 1 + body].reset_index(drop=True)


def renumbered(grid: pd.DataFrame) -> pd.DataFrame:
    return grid.reset_index(drop=True).set_axis(range(grid.shape[1]), axis=1)


def notes(width: int, rows: int) -> pd.DataFrame:
    """Note rows above a table, padded to its width as spreadsheet exports write them."""
    return pd.DataFrame([["Notes: figures are provisional"] + [None] * (width - 1)] * rows)


def shifted_down(grid: pd.DataFrame, rows: int) -> pd.DataFrame:
    return renumbered(pd.concat([notes(grid.shape[1], rows), renumbered(grid)]))


def without_column(grid: pd.DataFrame, label: str) -> pd.DataFrame:
    return renumbered(grid.drop(columns=grid.columns[column_of(grid, label)]))


def with_cell(grid: pd.DataFrame, row: int, label: str, value: object, offset: int = 0):
    """The grid with the cell `offset` columns right of `label`'s column in `row` set."""
    changed = grid.copy()
    changed.iat[row, column_of(grid, label) + offset] = value
    return changed


def with_measure(reader: Reader, grid: pd.DataFrame, row: int, value: object) -> pd.DataFrame:
    return with_cell(grid, row, reader.measure, value, reader.measure_offset)


def with_unknown_authority(reader: Reader, grid: pd.DataFrame, row: int) -> pd.DataFrame:
    """The row's code, and the other cells that identify it, rewritten to no authority."""
    changed = with_cell(grid, row, reader.code, reader.unknown[0])
    for label, value in reader.unknown_also:
        changed = with_cell(changed, row, label, value)
    return changed


def header_moved(reader: Reader, grid: pd.DataFrame, below: int, gap: int = 0) -> pd.DataFrame:
    """The header block moved `below` body rows down (past the end at most), after `gap`
    blank rows: the labels no longer sit above the values."""
    label_row = header_row(grid, reader.keys[0])
    first, last = label_row + reader.header_block[0], label_row + reader.header_block[1]
    block, above, body = grid.iloc[first : last + 1], grid.iloc[:first], grid.iloc[last + 1 :]
    at = min(below, len(body))
    blank = pd.DataFrame([[None] * grid.shape[1]] * gap, columns=grid.columns)
    return renumbered(pd.concat([above, body.iloc[:at], blank, block, body.iloc[at:]]))


def header_sideways(reader: Reader, grid: pd.DataFrame, by: int) -> pd.DataFrame:
    """The header row's labels pushed `by` columns right, off the values they head."""
    row = header_row(grid, reader.keys[0])
    wide = renumbered(pd.concat([grid, pd.DataFrame([[None] * by] * len(grid))], axis=1))
    labels = grid.iloc[row].tolist()
    wide.iloc[row] = [None] * by + labels
    return wide


def relabelled(reader: Reader, grid: pd.DataFrame) -> pd.DataFrame:
    """Every label of the header row replaced by a column number."""
    row = header_row(grid, reader.keys[0])
    changed = grid.copy()
    changed.iloc[row] = [f"Column {i}" if cell_text(v) else v for i, v in enumerate(grid.iloc[row])]
    return changed


def first_authority_row(reader: Reader, grid: pd.DataFrame) -> int:
    """Grid row of the first body row that is an authority's (not England, not a region)."""
    col = column_of(grid, reader.code)
    start = header_row(grid, reader.keys[0]) + reader.header_block[1] + 1
    for row in range(start, len(grid)):
        if re.fullmatch(reader.authority_row, cell_text(grid.iat[row, col])):
            return row
    raise AssertionError(f"{reader.name}: no authority row in the slice")


# ------------------------------------------------------------------ files
def write(reader: Reader, root: Path, grids: Grids, shared: Path) -> Path:
    """The grids written as the reader's file under `root`, with the real files it needs."""
    for extra in reader.extra:
        (root / extra).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared / extra, root / extra)
    path = root / reader.relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        (grid,) = grids.values()
        buffer = io.StringIO()
        csv.writer(buffer).writerows([[cell_text(v) for v in row] for row in grid.to_numpy()])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        return path
    engine = "odf" if path.suffix == ".ods" else "openpyxl"
    with pd.ExcelWriter(path, engine=engine) as writer:
        for sheet, grid in grids.items():
            grid.to_excel(writer, sheet_name=sheet, header=False, index=False)
    return path


def csv_grid(
    path: Path, authority: str, code_label: str, rows: int = 4, where: tuple[str, str] | None = None
) -> Grids:
    """The header line and the first `rows` authority lines of a real CSV (those whose
    `where` column holds its value, if given)."""
    grid = next(iter(read_grids(path).values()))
    codes = grid.iloc[1:, column_of(grid, code_label)].map(cell_text)
    keep = codes.str.fullmatch(authority)
    if where is not None:
        keep &= grid.iloc[1:, column_of(grid, where[0])].map(cell_text) == where[1]
    return {"data": renumbered(grid.loc[[0, *codes[keep].index[:rows]]])}


def sheet_top(path: Path, sheet: str, label: str, body: int, others: tuple = ()) -> Grids:
    grids = read_grids(path)
    return {sheet: top(grids[sheet], label, body)} | {
        other: top(grids[other], label, body) for other in others
    }


def authority_table_of(grid: pd.DataFrame, label: str, body: int) -> pd.DataFrame:
    """The title rows above the first header and the last table headed `label` (a UK
    summary table sits above the authorities in the borrowing sheets)."""
    headers = [r for r in range(len(grid)) if label in set(map(cell_text, grid.iloc[r]))]
    rows = [*range(headers[0]), *range(headers[-1], headers[-1] + 1 + body)]
    return renumbered(grid.iloc[rows])


def ods_top(path: Path, sheet: str, label: str, body: int) -> Grids:
    return {sheet: top(read_ods_sheet(path, sheet), label, body)}


# ------------------------------------------------------------------ readers
def panel(values: pd.DataFrame) -> tuple[pd.DataFrame, None]:
    return values, None


GSS_ROW = r"E0[6-9]\d{6}|E10\d{6}"
BI_FILE = "Borrowing_and_Investment_Live_Table_Q4_2019_20.xlsx"
BI_SHEET = "LA Borrowing 19-20 Q4"
COR_SHEET = "Capital Financing Requirement"
REVENUE_SHEET = "RS_LA_Data_2023-24"
REVENUE_MEASURE = "NET REVENUE EXPENDITURE"
ILACS_HEADER = [
    "Local authority area code",
    "Local authority name",
    "Inspection date",
    "Publication date",
    "Overall effectiveness",
]
HISTORY_HEADER = [
    "Local authority name",
    "First ILACS framework publication date",
    "First ILACS framework overall effectiveness",
]
CSC_FILES = {
    "children_in_need": (
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        ("time_period", "geographic_level", "new_la_code", "rereferral_percent"),
        "rereferral_percent",
        None,
    ),
    "workforce": (
        "csww_indicators_2017_to_2025.csv",
        ("new_la_code", "turnover_rate_fte", "vacancy_rate_fte"),
        "turnover_rate_fte",
        None,
    ),
    "looked_after": (
        "cla_number_and_rate_per_10k_children.csv",
        ("new_la_code", "population_count", "rate_per_10000"),
        "rate_per_10000",
        # the file names its measure column population_count; the reader keeps one group
        ("population_count", "Children looked after at 31 March each year"),
    ),
}


def csc_reader(name: str) -> Reader:
    file, keys, measure, where = CSC_FILES[name]
    relative = dfe_social_care.CSC_DIR / file
    return Reader(
        name=f"csc_{name}",
        relative=relative,
        sample=lambda shared: csv_grid(shared / relative, GSS_ROW, "new_la_code", where=where),
        read=lambda root, path, authorities: dfe_social_care.read_csc_file(path, authorities),
        keys=keys,
        code="new_la_code",
        authority_row=GSS_ROW,
        unknown=("E09999999", "unmatched"),
        measure=measure,
        mark=("c", "status"),
    )


RO4_FILE = Path("housing-homelessness") / "ro4_housing_expenditure_2024-25.csv"
COMPILED_FILE = Path(compiled.FOLDER) / "capital_2019-20_to_2023-24_councils.csv"
CASINO_BORROWING = spending_power.FOLDER / spending_power.ONE_YEAR_TABLES[0].file
READERS = [
    Reader(
        name="borrowing",
        relative=Path(borrowing.FOLDER) / "bi.xlsx",
        # Borrowing_and_Investment_Live_Table_Q4_2019_20.xlsx: title, unit, the authority
        # table's header and its first 8 rows (2 Scottish, 6 English)
        sample=lambda shared: {
            BI_SHEET: authority_table_of(
                read_grids(shared / borrowing.FOLDER / BI_FILE)[BI_SHEET], "LGF code", 8
            )
        },
        read=lambda root, path, authorities: panel(borrowing.read_borrowing_file(path)),
        keys=("LGF code",),
        code="LGF code",
        authority_row=r"E\d{4}",
        unknown=("E9999", "kept"),
        unknown_also=(("Local authority name", "Atlantis"), ("ONS code", "E07999999")),
        measure="Loans Longer-term - PWLB (a)",
        mark=("[x]", "status"),
        searched=False,
        aligned=True,
        key_row_named=False,
    ),
    Reader(
        name="revenue",
        relative=Path("revenue-outturn") / "rs2023_24.xlsx",
        # rs2023_24.xlsx, sheet RS_LA_Data_2023-24: line numbers, header and six councils
        sample=lambda shared: sheet_top(
            shared / "revenue-outturn" / "rs2023_24.xlsx", REVENUE_SHEET, "E-code", 6
        ),
        read=lambda root, path, authorities: panel(revenue.read_revenue_file(path).values),
        keys=("E-code",),
        code="E-code",
        authority_row=r"E\d{4}",
        unknown=("E9999", "kept"),  # `riskwatch data ingest` refuses it (test_ingest_validation)
        measure=REVENUE_MEASURE,
        mark=("[x]", "status"),
        key_row_named=False,
    ),
    Reader(
        name="capital",
        relative=Path(capital.FOLDER) / "COR_2018-19_outputs_COR_C.xlsx",
        sample=lambda shared: sheet_top(
            shared / capital.FOLDER / "COR_2018-19_outputs_COR_C.xlsx",
            COR_SHEET,
            "LGF Code",
            6,
            others=("Borrowing & Lending",),  # COR C's measures span both sheets
        ),
        read=lambda root, path, authorities: panel(capital.read_capital_file(path)),
        keys=("LGF Code",),
        code="LGF Code",
        authority_row=r"E\d{4}",
        unknown=("E9999", "kept"),
        unknown_also=(("LA Name", "Atlantis"), ("ONS Code", "E07999999")),
        measure="Capital Financing Requirement as at 31 March 2019",
        mark=(":", "status"),  # the workbook's Symbols sheet: ':' not available
        searched=False,
        aligned=True,
        key_row_named=False,
    ),
    Reader(
        name="council_tax",
        relative=council_tax.FOLDER / "ctr_1516.xlsx",
        # ctr_1516.xlsx, sheet Data: caption, header block (line numbers, column counter,
        # labels, years), England, Adur and two more councils
        sample=lambda shared: {
            "Data": read_grids(shared / council_tax.FOLDER / "ctr_1516.xlsx")["Data"].iloc[:10]
        },
        read=lambda root, path, authorities: council_tax.read_council_tax(root, authorities),
        keys=("Ecode", "Authority", "Class"),
        code="Ecode",
        authority_row=r"E\d{4}",
        unknown=("E9999", "unmatched"),
        measure="11. Average (Band D 2 Adult equivalent) council tax (excluding local precepts)",
        measure_offset=1,  # the label spans 2014-15 and 2015-16; the reader reads 2015-16
        mark=("[x]", "status"),
        header_block=(-2, 1),
        searched=False,  # a sheet may hold several tables: every header in it is found
    ),
    Reader(
        name="dsg_deficit",
        relative=schools.DEFICIT_FILE,
        sample=lambda shared: {
            "Sheet 1": next(iter(read_grids(shared / schools.DEFICIT_FILE).values())).iloc[:40]
        },
        read=lambda root, path, authorities: schools.read_dsg_deficit(root, authorities),
        keys=("geographic_level", "la_name", "deficit"),
        code="la_name",
        authority_row=r"[A-Z].*",
        unknown=("Atlantis", "unmatched"),
        measure="deficit",
        mark=("[x]", "status"),
        extra=(schools.LA_CODE_FILE,),
    ),
    Reader(
        name="dsg_allocations",
        relative=schools.ALLOCATIONS_FILE,
        sample=lambda shared: {
            "dsg_budget_20": read_grids(shared / schools.ALLOCATIONS_FILE)["dsg_budget_20"].iloc[
                :20
            ]
        },
        read=lambda root, path, authorities: schools.read_dsg_allocations(root, authorities),
        keys=("la_code", "Total DSG allocation (£s)"),
        code="la_code",
        authority_row=r"\d{3}",
        unknown=("999", "unmatched"),
        measure="Total DSG allocation (£s)",
        mark=("[x]", "status"),
        extra=(schools.LA_CODE_FILE,),
    ),
    Reader(
        name="spending_power",
        relative=spending_power.FOLDER / spending_power.LEVELS_FILE,
        sample=lambda shared: csv_grid(
            shared / spending_power.FOLDER / spending_power.LEVELS_FILE, GSS_ROW, "ons_code"
        ),
        read=lambda root, path, authorities: spending_power.read_spending_power(root, authorities),
        keys=("ons_code", "ons_name"),
        code="ons_code",
        authority_row=GSS_ROW,
        unknown=("E09999999", "unmatched"),
        measure="2016",
        mark=("[x]", "status"),
        extra=(spending_power.FOLDER / spending_power.CHANGES_FILE,),
    ),
    Reader(
        name="casino_borrowing",
        relative=CASINO_BORROWING,
        sample=lambda shared: csv_grid(shared / CASINO_BORROWING, GSS_ROW, "LA_code"),
        read=lambda root, path, authorities: spending_power.read_casino_tables(root, authorities),
        keys=("LA_code", "GrossExternalBorrowing"),
        code="LA_code",
        authority_row=GSS_ROW,
        unknown=("E09999999", "unmatched"),
        measure="GrossExternalBorrowing",
        mark=("[x]", "status"),
        extra=tuple(spending_power.FOLDER / t.file for t in spending_power.ONE_YEAR_TABLES[1:]),
    ),
    Reader(
        name="iod",
        relative=context.IOD_FILE,
        # the header and first two districts of every IoD sheet the reader uses
        sample=lambda shared: {
            sheet: grid.iloc[:3].reset_index(drop=True)
            for sheet, grid in read_grids(shared / context.IOD_FILE).items()
            if sheet in context.IOD_ATTRIBUTES
        },
        read=lambda root, path, authorities: panel(context.read_iod_districts(path)),
        keys=(
            "Local Authority District code (2019)",
            "Local Authority District name (2019)",
            "IMD - Average score",
            "IMD - Average rank",
        ),
        code="Local Authority District code (2019)",
        authority_row=GSS_ROW,
        unknown=("E06999999", "kept"),  # 2019 districts, matched to councils later
        measure="IMD - Average score",
        mark=("x", "nan"),  # a wide frame with no status column: the attribute is NaN
    ),
    *(csc_reader(name) for name in CSC_FILES),
    Reader(
        name="adult_social_care",
        relative=oflog_adult_social_care.ASC_FILE,
        sample=lambda shared: csv_grid(
            shared / oflog_adult_social_care.ASC_FILE, GSS_ROW, "Local authority code"
        ),
        read=lambda root, path, authorities: oflog_adult_social_care.read_adult_social_care(
            root, authorities
        ),
        keys=("Financial year", "Local authority code", "Code", "Value"),
        code="Local authority code",
        authority_row=GSS_ROW,
        unknown=("E09999999", "unmatched"),
        measure="Value",
        mark=("[c]", "status"),
    ),
    Reader(
        name="recycling",
        relative=defra_recycling.WASTE_DIR / "recycling_2015-16_to_2023-24_percent.csv",
        sample=lambda shared: csv_grid(
            shared / defra_recycling.WASTE_DIR / "recycling_2015-16_to_2023-24_percent.csv",
            GSS_ROW,
            "area_code",
        ),
        read=lambda root, path, authorities: defra_recycling.read_recycling_file(path, authorities),
        keys=("area_code", "period", "value"),
        code="area_code",
        authority_row=GSS_ROW,
        unknown=("E07999999", "unmatched"),
        measure="value",
        mark=("NA", "status"),  # Defra writes NA
    ),
    Reader(
        name="compiled",
        relative=COMPILED_FILE,
        sample=lambda shared: csv_grid(shared / COMPILED_FILE, GSS_ROW, "ons"),
        read=lambda root, path, authorities: panel(compiled.read_compiled_file(path)),
        keys=("year", "ons"),
        code="ons",
        authority_row=GSS_ROW,
        unknown=("E07999999", "kept"),  # the build matches printed codes (attach_codes)
        measure="cfr",
        mark=("", "status"),
        searched=False,
        header_first=True,
    ),
    Reader(
        name="housing_spending",
        relative=RO4_FILE,
        sample=lambda shared: csv_grid(shared / RO4_FILE, GSS_ROW, "lad24cd"),
        read=lambda root, path, authorities: panel(
            housing_spending.read_housing_spending_file(path)
        ),
        keys=("lad24cd", "la_name", "financial_year", "data_missing"),
        code="lad24cd",
        authority_row=GSS_ROW,
        unknown=("E07999999", "kept"),  # the build matches printed codes (attach_codes)
        measure="hostels_gross_exp_000",
        mark=("", "status"),  # RO4 extract: an empty cell (data_missing flags a whole return)
    ),
    Reader(
        name="ofsted_ilacs",
        relative=ofsted.OFSTED_ILACS,
        sample=lambda shared: ods_top(
            shared / ofsted.OFSTED_ILACS, ofsted.OFSTED_ILACS_SHEET, ILACS_HEADER[0], 6
        ),
        read=lambda root, path, authorities: panel(ofsted.read_ilacs_history(path)),
        keys=tuple(ILACS_HEADER),
        code="Local authority area code",
        authority_row=GSS_ROW,
        unknown=("E09999999", "kept"),  # read_ofsted attaches codes and reports the rest
        measure="Overall effectiveness",
        mark=("-", "absent"),  # not judged: no judgement record
    ),
    Reader(
        name="ofsted_history",
        relative=ofsted.OFSTED_HISTORY,
        sample=lambda shared: ods_top(
            shared / ofsted.OFSTED_HISTORY, ofsted.OFSTED_HISTORY_SHEET, HISTORY_HEADER[0], 6
        ),
        read=lambda root, path, authorities: panel(ofsted.read_ofsted_frameworks(path)),
        keys=tuple(HISTORY_HEADER),
        code="Local authority name",
        authority_row=r"[A-Z].*",
        unknown=("Atlantis", "kept"),  # names are matched by read_ofsted's attach_names
        measure="First ILACS framework overall effectiveness",
        mark=("-", "absent"),
        searched=False,  # two tables: every header in the sheet is found
    ),
]
BY_NAME = {reader.name: reader for reader in READERS}
# The contract readers of each registered source (`riskwatch/data/registry.py`).
CONTRACTS_OF_SOURCE = {
    "revenue": ("revenue",),
    "COR": ("capital",),
    "BI": ("borrowing",),
    "compiled": ("compiled",),
    "CTR": ("council_tax",),
    "CSP": ("spending_power",),
    "casino_tables": ("casino_borrowing",),
    "DSG_deficit": ("dsg_deficit",),
    "DSG_allocations": ("dsg_allocations",),
    "OFSTED": ("ofsted_ilacs", "ofsted_history"),
    "DFE_CSC": tuple(f"csc_{name}" for name in CSC_FILES),
    "OFLOG_ASC": ("adult_social_care",),
    "DEFRA": ("recycling",),
    "RO4": ("housing_spending",),
}


# ------------------------------------------------------------------ running a reader
@pytest.fixture(scope="module")
def authorities() -> pd.DataFrame:
    return load_table("authorities")


_SAMPLES: dict[str, Grids] = {}


def sample(reader: Reader, shared: Path) -> Grids:
    """The reader's slice, cut once per session (the real files are large)."""
    if reader.name not in _SAMPLES:
        _SAMPLES[reader.name] = {s: renumbered(g) for s, g in reader.sample(shared).items()}
    return _SAMPLES[reader.name]


@dataclass(frozen=True)
class Case:
    """A reader with its slice, ready to write a changed copy and read it."""

    reader: Reader
    grids: Grids
    shared: Path
    authorities: pd.DataFrame
    root: Path

    @property
    def grid(self) -> pd.DataFrame:
        return next(iter(self.grids.values()))

    def read(self, grid: pd.DataFrame | None = None, folder: str = "data"):
        """(file, values, unmatched) of the slice with its first sheet replaced by `grid`."""
        first = next(iter(self.grids))
        grids = {**self.grids, first: self.grid if grid is None else grid}
        root = self.root / folder
        path = write(self.reader, root, grids, self.shared)
        values, unmatched = self.reader.read(root, path, self.authorities)
        return path, values, unmatched

    def refused(self, grid: pd.DataFrame, folder: str = "data") -> str:
        """The one-line error reading `grid` raises; it names the file."""
        with pytest.raises(RiskwatchError) as caught:
            self.read(grid, folder)
        message = str(caught.value)
        assert "\n" not in message, message
        assert self.reader.relative.name in message, message
        return message


@pytest.fixture
def make_case(shared_data, authorities, tmp_path) -> Callable[[Reader], Case]:
    return lambda reader: Case(
        reader, sample(reader, shared_data), shared_data, authorities, tmp_path
    )


@pytest.fixture(params=READERS, ids=[r.name for r in READERS])
def case(request, make_case) -> Case:
    return make_case(request.param)


def over(readers: list[Reader]) -> list:
    """Readers as test parameters, named."""
    return [pytest.param(r, id=r.name) for r in readers]


SEARCHED = [r for r in READERS if r.searched]  # the others search the whole sheet
ALIGNED = [r for r in READERS if r.aligned]  # the others read values under the labels found


def comparable(values: pd.DataFrame) -> pd.DataFrame:
    """Values without the source row (which moves with the header) and their index."""
    return values.drop(columns=["row"], errors="ignore").reset_index(drop=True)


# ------------------------------------------------------------------ 1. control
def identifiers(values: pd.DataFrame) -> set[str]:
    """Every code or name the values carry for their authorities."""
    return {
        v for column in ("ecode", "gss_code", "name") if column in values for v in values[column]
    }


def test_the_untouched_slice_reads(case):
    _, values, unmatched = case.read()
    assert len(values) > 0
    first = cell_text(
        case.grid.iat[
            first_authority_row(case.reader, case.grid), column_of(case.grid, case.reader.code)
        ]
    )
    if re.fullmatch(rf"{GSS_ROW}|E\d{{4}}", first):  # printed codes are carried (not DfE's)
        assert first in identifiers(values), first
    if "status" in values:
        reported = values[values["status"] == "reported"]
        assert len(reported) > 0 and reported["value"].notna().all()
    if unmatched is not None:
        assert list(unmatched.columns) == UNMATCHED_COLUMNS
        assert unmatched.empty, unmatched  # every authority of the slice is known


# ------------------------------------------------------------------ 2. header position
@pytest.mark.parametrize("rows", [1, 4])
def test_a_header_shifted_down_reads_the_same_values(case, rows):
    if case.reader.header_first:
        assert "layout" in case.refused(shifted_down(case.grid, rows))
        return
    _, control, _ = case.read(folder="control")
    _, shifted, _ = case.read(shifted_down(case.grid, rows))
    pd.testing.assert_frame_equal(comparable(shifted), comparable(control))


@pytest.mark.parametrize("reader", over(SEARCHED))
@pytest.mark.parametrize("extra", [0, 25])
def test_a_header_beyond_the_rows_searched_is_refused(make_case, reader, extra):
    case = make_case(reader)
    message = case.refused(shifted_down(case.grid, HEADER_SEARCH_ROWS + extra))
    assert "header row" in message or "no data sheet" in message, message


@pytest.mark.parametrize("reader", over(READERS))
@pytest.mark.parametrize("gap", [0, 7])
def test_a_header_below_its_data_is_refused(make_case, reader, gap):
    case = make_case(reader)
    case.refused(header_moved(case.reader, case.grid, below=len(case.grid), gap=gap))


@pytest.mark.parametrize(("below", "sideways"), [(1, 0), (2, 0), (0, 1), (0, 5), (0, -1)])
@pytest.mark.parametrize("reader", over(ALIGNED))
def test_a_header_out_of_line_with_its_data_is_refused(make_case, reader, below, sideways):
    """Moved among its rows, or pushed right (-1: by the sheet's width, off every value)."""
    case = make_case(reader)
    grid = header_moved(case.reader, case.grid, below) if below else case.grid
    sideways = grid.shape[1] if sideways < 0 else sideways
    case.refused(header_sideways(case.reader, grid, sideways) if sideways else grid)


def test_a_header_of_unknown_labels_is_refused(case):
    case.refused(relabelled(case.reader, case.grid))


# ------------------------------------------------------------------ 3. key columns
KEYS = [(reader, key) for reader in READERS for key in reader.keys]


@pytest.mark.parametrize(
    ("reader", "key"), KEYS, ids=[f"{reader.name}-{key}" for reader, key in KEYS]
)
def test_a_missing_key_column_is_refused_naming_it(make_case, reader, key):
    case = make_case(reader)
    message = case.refused(without_column(case.grid, key))
    if reader.key_row_named:
        assert key in message or label_key(key) in message, message
        if "header row not found" not in message:  # found: the error names it
            assert f"row {header_row(case.grid, reader.keys[0]) + 1}" in message, message


@pytest.mark.parametrize("reader", over(ALIGNED))  # the others skip uncoded rows (totals)
def test_blank_key_codes_are_refused(make_case, reader):
    case = make_case(reader)
    col = column_of(case.grid, case.reader.code)
    start = header_row(case.grid, case.reader.keys[0]) + 1
    blanked = case.grid.copy()
    blanked.iloc[start:, col] = None
    case.refused(blanked)


# ------------------------------------------------------------------ 4. unknown authority
def test_an_unknown_authority_is_reported_or_kept_for_matching(case):
    code, contract = case.reader.unknown
    row = first_authority_row(case.reader, case.grid)
    _, values, unmatched = case.read(with_unknown_authority(case.reader, case.grid, row))
    if contract == "unmatched":
        found = unmatched[(unmatched["code"] == code) | (unmatched["name"] == code)]
        assert found["row"].tolist() == [row + 1], unmatched
        for column in ("ecode", "gss_code"):
            assert code not in set(values[column])
    else:  # kept as printed: the build matches it (attach_gss drops a non-council E-code)
        assert code in identifiers(values)
        if "ecode" in values:
            assert code not in set(attach_gss(values, case.authorities)["ecode"])


# ------------------------------------------------------------------ 5. missing mark
def test_a_missing_mark_is_a_missing_status_never_a_number(case):
    mark, contract = case.reader.mark
    row = first_authority_row(case.reader, case.grid)
    _, control, _ = case.read(folder="control")
    _, marked, _ = case.read(with_measure(case.reader, case.grid, row, mark))
    if contract == "status":
        gone = marked[marked["status"] != "reported"]
        assert len(gone) > len(control[control["status"] != "reported"]), marked
        assert gone["value"].isna().all()
        assert len(marked[marked["status"] == "reported"]) < len(
            control[control["status"] == "reported"]
        )
    elif contract == "absent":
        assert len(marked) == len(control) - 1
    else:
        assert len(marked) == len(control)
        assert marked.isna().sum().sum() == control.isna().sum().sum() + 1


# ------------------------------------------------------------------ 6. a bad cell
def test_text_in_a_value_cell_is_refused_naming_file_row_and_field(case):
    row = first_authority_row(case.reader, case.grid)
    message = case.refused(with_measure(case.reader, case.grid, row, "see note 4"))
    assert f"row {row + 1}" in message and "field '" in message, message


# ------------------------------------------------------------------ 7. a repeated header
def with_header_repeated(reader: Reader, grid: pd.DataFrame, after: int) -> pd.DataFrame:
    """The key label row copied in below grid row `after` (a header pasted into the table)."""
    label_row = grid.iloc[[header_row(grid, reader.keys[0])]]
    return renumbered(pd.concat([grid.iloc[: after + 1], label_row, grid.iloc[after + 1 :]]))


def test_a_header_repeated_inside_the_table_is_refused_naming_its_row(case):
    """Read as data, a repeated header cut the table off at that row (RS) or was skipped."""
    row = first_authority_row(case.reader, case.grid)
    message = case.refused(with_header_repeated(case.reader, case.grid, row))
    assert f"row {row + 2}" in message, message


# ------------------------------------------------------------------ 8. impossible negatives
def test_a_negative_value_is_refused_or_kept_only_where_it_can_be(case):
    """A negative figure of an indicator that cannot be negative (NON_NEGATIVE) is refused
    naming file, row and field; a net figure (spending, income) keeps its sign."""
    row = first_authority_row(case.reader, case.grid)
    try:
        _, values, _ = case.read(with_measure(case.reader, case.grid, row, -5))
    except RiskwatchError as error:
        message = str(error)
        assert f"row {row + 1}" in message and "field '" in message, message
        return
    if "value" in values:
        negative = values[pd.to_numeric(values["value"], errors="coerce") < 0]
        assert not set(negative["indicator"]) & NON_NEGATIVE, negative


# Registered sources this table cannot state yet, and why (each has its own reader tests).
NOT_CONTRACTED = {
    "HCLIC": "TA1 prints its ONS codes in an unlabelled column under a two-row header; "
    "tests/integration/test_homelessness.py checks its layout refusals",
}


def test_every_registered_source_keeps_the_contract():
    """A source added to the registry without a contract reader here fails."""
    registered = {source.name for source in SOURCES}
    assert set(CONTRACTS_OF_SOURCE) == registered - set(NOT_CONTRACTED)
    missing = {
        name: [r for r in readers if r not in BY_NAME]
        for name, readers in CONTRACTS_OF_SOURCE.items()
        if any(r not in BY_NAME for r in readers)
    }
    assert not missing, f"sources whose contract readers are not in READERS: {missing}"
