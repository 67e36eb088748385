"""Feature frames built in chunks of councils, so memory is bounded by a chunk, not the panel.

A council's own features read only its own panel rows, so a chunk of councils builds them
alone. Three things are shared by every council of an as-of year and are worked out first:
the earliest year held and which outturn returns are carried (`Seen`, pass 0, added up
over chunks); and the peer features (`peers` family), which set a council's value against
its whole class and its nearest neighbours in the year, wherever they sit. So the build
has three passes, each exact:

0. per chunk, what its rows seen as of each year say (`seen_in_chunk`), summed;
1. per chunk, every feature but the peer ones (`own_features`);
2. per as-of year, over the chunks' frames stacked in council order, the peer features,
   built by the same builders from the values they compare (`with_peer_features`).

Chunks are mapped by a `Mapper` (like `map`, the default: serial, in process); passes 0
and 1 are top-level functions of picklable tasks, so a mapper can run them in processes
or on a cluster. The frames equal `build_features`'s, year by year.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import add
from typing import Protocol

import numpy as np
import pandas as pd

from riskwatch.data.check.definition_breaks import Break

from .frame import View, councils_of, feature_frames
from .registry import ordered
from .seen import (
    PREPARED_FROM,
    SEEN_FROM,
    Releases,
    Seen,
    Sightings,
    check_seen_by,
    encode,
    encoded_values,
    prepare,
)

Mapper = Callable[[Callable, Iterable], Iterable]
COMPARED = "peers"  # the family of features that compare a council with other councils


class Chunk(Protocol):
    """Some councils' rows: every panel row and authority-year of each of them."""

    def load(self, columns: tuple[str, ...] = PREPARED_FROM) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(panel rows, authority_years rows) of the chunk's councils; of the panel, at
        least `columns` (a chunk held prepared gives its prepared columns)."""
        ...


@dataclass(frozen=True)
class TablesChunk:
    """A chunk held in memory."""

    panel: pd.DataFrame
    authority_years: pd.DataFrame

    def load(self, columns: tuple[str, ...] = PREPARED_FROM) -> tuple[pd.DataFrame, pd.DataFrame]:
        return self.panel, self.authority_years


def split_councils(
    panel: pd.DataFrame, authority_years: pd.DataFrame, councils: int
) -> list[TablesChunk]:
    """The tables cut into chunks of `councils` councils each, in GSS code order (every
    council of the panel or of authority_years falls in exactly one chunk). The chunks'
    panels are prepared (`prepare`); its rows are placed by their council's integer code."""
    if councils < 1:
        raise ValueError(f"a chunk holds at least one council, not {councils}")
    panel = prepare(panel)
    codes = panel["gss_code"].cat
    known = codes.categories.astype(str)
    everyone = np.union1d(known, authority_years["gss_code"].astype(str).unique())
    cuts = everyone[::councils][1:]  # the first council of every chunk but the first
    chunk_of_code = np.searchsorted(cuts, known, side="right")
    in_panel = chunk_of_code[codes.codes.to_numpy()]
    in_years = np.searchsorted(cuts, authority_years["gss_code"].astype(str), side="right")
    return [
        TablesChunk(
            panel.iloc[np.flatnonzero(in_panel == number)],
            authority_years.iloc[np.flatnonzero(in_years == number)],
        )
        for number in range(len(cuts) + 1)
    ]


@dataclass(frozen=True)
class SeenTask:
    """Pass 0 for one chunk: the as-of years and the date each is seen by (None: its own)."""

    chunk: Chunk
    dates: dict[str, str | None]


def seen_in_chunk(task: SeenTask) -> dict[str, Seen]:
    """What the chunk's rows seen as of each year say (`Seen`), by as-of year."""
    sightings = Sightings(pd.DataFrame(encode(task.chunk.load(SEEN_FROM)[0], SEEN_FROM)))
    return {
        year: sightings.at(year, check_seen_by(year, seen_by))
        for year, seen_by in task.dates.items()
    }


def summed(parts: list[dict[str, Seen]]) -> dict[str, Seen]:
    """Every chunk's `Seen` added up, by as-of year: what all councils' rows say."""
    return {year: reduce(add, (part[year] for part in parts)) for year in parts[0]}


@dataclass(frozen=True)
class OwnTask:
    """Pass 1 for one chunk: the years, their dates, what all councils' rows say (`Seen`,
    by year) and the definition breaks no change may span."""

    chunk: Chunk
    dates: dict[str, str | None]
    seen: dict[str, Seen]
    breaks: tuple[Break, ...]


def own_features(task: OwnTask) -> dict[str, pd.DataFrame]:
    """The chunk's frame of each as-of year with every feature but the peer ones."""
    panel, authority_years = task.chunk.load()
    panel = encoded_values(panel)  # the chunk as read is freed before it is held wide
    known = Releases(panel, keep_seen=False)  # held wide once; every year's view from it
    del panel  # only the wide table is read from here on: the chunk's memory is freed
    names = [f.name for f in ordered() if f.family != COMPARED]
    views = [
        View.as_of(
            known,
            councils_of(authority_years, year),
            year,
            None,
            seen_by,
            task.breaks,
            task.seen[year],
        )
        for year, seen_by in task.dates.items()
    ]
    return feature_frames(View.stacked(views), names)  # every year's builders run once


def with_peer_features(
    parts: list[pd.DataFrame], as_of: str, neighbours: pd.DataFrame | None
) -> pd.DataFrame:
    """One as-of year's whole frame from its chunks' frames (`own_features`): stacked in
    council order, then the peer features added over every council of the year."""
    own = pd.concat(parts, ignore_index=True).sort_values("gss_code", kind="stable")
    classes = pd.Series(
        own["class"].to_numpy(),
        index=pd.Index(own["gss_code"].to_numpy(), dtype=own["gss_code"].dtype),
        name="class",
    )
    built = own.drop(columns=["gss_code", "as_of", "class"]).set_axis(classes.index)
    view = View.of_features(built, classes, as_of, neighbours)
    return feature_frames(view, [f.name for f in ordered()])[as_of]


def chunked_frames(
    chunks: list[Chunk],
    dates: dict[str, str | None],
    neighbours: pd.DataFrame | None,
    breaks: tuple[Break, ...],
    mapper: Mapper = map,
    progress: Callable[..., Iterable] = lambda items, length=None: items,
) -> dict[str, pd.DataFrame]:
    """The feature frame of each as-of year in `dates` (the date it is seen by, None for
    its own as-of date), built chunk by chunk through `mapper`: equal to
    `build_features(panel, authority_years, year, neighbours, dates[year], breaks)` on the
    chunks' tables put together. `progress(items, length)` sees pass 1's chunks arrive."""
    seen = summed(list(mapper(seen_in_chunk, [SeenTask(chunk, dates) for chunk in chunks])))
    tasks = [OwnTask(chunk, dates, seen, breaks) for chunk in chunks]
    parts = list(progress(mapper(own_features, tasks), len(tasks)))
    return {
        year: with_peer_features([part[year] for part in parts], year, neighbours) for year in dates
    }
