"""Readers for service-performance measures: children's and adult social care, recycling.

Each reader returns `(values, unmatched)`: panel rows (`PANEL_COLUMNS`) and the
rows that matched no authority (`UNMATCHED_COLUMNS`). Columns are located by
their header labels (the variants are listed in the tables below), never by
position; a missing key column or an unknown layout fails with one line naming
the file.

Sources, units and the time conventions (see also data/PROVENANCE.md):

- `ofsted_overall` (grade_1_4): overall effectiveness, SIF 2013-18 and ILACS
  2018-; `ofsted_inadequate` (flag 1/0): that judgement is Inadequate.
- `ofsted_safeguarding`, `ofsted_looked_after` (grade_1_4): the 2009-13 part-service
  frameworks (SLAC and its re-inspections, CPI, CPRI; TLAC).
  Ofsted: published = the publication date in the file.
- `cin_rereferral_rate` (DfE c1, referrals within 12 months of a previous one) and
  `cpp_repeat_rate` (d3, child protection plans that are a second or later plan):
  percent, year to 31 March; published by rule 30 November of that year.
- `sw_turnover_rate`, `sw_agency_rate`, `sw_vacancy_rate`: DfE children's social
  work workforce census, FTE, percent, year to (vacancy: at) 30 September,
  financial year containing that date; published by rule 28 February after.
- `cla_rate_per_10k`: children looked after at 31 March per 10,000 children;
  published by rule 31 December of that year.
- `asc1_...` to `asc7_...`: Oflog Data Explorer adult social care measures (units
  in `ASC_MEASURES`), financial year; published by rule 31 December after.
- `recycling_rate`: Defra ENV18 household waste reused, recycled or composted,
  percent, financial year; published by rule 31 March a year after its end.

Grades: 1 Outstanding, 2 Good, 3 Requires improvement (to be good; the 2009-13
frameworks' "Adequate", which Ofsted's own table already shows as Requires
improvement), 4 Inadequate. A judgement belongs to the financial year that
contains its publication date, the day it became known; where an authority has
two judgements of one kind published in the same financial year, the later one
(the judgement standing at the year's end) is kept. `period_end` is the
inspection date where the file gives it (ILACS history), else the publication
date (the 2009-2023 table gives publication dates only).

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

Rule dates are conservative (on or after the real release) so that a backtest
never sees a figure before it was public: DfE children in need statistics for
the year to 31 March appear in late October or November, children looked after
in November or December, the workforce census (year to 30 September) in late
February; ASCOF and Skills for Care measures by December after the year; Defra
waste statistics between December and March of the year after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.data.cells import EES_MARKS, parse_cell
from riskwatch.data.schema import PANEL_COLUMNS, UNMATCHED_COLUMNS
from riskwatch.data.workbook import cell_text, label_key, read_grids, read_ods_sheet
from riskwatch.data.years import financial_year_of, financial_year_starting, parse_financial_year
from riskwatch.errors import RiskwatchError

CSC_DIR = Path("services/childrens-social-care")
ASC_DIR = Path("services/adult-social-care")
WASTE_DIR = Path("services/waste")
OFSTED_HISTORY = CSC_DIR / "Childrens_social_care_in_England_2023_underlying_data.ods"
OFSTED_HISTORY_SHEET = "LA_inspections_2009-2023"
OFSTED_ILACS = CSC_DIR / "LA_Inspection_Outcomes_as_at_31_March_2025.ods"
OFSTED_ILACS_SHEET = "ILACS_inspection_history"
UPPER_TIER = ("SC", "UA", "MD", "L")
GSS_CODE = re.compile(r"^[ENSW]\d{8}$")
HEADER_SEARCH_ROWS = 20

# ------------------------------------------------------------------ Ofsted
GRADES = {
    "outstanding": 1,
    "good": 2,
    "requiresimprovementtobegood": 3,
    "requiresimprovement": 3,
    "adequate": 3,
    "inadequate": 4,
}
NOT_JUDGED = {"", "-"}

# 2009-2023 tables: (publication-date headers, judgement headers, indicator). The
# table of former authorities writes "ILACS framework ..." for "First ILACS ...".
OFSTED_NAME_HEADER = "Local authority name"
OFSTED_FRAMEWORKS = (
    (
        ("Safeguarding & Looked After Children (SLAC) Inspection publication date",),
        ("SLAC Safeguarding Overall effectiveness (OE)",),
        "ofsted_safeguarding",
    ),
    (
        ("Safeguarding & Looked After Children (SLAC) Inspection publication date",),
        ("SLAC Looked After Children Overall Effectiveness (OE)",),
        "ofsted_looked_after",
    ),
    (
        ("SLAC re-inspection of Safeguarding publication date",),
        ("SLAC re-inspection Safeguarding OE",),
        "ofsted_safeguarding",
    ),
    (
        ("SLAC re-inspection of services for Children Looked After publication date",),
        ("SLAC re-inspection of services Children Looked After OE",),
        "ofsted_looked_after",
    ),
    (
        ("Child Protection Inspections (CPI) publication date",),
        ("CPI Overall Effectiveness (OE)",),
        "ofsted_safeguarding",
    ),
    (
        ("Child Protection Re-Inspection (CPRI) publication date",),
        ("CPRI Overall Effectiveness (OE)",),
        "ofsted_safeguarding",
    ),
    (
        ("Targeted Looked After Children (TLAC) inspection publication date",),
        ("TLAC Overall Effectiveness (OE)",),
        "ofsted_looked_after",
    ),
    (
        ("Single Inspection of LA Children's Services (SIF) First SIF publication date",),
        ("First SIF Overall Judgement (OE)",),
        "ofsted_overall",
    ),
    (
        ("Single Inspection of LA Children's Services (SIF) SIF Re-inspection publication date",),
        ("SIF Re-inspection Overall Judgement (OE)",),
        "ofsted_overall",
    ),
    (
        ("First ILACS framework publication date", "ILACS framework publication date"),
        ("First ILACS framework overall effectiveness", "ILACS framework overall effectiveness"),
        "ofsted_overall",
    ),
    (
        ("Second ILACS framework publication date",),
        ("Second ILACS framework overall effectiveness",),
        "ofsted_overall",
    ),
)
ILACS_COLUMNS = {
    "code": ("Local authority area code", "LA code", "new_la_code"),
    "name": ("Local authority name",),
    "inspected": ("Inspection date", "Inspection start date"),
    "published": ("Publication date", "Report publication date"),
    "judgement": ("Overall effectiveness", "Overall effectiveness judgement"),
}


# -------------------------------------------------------- DfE children's social care
@dataclass(frozen=True)
class CscFile:
    """One DfE open-data file: the measures it carries and its time conventions."""

    prefix: str  # file names start with it
    measures: dict[str, tuple[str, str]]  # header -> (indicator, unit)
    period_month_day: str  # "03-31" (year to / at 31 March) or "09-30" (30 September)
    published_month_day: str  # rule date, in the year after `published_offset`
    published_offset: int  # years after the period's calendar year
    keep: tuple[tuple[str, ...], str] | None = None  # (header variants, value) filter


CSC_FILES = (
    CscFile(
        prefix="c1_",
        measures={"rereferral_percent": ("cin_rereferral_rate", "percent")},
        period_month_day="03-31",
        published_month_day="11-30",
        published_offset=0,
    ),
    CscFile(
        prefix="d3_",
        measures={"CPP_subsequent_percent": ("cpp_repeat_rate", "percent")},
        period_month_day="03-31",
        published_month_day="11-30",
        published_offset=0,
    ),
    CscFile(
        prefix="csww_",
        measures={
            "turnover_rate_fte": ("sw_turnover_rate", "percent"),
            "agency_rate_fte": ("sw_agency_rate", "percent"),
            "vacancy_rate_fte": ("sw_vacancy_rate", "percent"),
        },
        period_month_day="09-30",
        published_month_day="02-28",
        published_offset=1,
    ),
    CscFile(
        prefix="cla_number_and_rate",
        measures={"rate_per_10000": ("cla_rate_per_10k", "rate_per_10k")},
        period_month_day="03-31",
        published_month_day="12-31",
        published_offset=0,
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

# ------------------------------------------------------------ adult social care
ASC_FILE = ASC_DIR / "oflog_ASC_data.csv"
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

# ------------------------------------------------------------------ recycling
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


# ================================================================ shared helpers
def locate_columns(
    grid: pd.DataFrame,
    spec: dict[str, tuple[str, ...]],
    path: Path,
    *,
    start: int = 0,
    search_rows: int = HEADER_SEARCH_ROWS,
) -> tuple[int, dict[str, int]]:
    """The header row (from `start`) holding every role's label, and each role's column.

    Fails naming the missing column when a row holds most of the labels, else
    naming the labels no row in the first `search_rows` rows holds.
    """
    wanted = {role: {label_key(v) for v in variants} for role, variants in spec.items()}
    best: tuple[int, dict[str, int]] | None = None
    for row in range(start, min(start + search_rows, len(grid))):
        keys = [label_key(cell_text(v)) for v in grid.iloc[row].tolist()]
        found = {
            role: keys.index(k) for role, accepted in wanted.items() for k in keys if k in accepted
        }
        if len(found) == len(spec):
            return row, found
        if found and (best is None or len(found) > len(best[1])):
            best = (row, found)
    if best is not None and len(best[1]) * 2 >= len(spec):
        missing = [spec[r] for r in spec if r not in best[1]][0]
        raise RiskwatchError(
            f"missing column {' or '.join(repr(v) for v in missing)} in the header row: "
            "unknown layout",
            file=Path(path).name,
            row=best[0] + 1,
            field=missing[0],
        )
    raise RiskwatchError(
        f"no header row with columns {', '.join(repr(v[0]) for v in spec.values())} "
        f"in the first {search_rows} rows: unknown layout",
        file=Path(path).name,
    )


def _panel(records: list[dict], **constants: object) -> pd.DataFrame:
    """Panel rows from per-value records plus per-file constants.

    Records also carry `row`, `code` and `name` (for matching and unmatched
    reporting), kept as extra columns until the codes are attached.
    """
    frame = pd.DataFrame.from_records(records)
    frame = frame.reindex(columns=[*PANEL_COLUMNS, *(c for c in frame if c not in PANEL_COLUMNS)])
    for column, value in constants.items():
        frame[column] = value
    frame["ecode"] = None
    frame["value"] = frame["value"].astype(float)
    return frame


def _unmatched(records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=UNMATCHED_COLUMNS)


# ============================================================ authority look-ups
def name_key(name: str) -> str:
    """A council name reduced for exact matching across publishers.

    Normalises case, '&'/'and', "City of", "the", and the suffixes UA, Council,
    County Council, CC, MBC, Borough and City ("Derby City UA" = "Derby",
    "Bristol, City of" = "Bristol", "Telford & the Wrekin" = "Telford and Wrekin").
    """
    text = re.sub(r"[^a-z ]", " ", name.lower().replace("&", " and "))
    text = re.sub(r"\bcity of\b|\bthe\b", " ", text)
    words = text.split()
    suffixes = {"ua", "council", "county", "cc", "mbc", "borough", "city"}
    while len(words) > 1 and words[-1] in suffixes:
        words.pop()
    return "".join(words)


@dataclass(frozen=True)
class AuthorityIndex:
    """The authority table as look-ups: any GSS code to the current one, names to codes."""

    current: dict[str, str]  # current or former GSS code -> current GSS code
    names: dict[str, set[str]]  # name key -> current GSS codes (upper tier only)
    spans: dict[str, tuple[str, str | None]]  # GSS -> (first year, last year or None if open)

    @classmethod
    def build(cls, authorities: pd.DataFrame) -> AuthorityIndex:
        latest = authorities["last_year"].max()
        current: dict[str, str] = {}
        names: dict[str, set[str]] = {}
        spans: dict[str, tuple[str, str | None]] = {}
        for row in authorities.to_dict("records"):
            gss = row["gss_code"]
            current[gss] = gss
            for former in filter(None, str(row["former_gss_codes"] or "").split(";")):
                current.setdefault(former, gss)
            if row["class"] in UPPER_TIER:
                names.setdefault(name_key(row["name"]), set()).add(gss)
            last = None if row["last_year"] == latest else row["last_year"]
            spans[gss] = (row["first_year"], last)
        return cls(current=current, names=names, spans=spans)

    def code(self, code: str) -> str | None:
        return self.current.get(code)

    def by_name(self, name: str, year: str, aliases: dict[str, set[str]]) -> tuple[str | None, str]:
        """The one upper-tier authority of this name (or alias code) in existence in `year`."""
        key = name_key(name)
        codes = set(self.names.get(key, set()))
        codes |= {c for code in aliases.get(key, ()) if (c := self.code(code))}
        if not codes:
            return None, "no authority of this name"
        alive = sorted(c for c in codes if self._covers(c, year))
        if len(alive) == 1:
            return alive[0], ""
        if not alive:
            return None, f"no authority of this name existed in {year} ({', '.join(sorted(codes))})"
        return None, f"several authorities of this name in {year}: {', '.join(alive)}"

    def in_year(self, code: str, name: str, year: str) -> str:
        """`code`, or where its authority did not exist in `year`, the one of that name that did.

        Ofsted files North Yorkshire's 2018 judgement under the code of the
        unitary council created in 2023; it was the county council's.
        """
        current = self.code(code)
        if current is None or self._covers(current, year):
            return code
        found, _ = self.by_name(name, year, {})
        return found or code

    def codes_in_year(self, frame: pd.DataFrame) -> list[str]:
        """`in_year` for every row of a frame with code, name and financial_year."""
        return [self.in_year(r.code, r.name, r.financial_year) for r in frame.itertuples()]

    def _covers(self, code: str, year: str) -> bool:
        first, last = self.spans.get(code, (None, None))
        return (first is None or first <= year) and (last is None or year <= last)


def name_aliases(frame: pd.DataFrame) -> dict[str, set[str]]:
    """Name key -> the codes a coded file gives that name (a publisher's own name list)."""
    aliases: dict[str, set[str]] = {}
    for name, code in zip(frame["name"], frame["code"], strict=True):
        aliases.setdefault(name_key(name), set()).add(code)
    return aliases


def _index(authorities: pd.DataFrame | None) -> AuthorityIndex | None:
    return None if authorities is None else AuthorityIndex.build(authorities)


def attach_codes(
    frame: pd.DataFrame, index: AuthorityIndex | None, *, source: str, source_file: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Current GSS codes for rows carrying a code; rows matching none go to `unmatched`.

    A field holding several codes ("E09000021 / E09000027", one joint return for
    two councils) is unmatched: no share of it can be assigned to either council.
    """
    valid = frame["code"].map(lambda c: bool(GSS_CODE.match(c)))
    if index is None:
        mapped = frame["code"].where(valid)
    else:
        mapped = (
            frame["code"].where(valid).map(lambda c: index.code(c) if isinstance(c, str) else None)
        )
    reasons = np.where(
        ~valid,
        "not a single GSS code (joint return for several authorities?)",
        "GSS code not in the authority table",
    )
    lost = frame[mapped.isna()].assign(reason=reasons[mapped.isna().to_numpy()])
    unmatched = lost.drop_duplicates("row").assign(source=source, source_file=source_file)
    values = frame[mapped.notna()].assign(gss_code=mapped[mapped.notna()])
    return values[PANEL_COLUMNS].reset_index(drop=True), unmatched[UNMATCHED_COLUMNS].reset_index(
        drop=True
    )


# ==================================================================== Ofsted
def grade(text: str, *, file: str, row: int, field: str) -> int | None:
    """An Ofsted judgement as 1-4; None where the cell says it was not judged."""
    key = label_key(text)
    if cell_text(text) in NOT_JUDGED or not key:
        return None
    if key not in GRADES:
        raise RiskwatchError(f"unknown judgement '{text[:40]}'", file=file, row=row, field=field)
    return GRADES[key]


def _timestamp(raw: object, *, file: str, row: int, field: str) -> pd.Timestamp | None:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or cell_text(raw) in NOT_JUDGED:
        return None
    try:
        return pd.Timestamp(raw)
    except (ValueError, TypeError):
        raise RiskwatchError(
            f"not a date: '{cell_text(raw)[:30]}'", file=file, row=row, field=field
        ) from None


def _judgement_record(
    code: str,
    name: str,
    row: int,
    indicator: str,
    value: int,
    published: pd.Timestamp,
    inspected: pd.Timestamp,
    ilacs: bool,
) -> dict:
    return {
        "ilacs": ilacs,
        "code": code,
        "name": name,
        "row": row,
        "financial_year": financial_year_of(published),
        "indicator": indicator,
        "value": float(value),
        "status": "reported",
        "unit": "grade_1_4",
        "period_end": inspected.date().isoformat(),
        "published": published.date().isoformat(),
    }


def read_ilacs_history(path: Path) -> pd.DataFrame:
    """Ofsted ILACS inspections 2018- (one row each, GSS codes): `ofsted_overall` records.

    Returns panel columns plus `row`, `code`, `name`; codes are attached by the caller.
    """
    grid = read_ods_sheet(path, OFSTED_ILACS_SHEET)
    header, cols = locate_columns(grid, ILACS_COLUMNS, path)
    records = []
    for index in range(header + 1, len(grid)):
        cells = grid.iloc[index]
        code = cell_text(cells.iloc[cols["code"]])
        if not code:
            continue
        where = {"file": path.name, "row": index + 1}
        published = _timestamp(cells.iloc[cols["published"]], **where, field="Publication date")
        value = grade(
            cell_text(cells.iloc[cols["judgement"]]), **where, field="Overall effectiveness"
        )
        if published is None or value is None:
            continue
        inspected = _timestamp(cells.iloc[cols["inspected"]], **where, field="Inspection date")
        records.append(
            _judgement_record(
                code,
                cell_text(cells.iloc[cols["name"]]),
                index + 1,
                "ofsted_overall",
                value,
                published,
                inspected or published,
                ilacs=True,
            )
        )
    if not records:
        raise RiskwatchError("no inspection rows below the header", file=path.name, row=header + 1)
    return _panel(records, **_constants("OFSTED", path, "file"))


def read_ofsted_frameworks(path: Path) -> pd.DataFrame:
    """Ofsted's 2009-2023 table of every framework's judgements, by authority NAME.

    The sheet holds two tables (current authorities, then four former ones), each
    under its own header row. Returns panel columns plus `row`, `code` (empty)
    and `name`; names are matched to codes by `read_ofsted`.
    """
    grid = read_ods_sheet(path, OFSTED_HISTORY_SHEET)
    name = label_key(OFSTED_NAME_HEADER)
    headers = [row for row in range(len(grid)) if name in _row_keys(grid, row)]
    if not headers:
        raise RiskwatchError(
            f"no header row with column '{OFSTED_NAME_HEADER}': unknown layout",
            file=path.name,
            field=OFSTED_NAME_HEADER,
        )
    records: list[dict] = []
    for header in headers:
        keys = _row_keys(grid, header)
        frameworks = _framework_columns(keys, path.name, header)
        _read_framework_table(grid, header, keys.index(name), frameworks, path.name, records)
    if not records:
        raise RiskwatchError("no judgements below the header", file=path.name, row=headers[0] + 1)
    return _panel(records, **_constants("OFSTED", path, "file"))


def _row_keys(grid: pd.DataFrame, row: int) -> list[str]:
    return [label_key(cell_text(v)) for v in grid.iloc[row].tolist()]


def _framework_columns(keys: list[str], file: str, header: int) -> list[tuple[int, int, str, str]]:
    """(date column, judgement column, indicator, label) of each framework a header row has.

    A framework with its date but not its judgement (or the reverse) is an unknown layout.
    """
    found = []
    for dates, judgements, indicator in OFSTED_FRAMEWORKS:
        date = next((keys.index(label_key(d)) for d in dates if label_key(d) in keys), None)
        judged = next((keys.index(label_key(j)) for j in judgements if label_key(j) in keys), None)
        if (date is None) != (judged is None):
            missing = dates[0] if date is None else judgements[0]
            raise RiskwatchError(
                f"missing column '{missing}' in the header row: unknown layout",
                file=file,
                row=header + 1,
                field=missing,
            )
        if date is not None:
            found.append((date, judged, indicator, judgements[0]))
    if not found:
        raise RiskwatchError(
            "no framework publication-date and judgement columns in the header row",
            file=file,
            row=header + 1,
        )
    return found


def _read_framework_table(
    grid: pd.DataFrame,
    header: int,
    name_column: int,
    frameworks: list[tuple[int, int, str, str]],
    file: str,
    records: list[dict],
) -> None:
    """Append the judgements of the table under `header` (it ends at a row with no name)."""
    index = header + 1
    while index < len(grid) and cell_text(grid.iat[index, name_column]):
        name = cell_text(grid.iat[index, name_column])
        where = {"file": file, "row": index + 1}
        for date, judged, indicator, label in frameworks:
            published = _timestamp(grid.iat[index, date], **where, field=label)
            value = grade(cell_text(grid.iat[index, judged]), **where, field=label)
            if published is not None and value is not None:
                records.append(
                    _judgement_record(
                        "",
                        name,
                        index + 1,
                        indicator,
                        value,
                        published,
                        published,
                        "ILACS" in label,
                    )
                )
        index += 1


def read_ofsted(
    root: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ofsted children's services judgements 2009-2025 as panel rows.

    ILACS judgements come from the 2025 history (GSS codes); earlier frameworks,
    and ILACS judgements of authorities missing from it, from the 2009-2023
    table, whose names are matched to authorities in existence at publication
    (so Buckinghamshire's 2014 judgement is the county council's). Without an
    authority table, names resolve through the 2025 file's own name-code pairs.
    """
    index = _index(authorities)
    ilacs_path, history_path = Path(root) / OFSTED_ILACS, Path(root) / OFSTED_HISTORY
    ilacs = read_ilacs_history(ilacs_path)
    aliases = name_aliases(ilacs)
    if index is not None:
        ilacs["code"] = index.codes_in_year(ilacs)
    ilacs_values, ilacs_lost = attach_codes(
        ilacs, index, source="OFSTED", source_file=ilacs_path.name
    )
    history, history_lost = attach_names(
        read_ofsted_frameworks(history_path), index, aliases, history_path.name
    )
    # The 2025 release is the later and fuller one for ILACS (it adds inspection dates).
    history = history[~history["ilacs"] | ~history["gss_code"].isin(ilacs_values["gss_code"])]
    values = pd.concat([ilacs_values, history[PANEL_COLUMNS]], ignore_index=True)
    values = values.sort_values("published").drop_duplicates(
        ["gss_code", "financial_year", "indicator"], keep="last"
    )
    values = pd.concat([values, _inadequate_flags(values)], ignore_index=True)
    values = values.sort_values(["gss_code", "indicator", "published"]).reset_index(drop=True)
    return values, pd.concat([ilacs_lost, history_lost], ignore_index=True)


def attach_names(
    frame: pd.DataFrame,
    index: AuthorityIndex | None,
    aliases: dict[str, set[str]],
    source_file: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GSS codes for name-only rows, resolved by name and financial year."""
    codes, lost = [], []
    for row in frame.itertuples(index=False):
        if index is not None:
            code, reason = index.by_name(row.name, row.financial_year, aliases)
        else:
            found = aliases.get(name_key(row.name), set())
            code = next(iter(found)) if len(found) == 1 else None
            reason = "name not in the ILACS history's name-code pairs" if code is None else ""
        codes.append(code)
        if code is None:
            lost.append(
                {
                    "source": "OFSTED",
                    "source_file": source_file,
                    "row": row.row,
                    "code": None,
                    "name": row.name,
                    "reason": f"{reason} ({row.indicator} {row.published})",
                }
            )
    matched = frame.assign(gss_code=codes).dropna(subset=["gss_code"])
    return matched.reset_index(drop=True), _unmatched(lost)


def _inadequate_flags(values: pd.DataFrame) -> pd.DataFrame:
    """`ofsted_inadequate`: 1 where the overall judgement is Inadequate, else 0."""
    overall = values[values["indicator"] == "ofsted_overall"]
    return overall.assign(
        indicator="ofsted_inadequate", value=(overall["value"] == 4).astype(float), unit="flag"
    )


def _constants(source: str, path: Path, basis: str) -> dict[str, str]:
    return {
        "source": source,
        "source_file": path.name,
        "vintage": f"{source} {path.name}",
        "published_basis": basis,
    }


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
    header, cols = locate_columns(grid, columns, path)
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
    frame = _panel(records, **_constants("DFE_CSC", path, "rule"))
    return attach_codes(frame, _index(authorities), source="DFE_CSC", source_file=path.name)


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
    base = {
        "code": cell_text(cells.iloc[cols["code"]]),
        "name": cell_text(cells.iloc[cols["name"]]),
        "row": row,
        "financial_year": financial_year_starting(start),
        "period_end": f"{year}-{spec.period_month_day}",
        "published": f"{year + spec.published_offset}-{spec.published_month_day}",
    }
    records = []
    for header, (indicator, unit) in spec.measures.items():
        value, status = parse_cell(
            cells.iloc[cols[header]], file=file, row=row, field=header, marks=EES_MARKS
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
    return _concat(parts)


def _concat(parts: list[tuple[pd.DataFrame, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.concat([p[0] for p in parts], ignore_index=True),
        pd.concat([p[1] for p in parts], ignore_index=True),
    )


# ============================================================ adult social care
def read_adult_social_care(
    root: Path, authorities: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Oflog's adult social care measures 2015-16 to 2022-23 (see `ASC_MEASURES`)."""
    path = Path(root) / ASC_FILE
    grid = read_grids(path)["csv"]
    header, cols = locate_columns(grid, ASC_COLUMNS, path)
    records = []
    for index in range(header + 1, len(grid)):
        cells = grid.iloc[index]
        records.append(_asc_record(cells, cols, path.name, index + 1))
    if not records:
        raise RiskwatchError("no rows below the header", file=path.name, row=header + 1)
    frame = _panel(records, **_constants("OFLOG_ASC", path, "rule"))
    return attach_codes(frame, _index(authorities), source="OFLOG_ASC", source_file=path.name)


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
        cells.iloc[cols["value"]], file=file, row=row, field="Value", marks=EES_MARKS
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
        "published": f"{end}-12-31",
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
    header, cols = locate_columns(grid, RECYCLING_COLUMNS, path)
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
    frame = _panel(records, **_constants("DEFRA", path, "rule"))
    _check_scale(frame, factor, path.name)
    return attach_codes(frame, _index(authorities), source="DEFRA", source_file=path.name)


def _recycling_record(
    cells: pd.Series, cols: dict[str, int], code: str, factor: float, file: str, row: int
) -> dict:
    year = parse_financial_year(
        cell_text(cells.iloc[cols["period"]]), file=file, row=row, field="period"
    )
    value, status = parse_cell(
        cells.iloc[cols["value"]], file=file, row=row, field="value", marks=EES_MARKS
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
        "published": f"{end + 1}-03-31",
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
    return _concat([read_recycling_file(folder / name, authorities) for name in RECYCLING_FILES])
