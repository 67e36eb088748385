"""Publication rules: when a source's figures for a period became public, where no release
states its own date.

Each `Source` declares its rules by name (`Source.rules`), and its reader dates its rows by
them; the build, `data ingest` and the feature frame's as-of dates reach the same rules
through the registry (`store.vintages.rule_publication_date`), so a source's timing is
decided in one place. A rule is one of three kinds, each with `date(financial_year,
period_end)`:

- `YearRule`: a fixed day a number of years after the financial year starts, declared in
  the source's module.
- `ConfiguredRule`: the same, set in configs/releases.toml (`[publication_rule.NAME]`),
  where a release's own first-publication date may be recorded (`[publication_stated]`).
- `LagRule`: a quarterly source, public at the end of the n-th month after the period ends
  (configs/releases.toml `[publication_lag_months]`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from riskwatch.data.store.vintages import load_release_config


@dataclass(frozen=True)
class YearRule:
    """Public on `month_day` of the calendar year `years_after` the financial year's first.

    E.g. `YearRule(1, "12-31")`: figures for 2019-20 are public on 2020-12-31.
    """

    years_after: int
    month_day: str  # "MM-DD"

    def date(self, financial_year: str, period_end: str | None = None) -> str:
        """The ISO date figures for this financial year became public."""
        return f"{int(financial_year[:4]) + self.years_after}-{self.month_day}"


@dataclass(frozen=True)
class ConfiguredRule:
    """A form's rule set in configs/releases.toml: the first-publication date stated for
    that release where `[publication_stated]` records one ("RS 2024-25"), else
    `[publication_rule.NAME]` (a calendar-year offset and a day)."""

    name: str

    def date(self, financial_year: str, period_end: str | None = None) -> str:
        """The ISO date figures for this financial year became public."""
        config = load_release_config()
        stated = config.get("publication_stated", {}).get(f"{self.name} {financial_year}")
        if stated:
            return stated
        rule = config["publication_rule"][self.name]
        return YearRule(int(rule["calendar_year_offset"]), rule["month_day"]).date(financial_year)


@dataclass(frozen=True)
class LagRule:
    """A quarterly source's rule: public on the last day of the n-th month after the period
    ends, n set in configs/releases.toml `[publication_lag_months]`."""

    name: str

    def date(self, financial_year: str, period_end: str) -> str:
        """The ISO date figures for the period ending on `period_end` became public."""
        months = int(load_release_config()["publication_lag_months"][self.name])
        return (pd.Timestamp(period_end) + pd.offsets.MonthEnd(months)).date().isoformat()


PublicationRule = YearRule | ConfiguredRule | LagRule
