"""Every source the build reads, in the order it reads them: the one list of sources.

Each module of `riskwatch/data/sources/` declares what it reads as `REGISTERED` (a
`kit.source.Source` per publisher table); this list names the modules. The build, the
kind of figure each panel row is, and the reader-contract test iterate it, so adding a
source is its module, a line here, and its test (CONTRIBUTING.md, "Add a data source").
"""

from __future__ import annotations

import pandas as pd

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


def kind_of_source(sources: tuple[Source, ...] = SOURCES) -> dict[str, str]:
    """The kind of figure (outturn, budget, forecast, position) of every panel `source`
    code, as the sources declare it; a code two sources declare differently is an error."""
    kinds: dict[str, str] = {}
    for source in sources:
        for code, kind in source.kinds.items():
            if kinds.setdefault(code, kind) != kind:
                raise ValueError(
                    f"panel source {code} is declared {kinds[code]} and {kind} ({source.name})"
                )
    return kinds


KIND_OF_SOURCE: dict[str, str] = kind_of_source()


def with_kinds(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel with its `kind` column (from each row's source); a source of no declared
    kind is an error naming it, so a new source must declare what its figures are."""
    unknown = sorted(set(panel["source"].dropna().unique()) - set(KIND_OF_SOURCE))
    if unknown:
        raise ValueError(f"sources of no declared kind: {', '.join(map(str, unknown))}")
    return panel.assign(kind=panel["source"].map(KIND_OF_SOURCE))
