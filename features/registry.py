"""The one registry of features: each is a function of a point-in-time view, with its metadata.

Adding an indicator is one decorated function in one module of this package; the
catalogue (`riskwatch features list`) and the feature frame are both read from here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .frame import View

Input = tuple[str, str]  # (source, indicator) of the panel
Builder = Callable[["View"], pd.Series]

RISKIER, SAFER, CONTEXT = 1, -1, 0
FAMILIES = ("reserves", "returns", "debt", "budget", "housing", "trend", "services", "peers")


@dataclass(frozen=True)
class Feature:
    """A documented indicator: what it measures, from which inputs, and which way is riskier."""

    name: str
    label: str  # a short name in plain words, as reasons and reports print it
    family: str
    definition: str
    unit: str
    direction: int  # +1 higher is riskier, -1 higher is safer, 0 context (no monotone direction)
    inputs: tuple[Input, ...]
    years: str  # which years it can be built for, and why not the others
    build: Builder
    model_input: bool = True  # False for levels that scale with council size or can be infinite


FEATURES: dict[str, Feature] = {}


def register(feature: Feature) -> Feature:
    """Add a feature to the registry; names are unique."""
    if feature.name in FEATURES:
        raise ValueError(f"feature '{feature.name}' registered twice")
    if feature.family not in FAMILIES or feature.direction not in (RISKIER, SAFER, CONTEXT):
        raise ValueError(f"feature '{feature.name}': bad family or direction")
    FEATURES[feature.name] = feature
    return feature


def feature(
    name: str,
    label: str,
    family: str,
    definition: str,
    unit: str,
    direction: int,
    inputs: tuple[Input, ...],
    years: str,
    model_input: bool = True,
) -> Callable[[Builder], Builder]:
    """Decorator: register the function as the builder of feature `name`."""

    def wrap(build: Builder) -> Builder:
        register(
            Feature(
                name, label, family, definition, unit, direction, inputs, years, build, model_input
            )
        )
        return build

    return wrap


def ordered() -> list[Feature]:
    """Every feature, grouped by family in `FAMILIES` order, then in registration order."""
    return sorted(FEATURES.values(), key=lambda f: FAMILIES.index(f.family))


def catalogue_version() -> str:
    """A short hash of every feature's metadata: models record which catalogue they used."""
    text = "\n".join(
        f"{f.name}|{f.label}|{f.definition}|{f.unit}|{f.direction}|{f.inputs}|{f.model_input}"
        for f in ordered()
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]
