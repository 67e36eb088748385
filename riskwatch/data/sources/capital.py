"""Reader for MHCLG capital outturn (COR): capital financing requirement, debt and its limits.

Every COR workbook, 2008-09 to 2018-19, keeps one row per authority (E-code) and
one column per form line. The form renumbers its lines between years (the CFR at
1 April is line 30 in 2008-09, 31 in 2012-13, 28 in 2014-15) and the labels' own
"(line 30 plus line 36)" remarks go stale, so a measure is found by its label
(dates' years set aside) through `CAPITAL_MEASURES`; where a sheet prints the
form's variable codes (`prucfrend-amt`, 2017-18 on) the code must agree with the
label. The year is the one the workbook states in its titles, never its file name.

From 2017-18 the return is published in parts: COR B (financing) and COR C
(prudential information); until 2016-17 one COR4 workbook holds both. Each part
must carry the measures listed for it, or the reader fails naming the measure.

The helpers for authority tables (`authority_tables`, `measure_key`, ...) are
shared with `riskwatch.data.sources.borrowing`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.data.kit.cells import COR_MARKS, parse_cell
from riskwatch.data.kit.header import cell_text, check_header_not_repeated, label_key
from riskwatch.data.kit.opening import SUPPORTED_SUFFIXES, read_grids
from riskwatch.data.kit.panel_rows import panel_rows
from riskwatch.data.kit.publication import ConfiguredRule
from riskwatch.data.kit.source import Source, ignoring_unmatched
from riskwatch.data.years import financial_years_in
from riskwatch.errors import RiskwatchError

SOURCE = "COR"
FOLDER = "capital-outturn"
UNIT = "GBP_thousand"
# Where a workbook states no first-publication date (configs/releases.toml).
PUBLICATION = ConfiguredRule(SOURCE)

AUTHORITY_CODE = re.compile(r"[EWSN]\d{4}")  # MHCLG-style codes of UK authorities
ECODE = re.compile(r"E\d{4}")  # English authorities: the rows the panel keeps
GSS_CODE = re.compile(r"[EWSN]\d{8}")
VARIABLE_CODE = re.compile(r"^(?:[A-Z0-9]+-)?([a-z]+-(?:amt|strt|end|chng))$")
FULL_DATE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(January|February|March|April|May|June|July|August"
    r"|September|October|November|December)\s+(\d{4})\b",
    re.IGNORECASE,
)
MIN_AUTHORITY_ROWS = 3  # fewer coded rows than this is a list or a drop-down, not a table
TITLE_ROWS = 12  # rows of each sheet searched for the stated year


@dataclass(frozen=True)
class Measure:
    """One COR measure: the labels it is printed under and where it is expected."""

    indicator: str
    description: str
    labels: tuple[str, ...]
    codes: tuple[str, ...]  # form variable codes printed above the column (2017-18 on)
    date: str | None  # "open" (stock at 1 April), "close" (31 March), None (flow in the year)
    parts: frozenset[str]  # workbooks that carry it: "COR4" (to 2016-17), "B", "C"
    since: str = "2008-09"

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(measure_key(label) for label in self.labels)


PRUDENTIAL = frozenset({"COR4", "C"})
FINANCING = frozenset({"COR4", "B"})


def _stock(
    indicator: str, description: str, stems: tuple[str, ...], codes: tuple[str, str], **kw
) -> tuple[Measure, Measure]:
    """The same stock at 1 April (`_open`) and at 31 March (`_close`)."""
    out = []
    for (date, day), code in zip((("open", "1 April"), ("close", "31 March")), codes, strict=True):
        labels = tuple(f"{stem} {prep} {day}" for stem in stems for prep in ("as at", "at"))
        out.append(
            Measure(f"{indicator}_{date}", f"{description}, at {day}", labels, (code,), date, **kw)
        )
    return out[0], out[1]


CAPITAL_MEASURES: tuple[Measure, ...] = (
    *_stock(
        "cfr",
        "Capital financing requirement, the underlying need to borrow: capital spending "
        "not yet financed from grants, receipts or revenue",
        ("Capital Financing Requirement",),
        ("prucfrstrt-amt", "prucfrend-amt"),
        parts=PRUDENTIAL,
    ),
    *_stock(
        "gross_borrowing",
        "Gross external borrowing",
        ("Gross borrowing",),
        ("prubrwgrs-strt", "prubrwgrs-end"),
        parts=PRUDENTIAL,
    ),
    *_stock(
        "other_long_term_liabilities",
        "Other long-term liabilities (PFI and finance leases)",
        ("Other long-term liabilities",),
        ("prucrdt-strt", "prucrdt-end"),
        parts=PRUDENTIAL,
    ),
    *_stock(
        "investments",
        "Investments",
        ("Investments",),
        ("pruinv-strt", "pruinv-end"),
        parts=PRUDENTIAL,
    ),
    *_stock(
        "gross_external_debt",
        "Gross external debt: gross borrowing plus other long-term liabilities (from 2017-18)",
        ("Gross external debt",),
        ("prubrwgrscrdt-strt", "prubrwgrscrdt-end"),
        parts=PRUDENTIAL,
        since="2017-18",
    ),
    *_stock(
        "net_external_debt",
        "Net external debt: gross external debt less investments (from 2017-18)",
        ("Net external debt",),
        ("prubrwnet-strt", "prubrwnet-end"),
        parts=PRUDENTIAL,
        since="2017-18",
    ),
    *_stock(
        "operational_boundary",
        "Operational boundary for external debt: the debt the council expects at most",
        ("Operational boundary for external debt", "Operational boundary for gross external debt"),
        ("prubdy-strt", "prubdy-end"),
        parts=PRUDENTIAL,
    ),
    *_stock(
        "authorised_limit",
        "Authorised limit for external debt: the legal ceiling the council set itself",
        ("Authorised limit for external debt", "Authorised limit for gross external debt"),
        ("prulmt-strt", "prulmt-end"),
        parts=PRUDENTIAL,
    ),
    Measure(
        "capex_prudential_borrowing",
        "Capital expenditure in the year financed by borrowing and credit not supported by "
        "central government (prudential borrowing)",
        (
            "Other borrowing and credit arrangements not supported by central government",
            "Other borrowing & credit arrangements not supported by central government",
        ),
        ("finothoth-amt",),
        None,
        FINANCING,
    ),
)


@dataclass(frozen=True)
class AuthorityTable:
    """A sheet with one row per authority: its code columns and what is printed above."""

    sheet: str
    grid: pd.DataFrame
    text: pd.DataFrame  # the grid as `cell_text`
    first_row: int  # first row holding an authority code
    code_col: int
    gss_col: int | None
    headers: dict[int, tuple[str, ...]]  # column -> non-empty texts above the first row

    @property
    def title(self) -> str:
        """Every text printed above the table, in reading order."""
        block = self.text.iloc[: self.first_row]
        return " | ".join(t for t in block.to_numpy().ravel() if t)

    def english_rows(self) -> pd.DataFrame:
        """Rows below the header whose code cell holds an MHCLG E-code."""
        codes = self.text.iloc[self.first_row :, self.code_col]
        return self.grid.loc[codes[codes.str.fullmatch(ECODE.pattern)].index]

    def gss_of(self, rows: pd.DataFrame) -> pd.Series:
        """The ONS code each row carries, None where the sheet has no ONS column."""
        if self.gss_col is None:
            return pd.Series(None, index=rows.index, dtype=object)
        codes = self.text.loc[rows.index, self.gss_col]
        return codes.where(codes.str.fullmatch(GSS_CODE.pattern), None)


def authority_table(sheet: str, grid: pd.DataFrame) -> AuthorityTable | None:
    """Describe a sheet whose rows are authorities; None when no column holds their codes."""
    if grid.empty:
        return None
    text = grid.map(cell_text)
    counts = text.apply(lambda column: column.str.fullmatch(AUTHORITY_CODE.pattern).sum())
    code_col = int(counts.to_numpy().argmax())
    if counts.iloc[code_col] < MIN_AUTHORITY_ROWS:
        return None
    coded = text.iloc[:, code_col].str.fullmatch(AUTHORITY_CODE.pattern)
    first_row = int(coded.to_numpy().argmax())
    body = text[coded]
    gss_share = body.apply(lambda column: column.str.fullmatch(GSS_CODE.pattern).mean())
    gss_col = int(gss_share.to_numpy().argmax()) if gss_share.max() > 0.5 else None
    headers = {
        col: tuple(t for t in text.iloc[:first_row, col] if t) for col in range(grid.shape[1])
    }
    return AuthorityTable(sheet, grid, text, first_row, code_col, gss_col, headers)


def authority_tables(grids: dict[str, pd.DataFrame], *, file: str) -> list[AuthorityTable]:
    """Every sheet of a workbook that lists authorities by code; a sheet whose header row
    (the last text above the first code in the code column) is repeated inside the table
    is refused, naming `file`."""
    tables = [t for t in (authority_table(n, g) for n, g in grids.items()) if t is not None]
    for table in tables:
        labelled = np.flatnonzero(table.text.iloc[: table.first_row, table.code_col].ne(""))
        if len(labelled):
            header = int(labelled[-1])
            columns = {"code": table.code_col}
            check_header_not_repeated(table.grid, header, columns, file=file, sheet=table.sheet)
    return tables


def measure_key(label: str) -> str:
    """`label_key` with four-digit years removed: 'as at 1 April 2018' == 'as at 1 April'."""
    return label_key(re.sub(r"(?<!\d)(19|20)\d\d(?!\d)", " ", label))


def variable_codes(texts: Iterable[str]) -> set[str]:
    """Form variable codes ('prucfrend-amt') among a column's header texts."""
    return {m.group(1) for t in texts if (m := VARIABLE_CODE.match(t))}


