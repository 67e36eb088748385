"""Release dates and vintages: when each value became public, and which release it is.

Where a release prints its own date we keep it in the vintage name; the date a
value is taken as public follows a rule per source (configs/releases.toml), the
first publication of that year's figures. When one year has several releases
whose values differ, the earliest is the first release and each later one is a
revision, taken as public one year after the first (conservative: revisions are
published with the next year's figures), so a backtest never sees a revision
before it existed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from riskwatch.settings import config_file, plain


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


def rule_publication_date(source: str, financial_year: str) -> str:
    """The first-publication date of a source's figures for a financial year: the date
    stated for that release where configs/releases.toml records one, else the rule."""
    config = load_release_config()
    stated = config.get("publication_stated", {}).get(f"{source} {financial_year}")
    if stated:
        return stated
    rule = config["publication_rule"][source]
    start = int(financial_year[:4])
    year = start + int(rule["calendar_year_offset"])
    return f"{year}-{rule['month_day']}"


def lagged_publication_date(source: str, period_end: str) -> str:
    """The assumed publication date of a quarterly source's figures for a period end.

    The last day of the n-th month after the period ends (configs/releases.toml).
    """
    months = int(load_release_config()["publication_lag_months"][source])
    date = pd.Timestamp(period_end) + pd.offsets.MonthEnd(months)
    return date.date().isoformat()


def order_releases(files: list[str], release_rank: dict[str, int]) -> list[str]:
    """Files of one form and year from earliest to latest release."""
    return sorted(files, key=lambda name: (release_rank.get(name, 1), name))


def revision_date(first_published: str, revision_number: int) -> str:
    """A revision is taken as public `revision_number` years after the first release."""
    date = pd.Timestamp(first_published)
    return (date + pd.DateOffset(years=revision_number)).date().isoformat()
