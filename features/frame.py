"""Point-in-time views of the panel, and the feature frame built from them.

A `View` is what was known as of a date (`features.seen`: the rows published by then,
the latest release of each value, a return not yet held read a year earlier), seen from
one year of the history, for one as-of year's councils or several years' at once (a
stacked view: the chunked build runs every builder once for all the years of a chunk); the
feature builders read their inputs through it, and `feature_frames` turns the registered
features into a frame for each as-of year (`build_features`: one year).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

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


@dataclass(frozen=True)
class AsOfYear:
    """The councils of one as-of year in a view: what was known of them on its date
    (`known`), the financial years of its history (oldest first) and the one read (`at`: the
    as-of year, or earlier in a shifted view), the outturn sources whose latest return is
    carried (`carried`, each with its years back), their latest dated positions, their codes
    as given, and the rows of the view they fill."""

    known: Known
    years: tuple[str, ...]
    at: int
    carried: dict[str, int]
    positions: pd.DataFrame | None
    codes: pd.Index
    rows: slice

    @property
    def as_of(self) -> str:
        return self.years[-1]

    @property
    def size(self) -> int:
        """How many councils (rows of the view) the year has."""
        return self.rows.stop - self.rows.start

    @property
    def year(self) -> str | None:
        """The financial year read; None before the history."""
        return self.year_at(0)

    def year_at(self, lag: int = 0) -> str | None:
        """The financial year `lag` years before the year read; None before the history."""
        position = self.at - lag
        return self.years[position] if 0 <= position < len(self.years) else None

    def year_of(self, source: str, lag: int = 0) -> str | None:
        """The financial year a source is read at, `lag` years before the year read: the
        same year, or earlier for a source whose latest return is carried."""
        return self.year_at(lag + self.carried.get(source, 0))

    def history_years(self, source: str) -> tuple[str, ...]:
        """The years of a source read up to the year read, oldest first."""
        return self.years[: max(self.at + 1 - self.carried.get(source, 0), 0)]

    def break_within(
        self, breaks: tuple[Break, ...], inputs: tuple[tuple[str, str], ...], window: int
    ) -> Break | None:
        """The first of `breaks` in one of `inputs` that a change over `window` years to the
        year read would span: its year after the earlier year read and no later than this
        one (each input's years as its source is read, `year_of`); None if none."""
        for found in breaks:
            if (found.source, found.indicator) in inputs:
                first, last = self.year_of(found.source, window), self.year_of(found.source)
                if first is not None and last is not None and first < found.year <= last:
                    return found
        return None


class View:
    """What was known as of a date, seen from one year of the history, for the councils of
    one as-of year (`as_of`) or of several at once (`stacked`: their rows one year after
    another, each year a part, `AsOfYear`).

    `get(source, indicator, lag)` is that input for year `year - lag` for every row (NaN where
    absent), or for a source whose return for the as-of year is not yet held (carried) that
    many years earlier still; `shift(k)` is the same knowledge seen from k years earlier (the
    values for earlier years as revised by the as-of date); `per_year` gives a builder what
    it needs of each row's year; `feature(name)` builds a registered feature once per view.

    A view of one year labels its rows by the councils' GSS codes as plain objects (`index`,
    `classes`); a stacked view numbers them (a council is on a row a year). Each part keeps
    its councils' codes as given, for the frames.
    """

    def __init__(
        self,
        parts: tuple[AsOfYear, ...],
        classes: pd.Series,
        neighbours: pd.DataFrame | None,
        breaks: tuple[Break, ...],
        cache: dict,
    ) -> None:
        self.parts = parts
        self.classes = classes
        self.neighbours = neighbours
        self.breaks = breaks
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
        (`broken`). `panel` may be held wide already (`Releases`, to derive many years' views
        from). `seen` is what all councils' rows say (`Seen`) where `panel` holds only some
        of them (a chunk); by default the panel's own."""
        known = panel if isinstance(panel, Releases) else Releases(panel)
        if seen is None:
            if known.seen is None:
                raise ValueError("a view of a chunk's releases needs what all councils' rows say")
            seen = known.seen.at(as_of, check_seen_by(as_of, seen_by))
        first = seen.first_year
        years = year_range(min(first, as_of) if first is not None else as_of, as_of)
        positions = known.positions.latest(check_seen_by(as_of, seen_by))
        labelled = plain_labels(classes)
        part = AsOfYear(
            known.known(classes.index, as_of, seen_by),
            years,
            len(years) - 1,
            seen.carried(as_of),
            positions.reindex(labelled.index),
            classes.index,
            slice(0, len(classes)),
        )
        return cls((part,), labelled, neighbours, breaks, {})

    @classmethod
    def stacked(cls, views: list[View]) -> View:
        """The views of several as-of years (each of one year, without neighbours, of one
        build: the same `breaks`) as one, their rows one year after another: a builder then
        runs once for every year, its per-call cost (pandas', hundreds of calls a view) paid
        once rather than once a year. Each row's features equal its year's own view's."""
        parts, start = [], 0
        for view in views:
            (part,) = view.parts
            parts.append(replace(part, rows=slice(start, start + len(view.index))))
            start += len(view.index)
        classes = np.concatenate([view.classes.to_numpy() for view in views])
        return cls(tuple(parts), pd.Series(classes, name="class"), None, views[0].breaks, {})

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
        part = AsOfYear(
            Known.nothing(len(classes)),
            (as_of,),
            0,
            {},
            None,
            classes.index,
            slice(0, len(classes)),
        )
        cache = {
            ((0,), name): pd.Series(built[name].to_numpy(), index=labelled.index, name=name)
            for name in built.columns
        }
        return cls((part,), labelled, neighbours, (), cache)

    @property
    def index(self) -> pd.Index:
        return self.classes.index

    @property
    def year(self) -> str | None:
        """The financial year read, in a view of one as-of year (`per_year` in any view)."""
        if len(self.parts) != 1:
            raise ValueError("a view of several as-of years reads a year per row: use per_year")
        return self.parts[0].year

    @property
    def depth(self) -> int:
        """How many years the longest history read holds, the year read included: the lags
        a builder looks back over (a row's years before its own history read NaN)."""
        return max(part.at + 1 for part in self.parts)

    def per_year(self, value: Callable[[AsOfYear], object]) -> np.ndarray:
        """`value` of each as-of year's part (`AsOfYear`: the year it reads, the sources it
        carries, a definition break) on each of its rows: what a builder asks of the year
        read, as one array over the view's rows."""
        sizes = [part.size for part in self.parts]
        return np.repeat(np.asarray([value(part) for part in self.parts]), sizes)

    def broken(self, inputs: tuple[tuple[str, str], ...], window: int) -> np.ndarray:
        """Rows whose change over `window` years to the year read would span a definition
        break of one of `inputs` (`AsOfYear.break_within`)."""
        return self.per_year(
            lambda part: part.break_within(self.breaks, inputs, window) is not None
        )

    def _column(
        self, field: str, source: str, indicator: str | Callable[[str | None], str], lag: int
    ) -> pd.Series:
        pieces = []
        for part in self.parts:
            year = part.year_of(source, lag)
            name = indicator if isinstance(indicator, str) else indicator(year)
            cells = part.known.cells(source, name, year)
            pieces.append(np.full(part.size, np.nan) if cells is None else getattr(cells, field))
        return pd.Series(
            pieces[0] if len(pieces) == 1 else np.concatenate(pieces), index=self.index
        )

    def get(
        self, source: str, indicator: str | Callable[[str | None], str], lag: int = 0
    ) -> pd.Series:
        """Reported value of year `year - lag` (currency in £), NaN where absent. `indicator`
        may be a function of the financial year read giving the line's name (a line renamed
        between years)."""
        return self._column("value", source, indicator, lag)

    def state(self, source: str, indicator: str, lag: int = 0) -> pd.Series:
        """1 reported, 0 missing return, 0.5 other status, NaN where the source has no row."""
        return self._column("state", source, indicator, lag)

    def history(self, source: str, indicator: str) -> pd.DataFrame:
        """Values of every year up to the year read: rows × years, oldest first. Each row's
        years end at the last column; in a view of several as-of years, the columns are
        numbered and a row holds NaN before its own first year."""
        width = max(len(part.history_years(source)) for part in self.parts)
        values = np.full((len(self.index), width), np.nan)
        for part in self.parts:
            years = part.history_years(source)
            for position, year in enumerate(years, start=width - len(years)):
                cells = part.known.cells(source, indicator, year)
                if cells is not None:
                    values[part.rows, position] = cells.value
        if len(self.parts) == 1:
            return pd.DataFrame(values, index=self.index, columns=list(years))
        return pd.DataFrame(values, index=self.index)

    def position(self, indicator: str) -> tuple[pd.Series, pd.Series]:
        """The latest dated position (BI stock, £) known on the view's date, and its date
        (text); NaN where none. Only an as-of year's own rows have positions (they are not
        yearly): a shifted view's have none."""
        value = np.full(len(self.index), np.nan)
        date = np.full(len(self.index), np.nan, dtype=object)
        for part in self.parts:
            frame = part.positions
            if (
                part.at == len(part.years) - 1
                and frame is not None
                and ("value", indicator) in frame
            ):
                value[part.rows] = frame[("value", indicator)].to_numpy()
                date[part.rows] = frame[("period_end", indicator)].to_numpy(dtype=object)
        return pd.Series(value, index=self.index), pd.Series(date, index=self.index)

    def shift(self, lag: int) -> View:
        """The same knowledge seen from `lag` years before the year read."""
        parts = tuple(replace(part, at=part.at - lag) for part in self.parts)
        return View(parts, self.classes, self.neighbours, self.breaks, self._cache)

    def neighbour_sets(self) -> NeighbourSets:
        """Each council's nearest neighbours among this year's councils, as table rows."""
        if "neighbours" not in self._cache:
            pairs = neighbour_positions(self.index, self.neighbours)
            self._cache["neighbours"] = NeighbourSets.of(pairs, len(self.index))
        return self._cache["neighbours"]

    def derived(self, name: str, lag: int, build: Callable[[], object]) -> object:
        """An input derived from the view's knowledge (`name` for the year `lag` before the
        view's), built once for all the views of one as-of date (shifted ones included)."""
        key = (name, tuple(part.at - lag for part in self.parts))
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def feature(self, name: str) -> pd.Series:
        """A registered feature for the year read, built once: floats, on the view's rows
        (put in their order only where a builder gave another; NaN on the rows of a year
        shifted before its history), held as one new series (a view builds hundreds, and
        pandas' reindex, astype and rename each make one)."""
        key = (tuple(part.at for part in self.parts), name)
        if key not in self._cache:
            before = [part.rows for part in self.parts if part.at < 0]
            if len(before) == len(self.parts):
                values = np.full(len(self.index), np.nan)
            else:
                built = FEATURES[name].build(self)
                if not built.index.equals(self.index):  # the same index object: no comparison
                    built = built.reindex(self.index)
                values = built.to_numpy(dtype=float)
                if before:  # a copy: the builder's values may be another feature's
                    values = values.copy()
                    for rows in before:
                        values[rows] = np.nan
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
    return feature_frames(view, [f.name for f in ordered()])[as_of]


def feature_frames(view: View, names: list[str]) -> dict[str, pd.DataFrame]:
    """The frame of features `names` built on `view`, for each of its as-of years:
    gss_code (as given to the view), as_of, class, then each feature."""
    columns = {name: view.feature(name).to_numpy() for name in names}
    classes = view.classes.to_numpy()
    frames = {}
    for part in view.parts:
        rows = part.rows
        ids = pd.DataFrame({"gss_code": part.codes, "as_of": part.as_of, "class": classes[rows]})
        values = pd.DataFrame({name: column[rows] for name, column in columns.items()})
        frames[part.as_of] = pd.concat([ids, values], axis=1)
    return frames


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
