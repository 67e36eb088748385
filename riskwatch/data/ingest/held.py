"""What a file being ingested is checked against: the panel held, read only when needed.

A file refused for its layout, its codes or its years is refused before the panel is
read (about a second of every `data ingest`); the panel is read once, when a check first
compares values with it, and the files checked before in the same ingest are added to it.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import pandas as pd

from riskwatch.data.check.plausibility import plausibility_bounds
from riskwatch.data.store.table_store import load_table


class Held:
    """The data directory's panel plus the values of the files checked before this one."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._added: list[pd.DataFrame] = []

    @cached_property
    def _stored(self) -> pd.DataFrame:
        return load_table("panel", self._data_dir)

    @cached_property
    def bounds(self) -> pd.Series:
        """Each measure's plausibility bound, learned from the panel stored (not from the
        files of this ingest)."""
        return plausibility_bounds(self._stored)

    def panel(self) -> pd.DataFrame:
        """The stored panel, then the values of every file added, in order."""
        if not self._added:
            return self._stored
        return pd.concat([self._stored, *self._added], ignore_index=True)

    def add(self, values: pd.DataFrame) -> None:
        """A file's values, checked: the next file is compared with them too."""
        self._added.append(values)
