"""The one list of sources (riskwatch/data/registry.py) is the list the build reads."""

from __future__ import annotations

import fnmatch

import pytest
from conftest import TEST_DATA

from riskwatch.data.kit.source import Source
from riskwatch.data.registry import KIND_OF_SOURCE, SOURCES, kind_of_source
from riskwatch.data.schema import KINDS

# Files the build reads that are not panel sources: the labels and the context tables.
NOT_PANEL_SOURCES = {
    "events.csv",
    "context/File_10_IoD2019_LAD_Summaries_LowerTier.xlsx",
    "context/oflog_nearest_neighbours.json",
}


def test_every_file_the_build_reads_is_declared_by_a_registered_source():
    # build-reads.txt: the files `data build` opened, recorded under an audit hook
    reads = [line for line in (TEST_DATA / "build-reads.txt").read_text().split("\n") if line]
    declared = [pattern for source in SOURCES for pattern in source.files]
    undeclared = {path for path in reads if not any(fnmatch.fnmatch(path, p) for p in declared)}
    assert undeclared == NOT_PANEL_SOURCES


def test_source_names_are_unique_and_every_kind_is_known():
    names = [source.name for source in SOURCES]
    assert len(names) == len(set(names))
    assert set(KIND_OF_SOURCE.values()) <= set(KINDS)
    assert {"RS", "RSX", "RA", "COR", "BI", "HCLIC"} <= set(KIND_OF_SOURCE)


def test_a_panel_source_declared_with_two_kinds_is_refused():
    def toy(name: str, kind: str) -> Source:
        return Source(name, "t", "p", {"TOY": kind}, ("toy/*.csv",), None, "rule")

    with pytest.raises(ValueError, match="TOY is declared outturn and budget"):
        kind_of_source((toy("a", "outturn"), toy("b", "budget")))
    with pytest.raises(ValueError, match="kinds not in"):
        toy("c", "guess")
