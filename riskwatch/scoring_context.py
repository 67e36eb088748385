"""What scoring a year needs, gathered once by the command that scores it and handed on:
the tables, feature frames and model of a `ScoringContext`, and the `WhatIfBase` a stress
scenario or the successor view starts from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: a command imports this before pandas (riskwatch.run_logger)
    import pandas as pd

    from riskwatch.dataset import FeatureSet
    from riskwatch.registered import LoadedModel
    from riskwatch.watchlist import Band


@dataclass(frozen=True)
class ScoringContext:
    """What scoring a year needs: the tables, feature frames and set, the feature
    descriptions, the model and the as-of year."""

    tables: dict[str, pd.DataFrame]
    frames: dict[str, pd.DataFrame]
    features: FeatureSet
    catalogue: pd.DataFrame
    model: LoadedModel
    as_of: str
    seen_by: str | None = None  # the later date the as-of frame is seen by, if any


@dataclass(frozen=True)
class WhatIfBase:
    """The scored year a what-if starts from: the model, the as-of year's feature frame, the
    prepared panel (riskwatch.features.prepare), the tables, the date the frame is seen by
    (None: as published today) and the watchlist's bands."""

    model: LoadedModel
    frame: pd.DataFrame
    prepared: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    seen_by: str | None
    bands: list[Band]

    @classmethod
    def of(cls, context: ScoringContext, bands: list[Band]) -> WhatIfBase:
        """The context's scored year, its panel prepared once for every what-if on it."""
        from riskwatch.features import prepare

        frame = context.frames[context.as_of]
        prepared = prepare(context.tables["panel"])
        return cls(context.model, frame, prepared, context.tables, context.seen_by, bands)
