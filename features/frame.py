"""Point-in-time views of the panel, and the feature frame built from them.

A `View` is what was known as of a date (`features.seen`: the rows published by then,
the latest release of each value, a return not yet held read a year earlier), seen from
one year of the history; the feature builders read their inputs through it, and
`build_features` turns the registered features of one as-of year into a frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskwatch.data.check.definition_breaks import Break, configured

from .registry import FEATURES, ordered
from .seen import (
    Known,
    Releases,
    Seen,
    check_seen_by,
    check_year,
    prepare,
    seen_of,
    seen_rows,
    year_range,
)

Pairs = tuple[np.ndarray, np.ndarray]  # positions of (council, neighbour) among a year's councils


def neighbour_positions(index: pd.Index, neighbours: pd.DataFrame | None) -> Pairs:
    """(council, neighbour) position pairs within `index` (GSS codes, each once): both must
    be councils of the year."""
    if neighbours is None:
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    if not index.is_unique:
        raise ValueError("a year's councils should each be listed once")
    councils = pa.array(index.to_numpy(), type=pa.large_string())
    own = _positions_among(neighbours["gss_code"], councils)
    peer = _positions_among(neighbours["neighbour_gss"], councils)
    kept = (own >= 0) & (peer >= 0)
    return own[kept], peer[kept]


def _positions_among(codes: pd.Series, councils: pa.Array) -> np.ndarray:
    """The position of each code among `councils`, -1 where it is not one. Arrow's hash
    lookup over its own text: a fifth of the time of pandas' over Python strings, for the
    1.6 M neighbour codes of a national-scale year."""
    found = pc.index_in(pa.array(codes, type=pa.large_string()), value_set=councils)
    return found.fill_null(-1).to_numpy().astype(np.intp)


@dataclass(frozen=True)
class NeighbourSets:
    """Each council's nearest neighbours laid out as a row of a table, in the order of
    their pairs: worked out once for a year's councils, then filled with the values of
    every peer feature over neighbours (`table`)."""

    councils: int
    width: int  # 1 + the largest set: the council's own value comes first
    slots: np.ndarray  # where each pair's neighbour value goes in the flattened table
    peers: np.ndarray  # that neighbour's position among the councils

    @classmethod
    def of(cls, pairs: Pairs, councils: int) -> NeighbourSets:
        """The sets of (council, neighbour) position `pairs` among `councils` councils."""
        council, peer = pairs
        order = np.argsort(council, kind="stable")  # each council's pairs together
        count = np.bincount(council, minlength=councils)
        width = int(count.max(initial=0)) + 1
        rows = council[order]
        place = np.arange(len(order)) - (np.cumsum(count) - count)[rows]  # 0 for its first pair
        return cls(councils, width, rows * width + place + 1, peer[order])

    def table(self, own: np.ndarray) -> np.ndarray:
        """Councils × `width`: each council's value, then its neighbours' (NaN where
        unknown, and past the end of a smaller set)."""
        members = np.full((self.councils, self.width), np.nan)
        members[:, 0] = own
        members.ravel()[self.slots] = own[self.peers]
        return members


class View:
    """What was known as of a date, seen from one year of the history (`year`).

    `get(source, indicator, lag)` is that input for year `year - lag` for every council of
    the as-of year (NaN where absent), or for a source in `carried` (one whose return for the
    as-of year is not yet held) `carried[source]` years earlier still; `shift(k)` is the same
    knowledge seen from k years earlier (the values for earlier years as revised by the as-of
    date); `feature(name)` builds a registered feature once per view.

    Inside a view the councils are labelled by their GSS codes as plain objects (`index`,
    `classes`); `codes` keeps them as given, for the frame.
    """

    def __init__(
        self,
        known: Known,
        years: tuple[str, ...],
        at: int,
        classes: pd.Series,
        neighbours: pd.DataFrame | None,
        cache: dict,
        positions: pd.DataFrame | None = None,
        carried: dict[str, int] | None = None,
        codes: pd.Index | None = None,
    ) -> None:
        self._known = known
        self._positions = positions
        self.carried = carried or {}
        self.years = years
        self.at = at
        self.codes = classes.index if codes is None else codes
        self.classes = plain_labels(classes)
        self.neighbours = neighbours
        self._cache = cache

    @classmethod
    def as_of(
        cls,
        panel: pd.DataFrame | Releases,
        classes: pd.Series,
        as_of: str,
        neighbours: pd.DataFrame | None = None,
        seen_by: str | None = None,
        breaks: tuple[Break, ...] = (),
        seen: Seen | None = None,
    ) -> View:
        """The view of year `as_of` as known on its as-of date (or a later `seen_by` date),
        for the councils in `classes`; `breaks` are the definition breaks no change may span
        (`break_within`). `panel` may be held wide already (`Releases`, to derive many
        years' views from). `seen` is what all councils' rows say (`Seen`) where `panel`
        holds only some of them (a chunk); by default the panel's own."""
        known = panel if isinstance(panel, Releases) else Releases(panel)
        if seen is None:
            if known.seen is None:
                raise ValueError("a view of a chunk's releases needs what all councils' rows say")
            seen = seen_of(known.seen[seen_rows(known.seen, as_of, seen_by)], as_of)
        first = seen.first_year
        years = year_range(min(first, as_of) if first is not None else as_of, as_of)
        positions = known.positions.latest(check_seen_by(as_of, seen_by))
        labelled = plain_labels(classes)
        return cls(
            known.known(classes.index, as_of, seen_by),
            years,
            len(years) - 1,
            labelled,
            neighbours,
            {"breaks": breaks},
            positions.reindex(labelled.index),
            seen.carried(as_of),
            classes.index,
        )

    @classmethod
    def of_features(
        cls,
        built: pd.DataFrame,
        classes: pd.Series,
        as_of: str,
        neighbours: pd.DataFrame | None,
    ) -> View:
        """A view of one as-of year that holds features already built (`built`: councils ×
        features, indexed as `classes`) and no panel values: the features that compare a
        council with others (its class, its neighbours) are built on it once every council's
        own values are known."""
        labelled = plain_labels(classes)
        cache = {
            (0, name): pd.Series(built[name].to_numpy(), index=labelled.index, name=name)
            for name in built.columns
        }
        return cls(
            Known.nothing(len(classes)),
            (as_of,),
            0,
            labelled,
            neighbours,
            cache,
            codes=classes.index,
        )

    @property
    def index(self) -> pd.Index:
        return self.classes.index

    @property
    def year(self) -> str | None:
        return self.years[self.at] if self.at >= 0 else None

    def year_at(self, lag: int = 0) -> str | None:
        """The financial year `lag` years before this view's year; None before the history."""
        position = self.at - lag
        return self.years[position] if 0 <= position < len(self.years) else None

    def year_of(self, source: str, lag: int = 0) -> str | None:
        """The financial year a source is read at, `lag` years before this view's year: the
        same year, or earlier for a source whose latest return is carried."""
        return self.year_at(lag + self.carried.get(source, 0))

    def break_within(self, inputs: tuple[tuple[str, str], ...], window: int) -> Break | None:
        """The first definition break of one of `inputs` that a change over `window` years
        to this view's year would span: its year after the earlier year read and no later
        than this one (each input's years as its source is read, `year_of`); None if none."""
        for found in self._cache.get("breaks", ()):
            if (found.source, found.indicator) in inputs:
                first, last = self.year_of(found.source, window), self.year_of(found.source)
                if first is not None and last is not None and first < found.year <= last:
                    return found
        return None

    def _column(self, field: str, source: str, indicator: str, lag: int) -> pd.Series:
        cells = self._known.cells(source, indicator, self.year_of(source, lag))
        if cells is None:
            return pd.Series(np.nan, index=self.index)
        return pd.Series(getattr(cells, field), index=self.index)

    def get(self, source: str, indicator: str, lag: int = 0) -> pd.Series:
        """Reported value of year `year - lag` (currency in £), NaN where absent."""
        return self._column("value", source, indicator, lag)

    def state(self, source: str, indicator: str, lag: int = 0) -> pd.Series:
        """1 reported, 0 missing return, 0.5 other status, NaN where the source has no row."""
        return self._column("state", source, indicator, lag)

    def history(self, source: str, indicator: str) -> pd.DataFrame:
        """Values of every year up to this view's year: councils × years, oldest first."""
        years = list(self.years[: max(self.at + 1 - self.carried.get(source, 0), 0)])
        values = np.full((len(self.index), len(years)), np.nan)
        for position, year in enumerate(years):
            cells = self._known.cells(source, indicator, year)
            if cells is not None:
                values[:, position] = cells.value
        return pd.DataFrame(values, index=self.index, columns=years)

    def position(self, indicator: str) -> tuple[pd.Series, pd.Series]:
        """The latest dated position (BI stock, £) known on the view's date, and its date;
        NaN where none. Only the as-of year's own view has positions (they are not yearly)."""
        empty = pd.Series(np.nan, index=self.index)
        frame = self._positions
        if self.at != len(self.years) - 1 or frame is None or ("value", indicator) not in frame:
            return empty, empty.astype(object)
        return frame[("value", indicator)], frame[("period_end", indicator)]

    def shift(self, lag: int) -> View:
        """The same knowledge seen from `lag` years before this view's year."""
        return View(
            self._known,
            self.years,
            self.at - lag,
            self.classes,
            self.neighbours,
            self._cache,
            self._positions,
            self.carried,
            self.codes,
        )

    def neighbour_sets(self) -> NeighbourSets:
        """Each council's nearest neighbours among this year's councils, as table rows."""
        if "neighbours" not in self._cache:
            pairs = neighbour_positions(self.index, self.neighbours)
            self._cache["neighbours"] = NeighbourSets.of(pairs, len(self.index))
        return self._cache["neighbours"]

    def derived(self, name: str, lag: int, build: Callable[[], object]) -> object:
        """An input derived from the view's knowledge (`name` for the year `lag` before the
        view's), built once for all the views of one as-of date (shifted ones included)."""
        key = (name, self.at - lag)
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def feature(self, name: str) -> pd.Series:
        """A registered feature for this view's year, built once: floats, on the view's
        councils (put in their order only where a builder gave another), held as one new
        series (a view builds hundreds, and pandas' reindex, astype and rename each make
        one)."""
        key = (self.at, name)
        if key not in self._cache:
            if self.at < 0:
                values = np.full(len(self.index), np.nan)
            else:
                built = FEATURES[name].build(self)
                if not built.index.equals(self.index):  # the same index object: no comparison
                    built = built.reindex(self.index)
                values = built.to_numpy(dtype=float)
            self._cache[key] = pd.Series(values, index=self.index, name=name)
        return self._cache[key]


def plain_labels(classes: pd.Series) -> pd.Series:
    """`classes` indexed by its GSS codes as plain objects. pandas slices a Series' index in
    `where` and arithmetic, and copies an index of Arrow text to objects at every slice:
    ~0.1 ms a call at 3,000 councils, over the builders' hundreds of calls a view."""
    if classes.index.dtype == object:
        return classes
    return classes.set_axis(classes.index.astype(object))


def councils_of(authority_years: pd.DataFrame, as_of: str) -> pd.Series:
    """Class of each council that filed an outturn return for the year, by GSS code."""
    rows = authority_years[authority_years["financial_year"] == as_of]
    classes = rows.drop_duplicates("gss_code").set_index("gss_code")["class"]
    return classes.sort_index().rename("class")


def build_features(
    panel: pd.DataFrame,
    authority_years: pd.DataFrame,
    as_of: str,
    neighbours: pd.DataFrame | None = None,
    seen_by: str | None = None,
    breaks: tuple[Break, ...] | None = None,
) -> pd.DataFrame:
    """One row per council that filed an outturn return for `as_of`, one column per feature.

    Columns: gss_code, as_of, class, then every registered feature. Only what was known
    on `as_of_date(as_of)` is used, or on a later review date `seen_by` (then the latest
    dated positions, such as borrowing at 31 December 2025, can postdate the year);
    `neighbours` (gss_code, neighbour_gss) adds the nearest-neighbour peer values, which
    are NaN without it. No change or slope spans one of `breaks` (`features.breaks_for_trends`
    gives the declared and the suspected ones not accepted; None: the declared only).
    """
    classes = councils_of(authority_years, check_year(as_of))
    breaks = configured("declared") if breaks is None else breaks
    view = View.as_of(panel, classes, as_of, neighbours, seen_by, breaks)
    return feature_frame(view, as_of, [f.name for f in ordered()])


def feature_frame(view: View, as_of: str, names: list[str]) -> pd.DataFrame:
    """The frame of features `names` built on `view`: gss_code (as given to the view),
    as_of, class, then each."""
    ids = pd.DataFrame({"gss_code": view.codes, "as_of": as_of, "class": view.classes.to_numpy()})
    columns = pd.DataFrame({name: view.feature(name).to_numpy() for name in names})
    return pd.concat([ids, columns], axis=1)


def build_history(
    panel: pd.DataFrame,
    authority_years: pd.DataFrame,
    years: list[str] | None = None,
    neighbours: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The feature frames of several as-of years stacked (default: every year filed)."""
    years = years or sorted(authority_years["financial_year"].unique())
    prepared = prepare(panel)
    frames = [build_features(prepared, authority_years, year, neighbours) for year in years]
    return pd.concat(frames, ignore_index=True)
