"""What a warm watchlist or review reuses: its scored results, kept under a key naming all
they depend on.

A result (the watchlist, the pack's explanations, the What-if and successor views) is a
function of the tables, the registered model, the year scored, the review date, the
arguments of the call and riskwatch's own code and configs. `result_keeper` binds the
first four into a key (the code and configs are added by
riskwatch.data.store.results); a changed panel, a re-pointed alias, a retrained or
re-tagged version or another date gives another key, so a kept result is never stale. A
model fitted for one run and never registered (`LoadedModel.version` None) has no identity
to key on: its results are computed every time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TypeVar

import pandas as pd

from riskwatch.data.store.results import cached_result, result_key
from riskwatch.data.store.table_store import panel_fingerprint
from riskwatch.registered import LoadedModel

Result = TypeVar("Result")
Keep = Callable[[str, str, Callable[[], Result]], Result]


def compute_now(kind: str, call: str, compute: Callable[[], Result]) -> Result:
    """A keeper that keeps nothing: the result computed now."""
    return compute()


def model_identity(model: LoadedModel) -> str | None:
    """A registered version as the registry describes it (number, run, aliases, tags,
    parameters) with its input columns; None for a model that was never registered."""
    if model.version is None:
        return None
    return json.dumps(
        [model.version, model.description, model.input_columns], sort_keys=True, default=str
    )


def tables_fingerprint(tables: Mapping[str, pd.DataFrame]) -> str:
    """The content hash of every table, by name (the panel with any ingested releases)."""
    return ",".join(f"{name}:{panel_fingerprint(tables[name])}" for name in sorted(tables))


def result_keeper(
    tables: Mapping[str, pd.DataFrame], model: LoadedModel, as_of: str, seen_by: str
) -> Keep:
    """A keeper for results scored from these tables with this model, as of `as_of` seen by
    `seen_by`: `keep(kind, call, compute)` gives the result kept for `call` (the other
    arguments, in words), else computes and keeps it."""
    identity = model_identity(model)
    if identity is None:
        return compute_now
    scored_from = (tables_fingerprint(tables), identity, f"as of {as_of}", f"seen by {seen_by}")

    def keep(kind: str, call: str, compute: Callable[[], Result]) -> Result:
        return cached_result(kind, result_key(*scored_from, kind, call), compute)

    return keep
