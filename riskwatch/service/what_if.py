"""`riskwatch stress` and `successors`: the scored year under named scenarios, and the
announced successor councils scored from their predecessors (both also in a review pack)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from riskwatch.service.frames import ProgressFactory, no_bars
from riskwatch.service.scoring import ScoringRequest, scoring_context

if TYPE_CHECKING:
    from riskwatch.scoring_context import ScoringContext, WhatIfBase


def stress_run(
    request: ScoringRequest,
    names: list[str],
    scenario_file: Path | None,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
):
    """Stress the scored year with each named scenario (every one when none is named) and
    record the run in MLflow, with the scenarios' definitions and hashes as artifacts.
    The results, one per scenario, and the scoring context."""
    from riskwatch.run_logger import RunLogger
    from riskwatch.shocks import load_scenarios, pick

    known = load_scenarios(scenario_file)
    scenarios = pick(known, names or list(known))
    with RunLogger() as logger:
        context = scoring_context(request, progress, announce)
        results = stress_scenarios(what_if_base(context), scenarios, progress)
        log_stress(logger.log, context, results)
    return results, context


def successors_run(
    request: ScoringRequest,
    progress: ProgressFactory = no_bars,
    announce: Callable[[str], None] = lambda text: None,
):
    """The announced successor councils (configs/reorganisations.toml) scored from their
    predecessors' combined figures beside them, and the scoring context."""
    from riskwatch.successors import successor_view

    context = scoring_context(request, progress, announce)
    return successor_view(what_if_base(context)), context


def what_if_base(context: ScoringContext) -> WhatIfBase:
    """The context's scored year as a what-if starts from it (configs/run.toml's bands)."""
    from riskwatch.scoring_context import WhatIfBase
    from riskwatch.settings import load_run_config
    from riskwatch.watchlist import bands_from_config

    return WhatIfBase.of(context, bands_from_config(load_run_config()["watchlist"]))


def stress_scenarios(base: WhatIfBase, scenarios, progress: ProgressFactory = no_bars):
    """Each scenario's StressResult on the scored year (configs/run.toml's reserve lines)."""
    from riskwatch.settings import load_run_config
    from riskwatch.stress import stress

    reserve_lines = load_run_config()["stress"]["reserve_lines"]
    return [stress(scenario, base, reserve_lines) for scenario in progress("stressing")(scenarios)]


def log_stress(log_run: Callable[..., str], context: ScoringContext, results) -> str:
    """Record a stress run: the scenarios (name, version, hash) as parameters, crossings as
    metrics, the definitions with their hashes and each scenario's table as files."""
    import json

    from riskwatch.data.store.table_store import panel_fingerprint

    definitions = {
        r.scenario.name: {"hash": r.scenario.digest, "definition": r.scenario.definition}
        for r in results
    }
    metrics = {}
    for r in results:
        everyone = r.crossings.set_index("class").loc["all"]
        for column in ("into the watchlist", "into a higher band"):
            metrics[f"{r.scenario.name}.{column.replace(' ', '_')}"] = float(everyone[column])
    return log_run(
        params={
            "as_of": context.as_of,
            "model_version": context.model.version,
            **{
                f"scenario.{r.scenario.name}": f"v{r.scenario.definition['version']} "
                f"{r.scenario.digest}"
                for r in results
            },
        },
        metrics=metrics,
        tags={"kind": "stress", "panel_fingerprint": panel_fingerprint(context.tables["panel"])},
        texts={
            "scenarios.json": json.dumps(definitions, indent=2, sort_keys=True) + "\n",
            **{f"stress-{r.scenario.name}.csv": r.table.to_csv(index=False) for r in results},
        },
        run_name="stress-" + "+".join(r.scenario.name for r in results),
    )
