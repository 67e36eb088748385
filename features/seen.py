"""What was known when: the panel encoded once, the rows seen on a date, and the wide
table every as-of view of the features is derived from.

As of year t, an analyst has seen the values for years up to t that were published by
the day year t's outturn (RS) is published; where several releases of one value are
visible, the latest of them. An outturn return not yet held for year t (RS 2024-25,
when only its capital and service returns are) is read at its latest year instead, one
year earlier at most, with its whole history moved along: its latest outturn stands for
year t and its changes are taken between its own years (`carried_sources`). Budgets and
forecasts are never carried: a plan describes its own year only. Currency values are held
in pounds whatever unit the source printed (a multiplication, exact for whole numbers), so
every ratio is the same whichever unit a release used.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from riskwatch.data.registry import KIND_OF_SOURCE
from riskwatch.data.schema import TO_POUNDS
from riskwatch.data.store.vintages import rule_publication_date
from riskwatch.errors import RiskwatchError
from riskwatch.years import financial_year_starting, is_financial_year

STATE = {"reported": 1.0, "missing_return": 0.0}  # other statuses (not_available) -> 0.5
KEY = ["gss_code", "source", "indicator", "financial_year"]
DATES = ("period_end", "published")
PREPARED_FROM = (*KEY, *DATES, "status", "unit", "value")  # the panel columns `prepare` reads
# An outturn return covering fewer councils than this share of its year before counts as
# not yet held for the year: the year before is read instead.
HELD_SHARE = 0.5
POSITIONS = "BI"  # the source of dated positions a view holds apart (`View.position`)
SEEN_FROM = ("gss_code", "source", "financial_year", "published")  # the columns `Seen` reads


def check_year(year: str) -> str:
    """A financial year written '2016-17', or a one-line error."""
    if not is_financial_year(str(year)):
        raise RiskwatchError(f"financial year '{year}' should look like 2016-17", field="as_of")
    return str(year)


def year_range(first: str, last: str) -> tuple[str, ...]:
    """Consecutive financial years from `first` to `last`, both included."""
    return tuple(map(financial_year_starting, range(int(first[:4]), int(last[:4]) + 1)))


def as_of_date(as_of: str) -> str:
    """The day year `as_of` is taken as seen: when its revenue outturn (RS) is published."""
    return rule_publication_date("RS", check_year(as_of))


def check_seen_by(as_of: str, seen_by: str | None) -> str:
    """The date data are taken as seen: the as-of date, or a later review date given."""
    first = as_of_date(as_of)
    if seen_by is None:
        return first
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(seen_by)) or seen_by < first:
        raise RiskwatchError(
            f"seen-by date '{seen_by}' should be an ISO date on or after {first}, when "
            f"{as_of}'s outturn was published",
            field="seen_by",
        )
    return seen_by


class Positions:
    """The dated positions of a panel (stocks at a date: BI), put in order once so that the
    latest of each council and indicator seen by any date (`latest`) is one pass over them.

    Within each council and indicator, rows run by period end, then publication, then panel
    order: the latest seen by a date is the last row of its group published and dated by it.
    """

    def __init__(self, rows: pd.DataFrame) -> None:
        rows = rows[~np.isnan(rows["value"].to_numpy())]
        group = key_codes(rows, ["gss_code", "indicator"])
        dates = [rows[c].cat.codes.to_numpy() for c in ("published", "period_end")]
        order = np.lexsort((np.arange(len(rows)), *dates, group))
        self.rows = rows.iloc[order]
        self.groups = run_starts(group[order])
        # the dates a row is seen by, from the later of its publication and its period end
        # (each as its place among both columns' dates; a missing one never)
        self.days = np.union1d(*(self.rows[c].cat.categories.to_numpy(dtype=object) for c in DATES))
        self.seen_from = np.maximum(*(self._day(c) for c in DATES))
        self.places = np.arange(len(self.rows))

    def _day(self, column: str) -> np.ndarray:
        """Each row's date in `column` as its place among `days`; past them all if missing."""
        dates = self.rows[column].cat
        places = np.searchsorted(self.days, dates.categories.to_numpy(dtype=object))
        return np.append(places, len(self.days))[dates.codes.to_numpy()]

    def latest(self, seen_by: str) -> pd.DataFrame:
        """The latest stock of each council and indicator published and dated by `seen_by`,
        whatever financial year it falls in: councils × (value, period_end) per indicator. A
        position can postdate the as-of year (borrowing at 31 December 2025 seen by a review
        in late 2026)."""
        rows = self.rows
        seen = self.seen_from < np.searchsorted(self.days, seen_by, side="right")
        last_seen = np.where(seen, self.places, -1)
        if len(rows):
            last_seen = np.maximum.reduceat(last_seen, self.groups)
        latest = rows.iloc[last_seen[last_seen >= 0]]
        councils, council = np.unique(latest["gss_code"].cat.codes, return_inverse=True)
        indicators, indicator = np.unique(latest["indicator"].cat.codes, return_inverse=True)
        shape = (len(councils), len(indicators))
        value, period_end = np.full(shape, np.nan), np.full(shape, np.nan, dtype=object)
        value[council, indicator] = latest["value"].to_numpy()
        period_end[council, indicator] = latest["period_end"].astype(object).to_numpy()
        names = rows["indicator"].cat.categories[indicators].astype(str).rename("indicator")
        codes = rows["gss_code"].cat.categories[councils].astype(str).rename("gss_code")
        return pd.concat(
            {
                "value": pd.DataFrame(value, index=codes, columns=names),
                "period_end": pd.DataFrame(period_end, index=codes, columns=names).astype(str),
            },
            axis=1,
        )


