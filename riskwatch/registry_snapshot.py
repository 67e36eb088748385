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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskwatch.data.store import cache_dir, write_atomic
from riskwatch.errors import RiskwatchError

# The MLflow registry schema the query below was written against (alembic revision of
# MLflow 3.x); another revision falls back to loading through MLflow.
KNOWN_SCHEMAS = ("dc11669786a5",)


@dataclass(frozen=True)
class Snapshot:
    """What scoring needs of a registered version: the fitted model, its registry
    description (as `tracking.list_versions` gives it) and its input columns."""

    model: Any
    description: dict
    input_columns: list[str]


def version_key(uri: str, name: str, reference: str) -> str | None:
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


def _key(db: sqlite3.Connection, database: str, name: str, reference: str) -> str | None:
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
    tags = db.execute(
        "SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key",
        (name, version),
    ).fetchall()
    aliases = db.execute(
        "SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias",
        (name, version),
    ).fetchall()
    state = json.dumps([database, name, schema, list(row), tags, aliases], default=str)
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def _path(key: str) -> Path:
    return cache_dir() / f"model-{key}.pickle"


def read(key: str) -> Snapshot | None:
    """The snapshot kept under `key`, or None (none kept, or unreadable)."""
    try:
        with open(_path(key), "rb") as handle:
            snapshot = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return snapshot if isinstance(snapshot, Snapshot) else None


def keep(key: str, snapshot: Snapshot) -> None:
    """Keep a snapshot under `key`; a cache folder that cannot be written is no error."""
    with contextlib.suppress(OSError, RuntimeError, RiskwatchError):
        _path(key).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(_path(key), lambda tmp: tmp.write_bytes(pickle.dumps(snapshot)))
