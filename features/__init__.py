"""Feature builders: documented indicators computed point-in-time from the panel.

Importing the package registers every feature (a module per family, the debt family in two:
its yearly stocks and ratios, then its latest dated positions); the registry
is `FEATURES`, the frame builder `build_features`, the printed catalogue
`catalogue_table`.
"""

from . import (  # noqa: F401  (registration)
    budgets,
    dating,
    debt,
    debt_positions,
    finance,
    housing,
    peers,
    reserves,
    services,
    trends,
)
from .breaks import breaks_for_trends, breaks_of, spanned
from .catalogue import catalogue_table, coverage_by_year, feature_descriptions, model_features
from .frame import build_features, build_history
from .registry import FEATURES, Feature, catalogue_version
from .seen import as_of_date, prepare, visible

__all__ = [
    "FEATURES",
    "Feature",
    "as_of_date",
    "breaks_for_trends",
    "breaks_of",
    "build_features",
    "build_history",
    "catalogue_table",
    "catalogue_version",
    "coverage_by_year",
    "feature_descriptions",
    "model_features",
    "prepare",
    "spanned",
    "visible",
]
