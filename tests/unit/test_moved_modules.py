"""Modules that moved keep their old import paths for one release, with a warning."""

from __future__ import annotations

import importlib
import sys

import pytest

import riskwatch.atomic
from riskwatch.data.store import frame_cache, release_store, table_store


def fresh_import(name: str):
    """Import a module by name as if for the first time in this process."""
    sys.modules.pop(name, None)
    return importlib.import_module(name)


def test_the_split_table_store_answers_to_its_old_name():
    with pytest.warns(DeprecationWarning, match="store.tables has moved"):
        old = fresh_import("riskwatch.data.store.tables")
    assert old.load_table is table_store.load_table
    assert old.ingested_panel is release_store.ingested_panel
    assert old.cached_frames is frame_cache.cached_frames
    assert old.write_atomic is riskwatch.atomic.write_atomic


def test_a_moved_module_is_the_module_at_its_new_place_under_its_own_name():
    with pytest.warns(DeprecationWarning, match="has moved to riskwatch.data.kit.opening"):
        old = fresh_import("riskwatch.data.opening")
    new = importlib.import_module("riskwatch.data.kit.opening")
    assert old is new
    assert new.__spec__.name == "riskwatch.data.kit.opening"
