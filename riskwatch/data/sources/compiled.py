"""Reader for `debt-and-outturn-compiled/`: MHCLG figures transcribed from a compilation.

Three CSV layouts, each known by its header row (columns found by name, never by
position; an unknown layout or a missing column fails naming the file):

- outturn and capital for one year (2024-25): net revenue expenditure and external
  interest that are RA 2024-25 *budget* figures, not RS outturn (PROVENANCE.md's
  correction of 2026-12-06: `interest` equals RA 2024-25 budget interest exactly where
  checked, `nre` differs from RS line 805 for every council checked), then COR C's
  capital financing requirement, MRP, debt and prudential limits (2024-25 outturn), and
  the outstanding borrowing of the quarterly returns;
- capital for 2019-20 to 2023-24 (the same COR C and borrowing columns);
- borrowing by lender at 31 December 2025, in £ million.

Values are kept under the source family they were first published in (RA, COR, BI),
with the compiled file as their vintage, so every feature reads them as it reads
MHCLG's own workbooks; where MHCLG's files already hold the same figure, both are
kept and `data check` reports how often they agree. The compilation's error tokens
(`[x]`, `#VALUE!`, `#N/A`) stay missing with a status, never zero. Two columns
PROVENANCE.md names as unusable are not read at all: `grants`, which matches no RS line,
and `reserves`, which matches no sum of RS reserve lines (Rushmoor 778 against 24,159 of
usable reserves; nationally -16% in the year MHCLG reports -1.6%).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskwatch.data.kit.cells import parse_cell
from riskwatch.data.kit.header import cell_text
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.panel_rows import panel_rows
from riskwatch.data.kit.publication import ConfiguredRule, LagRule
from riskwatch.data.kit.source import Source, files_under, ignoring_unmatched
from riskwatch.data.schema import PANEL_COLUMNS
from riskwatch.data.store.vintages import load_release_config
from riskwatch.data.years import financial_year_ending, financial_year_of
from riskwatch.errors import RiskwatchError

FOLDER = "debt-and-outturn-compiled"
FILES = (f"{FOLDER}/*.csv",)
# Each form's figures are dated by the rule of the return they were first published in.
PUBLICATION = {
    "RS": ConfiguredRule("RS"),
    "RA": ConfiguredRule("RA"),
    "COR": ConfiguredRule("COR"),
    "BI": LagRule("BI"),
}
PERIOD = re.compile(r"^(\d{4})03$")  # 202503 = the year to 31 March 2025


@dataclass(frozen=True)
class Measure:
    """A compiled column and the panel measure it is."""

    column: str
    source: str  # RS, COR or BI: the MHCLG return the figure was first published in
    indicator: str


# RA 2024-25 budget lines (RA line 905 and 881), read as the budget figures they are.
BUDGET = (
    Measure("nre", "RA", "net_revenue_expenditure"),
    Measure("interest", "RA", "interest_payable"),
)
CAPITAL = (
    Measure("mrp", "COR", "mrp"),
    Measure("cfr", "COR", "cfr_close"),
    Measure("gross_borrowing", "COR", "gross_borrowing_close"),
    Measure("oltl", "COR", "other_long_term_liabilities_close"),
    Measure("external_debt", "COR", "gross_external_debt_close"),
    Measure("investments", "COR", "investments_close"),
    Measure("short_term_loans", "BI", "borrowing_short_term"),
    Measure("loans", "BI", "borrowing_total"),
)
CAPITAL_2024_25 = (
    Measure("net_external_debt", "COR", "net_external_debt_close"),
    Measure("operational_boundary", "COR", "operational_boundary_close"),
    Measure("authorised_limit", "COR", "authorised_limit_close"),
)
BY_LENDER = (
    Measure("bor_pwlb", "BI", "borrowing_pwlb"),
    Measure("bor_la", "BI", "borrowing_other_local_authorities"),
    Measure("bor_market", "BI", "borrowing_market"),
    Measure("bor_short", "BI", "borrowing_short_term"),
    Measure("bor_gov", "BI", "borrowing_central_government"),
    Measure("bor_total", "BI", "borrowing_total"),
    Measure("inv_total", "BI", "investments_total"),
)
NOT_READ = {
    "grants": "matches no RS line (PROVENANCE.md): not used",
    "reserves": "matches no sum of RS reserve lines (PROVENANCE.md's correction): not used",
}


@dataclass(frozen=True)
class Layout:
    """One known file layout: the identifying columns and the measures it carries."""

    name: str
    id_columns: tuple[str, ...]
    measures: tuple[Measure, ...]
    unit: str


LAYOUTS = (
    Layout(
        "outturn and capital",
        ("year", "ons", "la_code", "name", "class"),
        BUDGET + CAPITAL + CAPITAL_2024_25,
        "GBP_thousand",
    ),
    Layout("capital", ("year", "ons"), CAPITAL, "GBP_thousand"),
    Layout("borrowing by lender", ("ons", "mhclg_code", "name"), BY_LENDER, "GBP_million"),
)


def layout_of(path: Path, header: list[str]) -> Layout:
    """The layout whose columns the header holds exactly (one-line error otherwise, naming
    the columns that differ from the closest known layout)."""
    found = set(header)
    for layout in LAYOUTS:
        if found - _ignored(layout) == _columns(layout):
            return layout
    closest = min(LAYOUTS, key=lambda layout: len((found - _ignored(layout)) ^ _columns(layout)))
    missing = sorted(_columns(closest) - found)
    unexpected = sorted(found - _columns(closest) - _ignored(closest))
    known = "; ".join(layout.name for layout in LAYOUTS)
    raise RiskwatchError(
        f"unknown compiled layout: closest is '{closest.name}', "
        f"missing {', '.join(missing) or 'nothing'}, unexpected {', '.join(unexpected) or 'nothing'}"
        f"; known layouts: {known}",
        file=path,
        row=1,
        field=(missing or unexpected)[0],
    )


def _columns(layout: Layout) -> set[str]:
    return {*layout.id_columns, *(m.column for m in layout.measures)}


def _ignored(layout: Layout) -> set[str]:
    return set(NOT_READ) if layout.name == "outturn and capital" else set()


def is_compiled(path: Path) -> bool:
    """Whether a file is a compiled CSV: its first row names an `ons` column, as every
    compiled layout's does (an MHCLG release opens with its title instead)."""
    if Path(path).suffix.lower() != ".csv":
        return False
    grid = read_grids(path)["csv"]
    return "ons" in {cell_text(v) for v in grid.iloc[0].tolist()}


