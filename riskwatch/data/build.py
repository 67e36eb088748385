"""Assemble the tidy tables (authorities, panel, events) from the shared public data.

`riskwatch data build` runs this and writes the result as the embedded Parquet;
a test checks that a rebuild equals what is shipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.data.authorities import apply_ecode_aliases, authority_years, build_authorities
from riskwatch.data.events import read_events
from riskwatch.data.revenue import RevenueRelease, read_revenue_file
from riskwatch.data.schema import COUNCIL_CLASSES, PANEL_COLUMNS, UNMATCHED_COLUMNS
from riskwatch.data.vintages import (
    load_release_config,
    order_releases,
    revision_date,
    rule_publication_date,
)

Progress = Callable[[Iterable], Iterable]


def revenue_files(root: Path) -> list[Path]:
    """The revenue releases under the shared data folder, as configs/releases.toml lists them."""
    patterns = load_release_config()["sources"]["revenue"]
    return sorted({path for pattern in patterns for path in Path(root).glob(pattern)})


def read_revenue_releases(files: list[Path], progress: Progress = iter) -> list[RevenueRelease]:
    return [read_revenue_file(path) for path in progress(files)]


def council_rosters(releases: list[RevenueRelease]) -> pd.DataFrame:
    """Authorities listed by each outturn release (RS, RSX): the council panel's years."""
    rosters = [r.roster.assign(source=r.form) for r in releases if r.form in ("RS", "RSX")]
    return apply_ecode_aliases(pd.concat(rosters, ignore_index=True))


def revenue_panel(releases: list[RevenueRelease], authorities: pd.DataFrame) -> pd.DataFrame:
    """Panel rows of every distinct release, with GSS codes, vintages and publication dates."""
    rank = load_release_config().get("release_rank", {})
    by_form_year: dict[tuple[str, str], list[RevenueRelease]] = {}
    for release in releases:
        by_form_year.setdefault((release.form, release.financial_year), []).append(release)
    frames = []
    for (form, year), group in sorted(by_form_year.items()):
        ordered = order_releases([r.source_file for r in group], rank)
        group = sorted(group, key=lambda r: ordered.index(r.source_file))
        first_published = rule_publication_date(form, year)
        kept: list[pd.DataFrame] = []
        for release in group:
            values = release.values
            if any(_same_values(values, earlier) for earlier in kept):
                continue
            number = len(kept)
            stated = f", updated {release.stated_update}" if release.stated_update else ""
            values = values.assign(
                vintage=f"{form} {year} release {number + 1} ({release.source_file}{stated})",
                published=revision_date(first_published, number),
                published_basis="rule",
            )
            kept.append(values)
        frames.extend(kept)
    panel = apply_ecode_aliases(pd.concat(frames, ignore_index=True))
    return attach_gss(panel, authorities)


def _same_values(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    key = ["ecode", "indicator", "period_end"]
    left = a.set_index(key)[["value", "status"]].sort_index()
    right = b.set_index(key)[["value", "status"]].sort_index()
    if not left.index.equals(right.index):
        return False
    same = np.isclose(left["value"], right["value"], rtol=0, atol=1e-9, equal_nan=True)
    return bool(same.all() and left["status"].equals(right["status"]))


def attach_gss(panel: pd.DataFrame, authorities: pd.DataFrame) -> pd.DataFrame:
    """Fill GSS codes from E-codes and keep council rows only (class O bodies drop out)."""
    lookup = authorities.set_index("ecode")["gss_code"]
    panel = panel.copy()
    panel["gss_code"] = panel["ecode"].map(lookup)
    return panel[panel["gss_code"].notna()][PANEL_COLUMNS].reset_index(drop=True)


def council_years(rosters: pd.DataFrame, authorities: pd.DataFrame) -> pd.DataFrame:
    """One row per council and financial year it filed an outturn return, with its class."""
    years = authority_years(rosters)
    years = years[years["class"].isin(COUNCIL_CLASSES)]
    years = years.merge(authorities[["ecode", "gss_code"]], on="ecode", how="inner")
    return (
        years[["gss_code", "ecode", "financial_year", "name", "class", "source"]]
        .sort_values(["gss_code", "financial_year"])
        .reset_index(drop=True)
    )


def build_tables(root: Path, progress: Progress = iter) -> dict[str, pd.DataFrame]:
    """Every embedded table, rebuilt from the shared data folder."""
    root = Path(root)
    releases = read_revenue_releases(revenue_files(root), progress)
    rosters = council_rosters(releases)
    authorities = build_authorities(rosters)
    panel = revenue_panel(releases, authorities)
    panel = panel.sort_values(
        ["gss_code", "financial_year", "indicator", "source", "period_end", "published"]
    ).reset_index(drop=True)
    events = read_events(root / load_release_config()["sources"]["events"])
    return {
        "authorities": authorities,
        "authority_years": council_years(rosters, authorities),
        "panel": panel,
        "events": events,
        "unmatched": pd.DataFrame(columns=UNMATCHED_COLUMNS),
    }