def stated_year(path: Path, grids: dict[str, pd.DataFrame]) -> str:
    """The financial year the workbook's titles state most often ('2018-19')."""
    sheets_per_year: Counter[str] = Counter()
    for grid in grids.values():
        titles = grid.iloc[:TITLE_ROWS].to_numpy().ravel()
        sheets_per_year.update({y for v in titles for y in financial_years_in(cell_text(v))})
    ranked = sheets_per_year.most_common()
    if not ranked:
        raise RiskwatchError(
            "no financial year (e.g. 2018-19) stated in any sheet title", file=path
        )
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        raise RiskwatchError(
            f"sheet titles state several financial years ({', '.join(y for y, _ in ranked)})",
            file=path,
        )
    return ranked[0][0]


def release_part(path: Path, grids: dict[str, pd.DataFrame]) -> str:
    """Which COR workbook this is: 'COR4' (whole return, to 2016-17), 'B' or 'C'."""
    titles = " ".join(
        cell_text(v) for g in grids.values() for v in g.iloc[:TITLE_ROWS].to_numpy().ravel()
    )
    parts = {p for p in ("B", "C") if re.search(rf"\bCOR {p}\b", titles)}
    if len(parts) > 1:
        raise RiskwatchError("titles name both COR B and COR C: unknown layout", file=path)
    if parts:
        return parts.pop()
    if re.search(r"\(COR4?\)|\bCOR4\b", titles):
        return "COR4"
    raise RiskwatchError("not a capital outturn (COR) release: no COR title found", file=path)


