"""Damage to a reader's real slice, drawn by Hypothesis: the fuzzing of issue 20, item 7.

`damages()` draws one damage: a cell turned to text, to a huge or negative number or to a
formula; a row deleted, duplicated or the body shuffled; a column deleted; a sheet
renamed; or the written file cut short. `outcome()` reads the damaged slice with the
reader and says what happened: read, refused in one line naming the file, or anything
else (a failure: another exception, or a refusal of several lines or naming no file).
Used by tests/test_reader_fuzz.py (CI) and benchmarks/bench_fuzz.py (a longer run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from test_reader_contract import Case, renumbered, write

from riskwatch.errors import RiskwatchError

Grids = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Damage:
    """One damage: what it does (for a report) and how it changes the slice's grids;
    `cut` is the share of the written file's bytes kept (1.0: not cut)."""

    name: str
    change: Callable[[Grids], Grids]
    cut: float = 1.0


def _first(grids: Grids, grid: pd.DataFrame) -> Grids:
    return {**grids, next(iter(grids)): grid}


def _cell(value: object, row: float, col: float) -> Callable[[Grids], Grids]:
    def change(grids: Grids) -> Grids:
        grid = next(iter(grids.values())).copy()
        grid.iat[int(row * len(grid)), int(col * grid.shape[1])] = value
        return _first(grids, grid)

    return change


def _rows(kind: str, row: float, seed: int) -> Callable[[Grids], Grids]:
    def change(grids: Grids) -> Grids:
        grid = next(iter(grids.values()))
        at = int(row * len(grid))
        if kind == "deleted":
            grid = grid.drop(index=grid.index[at])
        elif kind == "duplicated":
            grid = pd.concat([grid.iloc[: at + 1], grid.iloc[at:]])
        else:  # the rows from `at` down, shuffled
            order = np.random.default_rng(seed).permutation(len(grid) - at)
            grid = pd.concat([grid.iloc[:at], grid.iloc[at:].iloc[order]])
        return _first(grids, renumbered(grid))

    return change


def _column_deleted(col: float) -> Callable[[Grids], Grids]:
    def change(grids: Grids) -> Grids:
        grid = next(iter(grids.values()))
        return _first(grids, renumbered(grid.drop(columns=grid.columns[int(col * grid.shape[1])])))

    return change


def _sheet_renamed(grids: Grids) -> Grids:
    first = next(iter(grids))
    return {("Renamed" if name == first else name): grid for name, grid in grids.items()}


_share = st.floats(0, 0.999)


@st.composite
def damages(draw) -> Damage:
    """One damage of the slice, as Hypothesis draws it (shrinking towards the first kind)."""
    kind = draw(
        st.sampled_from(
            ["text", "huge", "negative", "formula", "row", "column", "sheet", "truncated"]
        )
    )
    row, col = draw(_share), draw(_share)
    if kind in ("text", "huge", "negative", "formula"):
        value = {
            "text": draw(st.sampled_from(["see note 4", "£1,2,3", "TRUE", "", " "])),
            "huge": draw(st.sampled_from([1e300, -1e300, 2.0**63, 10.0**20])),
            "negative": -draw(st.floats(0.5, 1e7)),
            "formula": "=SUM(A1:A3)",
        }[kind]
        return Damage(f"cell {row:.2f},{col:.2f} set to {value!r}", _cell(value, row, col))
    if kind == "row":
        how = draw(st.sampled_from(["deleted", "duplicated", "shuffled"]))
        return Damage(f"row {row:.2f} {how}", _rows(how, row, draw(st.integers(0, 99))))
    if kind == "column":
        return Damage(f"column {col:.2f} deleted", _column_deleted(col))
    if kind == "sheet":
        return Damage("first sheet renamed", _sheet_renamed)
    cut = draw(st.floats(0.05, 0.95))
    return Damage(f"file cut to {cut:.0%} of its bytes", lambda grids: grids, cut)


def outcome(case: Case, damage: Damage, folder: str) -> tuple[str, str]:
    """How the reader took the damaged slice: ("read", ""), ("refused", the one line) or
    ("failure", what went wrong: another exception, or a refusal of several lines or
    naming no file)."""
    root = case.root / folder
    path = write(case.reader, root, damage.change(case.grids), case.shared)
    if damage.cut < 1.0:
        data = path.read_bytes()
        path.write_bytes(data[: max(1, int(len(data) * damage.cut))])
    try:
        case.reader.read(root, path, case.authorities)
    except RiskwatchError as error:
        message = str(error)
        if "\n" in message or Path(case.reader.relative).name not in message:
            return "failure", f"refusal not one line naming the file: {message[:200]!r}"
        return "refused", message
    except Exception as error:  # noqa: BLE001 - any other exception is what fuzzing finds
        return "failure", f"{type(error).__name__}: {str(error)[:200]}"
    return "read", ""
