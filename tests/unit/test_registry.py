"""The one list of sources (riskwatch/data/registry.py) is the list the build reads."""

from __future__ import annotations

import fnmatch

import pytest
from conftest import TEST_DATA

from riskwatch.data.kit.publication import ConfiguredRule, YearRule
from riskwatch.data.kit.source import Source
from riskwatch.data.registry import (
    KIND_OF_SOURCE,
    PUBLICATION_RULES,
    SOURCES,
    kind_of_source,
    publication_rules,
)
from riskwatch.data.schema import KINDS
from riskwatch.data.store.vintages import load_release_config, rule_publication_date

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
        return Source(name, "t", "p", {"TOY": kind}, ("toy/*.csv",), None, "rule", {})

    with pytest.raises(ValueError, match="TOY is declared outturn and budget"):
        kind_of_source((toy("a", "outturn"), toy("b", "budget")))
    with pytest.raises(ValueError, match="kinds not in"):
        toy("c", "guess")


def test_every_configured_publication_rule_is_a_sources_and_each_named_once():
    config = load_release_config()
    declared = PUBLICATION_RULES
    configured = {name for name, rule in declared.items() if not isinstance(rule, YearRule)}
    assert configured == set(config["publication_rule"]) | set(config["publication_lag_months"])
    for key in config["publication_stated"]:
        assert isinstance(declared[key.split()[0]], ConfiguredRule), key
    # the feature frame's as-of dates and the build reach a source's rule through the registry
    assert rule_publication_date("RS", "2019-20") == "2020-11-30"
    assert rule_publication_date("RS", "2024-25") == "2025-12-31"  # stated in releases.toml
    assert rule_publication_date("BI", "2019-20", "2019-12-31") == "2020-03-31"
    assert rule_publication_date("DEFRA", "2019-20") == "2021-03-31"


def test_a_publication_rule_declared_two_ways_is_refused():
    def toy(name: str, rule: YearRule) -> Source:
        return Source(name, "t", "p", {name: "outturn"}, (), None, "rule", {"TOY": rule})

    with pytest.raises(ValueError, match="publication rule TOY is declared"):
        publication_rules((toy("a", YearRule(1, "03-31")), toy("b", YearRule(2, "03-31"))))
    with pytest.raises(ValueError, match="no source declares a publication rule NOPE"):
        rule_publication_date("NOPE", "2019-20")
