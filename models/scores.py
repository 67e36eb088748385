"""What a model's scores look like wherever they travel: the probability column and one
`contrib__<feature>` column per input plus `contrib__baseline`.

The registered MLflow model returns this frame, and scoring, training, reasons and the
review read it; it lives beside the model interface so none of them needs the registry
module (`riskwatch.tracking`) to know a column's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .base import RiskModel

PROBABILITY = "probability"
CONTRIB_PREFIX = "contrib__"


def score_frame(df: pd.DataFrame, model: RiskModel) -> pd.DataFrame:
    """Probability plus ``contrib__<feature>`` and ``contrib__baseline`` columns, like df."""
    scores = pd.DataFrame({PROBABILITY: model.predict_proba(df)[:, 1]}, index=df.index)
    return pd.concat([scores, model.contributions(df).add_prefix(CONTRIB_PREFIX)], axis=1)
