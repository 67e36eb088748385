"""Every source the build reads, in the order it reads them: the one list of sources.

Each module of `riskwatch/data/sources/` declares what it reads as `REGISTERED` (a
`kit.source.Source` per publisher table); this list names the modules. The build, the
kind of figure each panel row is, the publication rules, and the reader-contract test
iterate it, so adding a
source is its module, a line here, and its test (CONTRIBUTING.md, "Add a data source").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import pandas as pd

from riskwatch.data.kit.publication import PublicationRule
from riskwatch.data.kit.source import Source
from riskwatch.data.sources import (
    borrowing,
    capital,
    compiled,
    council_tax,
    defra_recycling,
    dfe_social_care,
    homelessness,
    housing_spending,
    oflog_adult_social_care,
    ofsted,
    revenue,
    schools,
    spending_power,
)

T = TypeVar("T")  # what a heading of `Source` declares: a kind of figure, a publication rule

SOURCES: tuple[Source, ...] = (
    *revenue.REGISTERED,
    *capital.REGISTERED,
    *borrowing.REGISTERED,
    *compiled.REGISTERED,
    *council_tax.REGISTERED,
    *spending_power.REGISTERED,
    *schools.REGISTERED,
    *ofsted.REGISTERED,
    *dfe_social_care.REGISTERED,
    *oflog_adult_social_care.REGISTERED,
    *defra_recycling.REGISTERED,
    *homelessness.REGISTERED,
    *housing_spending.REGISTERED,
)


def declared_once(
    sources: tuple[Source, ...], declared: Callable[[Source], Mapping[str, T]], what: str
) -> dict[str, T]:
    """Everything the sources declare under one heading, by name; a name two sources
    declare differently is an error naming it, so each is decided in one place."""
    found: dict[str, T] = {}
    for source in sources:
        for name, value in declared(source).items():
            if found.setdefault(name, value) != value:
                raise ValueError(
                    f"{what} {name} is declared {found[name]} and {value} ({source.name})"
                )
    return found


def kind_of_source(sources: tuple[Source, ...] = SOURCES) -> dict[str, str]:
    """The kind of figure (outturn, budget, forecast, position) of every panel `source`
    code, as the sources declare it."""
    return declared_once(sources, lambda source: source.kinds, "panel source")


KIND_OF_SOURCE: dict[str, str] = kind_of_source()


def with_kinds(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel with its `kind` column (from each row's source); a source of no declared
    kind is an error naming it, so a new source must declare what its figures are."""
    unknown = sorted(set(panel["source"].dropna().unique()) - set(KIND_OF_SOURCE))
    if unknown:
        raise ValueError(f"sources of no declared kind: {', '.join(map(str, unknown))}")
    return panel.assign(kind=panel["source"].map(KIND_OF_SOURCE))


def publication_rules(sources: tuple[Source, ...] = SOURCES) -> dict[str, PublicationRule]:
    """Every publication rule the sources declare, by name."""
    return declared_once(sources, lambda source: source.rules, "publication rule")


PUBLICATION_RULES: dict[str, PublicationRule] = publication_rules()


def publication_rule(name: str) -> PublicationRule:
    """The publication rule of that name, as its source declares it."""
    if name not in PUBLICATION_RULES:
        raise ValueError(f"no source declares a publication rule {name}")
    return PUBLICATION_RULES[name]
