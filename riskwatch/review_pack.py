"""One quarter's review pack as data: assembled here, rendered and written by
`riskwatch.report.review_pack`, logged as an MLflow run by `log_review`.

Assembling reads only the previous quarter's pack (for the diff and the drift); it writes
nothing, so a refused or failed pack has touched no file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from riskwatch.data.sources.geography import england_layouts
from riskwatch.data.store.table_store import panel_fingerprint
from riskwatch.explanations import explain_councils
from riskwatch.labels import quarter_year
from riskwatch.registered import LoadedModel, model_words
from riskwatch.review import (
    Watchlist,
    council_flags,
    drift,
    make_watchlist,
    map_councils,
    review_diff,
)
from riskwatch.scoring_context import ScoringContext
from riskwatch.settings import load_run_config
from riskwatch.warm_results import Keep, compute_now
from riskwatch.watchlist import bands_from_config

if TYPE_CHECKING:
    from riskwatch.successors import SuccessorView


@dataclass(frozen=True)
class ReviewPack:
    """Everything one quarter's pack shows, before it is rendered or written."""

    quarter: str
    watchlist: Watchlist
    explanations: dict  # by GSS code: riskwatch.explanations' Explanation
    diff: dict | None  # entrants, leavers and movers since `previous`; None without one
    drift: pd.DataFrame  # population stability per feature against `previous`
    model_info: dict  # which model scored: version, family, words, horizon
    vintage: str  # the data used, with the panel's fingerprint
    fingerprint: str  # the panel's fingerprint
    previous: str | None  # the earlier quarter compared with, if any
    features: pd.DataFrame  # the scored year's feature frame (the next pack's drift baseline)
    council_map: pd.DataFrame  # every scored council as the map draws it (`map_councils`)
    layouts: dict  # the hex layouts of England the map and What-if charts draw on
    band_names: list[str]
    what_if: list  # riskwatch.stress.StressResult, one per review scenario
    successors: SuccessorView | None  # the successor view, shown after the scenarios


def previous_pack(reviews: Path, quarter: str) -> Path | None:
    """The latest earlier quarter's folder in the reviews directory, if any."""
    if not reviews.exists():
        return None
    earlier = sorted(
        p
        for p in reviews.iterdir()
        if p.is_dir() and p.name < quarter and (p / "manifest.json").exists()
    )
    return earlier[-1] if earlier else None


def assemble_review(
    reviews: Path,
    quarter: str,
    context: ScoringContext,
    data_source: str,
    what_if: list,
    successors: SuccessorView | None = None,
    keep: Keep = compute_now,
) -> ReviewPack:
    """The quarter's watchlist, explanations, diff and drift against the previous pack in
    `reviews`, and what the report names: the model and the data (`data_source`,
    riskwatch.data.store.release_store.data_source). `keep` gives the watchlist and
    explanations a warm run kept (riskwatch.warm_results), else computes them."""
    tables, frames, features = context.tables, context.frames, context.features
    catalogue, model, as_of = context.catalogue, context.model, context.as_of
    config = load_run_config()["watchlist"]
    review_year = quarter_year(quarter)
    watchlist = keep(
        "watchlist",
        f"top None, review year {review_year}",
        lambda: make_watchlist(
            tables, frames, model, as_of, catalogue, config, review_year=review_year
        ),
    )
    directions = {**features.directions, "past_failure": 1}
    explanations = keep(
        "explanations",
        f"review year {review_year}",
        lambda: explain_councils(
            tables,
            frames,
            model,
            list(watchlist.table["gss_code"]),
            as_of,
            catalogue,
            config,
            directions,
            watchlist.scored,
        ),
    )
    before = previous_pack(Path(reviews), quarter)
    feature_columns = [c for c in features.names if c in frames[as_of].columns]
    fingerprint = panel_fingerprint(tables["panel"])
    flags_of = council_flags(frames[as_of])
    bands = bands_from_config(config)
    return ReviewPack(
        quarter=quarter,
        watchlist=watchlist,
        explanations=explanations,
        diff=(
            review_diff(pd.read_csv(before / "watchlist.csv"), watchlist.table) if before else None
        ),
        drift=(
            drift(pd.read_parquet(before / "features.parquet"), frames[as_of], feature_columns)
            if before
            else pd.DataFrame(columns=["feature", "psi", "flag"])
        ),
        model_info=_model_info(model, as_of),
        vintage=f"{data_source} (panel fingerprint {fingerprint})",
        fingerprint=fingerprint,
        previous=before.name if before else None,
        features=frames[as_of],
        council_map=map_councils(
            watchlist.scored,
            tables["authorities"].set_index("gss_code")["name"],
            bands,
            outlined=flags_of != "",
            notes=flags_of,
        ),
        layouts=england_layouts(tables["authorities"]),
        band_names=[band.name for band in bands],
        what_if=what_if,
        successors=successors,
    )


def _model_info(model: LoadedModel, as_of: str) -> dict:
    """The model as the manifest and the report name it. A model refitted for a past review
    is no registered version: it says whose configuration it refits (`retrospective_of`)."""
    train = load_run_config()["train"]
    return {
        **{
            k: v for k, v in model.description.items() if k in ("version", "model_family", "run_id")
        },
        "version": model.version,
        "retrospective_of": model.description.get("retrospective_of"),
        "name": train["registered_name"],
        "words": model_words(model),
        "as_of": as_of,
        "horizon": model.description.get("horizon", train["horizon"]),
    }


def log_review(pack: ReviewPack, html_text: str, log_run: Callable[..., str]) -> None:
    """Record the pack as an MLflow run (`riskwatch.tracking.runs.log_run`'s arguments): the
    model, the What-if scenarios' digests, the headline counts, the report and the watchlist."""
    log_run(
        params={
            "quarter": pack.quarter,
            **pack.model_info,
            **{f"what_if.{r.scenario.name}": r.scenario.digest for r in pack.what_if},
        },
        metrics={
            "listed": float(len(pack.watchlist.table)),
            "drift_flagged": float((pack.drift["flag"] != "").sum()),
            "new_entrants": float(len(pack.diff["entrants"])) if pack.diff else float("nan"),
        },
        tags={"kind": "review", "panel_fingerprint": pack.fingerprint},
        texts={
            "review.html": html_text,
            "watchlist.csv": pack.watchlist.table.to_csv(index=False),
        },
        run_name=f"review-{pack.quarter}",
    )


def review_summary(pack: ReviewPack, folder: Path) -> dict:
    """What the command prints: how many councils are listed, where, and what changed."""
    return {
        "listed": len(pack.watchlist.table),
        "folder": str(folder),
        "diff": (
            f"{len(pack.diff['entrants'])} new, {len(pack.diff['leavers'])} left since "
            f"{pack.previous}"
            if pack.diff
            else "no previous review to compare with"
        ),
    }
