"""Ofsted children's services judgements 2009-2025 as panel rows.

- `ofsted_overall` (grade_1_4): overall effectiveness, SIF 2013-18 and ILACS
  2018-; `ofsted_inadequate` (flag 1/0): that judgement is Inadequate.
- `ofsted_safeguarding`, `ofsted_looked_after` (grade_1_4): the 2009-13 part-service
  frameworks (SLAC and its re-inspections, CPI, CPRI; TLAC).
  Ofsted: published = the publication date in the file.

Grades: 1 Outstanding, 2 Good, 3 Requires improvement (to be good; the 2009-13
frameworks' "Adequate", which Ofsted's own table already shows as Requires
improvement), 4 Inadequate. A judgement belongs to the financial year that
contains its publication date, the day it became known; where an authority has
two judgements of one kind published in the same financial year, the later one
(the judgement standing at the year's end) is kept. `period_end` is the
inspection date where the file gives it (ILACS history), else the publication
date (the 2009-2023 table gives publication dates only).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.data.kit.authority_index import (
    AuthorityIndex,
    attach_codes,
    index_or_none,
    name_aliases,
    name_key,
)
from riskwatch.data.kit.header import cell_text, label_key, locate_columns, locate_tables
from riskwatch.data.kit.opening import read_ods_sheet
from riskwatch.data.kit.panel_rows import file_constants, panel_rows, unmatched_rows
from riskwatch.data.kit.source import Source
from riskwatch.data.schema import PANEL_COLUMNS
from riskwatch.data.sources.dfe_social_care import CSC_DIR
from riskwatch.data.years import financial_year_of
from riskwatch.errors import RiskwatchError

OFSTED_HISTORY = CSC_DIR / "Childrens_social_care_in_England_2023_underlying_data.ods"
OFSTED_HISTORY_SHEET = "LA_inspections_2009-2023"
OFSTED_ILACS = CSC_DIR / "LA_Inspection_Outcomes_as_at_31_March_2025.ods"
OFSTED_ILACS_SHEET = "ILACS_inspection_history"

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

    Returns panel columns (`gss_code` as printed) plus `row` and `name`; the caller
    attaches current codes.
    """
    grid = read_ods_sheet(path, OFSTED_ILACS_SHEET)
    header, cols = locate_columns(grid, ILACS_COLUMNS, file=path.name)
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
    return panel_rows(records, **file_constants("OFSTED", path, "file"))


def read_ofsted_frameworks(path: Path) -> pd.DataFrame:
    """Ofsted's 2009-2023 table of every framework's judgements, by authority NAME.

    The sheet holds two tables (current authorities, then four former ones), each
    under its own header row. Returns panel columns (`gss_code` empty) plus `row`
    and `name`; names are matched to codes by `read_ofsted`.
    """
    grid = read_ods_sheet(path, OFSTED_HISTORY_SHEET)
    tables = locate_tables(
        grid, {"name": (OFSTED_NAME_HEADER,)}, file=path.name, sheet=OFSTED_HISTORY_SHEET
    )
    records: list[dict] = []
    for header, columns in tables:
        keys = [label_key(cell_text(v)) for v in grid.iloc[header].tolist()]
        frameworks = _framework_columns(keys, path.name, header)
        _read_framework_table(grid, header, columns["name"], frameworks, path.name, records)
    if not records:
        raise RiskwatchError("no judgements below the header", file=path.name, row=tables[0][0] + 1)
    return panel_rows(records, **file_constants("OFSTED", path, "file"))


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
    index = index_or_none(authorities)
    ilacs_path, history_path = Path(root) / OFSTED_ILACS, Path(root) / OFSTED_HISTORY
    ilacs = read_ilacs_history(ilacs_path)
    aliases = name_aliases(ilacs)
    if index is not None:
        ilacs["gss_code"] = index.codes_in_year(ilacs)
    ilacs_values, ilacs_lost = attach_codes(ilacs, index)
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
            match = index.by_name(row.name, row.financial_year, upper_tier=True, aliases=aliases)
            code, reason = match.gss_code, match.problem
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
    return matched.reset_index(drop=True), unmatched_rows(lost)


def _inadequate_flags(values: pd.DataFrame) -> pd.DataFrame:
    """`ofsted_inadequate`: 1 where the overall judgement is Inadequate, else 0."""
    overall = values[values["indicator"] == "ofsted_overall"]
    return overall.assign(
        indicator="ofsted_inadequate", value=(overall["value"] == 4).astype(float), unit="flag"
    )


REGISTERED = (
    Source(
        name="OFSTED",
        title="Ofsted children's services inspection outcomes",
        publisher="Ofsted",
        kinds={"OFSTED": "position"},
        files=(str(OFSTED_HISTORY), str(OFSTED_ILACS)),
        read=read_ofsted,
        published="each judgement's own publication date",
        rules={},  # every date is stated
    ),
)
