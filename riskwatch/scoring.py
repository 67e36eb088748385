"""Score councils with a registered model: inputs built as the model was trained.

The registered pyfunc returns probability plus one `contrib__<feature>` column per
input; `model_inputs` builds exactly the columns its signature names.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.dataset import PAST_FAILURE
from riskwatch.errors import RiskwatchError
from riskwatch.labels import failed_by, failure_events


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


def model_inputs(frame: pd.DataFrame, events: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The model's input columns for every council of a feature frame (no one is dropped)."""
    as_of = str(frame["as_of"].iloc[0])
    inputs = {}
    for column in columns:
        if column == PAST_FAILURE:
            already = failed_by(frame["gss_code"], as_of, failure_events(events))
            inputs[column] = np.asarray(already, dtype=float)
        elif column == "class":
            inputs[column] = frame["class"]
        else:
            inputs[column] = frame[column].astype(float)
    return pd.DataFrame(inputs, index=frame.index)  # built at once: a model may read 150 columns


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


def score(model: LoadedModel, frame: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Probability and contributions for every council of the frame, with its identifiers."""
    inputs = model_inputs(frame, events, model.input_columns)
    scored = model.predict(inputs)
    scored.index = frame.index
    return pd.concat([frame[["gss_code", "class", "as_of"]], scored], axis=1)


def load_registered(
    name: str, version_or_alias: str, announce: Callable[[str], None] = lambda text: None
) -> LoadedModel | None:
    """A registered version (number) or alias; None when the alias is not set."""
    from riskwatch import registry_snapshot, tracking

    reference = str(version_or_alias)
    kept_version = registry_snapshot.version_key(tracking.tracking_uri(), name, reference)
    kept = registry_snapshot.read(kept_version, announce) if kept_version else None
    if kept is not None:
        return _loaded(kept)
    if reference.isdigit():
        found = [v for v in tracking.list_versions(name) if v["version"] == int(reference)]
        description = found[0] if found else None
    else:
        description = tracking.get_version_by_alias(name, reference)
    if description is None:
        return None
    try:
        pyfunc = tracking.load_model(name, description["version"])
    except Exception as exc:  # MLflow raises its own types and OSError for missing files
        version = description["version"]
        raise RiskwatchError(
            f"model version {version} ('{reference}') is registered but its files cannot be "
            f"loaded ({str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}): "
            f"retrain with `riskwatch train --register --alias {reference}`, or point the "
            "alias at another version with `riskwatch models promote VERSION`",
            field="--model" if reference != "champion" else None,  # name only what was given
        ) from None
    snapshot = registry_snapshot.Snapshot(
        model=pyfunc.unwrap_python_model().model,
        description=description,
        input_columns=list(pyfunc.metadata.get_input_schema().input_names()),
    )
    if kept_version:
        registry_snapshot.keep(
            kept_version,
            snapshot,
            lambda sha256: tracking.tag_version(
                name, kept_version.version, registry_snapshot.COPY_HASH_TAG, sha256
            ),
        )
    return _loaded(snapshot)


def _loaded(snapshot) -> LoadedModel:
    """A registered version ready to score: the fitted model answers as its MLflow pyfunc
    does (probability and contributions, `tracking.score_frame`)."""
    from riskwatch.tracking import score_frame

    return LoadedModel(
        version=int(snapshot.description["version"]),
        description=snapshot.description,
        predict=lambda inputs: score_frame(inputs[snapshot.input_columns], snapshot.model),
        input_columns=snapshot.input_columns,
    )


def threshold_crossings(
    predict_probability: Callable[[pd.DataFrame], np.ndarray],
    searches: Mapping[Hashable, tuple[pd.DataFrame, str, float]],
    threshold: float,
    rounds: int = 4,
    points: int = 33,
) -> dict[Hashable, float | None]:
    """For each search (a council's input row, a feature, the feature's bound): the value of
    the feature that alone brings the row's probability just below `threshold`.

    Holds every other input fixed and searches between the row's value and the bound (the
    safe end of what councils report) on a grid refined each round; each round scores the
    grids of every search still going in one call (a row's score does not depend on the
    other rows), as the models are monotone in each feature. None for a search when even
    its bound does not bring it below.
    """
    found: dict[Hashable, float | None] = {}
    going: dict[Hashable, tuple[float, float]] = {}  # key: (risky end, safe end)
    for key, (row, feature, bound) in searches.items():
        current = float(row[feature].iloc[0])
        if np.isnan(current) or np.isnan(bound):
            found[key] = None
        else:
            going[key] = (current, bound)
    for last in [False] * (rounds - 1) + [True]:
        if not going:
            break
        grids = {key: np.linspace(*ends, points) for key, ends in going.items()}
        candidates = pd.concat(
            [
                pd.concat([searches[key][0]] * points, ignore_index=True).assign(
                    **{searches[key][1]: grid}
                )
                for key, grid in grids.items()
            ],
            ignore_index=True,
        )
        below_all = predict_probability(candidates) < threshold
        for k, (key, grid) in enumerate(grids.items()):
            below = below_all[k * points : (k + 1) * points]
            if below[0]:
                found[key] = float(grid[0])
            elif not below.any():
                found[key] = None
            else:
                first = int(np.argmax(below))
                going[key] = (grid[first - 1], grid[first])
                if last:
                    found[key] = float(grid[first])
                continue
            del going[key]
    return {key: found[key] for key in searches}