def financial_year_of_period(code: str, *, file: str, row: int) -> str:
    """'202503' -> '2024-25' (the year ending that March)."""
    match = PERIOD.match(code)
    if not match:
        raise RiskwatchError(
            f"period '{code}' should look like 202503", file=file, row=row, field="year"
        )
    return financial_year_ending(int(match[1]))


def position_date(path: Path) -> str:
    """The date a by-lender file states in its name ('..._2025-12-31_...')."""
    found = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    if not found:
        raise RiskwatchError("borrowing-by-lender file name states no date", file=path)
    return found[1]


def published_date(source: str, year: str, period_end: str) -> str:
    """When a compiled figure was public: its return's rule (`PUBLICATION`), or, for the
    by-lender positions, the date configs/releases.toml states."""
    positions = load_release_config()["compiled"]["positions_published"]
    if period_end in positions:
        return positions[period_end]
    return PUBLICATION[source].date(year, period_end)


@dataclass(frozen=True)
class CompiledFile:
    """What one compiled CSV holds: its layout, panel rows (with the CSV row each came
    from, in `row`) and each row's identity as printed (ons, E-code where given, name)."""

    layout: Layout
    values: pd.DataFrame
    identities: pd.DataFrame  # row, gss_code, ecode (None where not printed), name, year


