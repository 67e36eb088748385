"""The one registry of features: each is a function of a point-in-time view, with its metadata.

Adding an indicator is one decorated function in one module of this package; the
catalogue (`riskwatch features list`) and the feature frame are both read from here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from riskwatch.data.registry import KIND_OF_SOURCE

if TYPE_CHECKING:
    from .frame import View

Input = tuple[str, str]  # (source, indicator) of the panel
Builder = Callable[["View"], pd.Series]

RISKIER, SAFER, CONTEXT = 1, -1, 0
FAMILIES = ("reserves", "returns", "debt", "budget", "housing", "trend", "services", "peers")

# The mechanism by which an indicator leads to failure: reasons are tagged with it so a
# reviewer sees at a glance whether a council is at risk through its reserves, its debt, a
# demand pressure, its income, or its governance.
RESERVES, DEBT, INCOME, GOVERNANCE = "reserves", "debt and financing", "income", "governance"
SOCIAL_CARE, SCHOOLS, HOUSING = "demand: social care", "demand: schools", "demand: housing"
MECHANISMS = (RESERVES, DEBT, SOCIAL_CARE, SCHOOLS, HOUSING, INCOME, GOVERNANCE)
# Each family's mechanism unless a feature declares its own; trends and peer-relative
# values take theirs from the indicator they derive from, so those families have none.
FAMILY_MECHANISMS = {
    "reserves": RESERVES,
    "returns": GOVERNANCE,
    "debt": DEBT,
    "budget": INCOME,
    "services": SOCIAL_CARE,
    "housing": HOUSING,
}

# Indicators that measure one stock or one flow in different ways: a reviewer reads one
# reason per quantity, in the form that contributes most for that council, never
# "outstanding borrowing 312.7%" beside "gross external debt 312.7%".
QUANTITIES: dict[str, tuple[str, ...]] = {
    "debt outstanding": (
        "cfr_pct_nre",
        "cfr_per_core_spending_power",
        "gross_external_debt_pct_nre",
        "net_debt_pct_nre",
        "borrowing_pct_nre",
        "borrowing_per_core_spending_power",
        "latest_borrowing_pct_nre",
    ),
    "cost of debt": ("interest_payable_pct_nre", "mrp_pct_nre", "financing_cost_pct_nre"),
}


def quantity_of(base: str) -> str:
    """The quantity a base indicator measures (its own name where it is the only measure)."""
    return next((q for q, bases in QUANTITIES.items() if base in bases), base)


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
    # The base indicator this is a form of (its level, a change, a percentile or z-score
    # among peers): reasons sum the contributions of every form of one base. Any feature,
    # itself a form of another or not (`base_of` follows the chain); its own name when empty.
    base: str = ""
    mechanism: str = ""  # one of MECHANISMS; the family's (FAMILY_MECHANISMS) when empty
    # A feature reads one kind of figure (outturn, budget, ...). One that sets a budget
    # against an outturn on purpose says so here, e.g. "budget against outturn".
    compares: str = ""


FEATURES: dict[str, Feature] = {}


def register(feature: Feature) -> Feature:
    """Add a feature to the registry; names are unique and every feature has a mechanism (its
    own or its family's)."""
    if feature.name in FEATURES:
        raise ValueError(f"feature '{feature.name}' registered twice")
    if feature.family not in FAMILIES or feature.direction not in (RISKIER, SAFER, CONTEXT):
        raise ValueError(f"feature '{feature.name}': bad family or direction")
    base = feature.base or feature.name
    mechanism = feature.mechanism or FAMILY_MECHANISMS.get(feature.family, "")
    if mechanism not in MECHANISMS:
        raise ValueError(
            f"feature '{feature.name}': declare its mechanism, one of {', '.join(MECHANISMS)}"
        )
    kinds = {KIND_OF_SOURCE.get(source, "") for source, _ in feature.inputs}
    if {"budget", "outturn"} <= kinds and not feature.compares:
        raise ValueError(
            f"feature '{feature.name}' reads budget and outturn figures: a feature reads one "
            "kind, or declares what it compares (compares=...)"
        )
    feature = replace(feature, base=base, mechanism=mechanism)
    FEATURES[feature.name] = feature
    return feature


def feature(
    *,
    name: str,
    label: str,
    family: str,
    definition: str,
    unit: str,
    direction: int,
    inputs: tuple[Input, ...],
    years: str,
    model_input: bool = True,
    base: str = "",
    mechanism: str = "",
    compares: str = "",
) -> Callable[[Builder], Builder]:
    """Decorator: register the function as the builder of feature `name`. Every argument is
    named at the call, so a declaration reads as what it sets."""

    def wrap(build: Builder) -> Builder:
        register(
            Feature(
                name=name,
                label=label,
                family=family,
                definition=definition,
                unit=unit,
                direction=direction,
                inputs=inputs,
                years=years,
                build=build,
                model_input=model_input,
                base=base,
                mechanism=mechanism,
                compares=compares,
            )
        )
        return build

    return wrap


def base_of(name: str) -> str:
    """The base indicator a feature is a form of, following forms of forms to the root."""
    seen = {name}
    while name in FEATURES and FEATURES[name].base != name:
        name = FEATURES[name].base
        if name in seen:
            raise ValueError(f"features {sorted(seen)} name each other as base")
        seen.add(name)
    return name


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
