"""Score councils with a registered model: inputs built as the model was trained.

The registered pyfunc returns probability plus one `contrib__<feature>` column per
input; `model_inputs` builds exactly the columns its signature names.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping

import numpy as np
import pandas as pd

from riskwatch.dataset import PAST_FAILURE
from riskwatch.labels import failed_by, failure_events
from riskwatch.registered import LoadedModel


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


def score(model: LoadedModel, frame: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Probability and contributions for every council of the frame, with its identifiers."""
    inputs = model_inputs(frame, events, model.input_columns)
    scored = model.predict(inputs)
    scored.index = frame.index
    return pd.concat([frame[["gss_code", "class", "as_of"]], scored], axis=1)


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