def stated_publication(grids: dict[str, pd.DataFrame], year: str) -> str | None:
    """The latest publication or revision date the workbook states for its figures.

    The figures are those of the latest revision the front page names. A stated date
    before the financial year ended is a misprint (2011-12 and 2012-13 print one):
    None, so the rule applies.
    """
    dates = []
    for grid in grids.values():
        for value in grid.iloc[:30].to_numpy().ravel():
            text = cell_text(value)
            if re.search(r"publish|revis", text, re.IGNORECASE):
                dates += [pd.Timestamp(f"{d} {m} {y}") for d, m, y in FULL_DATE.findall(text)]
    year_end = pd.Timestamp(f"{int(year[:4]) + 1}-03-31")
    if not dates or max(dates) <= year_end:
        return None
    return max(dates).date().isoformat()


def read_capital_file(path: Path) -> pd.DataFrame:
    """Read one COR workbook into panel rows (every authority with an E-code, class O too)."""
    path = Path(path)
    grids = read_grids(path)
    tables = authority_tables(grids, file=path.name)
    if not tables:
        raise RiskwatchError(
            f"no sheet with a column of MHCLG E-codes (sheets: {', '.join(grids)})", file=path
        )
    year = stated_year(path, grids)
    part = release_part(path, grids)
    records = []
    for measure in CAPITAL_MEASURES:
        expected = part in measure.parts and year >= measure.since
        located = _locate(path, measure, tables, expected)
        if located is not None:
            records += _values(path, measure, year, *located)
    published = stated_publication(grids, year)
    return panel_rows(
        records,
        clashes="withhold",  # the publisher's known slips (module docstring of panel_rows)
        financial_year=year,
        unit=UNIT,
        source=SOURCE,
        source_file=path.name,
        vintage=path.name,
        published=published or PUBLICATION.date(year),
        published_basis="file" if published else "rule",
    )


