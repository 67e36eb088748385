"""Reader for MHCLG "Council Tax levels set by local authorities in England", LA-level tables.

One workbook per year, 2015-16 to 2023-24. Billing authorities (districts,
unitaries, metropolitan districts, London boroughs: form CTR1) and major
precepting authorities (counties, and the police, fire, GLA and combined
authorities this panel leaves out: form CTR2) sit in sheet `Data` under the
captions "Billing authorities" and "Precepting authorities" (to 2022-23), or in
sheets `Data_Billing` and `Data_Precepting` (2023-24; its stray external-link
sheets are ignored). The sheets `Billing Authorities` and `Precepting
Authorities` are one-authority form views, not data. Until 2019-20 the
precepting block has no header of its own and lines up under the billing header.

Most measures are printed for the previous and the current year; only the
current year is read (the previous year's figure is the previous release's).
Measures are found by their label, without the form's line number (it moves:
Band D is line 11 in 2015-16 and line 9 later) and without "(current year)".
Where a council was created recently, its Band D and adult social care precept
may sit in the "re-organising authorities" block instead (0 or "-" in the main
columns; the 2023-24 notes say so for the precept): a figure there wins.

Rows are councils by class (SC, SD, UA, MD, London boroughs); other bodies are
not read. Each row is matched to the authorities table by its E-code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskwatch.data.kit.authority_index import AuthorityIndex, load_authorities
from riskwatch.data.kit.cells import parse_cell
from riskwatch.data.kit.header import cell_text, label_key, locate_tables
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.panel_rows import panel_record, panel_rows, unmatched_record, unmatched_rows
from riskwatch.data.kit.publication import YearRule
from riskwatch.data.kit.source import Source
from riskwatch.data.years import WRITTEN, financial_years_in, is_financial_year, year_end
from riskwatch.errors import RiskwatchError

SOURCE = "CTR"
FOLDER = Path("council-tax")
DATA_SHEETS = ("Data", "Data_Billing", "Data_Precepting")
COUNCIL_CLASSES = {"SC", "SD", "UA", "MD", "L", "LB", "ILB", "OLB"}
# police, fire, GLA (and its parts), combined authorities; "[z]" = not applicable
OTHER_CLASSES = {"PCC", "CFA", "MF", "GLA", "CA", "", "[Z]"}


@dataclass(frozen=True)
class Measure:
    """A council tax measure: its unit, definition and label variants on each form."""

    indicator: str
    unit: str
    definition: str
    billing: tuple[str, ...]  # labels on the billing-authority table (CTR1)
    precepting: tuple[str, ...] = ()  # labels on the precepting-authority table (CTR2)
    since: str = "2015-16"
    reorganising: tuple[str, ...] = ()  # labels in the block for councils created in the year


MEASURES: tuple[Measure, ...] = (
    Measure(
        "ct_requirement_ctr",
        "GBP",
        "The council's own council tax requirement (special expenses and adult social care "
        "precept included, parish precepts excluded); a county's precept.",
        (
            "Council Tax Requirement (including special expenses but excluding local precepts)",
            "Council Tax Requirement for billing authority (including special expenses and "
            "Adult Social Care precept, but excluding local precepts)",
        ),
        ("Council Tax Requirement including special expenses.",),
    ),
    Measure(
        "ct_requirement_with_parish",
        "GBP",
        "Council tax requirement of a billing authority including parish (local) precepts.",
        (
            "Council Tax Requirement including special expenses and local precepts.",
            "Council Tax Requirement for billing authority including special expenses, "
            "local precepts and Adult Social Care Precept",
        ),
    ),
    Measure(
        "parish_precepts",
        "GBP",
        "Parish precepts a billing authority collects for its parishes.",
        ("Parish precepts",),
    ),
    Measure(
        "council_tax_base",
        "count",
        "Tax base for setting council tax: Band D equivalent dwellings after council tax "
        "reduction, at the estimated collection rate.",
        ("Council tax base for council tax setting purposes",),
        (
            "Council tax base for the major precepting authority's area for precept purposes "
            "after council tax reduction scheme (to 1 decimal place)",
        ),
    ),
    Measure(
        "band_d",
        "GBP",
        "Average Band D council tax of the council itself (adult social care precept "
        "included, parish precepts excluded), £ per Band D dwelling per year.",
        (
            "Average (Band D 2 Adult equivalent) council tax (excluding local precepts)",
            "Average (Band D 2 Adult equivalent) council tax (including Adult Social Care "
            "precept and excluding local precepts)",
        ),
        ("Average (Band D 2 Adult equivalent) council tax of major precepting authority",),
        reorganising=(
            "Average (Band D 2 Adult equivalent ) council tax (including Adult Social Care "
            "precept but excluding local precepts) of billing authority",
            "Average (Band D) council tax (including Adult Social Care precept but excluding "
            "local precepts) of billing authority",
        ),
    ),
    Measure(
        "band_d_with_parish",
        "GBP",
        "Average Band D council tax of a billing authority including parish precepts.",
        (
            "Average (Band D 2 Adult equivalent) council tax (including local precepts)",
            "Average (Band D 2 Adult equivalent) council tax (including Adult Social Care "
            "precept and local precepts)",
        ),
        reorganising=(
            "Average (Band D 2 Adult equivalent ) council tax (including Adult Social Care "
            "precept and local precepts) of billing authority",
        ),
    ),
    Measure(
        "asc_precept_increase",
        "GBP",
        "Adult social care precept added in the year: the year's ASC increase in Band D "
        "times the tax base (not the cumulative precept since 2016-17).",
        ("Total Adult Social Care precept",),
        ("Total Adult Social Care precept",),
        since="2016-17",
        reorganising=("Total Adult Social Care precept",),
    ),
)

_LINE_NUMBER = re.compile(r"^'?\d+[a-z]?\.\s*")
_YEAR_SUFFIX = re.compile(r"\((previous|current) year\)\s*$", re.I)
_REORGANISING = re.compile(r"^re-organising authorities\s*|\(row \d+\)\s*$", re.I)
_CAPTION = re.compile(
    r"^((billing|precepting) authorities|table \d+:.* for (billing|precepting) authorities\b)", re.I
)
# The key columns every data table's header carries; a row with "Ecode" is a header.
ID_COLUMNS = {"ecode": ("Ecode",), "name": ("Authority",), "class": ("Class",)}
_PUBLISHED = re.compile(r"published\b.*\bon (\d{1,2} [A-Za-z]+ \d{4})", re.I)


# Council tax levels for a year are published in the March before it starts, where a
# workbook states no date.
PUBLICATION = YearRule(0, "03-31")


@dataclass(frozen=True)
class Section:
    """Authority rows of one kind under the header that describes their columns."""

    kind: str  # "billing" or "precepting"
    sheet: str
    grid: pd.DataFrame
    header: int  # row index of the header the rows sit under
    own_header: bool  # False: precepting rows under the billing header (to 2019-20)
    rows: list[int]
    ids: dict[str, int]  # column of each key: ecode, name, class


def read_council_tax(
    root: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every council tax workbook in `root`/council-tax, 2015-16 on."""
    index = load_authorities(authorities)
    files = sorted(p for p in (Path(root) / FOLDER).iterdir() if p.suffix in (".xlsx", ".ods"))
    if not files:
        raise RiskwatchError("no council tax workbooks (.xlsx, .ods)", file=Path(root) / FOLDER)
    values, unmatched = zip(*(read_council_tax_file(path, index) for path in files), strict=True)
    return pd.concat(values, ignore_index=True), pd.concat(unmatched, ignore_index=True)


