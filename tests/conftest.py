"""Shared fixtures: the embedded tables, the path to the shared public data, one feature
cache for the whole session, and a ready-made empty MLflow store to copy."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent  # the checkout: notebooks/, riskwatch/, features/, models/
TEST_DATA = TESTS / "data"  # small fixtures kept with the tests
SHARED_DATA = REPO.parent / "shared" / "data"


def _session_root(tmp_path_factory) -> Path:
    """The session's temporary folder, shared by every pytest-xdist worker of the run."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


# MLflow's set_tracking_uri and set_registry_uri write these into os.environ (so its child
# processes inherit them); riskwatch's open_client calls both. Run in process by one test,
# they would point a later test's subprocesses (`mlflow models serve`) at its store.
MLFLOW_STORE_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")


@pytest.fixture(autouse=True)
def mlflow_store_variables_restored():
    """Every test ends with the MLflow store variables it started with."""
    before = {name: os.environ.get(name) for name in MLFLOW_STORE_VARIABLES}
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session", autouse=True)
def feature_cache(tmp_path_factory) -> Path:
    """Feature frames are cached in one folder for the run (RISKWATCH_CACHE_DIR, inherited
    by every `riskwatch` subprocess), never in the user's ~/.cache: a run neither reads
    frames an earlier run left nor leaves any. Its writes are atomic (temp file, rename),
    so workers and subprocesses can share it."""
    folder = _session_root(tmp_path_factory) / "riskwatch-cache"
    folder.mkdir(exist_ok=True)
    previous = os.environ.get("RISKWATCH_CACHE_DIR")
    os.environ["RISKWATCH_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("RISKWATCH_CACHE_DIR", None)
    else:
        os.environ["RISKWATCH_CACHE_DIR"] = previous


def require_shared_data() -> Path:
    """The shared public data (../shared/data). Where it is absent a test that needs it
    fails in CI (the CI variable set: those tests must run there) and elsewhere skips,
    saying why (pytest -ra lists the reason)."""
    if not SHARED_DATA.is_dir():
        reason = f"shared public data not found at {SHARED_DATA}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so the tests that read it must run")
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared public data folder, or a failure in CI and a skip elsewhere."""
    return require_shared_data()


@pytest.fixture(scope="session")
def tables() -> dict:
    from riskwatch.data.store.table_store import TABLES, load_table

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


@pytest.fixture(scope="session")
def seeded_feature_cache(tables, frames, feature_inputs, feature_cache) -> Path:
    """The session cache holding the frames `frames` built, under the key a `riskwatch`
    command on the embedded panel looks them up by (train, backtest): those commands read
    them instead of building them again. The key covers the panel, catalogue and code, so
    a command on other data never sees these frames."""
    from riskwatch.data.store.frame_cache import cached_frames
    from riskwatch.pipeline import frames_key, score_years

    key = frames_key(tables, feature_inputs.catalogue_version, score_years(tables))
    cached_frames(key, lambda: frames)
    return feature_cache


@pytest.fixture(scope="session")
def empty_registry(tmp_path_factory) -> Path:
    """An MLflow SQLite store as riskwatch creates it on first use (schema migrated, no
    model yet), made once: tests that need an empty store copy it (`copy_empty_registry`)
    instead of paying for the migrations each time."""
    from riskwatch.tracking import store

    database = tmp_path_factory.mktemp("empty-registry") / "mlflow.db"
    previous = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{database}"
    try:
        store.connect()  # creates and migrates the store
    finally:
        if previous is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = previous
    return database


@pytest.fixture
def copy_empty_registry(empty_registry):
    """copy(path): an empty, migrated MLflow store at `path`; returns its tracking URI."""

    def copy(path: Path) -> str:
        shutil.copyfile(empty_registry, path)
        return f"sqlite:///{path}"

    return copy


@pytest.fixture
def tracking_store(tmp_path: Path, monkeypatch, copy_empty_registry) -> Path:
    """This test's own working folder, holding an empty tracking store (`store.db`) and the
    cache folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", copy_empty_registry(tmp_path / "store.db"))
    monkeypatch.setenv("RISKWATCH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path