def _per_row(column: pd.Series, mapping: dict[str, float], default: float) -> np.ndarray:
    """A categorical column mapped to floats through its categories (missing -> default)."""
    table = [mapping.get(category, default) for category in column.cat.categories]
    return np.asarray([*table, default], dtype=float)[column.cat.codes.to_numpy()]


def encode(panel: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, pd.Series]:
    """Text columns as categories, whose categories sort as the ISO text does (a column
    already categorical, as `prepare` leaves it or a reader of dictionary-encoded Parquet
    gives it, keeps its codes once its categories are in that order)."""
    return {c: _sorted_categories(panel[c]) for c in columns}


def _sorted_categories(column: pd.Series) -> pd.Series:
    """`column` as a categorical whose categories are in text order."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype("category")
    if column.cat.categories.is_monotonic_increasing:
        return column
    return column.cat.reorder_categories(column.cat.categories.sort_values())


def key_codes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per row that is equal exactly where the rows' categorical `columns` are
    (a missing part equal to a missing part): the columns' codes combined."""
    codes = [frame[column].cat for column in columns]
    return folded(
        tuple(c.codes.to_numpy() + 1 for c in codes),  # a missing part (-1) is 0
        tuple(len(c.categories) + 1 for c in codes),
    )


def folded(keys: tuple[np.ndarray, ...], sizes: tuple[int, ...]) -> np.ndarray:
    """Whole-number `keys` (each from 0 to its size less one) folded into one integer per
    row, the first most significant: equal exactly where every key is, and ordered as the
    keys are read left to right."""
    if math.prod(sizes) >= 2**63:
        raise ValueError(f"keys of sizes {sizes} do not fold into one 64-bit integer")
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key, size in zip(keys, sizes, strict=True):  # in place: a chunk has millions of rows
        combined *= size
        combined += key
    return combined


