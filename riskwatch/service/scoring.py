"""`riskwatch watchlist` and `explain`: the context a year is scored in (the tables, frames,
model and as-of year a review date sees), the watchlist, and a council named as typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from riskwatch.errors import RiskwatchError
from riskwatch.scoring_context import ScoringContext
from riskwatch.service.frames import ProgressFactory, frames_seen_by, no_bars, today
from riskwatch.service.models import champion


@dataclass(frozen=True)
class ScoringRequest:
    """What a scoring command asks for, built once by the command line: the data directory,
    the model (a registered version or alias), the year to score (None: the latest published
    by the review date) and the review date `seen_by`."""

    data_dir: Path
    model_ref: str
    as_of: str | None
    seen_by: str


def scoring_context(
    request: ScoringRequest,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
) -> ScoringContext:
    """The context to score with: by default the latest year published by the review date,
    whose frame then carries the latest dated positions published by that date; the model
    the request names, or its configuration refitted without hindsight where scoring with
    it would use hindsight (`retrospective_model`), said in one line."""
    from riskwatch.data.store.table_store import load_tables
    from riskwatch.features import feature_descriptions
    from riskwatch.pipeline import latest_seen_year, review_of, score_years
    from riskwatch.registered import check_inputs_present
    from riskwatch.tracking import store
    from riskwatch.training import retrospective_model

    data_dir, seen_by = request.data_dir, request.seen_by
    store.check_reachable()
    tables = load_tables(data_dir)
    years = score_years(tables)
    as_of = request.as_of or latest_seen_year(years, seen_by)
    if as_of not in years:
        raise RiskwatchError(
            f"no outturn data as of {as_of} (years held: {years[0]} to {years[-1]})",
            field="--as-of",
        )
    model = champion(data_dir, tables, request.model_ref, progress, announce)
    tables, frames, features = frames_seen_by(data_dir, tables, as_of, seen_by, progress)
    past_review = seen_by if seen_by < today() else None
    refitted = retrospective_model(tables, frames, features, model, as_of, past_review)
    if refitted is not None:
        announce(
            f"{refitted.description['refitted_because']}: scoring {as_of} with its "
            f"configuration refitted on the outcome windows closed by {as_of}"
        )
        model = refitted
    check_inputs_present(model, frames, as_of)
    review = review_of(years, as_of, seen_by)
    seen = review.date if review is not None else None
    return ScoringContext(tables, frames, features, feature_descriptions(), model, as_of, seen)


def watchlist(
    request: ScoringRequest,
    top: int | Literal["all"] | None,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
    engine: str = "local",
    scheduler: str | None = None,
):
    """The watchlist with what was published by the review date (see `scoring_context`),
    its councils split by the failures known by then (the review date's financial year),
    scored on the `engine` named (`riskwatch.cluster.using_engine`); the engine changes
    where the work runs, never the result, so a kept result serves every engine."""
    from riskwatch.cluster import using_engine
    from riskwatch.review import make_watchlist
    from riskwatch.settings import load_run_config
    from riskwatch.warm_results import result_keeper
    from riskwatch.years import financial_year_of

    with using_engine(engine, scheduler):
        context = scoring_context(request, progress, announce)
        keep = result_keeper(context.tables, context.model, context.as_of, request.seen_by)
        review_year = financial_year_of(request.seen_by)
        return keep(
            "watchlist",
            f"top {top}, review year {review_year}",
            lambda: make_watchlist(
                context.tables,
                context.frames,
                context.model,
                context.as_of,
                context.catalogue,
                load_run_config()["watchlist"],
                top,
                review_year=review_year,
            ),
        )


def resolve_authority(query: str, authorities) -> str:
    """A GSS code from a code or a name (case-insensitive). An exact name wins, then the name
    without its class suffix ("woking" is Woking BC, not Wokingham UA), then an unambiguous
    prefix."""
    import difflib

    from riskwatch.data.kit.authority_index import name_key

    codes = set(authorities["gss_code"])
    if query.upper() in codes:
        return query.upper()
    names = dict(zip(authorities["name"].str.lower(), authorities["gss_code"], strict=True))
    wanted = query.strip().lower()
    if wanted in names:
        return names[wanted]
    same = sorted(n for n in names if name_key(n) == name_key(wanted))
    if len(same) == 1:
        return names[same[0]]
    matches = same or sorted(n for n in names if n.startswith(wanted))
    if len(matches) == 1:
        return names[matches[0]]
    if matches:
        raise RiskwatchError(f"'{query}' is ambiguous: {', '.join(matches[:8])}", field="AUTHORITY")
    close = difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise RiskwatchError(f"no council named '{query}'{hint}", field="AUTHORITY")
