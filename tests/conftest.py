"""Shared fixtures: the embedded tables, and the path to the shared public data."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared public data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tables() -> dict:
    from riskwatch.data.store import TABLES, load_table

    return {name: load_table(name) for name in TABLES}


@pytest.fixture(scope="session")
def frames(tables) -> dict:
    """The feature frame of every outturn year, built once per test session."""
    from riskwatch.pipeline import feature_frames, score_years

    return feature_frames(tables, score_years(tables))


@pytest.fixture(scope="session")
def feature_inputs():
    from riskwatch.dataset import feature_set

    return feature_set()
