"""Release dates and vintages: when each value became public, and which release it is.

Where a release prints its own date we keep it in the vintage name; the date a
value is taken as public follows the rule its source declares (`Source.rules`, some set
in configs/releases.toml), the first publication of that year's figures. When one year has several releases
whose values differ, the earliest is the first release and each later one is a
revision, taken as public one year after the first (conservative: revisions are
published with the next year's figures), so a backtest never sees a revision
before it existed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from riskwatch.settings import config_file, plain
from riskwatch.years import year_end


@dataclass(frozen=True)
class PagePublication:
    """When a file became public, from its GOV.UK page: the date of the change-history entry
    that introduced it (the page's first publication while it has no later entry)."""

    date: str  # ISO date
    page: str  # the GOV.UK path
    note: str  # the change-history note, e.g. "First published." or "Revised figures"
    first_published_at: str | None = None  # the page's own timestamps, kept as stated
    public_updated_at: str | None = None


def load_release_config() -> dict:
    """configs/releases.toml (read and checked once; a copy the caller may keep)."""
    return plain(config_file("releases.toml"))


def rule_publication_date(rule: str, financial_year: str, period_end: str | None = None) -> str:
    """The first-publication date of figures for a financial year (or the period ending on
    `period_end`) by the publication rule of that name, as the source declaring it sets it
    (`Source.rules`; the registry finds it)."""
    from riskwatch.data.registry import publication_rule  # the registry reads through this store

    return publication_rule(rule).date(financial_year, period_end or year_end(financial_year))


def order_releases(files: list[str], release_rank: dict[str, int]) -> list[str]:
    """Files of one form and year from earliest to latest release."""
    return sorted(files, key=lambda name: (release_rank.get(name, 1), name))


def revision_date(first_published: str, revision_number: int) -> str:
    """A revision is taken as public `revision_number` years after the first release."""
    date = pd.Timestamp(first_published)
    return (date + pd.DateOffset(years=revision_number)).date().isoformat()
