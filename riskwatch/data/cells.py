"""Read one spreadsheet cell as a number and its status, with each publisher's missing marks.

A cell is a figure (`reported`), a mark saying why there is none (the status its
publisher's table gives it), empty (None, unless the publisher's marks give
empty cells a status) or an error: formulas, infinities and unknown text stop
the build with one line naming the file, row and field.
"""

from __future__ import annotations

import numpy as np

from riskwatch.data.workbook import cell_text
from riskwatch.errors import RiskwatchError

# MHCLG local government finance releases (revenue, capital, council tax, borrowing).
MHCLG_MARKS: dict[str, str] = {
    "[x]": "missing_return",
    **dict.fromkeys(
        ("…", "...", "..", "-", "–", "x", "[z]", "[c]", "[u]", "[low]", "n/a"), "not_available"
    ),
    # Spreadsheet error values a publisher (or a compilation of its figures) left in a cell:
    # the figure is unknown, never zero.
    **dict.fromkeys(("#value!", "#n/a", "#ref!", "#div/0!", "#num!", "#name?"), "source_error"),
}
# Capital outturn (COR) 2018-19 "Symbols" sheet: ':' not available.
COR_MARKS: dict[str, str] = {**MHCLG_MARKS, ":": "not_available"}
# Explore Education Statistics symbols: c confidential, x unavailable, u low reliability,
# z not applicable, low rounds to zero, : not available; Defra writes NA. Empty is unavailable.
EES_MARKS: dict[str, str] = dict.fromkeys(
    ("", "c", "x", "u", "z", "low", ":", "..", "na", "[c]", "[x]", "[z]", "[u]"), "not_available"
)


def parse_cell(
    raw: object, *, file: str, row: int, field: str, marks: dict[str, str] = MHCLG_MARKS
) -> tuple[float, str] | None:
    """A cell as (value, status); a mark (matched lower-case) as (nan, its status).

    None for an empty cell that `marks` does not name; a formula, an infinite value
    or other text is an error naming `file`, `row` and `field`.
    """
    text = cell_text(raw)
    if text and isinstance(raw, int | float | np.number) and not isinstance(raw, bool):
        value = float(raw)
    else:
        lowered = text.lower()
        if lowered in marks:
            return float("nan"), marks[lowered]
        if not text:
            return None
        if text.startswith("="):
            raise RiskwatchError(
                f"formula '{text[:40]}' instead of a value: save the release with values only",
                file=file,
                row=row,
                field=field,
            )
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            raise RiskwatchError(
                f"non-numeric value '{text[:40]}'", file=file, row=row, field=field
            ) from None
    if not np.isfinite(value):
        raise RiskwatchError(
            f"infinite or undefined value '{text}'", file=file, row=row, field=field
        )
    return value, "reported"
