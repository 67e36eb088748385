"""Score councils with a registered model: inputs built as the model was trained.

The registered pyfunc returns probability plus one `contrib__<feature>` column per
input; `model_inputs` builds exactly the columns its signature names. A frame is scored in
chunks of at most `CHUNK_ROWS` rows on the current engine (`riskwatch.cluster`: this
machine's cores, or a Dask cluster), each chunk building its own inputs; a row's score
never depends on the other rows, so the chunks score as the whole frame would.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from riskwatch.cluster import current_engine
from riskwatch.dataset import PAST_FAILURE
from riskwatch.labels import failed_by, failure_events
from riskwatch.registered import LoadedModel

if TYPE_CHECKING:
    from riskwatch.models import RiskModel

CHUNK_ROWS = 100_000
"""Rows scored as one task: a chunk's inputs and the model's working copies of them (about
0.4 GB for the blend's 163 inputs) stay small beside the frame."""


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
    parts = current_engine().map(partial(_score_chunk, model, events), _chunks(frame))
    return parts[0] if len(parts) == 1 else pd.concat(parts)


def probabilities(
    model: RiskModel, frame: pd.DataFrame, events: pd.DataFrame, columns: list[str]
) -> np.ndarray:
    """The probability of every row of a frame of any size (no contributions: at scale they
    are worked out for the few rows listed), from the model's input `columns`."""
    parts = current_engine().map(
        partial(_chunk_probabilities, model, events, columns), _chunks(frame)
    )
    return np.concatenate(parts)


def _score_chunk(model: LoadedModel, events: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    scored = model.predict(model_inputs(frame, events, model.input_columns))
    scored.index = frame.index
    return pd.concat([frame[["gss_code", "class", "as_of"]], scored], axis=1)


def _chunk_probabilities(
    model: RiskModel, events: pd.DataFrame, columns: list[str], frame: pd.DataFrame
) -> np.ndarray:
    return model.predict_proba(model_inputs(frame, events, columns))[:, 1]


def _chunks(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """The frame in runs of at most `CHUNK_ROWS` rows (an empty frame is one empty run)."""
    yield frame.iloc[:CHUNK_ROWS]
    for start in range(CHUNK_ROWS, len(frame), CHUNK_ROWS):
        yield frame.iloc[start : start + CHUNK_ROWS]


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
