"""Panel framing shared by the service-performance readers (Ofsted, DfE, Oflog, Defra).

Each reader returns `(values, unmatched)`: panel rows (`PANEL_COLUMNS`) and the
rows that matched no authority (`UNMATCHED_COLUMNS`). Records carry the source
row, printed code and name until `authority_index.attach_codes` makes the codes current.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from riskwatch.data.schema import PANEL_COLUMNS, UNMATCHED_COLUMNS


def panel_rows(records: list[dict], **constants: object) -> pd.DataFrame:
    """Panel rows from per-value records plus per-file constants.

    Records also carry `row`, `code` (as printed) and `name` (for matching and
    unmatched reporting); the printed code is the row's `gss_code` until
    `attach_codes` makes it current, the others stay as extra columns.
    """
    frame = pd.DataFrame.from_records(records).rename(columns={"code": "gss_code"})
    frame = frame.reindex(columns=[*PANEL_COLUMNS, *(c for c in frame if c not in PANEL_COLUMNS)])
    for column, value in constants.items():
        frame[column] = value
    frame["ecode"] = None
    frame["value"] = frame["value"].astype(float)
    return frame


def unmatched_rows(records: list[dict]) -> pd.DataFrame:
    """Unmatched rows with exactly UNMATCHED_COLUMNS."""
    return pd.DataFrame(records, columns=UNMATCHED_COLUMNS)


def file_constants(source: str, path: Path, basis: str) -> dict[str, str]:
    """The columns every row of one file shares: source, file, vintage and date basis."""
    return {
        "source": source,
        "source_file": path.name,
        "vintage": f"{source} {path.name}",
        "published_basis": basis,
    }


def concat_parts(
    parts: list[tuple[pd.DataFrame, pd.DataFrame]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The values and unmatched rows of several readers' results, each stacked."""
    return (
        pd.concat([p[0] for p in parts], ignore_index=True),
        pd.concat([p[1] for p in parts], ignore_index=True),
    )
