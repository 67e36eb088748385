"""`riskwatch review`: score a quarter and write its review pack, recorded in MLflow."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from riskwatch.service.frames import ProgressFactory, no_bars
from riskwatch.service.scoring import ScoringRequest, scoring_context
from riskwatch.service.what_if import stress_scenarios, what_if_base

if TYPE_CHECKING:
    from riskwatch.scoring_context import ScoringContext


def review_pack(
    out: Path,
    quarter: str,
    request: ScoringRequest,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
) -> tuple[dict, ScoringContext]:
    """Score a quarter and write its review pack, recorded as an MLflow run. The run is
    logged by a child process started first, before even pandas is imported here, so
    MLflow's start-up overlaps all of the scoring."""
    from riskwatch.run_logger import RunLogger

    with RunLogger() as logger:
        from riskwatch.data.store.release_store import data_source
        from riskwatch.report.review_pack import publish_review, render_review
        from riskwatch.review_pack import assemble_review, log_review, review_summary
        from riskwatch.settings import load_run_config
        from riskwatch.shocks import load_scenarios, pick
        from riskwatch.successors import successor_view
        from riskwatch.warm_results import result_keeper

        context = scoring_context(request, progress, announce)
        scenarios = pick(load_scenarios(), load_run_config()["stress"]["review_scenarios"])
        keep = result_keeper(context.tables, context.model, context.as_of, request.seen_by)
        base = cache(lambda: what_if_base(context))  # built only where a result is not kept
        pack = assemble_review(
            out,
            quarter,
            context,
            data_source=data_source(request.data_dir),
            what_if=keep(
                "what-if",
                ", ".join(s.digest for s in scenarios),
                lambda: stress_scenarios(base(), scenarios, progress),
            ),
            successors=keep("successors", "", lambda: successor_view(base())),
            keep=keep,
        )
        html_text = render_review(pack)
        folder = publish_review(pack, html_text, out)
        log_review(pack, html_text, logger.log)
    return review_summary(pack, folder), context
