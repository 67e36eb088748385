"""Assemble the tidy tables (authorities, panel, events) from the shared public data.

`riskwatch data build` runs this and writes the result as the embedded Parquet;
a test checks that a rebuild equals what is shipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.cluster import LocalEngine
from riskwatch.data.authorities import (
    apply_ecode_aliases,
    authority_years,
    build_authorities,
)
from riskwatch.data.kit.authority_index import attach_codes, council_index
from riskwatch.data.kit.source import Source
from riskwatch.data.registry import SOURCES, with_kinds
from riskwatch.data.schema import COUNCIL_CLASSES, UNMATCHED_COLUMNS
from riskwatch.data.sources import events as events_source
from riskwatch.data.sources import revenue as revenue_source
from riskwatch.data.sources.events import read_events
from riskwatch.data.sources.revenue import RevenueRelease, read_revenue_file
from riskwatch.data.store.vintages import (
    load_release_config,
    order_releases,
    revision_date,
    rule_publication_date,
)

# progress(items, length) yields the items, perhaps drawing a bar; `length` because the
# results arrive as the worker processes finish them.
Progress = Callable[..., Iterable]


def no_progress(items: Iterable, length: int | None = None) -> Iterable:
    """The items, drawing nothing."""
    return items


def file_readers() -> LocalEngine:
    """Where the files are read: a process per core, since parsing a workbook holds the
    interpreter lock. The files are independent of each other and the results come back
    in the files' order, so the tables are the same as read one by one."""
    return LocalEngine(prefer="processes")


def revenue_files(root: Path) -> list[Path]:
    """The revenue releases under a data folder, as the revenue source declares them."""
    (revenue,) = revenue_source.REGISTERED
    return revenue.paths(root)


def read_revenue_releases(
    files: list[Path], progress: Progress = no_progress
) -> list[RevenueRelease]:
    """Every revenue release read; one holding an impossible value is refused (the build
    has no outliers to accept: the embedded data holds none)."""
    releases = []
    for release in progress(file_readers().imap(read_revenue_file, files), len(files)):
        if release.impossible_values:
            raise release.impossible_values[0]
        releases.append(release)
    return releases


def council_rosters(releases: list[RevenueRelease]) -> pd.DataFrame:
    """Authorities listed by each outturn release (RS, RSX): the council panel's years."""
    rosters = [r.roster.assign(source=r.form) for r in releases if r.form in ("RS", "RSX")]
    return apply_ecode_aliases(pd.concat(rosters, ignore_index=True))


def read_source(
    source: Source, *, root: Path, authorities: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One source's panel rows and unmatched rows, as its reader gives them."""
    return source.read(root, authorities)


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
            if any(same_values(values, earlier) for earlier in kept):
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
    return attach_gss(pd.concat(frames, ignore_index=True), authorities)


def same_values(a: pd.DataFrame, b: pd.DataFrame, authority: str = "ecode") -> bool:
    """Whether two releases hold the same values: then they are one vintage, stored once.

    Authorities are matched by `authority`: the E-code, or the GSS code for a file
    that keys its rows by ONS code.
    """
    key = [authority, "indicator", "period_end"]
    left = a.set_index(key)[["value", "status"]].sort_index()
    right = b.set_index(key)[["value", "status"]].sort_index()
    if not left.index.equals(right.index):
        return False
    same = np.isclose(left["value"], right["value"], rtol=0, atol=1e-9, equal_nan=True)
    return bool(same.all() and left["status"].equals(right["status"]))


def attach_gss(panel: pd.DataFrame, authorities: pd.DataFrame) -> pd.DataFrame:
    """Panel rows keyed by E-code with their GSS codes; non-council bodies (class O) drop out."""
    coded, _ = attach_codes(panel, council_index(authorities))
    return coded.reset_index(drop=True)


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


def build_tables(root: Path, progress: Progress = no_progress) -> dict[str, pd.DataFrame]:
    """Every embedded table, rebuilt from the shared data folder."""
    from riskwatch.data.sources.context import read_deprivation, read_nearest_neighbours

    root = Path(root)
    releases = read_revenue_releases(revenue_files(root), progress)
    rosters = council_rosters(releases)
    authorities = build_authorities(rosters)
    parts = [revenue_panel(releases, authorities)]
    index = council_index(authorities)
    unmatched = []
    sources = [source for source in SOURCES if source.read is not None]
    read = partial(read_source, root=root, authorities=authorities)
    for values, missed in progress(file_readers().imap(read, sources), len(sources)):
        coded, orphans = attach_codes(values, index)
        parts.append(coded)
        unmatched += [frame for frame in (missed, orphans) if frame is not None and len(frame)]
    panel = with_kinds(pd.concat(parts, ignore_index=True))
    panel["value"] = panel["value"].astype(float)
    panel = panel.sort_values(
        ["gss_code", "financial_year", "indicator", "source", "period_end", "published", "vintage"]
    ).reset_index(drop=True)
    events = read_events(root / events_source.FILE)
    neighbours = read_nearest_neighbours(root)
    return {
        "authorities": authorities,
        "authority_years": council_years(rosters, authorities),
        "panel": panel,
        "events": events,
        "unmatched": (
            pd.concat(unmatched, ignore_index=True).astype({"row": "Int64"})
            if unmatched
            else pd.DataFrame(columns=UNMATCHED_COLUMNS)
        ),
        "deprivation": read_deprivation(root),
        "neighbours": neighbours[["gss_code", "neighbour_gss"]],
    }
