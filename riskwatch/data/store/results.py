"""Results a warm run would compute again, kept in the cache folder beside the feature frames.

A warm watchlist or review recomputes the same scores, reasons, explanations and What-if
results from the same data and model. Each is kept here under a key that the caller builds
from everything the result depends on (`result_key`); this module adds the code and
configuration of riskwatch itself and the versions of the libraries that compute
(`source_fingerprint`), so editing a builder, a config file or upgrading pandas never serves
an old result. A damaged entry is ignored and computed again; a cache folder that cannot
be written means computing every time, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from riskwatch.atomic import write_atomic
from riskwatch.data.store.frame_cache import cache_dir, cache_limit, prune_cache
from riskwatch.errors import RiskwatchError

Result = TypeVar("Result")

# The packages whose code computes a result: riskwatch and the folders it maps in.
_PACKAGES = ("riskwatch", "riskwatch.features", "riskwatch.models", "riskwatch.configs")
# Libraries whose versions can change a computed figure.
_LIBRARIES = ("numpy", "pandas", "scipy", "scikit-learn", "statsmodels", "lightgbm", "pyarrow")


@dataclass(frozen=True)
class _Entry:
    """A kept result with the key it was kept under (a file renamed to another key is not
    served)."""

    key: str
    result: object


@cache
def source_fingerprint() -> str:
    """A hash of every source and config file of riskwatch (features/, models/ and configs/
    included) and of the computing libraries' versions. Found without importing the mapped
    packages (importing riskwatch.models would import scikit-learn)."""
    digest = hashlib.sha256()
    for package in _PACKAGES:
        spec = importlib.util.find_spec(package)
        folders = (spec.submodule_search_locations or []) if spec is not None else []
        for folder in folders:
            for path in sorted(Path(folder).rglob("*")):
                if path.suffix in (".py", ".toml", ".csv", ".json") and path.is_file():
                    digest.update(f"{package}/{path.relative_to(folder)}".encode())
                    digest.update(path.read_bytes())
    for library in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{library}=={metadata.version(library)}".encode())
    return digest.hexdigest()


def result_key(*parts: str) -> str:
    """The key of a result computed from `parts` (each a fingerprint or a setting, in
    words) by this version of the code."""
    return hashlib.sha256("|".join((source_fingerprint(), *parts)).encode()).hexdigest()[:24]


def result_path(kind: str, key: str) -> Path:
    """Where a result of `kind` ('watchlist', 'what-if', ...) with `key` is kept."""
    return cache_dir() / f"result-{kind}-{key}.pickle"


def cached_result(kind: str, key: str, compute: Callable[[], Result]) -> Result:
    """The result kept under `key`, else `compute()`'s, kept for the next run (written
    atomically, the cache then pruned to its size cap)."""
    try:
        path = result_path(kind, key)
    except RuntimeError:  # no home directory to cache in
        return compute()
    try:
        content = path.read_bytes()
    except OSError:
        content = None
    if content is not None:
        try:
            kept = pickle.loads(content)
        except Exception:  # noqa: BLE001 - a damaged entry fails to unpickle in many ways
            kept = None
        if isinstance(kept, _Entry) and kept.key == key:
            with contextlib.suppress(OSError):
                os.utime(path)  # used now: the last to be pruned
            return kept.result
    result = compute()
    cache_limit()  # a bad RISKWATCH_CACHE_MAX is the user's to fix, not a cache failure
    with contextlib.suppress(OSError, RiskwatchError, pickle.PicklingError, TypeError):
        content = pickle.dumps(_Entry(key, result), protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda tmp: tmp.write_bytes(content))
        prune_cache(path)
    return result
