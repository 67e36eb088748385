"""A registered model loaded once, kept so the next warm run can score without MLflow.

Importing MLflow and opening its store takes about three seconds, most of a warm
watchlist or review. When the registry is the local SQLite file, the version an alias
or number names is looked up with one read-only query, and the model loaded from MLflow
the first time is kept in the cache folder with its description and input columns,
keyed by that version's whole registry row and tags: re-pointing the alias, retraining,
re-describing or re-tagging the version gives a new key, so a kept copy is never stale.
Anything unexpected (a server URI, a registry schema this query does not know, a damaged
copy) means loading through MLflow as before. The copy is the model as registered, so
it scores even if the version's artifact files are deleted later; emptying the cache
folder (RISKWATCH_CACHE_DIR, else ~/.cache/riskwatch) makes the next run load them.

A kept copy is trusted only if its bytes hash to the sha256 recorded in its version's
registry tags when it was kept (`COPY_HASH_TAG`, left out of the key): a copy that does not
match is not unpickled, and is loaded from MLflow and kept again. Model copies and feature
frames in the cache folder are kept to `RISKWATCH_CACHE_MAX` (default 64 MB; a number of
bytes, or with a K, M or G suffix) by deleting the least recently used first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskwatch.atomic import write_atomic
from riskwatch.data.store.frame_cache import cache_dir, cache_limit, prune_cache
from riskwatch.errors import RiskwatchError
from riskwatch.tracking.registry import PENDING, REGISTRATION_TAG

# The MLflow registry schema the query below was written against (alembic revision of
# MLflow 3.x); another revision falls back to loading through MLflow.
KNOWN_SCHEMAS = ("dc11669786a5",)
# The layout of a kept copy (`Snapshot`), part of its key: a copy of an earlier layout is
# never read, but loaded from MLflow and kept again.
SNAPSHOT_LAYOUT = 2
COPY_HASH_TAG = "riskwatch.copy_sha256"


@dataclass(frozen=True)
class KeptVersion:
    """A registered version as the local registry describes it: the key of its kept copy,
    its number, and the sha256 recorded for that copy (None before one is kept)."""

    key: str
    version: int
    copy_sha256: str | None


@dataclass(frozen=True)
class Snapshot:
    """What scoring needs of a registered version: the fitted model, its registry
    description (as `riskwatch.tracking.registry.list_versions` gives it) and its input
    columns. The model is held pickled on its own (`of`), so reading a kept copy imports no
    fitting library until the version scores (`fitted_model`): a warm run served kept results
    never imports scikit-learn."""

    model_pickle: bytes
    description: dict
    input_columns: list[str]

    @classmethod
    def of(cls, model: Any, description: dict, input_columns: list[str]) -> Snapshot:
        return cls(pickle.dumps(model), description, input_columns)

    def fitted_model(self) -> Any:
        """The fitted model (the copy's bytes were checked against the registry when read)."""
        return pickle.loads(self.model_pickle)


def version_key(uri: str, name: str, reference: str) -> KeptVersion | None:
    """A key naming exactly the registered version `reference` (a number or an alias)
    resolves to in a local SQLite registry, as it stands; None where it cannot be told
    without MLflow (a server, an unknown schema, no such version)."""
    if not uri.startswith("sqlite:///"):
        return None
    database = Path(uri.removeprefix("sqlite:///"))
    if not database.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            return _key(db, str(database.resolve()), name, reference)
    except sqlite3.Error:
        return None


def _key(db: sqlite3.Connection, database: str, name: str, reference: str) -> KeptVersion | None:
    (schema,) = db.execute("SELECT version_num FROM alembic_version").fetchone() or (None,)
    if schema not in KNOWN_SCHEMAS:
        return None
    if reference.isdigit():
        version = int(reference)
    else:
        found = db.execute(
            "SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?",
            (name, reference),
        ).fetchone()
        if found is None:
            return None
        version = int(found[0])
    row = db.execute(
        "SELECT * FROM model_versions WHERE name = ? AND version = ?", (name, version)
    ).fetchone()
    if row is None:
        return None
    tags = dict(
        db.execute(
            "SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key",
            (name, version),
        ).fetchall()
    )
    if tags.get(REGISTRATION_TAG) == PENDING:
        return None  # a registration in flight or interrupted: MLflow says what to load
    recorded = tags.pop(COPY_HASH_TAG, None)
    aliases = db.execute(
        "SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias",
        (name, version),
    ).fetchall()
    state = json.dumps(
        [database, name, schema, list(row), sorted(tags.items()), aliases, SNAPSHOT_LAYOUT],
        default=str,
    )
    return KeptVersion(hashlib.sha256(state.encode()).hexdigest()[:24], version, recorded)


def _path(key: str) -> Path:
    return cache_dir() / f"model-{key}.pickle"


def read(kept: KeptVersion, announce: Callable[[str], None]) -> Snapshot | None:
    """The copy kept for a version, if its bytes match the sha256 its registry entry
    records (checked before unpickling); None when there is none or it does not match."""
    path = _path(kept.key)
    try:
        content = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(content).hexdigest() != kept.copy_sha256:
        announce(
            f"the kept copy of model version {kept.version} does not match its registry "
            "entry: loading it from MLflow again"
        )
        return None
    try:
        snapshot = pickle.loads(content)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: the last copy to be pruned
    return snapshot if isinstance(snapshot, Snapshot) else None


def keep(kept: KeptVersion, snapshot: Snapshot, record_sha256: Callable[[str], None]) -> None:
    """Keep a snapshot for a version and record its sha256 with the version's registry entry
    (`record_sha256`); then prune the cache to its size cap. A cache folder that cannot be
    written is no error."""
    content = pickle.dumps(snapshot)
    cache_limit()  # a bad RISKWATCH_CACHE_MAX is the user's to fix, not a cache failure
    with contextlib.suppress(OSError, RuntimeError, RiskwatchError):
        _path(kept.key).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(_path(kept.key), lambda tmp: tmp.write_bytes(content))
        record_sha256(hashlib.sha256(content).hexdigest())
        prune_cache(_path(kept.key))
