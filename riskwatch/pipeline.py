"""As-of assembly: from the panel to the feature frame of every year a council is scored as of.

Pure functions of the tables; the CLI loads the tables and writes the outputs. The labelled
rows built from the frames are riskwatch.dataset's; the backtest run on them riskwatch.backtest's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

# progress(items, length=None) yields the items, perhaps drawing a bar; `length` for results
# that arrive lazily (counting them first would wait for all of them).
Progress = Callable[..., Iterable]


def no_progress(items: Iterable, length: int | None = None) -> Iterable:
    """The items, drawing nothing: for callers with no terminal."""
    return items


ESSENTIAL_COVERAGE = 0.9  # share of a year's councils with a reported net revenue spending


def score_years(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Years a council can be scored as of: those whose essential indicator, outturn net
    revenue expenditure (RS), is reported for at least 90% of the year's councils (every
    ratio is taken to it). A year whose councils filed other outturn returns (capital,
    service spending) before its RS is held reads the RS of the year before, as its
    feature frame does (`carried_sources`), and is judged on that year's coverage."""
    from riskwatch.data.years import financial_year_starting
    from riskwatch.features.seen import HELD_SHARE

    councils = tables["authority_years"].groupby("financial_year")["gss_code"].nunique()
    panel = tables["panel"]
    reported = panel[
        (panel["source"] == "RS")
        & (panel["indicator"] == "net_revenue_expenditure")
        & (panel["status"] == "reported")
    ]
    with_nre = reported.groupby("financial_year")["gss_code"].nunique().reindex(councils.index)
    year_before = [financial_year_starting(int(year[:4]) - 1) for year in with_nre.index]
    before = pd.Series(with_nre.reindex(year_before).to_numpy(), index=with_nre.index)
    read = with_nre.where(~(with_nre.fillna(0) < HELD_SHARE * before), before)
    share = (read / councils).dropna()
    return sorted(str(year) for year in share[share >= ESSENTIAL_COVERAGE].index)


def latest_seen_year(years: list[str], seen_by: str) -> str:
    """The latest of `years` whose outturn was published by `seen_by` (the review date)."""
    from riskwatch.errors import RiskwatchError
    from riskwatch.features.seen import as_of_date

    published = [year for year in years if as_of_date(year) <= seen_by]
    if not published:
        raise RiskwatchError(
            f"no outturn year was published by {seen_by} (the first, {years[0]}, was "
            f"published on {as_of_date(years[0])})",
            field="review date",
        )
    return published[-1]


@dataclass(frozen=True)
class Review:
    """A review dated `date` scoring the year `year`: that year's frame reads every value
    as the latest vintage published on or before the review date (a revision of the year,
    or of any year before it, shows from the day it was published), and the latest dated
    positions by then. Every other year keeps the cutoff of its own as-of date."""

    year: str
    date: str


def review_of(years: list[str], as_of: str, seen_by: str) -> Review | None:
    """The review dated `seen_by` when it scores `as_of` (the latest of `years` published by
    then), else None: a year asked for that the review date has moved past is read as of
    its own date, as a backtest reads it."""
    return Review(as_of, seen_by) if latest_seen_year(years, seen_by) == as_of else None


# Councils per chunk of the feature build: the real panel (under 700 councils) is one
# chunk; a national panel's chunk holds about 4 M panel rows.
CHUNK_COUNCILS = 2000


def feature_frames(
    tables: dict[str, pd.DataFrame],
    years: list[str],
    progress: Progress = no_progress,
    review: Review | None = None,
    scheduler: str | None = None,
    chunk_councils: int = CHUNK_COUNCILS,
    mapper: Callable[[Callable, Iterable], Iterable] | None = None,
) -> dict[str, pd.DataFrame]:
    """The feature frame as of each year (only data published by then); the year a
    `review` scores reads what was published by the review date instead. No other year,
    so no training row, is affected. Built in chunks of `chunk_councils` councils
    (`features.chunked`), mapped by `mapper` (like `map`; default the current engine's,
    `riskwatch.cluster.using_engine`: this machine's cores, or a Dask cluster's workers),
    or through joblib on the cluster at a Dask `scheduler` address (the backtest's path).
    The frames are the same whatever the chunks and wherever they run."""
    from contextlib import nullcontext

    from riskwatch.cluster import current_engine, on_cluster
    from riskwatch.features import breaks_for_trends, prepare
    from riskwatch.features.chunked import chunked_frames, split_councils

    breaks = breaks_for_trends(tables["panel"], tables["authority_years"])
    panel = prepare(tables["panel"])  # encoded once, not once per chunk
    chunks = split_councils(panel, tables["authority_years"], chunk_councils)
    dates = {
        year: review.date if review is not None and review.year == year else None for year in years
    }
    if mapper is None:
        mapper = _joblib_map if scheduler else current_engine().map
    with on_cluster(scheduler) if scheduler else nullcontext():
        return chunked_frames(chunks, dates, tables.get("neighbours"), breaks, mapper, progress)


def _joblib_map(function: Callable, items: Iterable) -> Iterable:
    """`map` through joblib: in process, or on the Dask cluster of an `on_cluster` block."""
    from joblib import Parallel, delayed

    return Parallel(return_as="generator")(delayed(function)(item) for item in items)


def frames_key(
    tables: dict[str, pd.DataFrame],
    catalogue_version: str,
    years: list[str],
    review: Review | None = None,
) -> str:
    """What the feature frames depend on: panel, peer sets, catalogue, code version, years,
    and the review (its year and date) where one reads a year by a later date."""
    import hashlib

    from riskwatch import __version__
    from riskwatch.data.store.table_store import panel_fingerprint

    parts = [
        panel_fingerprint(tables["panel"]),
        panel_fingerprint(tables["neighbours"]),
        catalogue_version,
        _features_source_hash(),
        _frame_configs_hash(),
        __version__,
        ",".join(years),
        f"{review.year}@{review.date}" if review is not None else "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


# Configs read while a frame is built: releases.toml dates the as-of cut (features/seen.py),
# breaks.toml says which changes are missing (features/breaks.py).
FRAME_CONFIGS = ("releases.toml", "breaks.toml")


def _frame_configs_hash() -> str:
    """A hash of the configs that shape a frame: editing a publication rule invalidates it."""
    import hashlib
    from importlib import resources

    package = resources.files("riskwatch.configs")
    texts = b"".join(name.encode() + package.joinpath(name).read_bytes() for name in FRAME_CONFIGS)
    return hashlib.sha256(texts).hexdigest()[:16]


def _features_source_hash() -> str:
    """A hash of the feature builders' code: editing a builder invalidates cached frames."""
    import hashlib
    from importlib import resources

    package = resources.files("riskwatch.features")
    sources = sorted(
        (entry.name, entry.read_bytes())
        for entry in package.iterdir()
        if entry.name.endswith(".py")
    )
    return hashlib.sha256(b"".join(name.encode() + code for name, code in sources)).hexdigest()[:16]
