"""Financial years, kept importable here for one release: they now live in `riskwatch.years`
(a core module, below the data layer, that settings and every stage read)."""

from riskwatch.years import (
    ANY_ONE,
    CODE,
    SPACED,
    WRITTEN,
    financial_year_ending,
    financial_year_of,
    financial_year_starting,
    financial_years_in,
    is_financial_year,
    parse_financial_year,
    year_end,
)

__all__ = [
    "ANY_ONE",
    "CODE",
    "SPACED",
    "WRITTEN",
    "financial_year_ending",
    "financial_year_of",
    "financial_year_starting",
    "financial_years_in",
    "is_financial_year",
    "parse_financial_year",
    "year_end",
]
