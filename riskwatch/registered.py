"""A registered model ready to score: its pyfunc, its input columns and what it was trained
on, loaded from the registry (or the local snapshot of it), and the checks made before it
scores a year (every input it reads must be present).

Below scoring, beside training: training refits a champion as a `LoadedModel`, and every
command that scores loads one here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from riskwatch.errors import RiskwatchError


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to score: the pyfunc and its input columns. `version` is the registered
    version, None for a model fitted for one explanation and never registered."""

    version: int | None
    description: dict
    predict: Callable[[pd.DataFrame], pd.DataFrame]
    input_columns: list[str]


def training_window(model: LoadedModel) -> tuple[str, str] | None:
    """The first and last as-of year of the rows the model was trained on, where recorded."""
    first, _, last = str(model.description.get("params", {}).get("training_years", "")).partition(
        ".."
    )
    return (first, last) if last else None


def model_words(model: LoadedModel) -> str:
    """Which model this is and on what it was trained, in one line."""
    params = model.description.get("params", {})
    what = (
        f"{params.get('model', model.description.get('model_family', '?'))}, "
        f"{params.get('horizon', '?')}-year horizon, {params.get('task', '?')} failures, "
        f"trained on the years {params.get('training_years', '?').replace('..', ' to ')}"
    )
    if model.version is not None:
        return f"registered version {model.version} ({what})"
    return (
        f"{what}: fitted on the outcome windows closed by then, as the backtest does, because "
        f"{model.description['refitted_because']}"
    )


def absent_inputs(model: LoadedModel, frames: dict[str, pd.DataFrame], as_of: str) -> list[str]:
    """The catalogued inputs the model reads that the year `as_of` does not have."""
    from riskwatch.dataset import available_inputs

    catalogued = [c for c in model.input_columns if c in frames[as_of].columns and c != "class"]
    return available_inputs(frames, catalogued, as_of)[1]


def first_names(names: list[str], shown: int = 4) -> str:
    """Up to `shown` names, comma-separated, and how many more: for a one-line message."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def check_inputs_present(model: LoadedModel, frames: dict[str, pd.DataFrame], as_of: str) -> None:
    """Refuse to score a year that lacks inputs the model reads: the model would lean on
    values imputed from other years. One line says which, and how to train a model that
    reads only what the year has."""
    absent = absent_inputs(model, frames, as_of)
    if absent:
        raise RiskwatchError(
            f"model version {model.version} reads inputs that {as_of} does not have "
            f"({first_names(absent)}); train one for that year: riskwatch train --for-year "
            f"{as_of} --register --alias NAME, then --model NAME",
            field="--as-of",
        )


def load_registered(
    name: str, version_or_alias: str, announce: Callable[[str], None] = lambda text: None
) -> LoadedModel | None:
    """A registered version (number) or alias; None when the alias is not set."""
    from riskwatch import registry_snapshot
    from riskwatch.tracking import registry, served, store

    reference = str(version_or_alias)
    kept_version = registry_snapshot.version_key(store.tracking_uri(), name, reference)
    kept = registry_snapshot.read(kept_version, announce) if kept_version else None
    if kept is not None:
        return _loaded(kept)
    if reference.isdigit():
        found = [v for v in registry.list_versions(name) if v["version"] == int(reference)]
        description = found[0] if found else None
    else:
        description = registry.get_version_by_alias(name, reference)
    if description is None:
        return None
    try:
        pyfunc = served.load_model(name, description["version"])
    except Exception as exc:  # MLflow raises its own types and OSError for missing files
        version = description["version"]
        raise RiskwatchError(
            f"model version {version} ('{reference}') is registered but its files cannot be "
            f"loaded ({str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}): "
            f"retrain with `riskwatch train --register --alias {reference}`, or point the "
            "alias at another version with `riskwatch models promote VERSION`",
            field="--model" if reference != "champion" else None,  # name only what was given
        ) from None
    snapshot = registry_snapshot.Snapshot.of(
        model=pyfunc.unwrap_python_model().model,
        description=description,
        input_columns=list(pyfunc.metadata.get_input_schema().input_names()),
    )
    if kept_version:
        registry_snapshot.keep(
            kept_version,
            snapshot,
            lambda sha256: registry.tag_version(
                name, kept_version.version, registry_snapshot.COPY_HASH_TAG, sha256
            ),
        )
    return _loaded(snapshot)


def _loaded(snapshot) -> LoadedModel:
    """A registered version ready to score: the fitted model answers as its MLflow pyfunc
    does (probability and contributions, `models.scores.score_frame`). It is unpickled when
    it first scores, not before: a run served kept results never needs it."""
    from functools import cache

    from riskwatch.models.scores import score_frame

    fitted = cache(snapshot.fitted_model)
    return LoadedModel(
        version=int(snapshot.description["version"]),
        description=snapshot.description,
        predict=lambda inputs: score_frame(inputs[snapshot.input_columns], fitted()),
        input_columns=snapshot.input_columns,
    )
