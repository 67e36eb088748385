"""The tables and feature frames a command works on, and the review date of a command run
today. Frames come from the cache when their inputs are unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riskwatch.pipeline import Review

ProgressFactory = Callable[[str], Callable[..., Any]]


def no_bars(description: str) -> Callable[..., Any]:
    """A progress factory that draws nothing."""
    from riskwatch.pipeline import no_progress

    return no_progress


def load_frames(
    data_dir: Path,
    tables: dict | None = None,
    review: Review | None = None,
    progress: ProgressFactory = no_bars,
    scheduler: str | None = None,
):
    """Tables, every year's feature frame and the feature set; the year a `review` scores
    read by its date where given. Frames come from the cache when their inputs are unchanged,
    else are built here or, with a Dask `scheduler` address, on that cluster."""
    from riskwatch.data.store.frame_cache import cached_frames
    from riskwatch.data.store.table_store import load_tables
    from riskwatch.dataset import feature_set
    from riskwatch.pipeline import feature_frames, frames_key, score_years

    tables = tables if tables is not None else load_tables(data_dir)
    features = feature_set()
    years = score_years(tables)
    key = frames_key(tables, features.catalogue_version, years, review)
    frames = cached_frames(
        key,
        lambda: feature_frames(
            tables,
            years,
            progress=progress("building features"),
            review=review,
            scheduler=scheduler,
        ),
    )
    return tables, frames, features


def today() -> str:
    """The review date of a watchlist, an explanation or a model trained to score: today."""
    import datetime

    return datetime.date.today().isoformat()


def frames_seen_by(
    data_dir: Path, tables: dict, as_of: str, seen_by: str, progress: ProgressFactory = no_bars
):
    """`load_frames` for scoring (or training a model to score) `as_of` on the review date
    `seen_by`: when the review scores `as_of` (the latest year published by then), its frame
    reads every value as the latest vintage published by that date (`review_of`)."""
    from riskwatch.pipeline import review_of, score_years

    return load_frames(data_dir, tables, review_of(score_years(tables), as_of, seen_by), progress)
