"""A source: one publisher table the build reads, declared once by the module that reads it.

`riskwatch/data/registry.py` lists every module's declaration; the build, the kinds of
figure the panel carries, the publication rules (`kit.publication`), `data sources` and the
reader-contract test all read that list, so a new source is its module, one line in the
registry, and its test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from riskwatch.data.kit.publication import PublicationRule
from riskwatch.data.schema import KINDS

# (data root, authorities) -> (panel rows, rows that matched no authority or None)
Reader = Callable[[Path, pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame | None]]


@dataclass(frozen=True)
class Source:
    """What a source is, where its files sit, how it is read and when its figures are public."""

    name: str  # as `data sources` and the reader-contract test name it
    title: str  # the publisher's name for the table
    publisher: str
    kinds: Mapping[str, str]  # panel `source` code it writes -> kind of figure (schema.KINDS)
    files: tuple[str, ...]  # where its files sit under a data root (glob patterns)
    read: Reader | None  # None only for the revenue returns, read first by the build
    published: str  # how the date each figure became public is set, in words
    rules: Mapping[str, PublicationRule]  # the rules that date its figures, by name

    def __post_init__(self) -> None:
        unknown = {code: kind for code, kind in self.kinds.items() if kind not in KINDS}
        if unknown:
            raise ValueError(f"source {self.name}: kinds not in {KINDS}: {unknown}")

    def paths(self, root: Path) -> list[Path]:
        """The files of this source under a data root, sorted."""
        return files_under(root, self.files)


def files_under(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    """The files matching a source's glob patterns under a data root, sorted."""
    return sorted({path for pattern in patterns for path in Path(root).glob(pattern)})


def ignoring_unmatched(read: Callable[[Path], pd.DataFrame]) -> Reader:
    """A reader that matches authorities by code and reports nothing unmatched, as a `Reader`."""

    def reader(root: Path, authorities: pd.DataFrame) -> tuple[pd.DataFrame, None]:
        return read(root), None

    reader.__doc__ = read.__doc__
    return reader