def read_compiled_file(path: Path) -> pd.DataFrame:
    """Panel rows of one compiled CSV (every council row; codes matched by the build)."""
    return read_compiled_rows(path).values[PANEL_COLUMNS]


def read_compiled_rows(path: Path) -> CompiledFile:
    """One compiled CSV read whole: its layout, values and printed identities."""
    path = Path(path)
    grid = read_grids(path)["csv"]
    header = [cell_text(v) for v in grid.iloc[0].tolist()]
    layout = layout_of(path, header)
    column = {name: index for index, name in enumerate(header)}
    ecode_column = next((c for c in ("la_code", "mhclg_code") if c in column), None)
    records = []
    identities = []
    for index in range(1, len(grid)):
        cells = grid.iloc[index].tolist()
        row = index + 1
        gss = cell_text(cells[column["ons"]])
        if not re.fullmatch(r"E\d{8}", gss):
            raise RiskwatchError(
                f"'{gss}' is not an ONS code", file=path.name, row=row, field="ons"
            )
        if "year" in column:
            year = financial_year_of_period(
                cell_text(cells[column["year"]]), file=path.name, row=row
            )
            period_end = f"{int(year[:4]) + 1}-03-31"
        else:
            period_end = position_date(path)
            year = financial_year_of(period_end)
        identities.append(
            (
                row,
                gss,
                cell_text(cells[column[ecode_column]]) if ecode_column else None,
                cell_text(cells[column["name"]]) if "name" in column else None,
                year,
            )
        )
        for measure in layout.measures:
            parsed = parse_cell(
                cells[column[measure.column]],
                file=path.name,
                row=row,
                field=measure.column,
                indicator=measure.indicator,
            )
            if parsed is None:
                parsed = (float("nan"), "not_available")
            value, status = parsed
            records.append((gss, year, measure, value, status, period_end, row))
    return CompiledFile(
        layout,
        _panel_rows(path, records, layout.unit),
        pd.DataFrame(identities, columns=["row", "gss_code", "ecode", "name", "financial_year"]),
    )


def _panel_rows(path: Path, records: list[tuple], unit: str) -> pd.DataFrame:
    """Panel rows, with the CSV row each value came from (`row`, beyond PANEL_COLUMNS)."""
    dates = {
        key: published_date(*key)
        for key in {(m.source, y, end) for _, y, m, _, _, end, _ in records}
    }
    rows = [
        {
            "gss_code": gss,
            "financial_year": year,
            "indicator": measure.indicator,
            "value": value,
            "status": status,
            "source": measure.source,
            "vintage": f"{measure.source} {year} compiled ({path.name})",
            "period_end": period_end,
            "published": dates[(measure.source, year, period_end)],
            "row": row,
        }
        for gss, year, measure, value, status, period_end, row in records
    ]
    return panel_rows(rows, unit=unit, source_file=path.name, published_basis="rule").reindex(
        columns=[*PANEL_COLUMNS, "row"]
    )


def read_compiled(root: Path) -> pd.DataFrame:
    """Every compiled file under `root/debt-and-outturn-compiled`."""
    files = files_under(root, FILES)
    if not files:
        raise RiskwatchError("no compiled CSV files found", file=Path(root) / FOLDER)
    return pd.concat([read_compiled_file(p) for p in files], ignore_index=True)


REGISTERED = (
    Source(
        name="compiled",
        title="A third party's compilation of MHCLG RS, RA and COR figures per council",
        publisher="Ministry of Housing, Communities and Local Government, compiled by a third party",
        kinds={"RS": "outturn", "RA": "budget", "COR": "outturn", "BI": "position"},
        files=FILES,
        read=ignoring_unmatched(read_compiled),
        published="configs/releases.toml: the form's stated date or rule; dated positions by "
        "compiled.positions_published",
        rules=PUBLICATION,
    ),
)