def read_council_tax_file(path: Path, index: AuthorityIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One council tax workbook: (values, unmatched)."""
    path = Path(path)
    grids = read_grids(path)
    sections = [
        s for name in DATA_SHEETS if name in grids for s in _sections(path, name, grids[name])
    ]
    if not sections:
        raise RiskwatchError(
            f"no data sheet ({', '.join(DATA_SHEETS)}) with authority rows "
            f"(sheets: {', '.join(list(grids)[:12])})",
            file=path.name,
        )
    year = _file_year(path, sections[0])
    published = _stated_publication(grids)
    published = (published, "file") if published else (PUBLICATION.date(year), "rule")
    values, unmatched = [], []
    for section in sections:
        section_values, section_unmatched = _read_section(path, section, year, published, index)
        values.extend(section_values)
        unmatched.extend(section_unmatched)
    return panel_rows(values), unmatched_rows(unmatched)


def _sections(path: Path, sheet: str, grid: pd.DataFrame) -> list[Section]:
    """The billing and precepting blocks of a data sheet."""
    headers = dict(locate_tables(grid, ID_COLUMNS, file=path.name, sheet=sheet))
    kind = header = header_kind = None
    blocks: dict[tuple[str, int, bool], list[int]] = {}
    for row in range(len(grid)):
        caption = _CAPTION.match(cell_text(grid.iat[row, 0]))
        if caption:
            kind = "billing" if "billing" in caption.group(0).lower() else "precepting"
        elif row in headers:
            header, header_kind = row, kind
        elif header is not None and re.fullmatch(
            r"E\d{4}", cell_text(grid.iat[row, headers[header]["ecode"]])
        ):
            if kind is None:
                raise RiskwatchError(
                    "authority rows under no 'Billing authorities' or 'Precepting "
                    "authorities' caption",
                    file=path.name,
                    row=row + 1,
                    field=sheet,
                )
            blocks.setdefault((kind, header, header_kind == kind), []).append(row)
    return [
        Section(kind, sheet, grid, header, own, rows, headers[header])
        for (kind, header, own), rows in blocks.items()
    ]


def _file_year(path: Path, section: Section) -> str:
    """The release's year: the latest year printed above its first authority row."""
    above = section.grid.iloc[: section.rows[0]].to_numpy().ravel()
    years = [year for v in above for year in financial_years_in(cell_text(v), WRITTEN)]
    if not years:
        raise RiskwatchError("no financial year printed above the data", file=path.name)
    return max(years)


def _stated_publication(grids: dict[str, pd.DataFrame]) -> str | None:
    """'Published ... on 23 March 2023' from the top of any sheet, ISO, or None."""
    for grid in grids.values():
        for value in grid.iloc[:5, :2].to_numpy().ravel():
            match = _PUBLISHED.search(cell_text(value))
            if match:
                return pd.Timestamp(match.group(1)).date().isoformat()
    return None


def _label(text: str) -> str:
    """A header label without its line number and '(current year)' mark, as a key."""
    return label_key(_YEAR_SUFFIX.sub("", _LINE_NUMBER.sub("", text)))


def _measure_columns(path: Path, section: Section, year: str) -> dict[str, int]:
    """Indicator -> column of the current-year figure, for the measures this section carries."""
    header = [cell_text(v) for v in section.grid.iloc[section.header].tolist()]
    year_row = _year_row(section)
    columns = {}
    for measure in MEASURES:
        variants = measure.precepting if section.kind == "precepting" else measure.billing
        if section.kind == "precepting" and not section.own_header:
            variants = measure.billing if measure.precepting else ()
        if not variants or year < measure.since:
            continue
        keys = {_label(v) for v in variants}
        found = [
            _current_column(path, section, header, year_row, i, year)
            for i, text in enumerate(header)
            if _LINE_NUMBER.match(text) and _label(text) in keys
        ]
        found = [i for i in found if i is not None]
        if len(found) != 1:
            problem = "not found" if not found else f"found in several columns {found}"
            raise RiskwatchError(
                f"known measure '{measure.indicator}' {problem} in the {section.kind} "
                f"table; labels met so far: {'; '.join(variants)}",
                file=path.name,
                row=section.header + 1,
                field=section.sheet,
            )
        columns[measure.indicator] = found[0]
    return columns


def _year_row(section: Section) -> list[str] | None:
    """The row of years under the header ('2014-15', '2015-16'), if the section has one."""
    for row in range(section.header + 1, section.rows[0]):
        cells = [cell_text(v) for v in section.grid.iloc[row].tolist()]
        if sum(is_financial_year(c) for c in cells) >= 2:
            return cells
    return None


def _current_column(
    path: Path, section: Section, header: list[str], year_row: list[str] | None, i: int, year: str
) -> int | None:
    """The current-year column of the measure labelled in column i (None: a previous-year one).

    A label spans its column and an unlabelled one to its right: previous year,
    then current year, as the row of years under the header says where printed.
    """
    mark = _YEAR_SUFFIX.search(header[i])
    if mark:
        return i if mark.group(1).lower() == "current" else None
    pair = [i, i + 1] if i + 1 < len(header) and not header[i + 1] else [i]
    if year_row is not None:
        dated = [c for c in pair if year_row[c] == year]
        if len(dated) == 1:
            return dated[0]
        if any(year_row[c] for c in pair):
            raise RiskwatchError(
                f"column '{header[i][:60]}' has no {year} figure (years under it: "
                f"{', '.join(year_row[c] or '-' for c in pair)})",
                file=path.name,
                row=section.header + 2,
                field=section.sheet,
            )
    return pair[-1]


def _reorganising_columns(section: Section) -> dict[str, int]:
    """Indicator -> column of the new council's figure in the re-organising block.

    The block has one row of columns per predecessor and the new council last
    (the 2023-24 release labels it "New authority (row 8)"): the right-most match.
    """
    header = [cell_text(v) for v in section.grid.iloc[section.header].tolist()]
    columns = {}
    for measure in MEASURES:
        keys = {label_key(v) for v in measure.reorganising}
        for i, text in enumerate(header):
            if not _LINE_NUMBER.match(text) and label_key(_REORGANISING.sub("", text)) in keys:
                columns[measure.indicator] = i
    return columns


def _read_section(
    path: Path, section: Section, year: str, published: tuple[str, str], index: AuthorityIndex
) -> tuple[list[dict], list[dict]]:
    columns = _measure_columns(path, section, year)
    reorganising = _reorganising_columns(section) if section.kind == "billing" else {}
    ids = section.ids
    values, unmatched = [], []
    for row in section.rows:
        cells = section.grid.iloc[row]
        ecode, name, klass = (cell_text(cells.iloc[ids[r]]) for r in ("ecode", "name", "class"))
        if not _is_council(path, row, klass):
            continue
        match = index.by_code(ecode)
        if match.problem:
            unmatched.append(
                unmatched_record(SOURCE, path.name, row + 1, ecode, name, match.problem)
            )
            continue
        for indicator, column in columns.items():
            parsed = _parse(path, section, row, column, indicator)
            if indicator in reorganising:
                reorganised = _parse(path, section, row, reorganising[indicator], indicator)
                parsed = _reorganised(reorganised) or parsed
            if parsed is None:
                continue
            values.append(
                panel_record(
                    match,
                    year,
                    indicator,
                    parsed,
                    unit=_unit(indicator),
                    source=SOURCE,
                    source_file=path.name,
                    published=published,
                    period_end=year_end(year),
                    vintage=f"{SOURCE} {year} ({path.name}, published {published[0]})",
                )
            )
    return values, unmatched


def _reorganised(parsed: tuple[float, str] | None) -> tuple[float, str] | None:
    """A figure in the re-organising block: only a new council's row has a non-zero one."""
    return parsed if parsed and parsed[1] == "reported" and parsed[0] != 0 else None


def _parse(
    path: Path, section: Section, row: int, column: int, indicator: str
) -> tuple[float, str] | None:
    field = cell_text(section.grid.iat[section.header, column])[:60] or f"column {column + 1}"
    return parse_cell(
        section.grid.iat[row, column],
        file=path.name,
        row=row + 1,
        field=field,
        indicator=indicator,
    )


def _is_council(path: Path, row: int, klass: str) -> bool:
    klass = klass.upper()
    if klass in COUNCIL_CLASSES:
        return True
    if klass in OTHER_CLASSES:
        return False
    raise RiskwatchError(f"unknown class '{klass}'", file=path.name, row=row + 1, field="Class")


def _unit(indicator: str) -> str:
    return next(m.unit for m in MEASURES if m.indicator == indicator)


REGISTERED = (
    Source(
        name="CTR",
        title="Council Tax levels set by local authorities in England",
        publisher="Ministry of Housing, Communities and Local Government",
        kinds={SOURCE: "budget"},
        files=(f"{FOLDER}/*.xlsx", f"{FOLDER}/*.ods"),
        read=read_council_tax,
        published="the date a workbook states, else March before the year",
        rules={SOURCE: PUBLICATION},
    ),
)