def shared_key(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Which rows share their key (`columns`, categorical) with another row:
    `frame.duplicated(columns, keep=False)`."""
    order, starts = _runs_of_keys(key_codes(frame, columns))
    alone = np.diff(np.append(starts, len(order))) == 1  # a run of one row
    shared = np.ones(len(order), dtype=bool)
    shared[order[starts[alone]]] = False
    return shared


def _runs_of_keys(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows in order of their key (`key_codes`), ties in row order, and where each key's run
    starts. A sort, not a hash table: a panel comes mostly in key order already, and
    sorting a chunk's 5 million keys then takes a fifth of hashing them."""
    order = np.argsort(codes, kind="stable")
    return order, run_starts(codes[order])


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in an array that holds each value's run together."""
    changes = np.append(True, ordered[1:] != ordered[:-1])
    return np.flatnonzero(changes[: len(ordered)])  # none in an empty array


def prepare(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel columns the builders read, encoded once (`encoded_values`), with
    `released_again` where another row has the same key (several releases of one value:
    only those rows can need `visible` to choose among releases).

    `build_features` prepares a raw panel itself; prepare once to build many years.
    """
    panel = encoded_values(panel)
    if "released_again" in panel.columns:
        return panel
    return panel.assign(released_again=shared_key(panel, KEY))


def encoded_values(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel columns the builders read, encoded: keys and dates as categories (their
    categories sort as the ISO text does), `value` in pounds for currency units and NaN
    unless reported, `state` 1 reported, 0 missing return, 0.5 other status. A panel
    prepared already (it has `state`) is returned as it is."""
    if "state" in panel.columns:  # prepared already, or assembled in its shape
        return panel
    encoded = encode(panel, (*KEY, *DATES))
    status = panel["status"].astype("category")
    pounds = _per_row(panel["unit"].astype("category"), TO_POUNDS, 1.0)
    value = panel["value"].to_numpy(dtype=float) * pounds
    prepared = pd.DataFrame(
        {
            **encoded,
            "value": np.where(_per_row(status, {"reported": 1.0}, 0.0) == 1.0, value, np.nan),
            "state": _per_row(status, STATE, 0.5),
        }
    )
    return prepared


def _up_to(column: pd.Series, last: str) -> np.ndarray:
    """Rows whose (categorical, ISO text) value is at most `last`; missing values never."""
    allowed = np.append(column.cat.categories.to_numpy(dtype=object) <= last, False)
    return allowed[column.cat.codes.to_numpy()]


def seen_rows(panel: pd.DataFrame, as_of: str, seen_by: str | None = None) -> np.ndarray:
    """Which rows of a prepared panel are seen as of `as_of`: years up to it, published by
    its as-of date or a later `seen_by` (every release of a value seen counts)."""
    published = check_seen_by(as_of, seen_by)
    return _up_to(panel["financial_year"], as_of) & _up_to(panel["published"], published)


def visible(panel: pd.DataFrame, as_of: str, seen_by: str | None = None) -> pd.DataFrame:
    """One row per council, source, indicator and year as known on the as-of date.

    Only years up to `as_of` and rows published by the as-of date, or by `seen_by` where a
    later review date is given (rows without a publication date are never taken as seen); of
    several visible releases of one value, the latest period end, then the latest
    publication. Columns as `prepare` gives them (keys, value, state, period end, published).
    """
    panel = prepare(panel)
    rows = panel[seen_rows(panel, as_of, seen_by)]
    repeated = rows["released_again"].to_numpy().copy()  # a key twice seen is twice released
    repeated[repeated] = shared_key(rows[repeated], KEY)
    if repeated.any():
        latest = (
            rows[repeated].sort_values(list(DATES), kind="stable").drop_duplicates(KEY, keep="last")
        )
        rows = pd.concat([rows[~repeated], latest])
    keys = {c: rows[c].cat.remove_unused_categories() for c in KEY}
    dates = {c: rows[c] for c in DATES}
    return pd.DataFrame(
        {**keys, "value": rows["value"], "state": rows["state"], **dates}
    ).reset_index(drop=True)


@dataclass(frozen=True)
class Seen:
    """What the rows seen as of one date tell about all councils at once, so that councils
    built in separate chunks share it: the earliest financial year held (where every
    history starts), and the number of councils of each outturn source in the as-of year
    and the year before (which returns are not yet held, `carried`). Chunks of distinct
    councils add up (`+`) to the whole panel's."""

    first_year: str | None
    councils: dict[tuple[str, str], int]

    def __add__(self, other: Seen) -> Seen:
        years = [y for y in (self.first_year, other.first_year) if y is not None]
        councils = dict(self.councils)
        for key, count in other.councils.items():
            councils[key] = councils.get(key, 0) + count
        return Seen(min(years) if years else None, councils)

    def carried(self, as_of: str) -> dict[str, int]:
        """Outturn sources not yet held for `as_of`, each with the years its latest return
        lags the as-of year (always 1): a source holding fewer councils for `as_of` than
        HELD_SHARE of those it held the year before."""
        previous = financial_year_starting(int(as_of[:4]) - 1)
        return {
            source: 1
            for source in sorted({source for source, _ in self.councils})
            if self.councils.get((source, as_of), 0)
            < HELD_SHARE * self.councils.get((source, previous), 0)
        }


class Sightings:
    """When each financial year and each council's outturn returns were published, from a
    panel's rows (`SEEN_FROM`, categorical, as `encode` leaves them): `Seen` as of any year
    and date (`at`), read from the rows once rather than once a year. Several releases of
    one value count once."""

    def __init__(self, rows: pd.DataFrame) -> None:
        years, dates = rows["financial_year"].cat, rows["published"].cat
        year, date = (c.codes.to_numpy().astype(np.int64) for c in (years, dates))
        self.years = years.categories.to_numpy(dtype=object)
        self.dates = dates.categories.to_numpy(dtype=object)  # in ISO order: by code
        date[date < 0] = len(self.dates)  # undated: after every date
        dated = year >= 0
        held = np.bincount(
            year[dated] * (len(self.dates) + 1) + date[dated],
            minlength=len(self.years) * (len(self.dates) + 1),
        )
        self.year_dates = held.reshape(len(self.years), len(self.dates) + 1) > 0  # by date
        sources, councils = rows["source"].cat, rows["gss_code"].cat
        source, council = (c.codes.to_numpy().astype(np.int64) for c in (sources, councils))
        outturn = np.array(
            [KIND_OF_SOURCE.get(str(s)) == "outturn" for s in sources.categories], dtype=bool
        )
        self.sources = sources.categories.to_numpy(dtype=object)[outturn]  # outturn only
        slot_of = np.where(outturn, np.cumsum(outturn) - 1, -1)  # among them; -1 another
        slot = np.append(slot_of, -1)[source]  # (the last: a row without a source)
        taken = (slot >= 0) & dated & (council >= 0)
        shape = (len(self.sources), len(self.years), len(councils.categories))
        first = np.full(math.prod(shape), len(self.dates) + 1, dtype=np.int64)  # never
        cell = (slot[taken] * shape[1] + year[taken]) * shape[2] + council[taken]
        np.minimum.at(first, cell, date[taken])
        self.first_published = first.reshape(shape)  # each council's first, by source, year

    def at(self, as_of: str, seen_by: str | None) -> Seen:
        """`Seen` of the rows of years up to `as_of` published by `seen_by` (None: every row,
        dated or not)."""
        dates = len(self.dates) + 1 if seen_by is None else int((self.dates <= seen_by).sum())
        held = self.year_dates[:, :dates].any(axis=1) & (self.years <= as_of)
        previous = financial_year_starting(int(as_of[:4]) - 1)
        councils = {}
        for year in (as_of, previous):
            if year not in self.years:
                continue
            counts = (self.first_published[:, list(self.years).index(year)] < dates).sum(axis=1)
            councils |= {
                (str(self.sources[s]), year): int(counts[s]) for s in np.flatnonzero(counts)
            }
        return Seen(str(self.years[held.argmax()]) if held.any() else None, councils)


def seen_of(rows: pd.DataFrame, as_of: str) -> Seen:
    """`Seen` of prepared rows seen as of `as_of` (`visible`'s output, or any rows published
    by the date: several releases of one key count once)."""
    return Sightings(rows).at(as_of, None)


def carried_sources(rows: pd.DataFrame, as_of: str) -> dict[str, int]:
    """Outturn sources not yet held for `as_of` among visible rows (`visible`'s output), each
    with the years its latest return lags the as-of year (`Seen.carried`)."""
    return seen_of(rows, as_of).carried(as_of)


def read_year(panel: pd.DataFrame, as_of: str, source: str, seen_by: str | None = None) -> str:
    """The financial year `source` is read at as of `as_of`: the year itself, or the year
    before where its return for `as_of` is not yet held (`carried_sources`)."""
    lag = carried_sources(visible(panel, as_of, seen_by), as_of).get(source, 0)
    return financial_year_starting(int(as_of[:4]) - lag)


class Releases:
    """A prepared panel held wide once, so that every as-of view is derived from it rather
    than rebuilt (`known`): keys (source, indicator, year) × councils, as integer codes. A
    key's cells lie together: a view reads one key for all its councils at once.

    A key released once (most) has its value, state and publication date in one cell; an
    as-of view keeps the cells of its years published by its date. The rows of keys
    released again (several rows in one cell) are kept apart, by key, ordered as `visible`
    chooses among them (period end, then publication, then panel order; a missing period end
    last), so a view takes the last of each key's rows seen by its date. Of the panel itself, only
    the dated positions (`POSITIONS`) and when each year and each council's outturn returns
    were published (`seen`: `Sightings`) are kept, unless `keep_seen` is false (a chunk's
    views are given what all councils' rows say: its own rows are not counted).
    """

    def __init__(self, panel: pd.DataFrame, keep_seen: bool = True) -> None:
        panel = encoded_values(panel)
        self.positions = Positions(panel[(panel["source"] == POSITIONS).to_numpy()])
        self.seen = Sightings(panel) if keep_seen else None
        council = panel["gss_code"].cat.codes.to_numpy()
        categories = panel["gss_code"].cat.categories
        used = np.flatnonzero(np.bincount(council[council >= 0], minlength=len(categories)))
        self.councils = categories[used]
        row_of_code = np.zeros(len(categories) + 1, dtype=np.int64)  # a row without a council
        row_of_code[used] = np.arange(len(used))  # (code -1, the last slot) is left out below
        row = row_of_code[council]
        codes = [panel[c].cat for c in KEY[1:]]
        sizes = [len(c.categories) + 1 for c in codes]  # +1: a missing key part (code -1)
        column, keys = ranked(key_codes(panel, KEY[1:]), math.prod(sizes))  # keys in order
        parts = []
        for part, size in zip(reversed(codes), reversed(sizes), strict=True):
            keys, code = np.divmod(keys, size)
            parts.append(np.append(part.categories.to_numpy(dtype=object), np.nan)[code - 1])
        sources, indicators, years = reversed(parts)
        self.column_of = {  # a key of a year (not a missing one) -> its column
            key: j
            for j, key in enumerate(zip(sources, indicators, years, strict=True))
            if not pd.isna(key[2])
        }
        self.dates = panel["published"].cat.categories
        published = panel["published"].cat.codes.to_numpy()
        shape = (len(keys), len(self.councils) + 1)  # the last place: no council's
        placed = council >= 0
        cell = column * shape[1] + row  # each row's place in the wide table
        rows_in_cell = np.bincount(cell[placed], minlength=shape[0] * shape[1])
        again = rows_in_cell[cell] > 1  # a key released again: `prepare`'s released_again
        once = np.flatnonzero(~again & placed)
        self.value = np.full(shape, np.nan)
        self.state = np.full(shape, np.nan)
        self.published = np.full(shape, -1, dtype=published.dtype)
        for target, source in (
            (self.value, panel["value"].to_numpy()),
            (self.state, panel["state"].to_numpy()),
            (self.published, published),
        ):
            target.ravel()[cell[once]] = source[once]
        periods = len(panel["period_end"].cat.categories) + 1
        period = panel["period_end"].cat.codes.to_numpy().astype(np.int64)
        period[period < 0] = periods - 1  # sorted last, as `sort_values` puts NaN
        repeated = np.flatnonzero(again & placed)
        order = repeated[
            stable_order(
                (cell[repeated], period[repeated], published[repeated].astype(np.int64) + 1),
                (shape[0] * shape[1], periods, len(self.dates) + 1),
            )
        ]
        self.again = {
            "row": row[order],
            "value": panel["value"].to_numpy()[order],
            "state": panel["state"].to_numpy()[order],
            "published": published[order],
        }
        self.again_of = np.searchsorted(column[order], np.arange(len(keys) + 1))  # by column

    def known(self, councils: pd.Index, as_of: str, seen_by: str | None = None) -> Known:
        """What was known of `councils` as of `as_of` (`visible`'s rows, wide): years up to
        `as_of`, published by its as-of date or a later `seen_by`; NaN where nothing was
        seen. Rows in the order of `councils`."""
        date = check_seen_by(as_of, seen_by)
        position = self.councils.get_indexer(councils)
        rows = np.where(position >= 0, position, len(self.councils))  # the last: no council's
        return Known(self, rows, np.append(self.dates.to_numpy(dtype=object) <= date, False), as_of)


def ranked(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Each code's rank among the distinct `codes` (whole numbers below `size`), and those
    codes in order: `pd.factorize(codes, sort=True)`, from a table of the codes present
    rather than a hash table (a chunk's 5 million key codes in a quarter of the time)."""
    present = np.zeros(size, dtype=bool)
    present[codes] = True
    return (np.cumsum(present) - 1)[codes], np.flatnonzero(present)


def stable_order(keys: tuple[np.ndarray, ...], sizes: tuple[int, ...]) -> np.ndarray:
    """The stable order of rows by `keys` (as `folded` takes them): `np.lexsort` (ties kept
    in row order), as one stable sort of the folded keys, a third of lexsort's time on 2 M
    rows."""
    return np.argsort(folded(keys, sizes), kind="stable")


class Cells(NamedTuple):
    """One key's cells for every council of a view: value and state (NaN where not seen)."""

    value: np.ndarray
    state: np.ndarray


class Known:
    """What was known of some councils on one date (`Releases.known`), a key at a time:
    `cells(source, indicator, year)` is the value and the state of each council (NaN where
    nothing was seen). A view reads a few hundred of the thousands of keys held, so each is
    worked out when first read, not the whole table for every as-of year."""

    def __init__(
        self, releases: Releases | None, rows: np.ndarray, seen_date: np.ndarray, last_year: str
    ) -> None:
        self._releases = releases
        self._rows = rows  # each council's place in the wide table (the last: no council's)
        self._seen_date = seen_date  # by publication date code: seen (the last: no date)
        self._last_year = last_year
        self._place = np.full(len(releases.councils) + 1 if releases else 1, -1)
        self._place[rows] = np.arange(len(rows))  # a place in the wide table -> its council's
        self._cells: dict[tuple[str, str, str | None], Cells | None] = {}

    @classmethod
    def nothing(cls, councils: int) -> Known:
        """No value known of any of `councils` councils."""
        return cls(None, np.zeros(councils, dtype=np.int64), np.zeros(1, dtype=bool), "")

    def cells(self, source: str, indicator: str, year: str | None) -> Cells | None:
        """(value, state) of a key for every council, NaN where nothing was seen; None where
        no council has the key or its year is after the as-of year (not yet known)."""
        key = (source, indicator, year)
        if key not in self._cells:
            self._cells[key] = self._work_out(key)
        return self._cells[key]

    def _work_out(self, key: tuple[str, str, str | None]) -> Cells | None:
        releases = self._releases
        year = key[2]
        column = None if releases is None or year is None else releases.column_of.get(key)
        if column is None or year > self._last_year:
            return None
        rows, seen_date = self._rows, self._seen_date
        seen = seen_date[releases.published[column, rows]]
        value = np.where(seen, releases.value[column, rows], np.nan)
        state = np.where(seen, releases.state[column, rows], np.nan)
        first, end = releases.again_of[column], releases.again_of[column + 1]
        again = {name: part[first:end] for name, part in releases.again.items()}
        taken = np.flatnonzero(seen_date[again["published"]])  # by council, in visible's order
        if len(taken):
            starts = run_starts(again["row"][taken])
            last = taken[np.append(starts[1:], len(taken)) - 1]  # each council's last row
            placed = self._place[again["row"][last]]
            last, placed = last[placed >= 0], placed[placed >= 0]
            value[placed] = again["value"][last]
            state[placed] = again["state"][last]
        return Cells(value, state)