def read_capital(root: Path) -> pd.DataFrame:
    """Every COR workbook under `root/capital-outturn`, as one panel table."""
    folder = Path(root) / FOLDER
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    if not files:
        raise RiskwatchError("no capital outturn workbooks found", file=folder)
    return pd.concat([read_capital_file(p) for p in files], ignore_index=True)


def _locate(
    path: Path, measure: Measure, tables: list[AuthorityTable], expected: bool
) -> tuple[AuthorityTable, int, str] | None:
    """The table, column and label of a measure; None where this workbook need not carry it."""
    found = []
    keys = measure.keys
    for table in tables:
        for col, texts in table.headers.items():
            labels = [t for t in texts if measure_key(t) in keys]
            codes = variable_codes(texts)
            if labels and codes and not codes & set(measure.codes):
                raise RiskwatchError(
                    f"'{labels[0]}' sits over variable code {sorted(codes)[0]}, not "
                    f"{measure.codes[0]} as '{measure.indicator}' should",
                    file=path,
                    field=table.sheet,
                )
            if not labels and codes & set(measure.codes):
                raise RiskwatchError(
                    f"variable code {measure.codes[0]} ('{measure.indicator}') is printed "
                    f"over '{' / '.join(texts)[:80]}', not a known label: add the variant to "
                    "CAPITAL_MEASURES in riskwatch/data/sources/capital.py if it is the same measure",
                    file=path,
                    field=table.sheet,
                )
            if labels:
                found.append((table, col, labels[0]))
    if len(found) > 1:
        places = ", ".join(f"{t.sheet} column {c + 1}" for t, c, _ in found)
        raise RiskwatchError(
            f"measure '{measure.indicator}' matches several columns ({places})", file=path
        )
    if not found and expected:
        raise RiskwatchError(
            f"known measure '{measure.indicator}' ({measure.description}) not found; "
            f"labels met so far: {'; '.join(measure.labels[:2])}",
            file=path,
        )
    return found[0] if found else None


def _values(
    path: Path, measure: Measure, year: str, table: AuthorityTable, col: int, label: str
) -> list[dict]:
    """Panel records of one measure's column, checking a dated label names the right year."""
    start, end = int(year[:4]), int(year[:4]) + 1
    period_end = f"{start}-04-01" if measure.date == "open" else f"{end}-03-31"
    label_years = {int(y) for y in re.findall(r"(?<!\d)20\d\d(?!\d)", label)}
    if label_years and label_years != {int(period_end[:4])}:
        raise RiskwatchError(
            f"'{label}' dates the stock outside {year}", file=path, field=table.sheet
        )
    rows = table.english_rows()
    ecodes = table.text.loc[rows.index, table.code_col]
    records = []
    for (index, raw), ecode, gss in zip(
        rows.iloc[:, col].items(), ecodes, table.gss_of(rows), strict=True
    ):
        parsed = parse_cell(
            raw,
            file=path.name,
            row=int(index) + 1,
            field=label,
            marks=COR_MARKS,
            indicator=measure.indicator,
        )
        if parsed is not None:
            value, status = parsed
            records.append(
                {
                    "ecode": ecode,
                    "gss_code": gss,
                    "indicator": measure.indicator,
                    "value": value,
                    "status": status,
                    "period_end": period_end,
                }
            )
    if not any(record["status"] == "reported" for record in records):
        raise RiskwatchError(
            f"no values under '{label}' (column {col + 1}): header out of line with the data?",
            file=path,
            field=table.sheet,
        )
    return records


REGISTERED = (
    Source(
        name="COR",
        title="Capital outturn (COR), individual local authority data",
        publisher="Ministry of Housing, Communities and Local Government",
        kinds={"COR": "outturn"},
        files=(f"{FOLDER}/*",),
        read=ignoring_unmatched(read_capital),
        published="the date a workbook states, else configs/releases.toml's rule for COR",
        rules={SOURCE: PUBLICATION},
    ),
)
