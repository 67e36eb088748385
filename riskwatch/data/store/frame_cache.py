"""The cache of derived files (feature frames here; model copies in
`riskwatch.registry_snapshot`): where it lives, its size limit, and pruning it."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from riskwatch.atomic import write_parquet
from riskwatch.errors import RiskwatchError

DEFAULT_CACHE_MAX = 64 * 2**20  # ten copies of the blend champion (5.9 MB each) and frames
_CACHED_FILES = ("model-*.pickle", "features-*.parquet", "result-*.pickle")


def cache_dir() -> Path:
    """Where derived tables are cached: RISKWATCH_CACHE_DIR, else ~/.cache/riskwatch; with
    HOME unset, empty or relative, a folder of this user's in the temporary folder (never
    under / or the working directory)."""
    configured = os.environ.get("RISKWATCH_CACHE_DIR")
    if configured:
        return Path(configured)
    home = os.environ.get("HOME", "")
    if not Path(home).is_absolute() or Path(home) == Path("/"):
        return Path(tempfile.gettempdir()) / f"riskwatch-cache-{os.getuid()}"
    return Path(home) / ".cache" / "riskwatch"


def cache_limit() -> int:
    """RISKWATCH_CACHE_MAX in bytes (default 64 MB); refused in one line if unreadable."""
    text = os.environ.get("RISKWATCH_CACHE_MAX", "").strip()
    if not text:
        return DEFAULT_CACHE_MAX
    found = re.fullmatch(r"(\d+)\s*([KMG]?)B?", text, re.IGNORECASE)
    if not found:
        raise RiskwatchError(
            f"'{text}' is not a size (a number of bytes, or with K, M or G: 500M)",
            field="RISKWATCH_CACHE_MAX",
        )
    return int(found.group(1)) * 1024 ** " KMG".index(found.group(2).upper() or " ")


def prune_cache(newest: Path) -> None:
    """Delete the least recently used model copies, feature frames and kept results
    (riskwatch.data.store.results) until the cache
    folder holds at most `cache_limit()` bytes; the file just written always stays. A file
    another process deletes meanwhile is simply gone."""
    kept = []
    for path in (p for pattern in _CACHED_FILES for p in newest.parent.glob(pattern)):
        with contextlib.suppress(OSError):
            kept.append((path.stat(), path))
    total = sum(stat.st_size for stat, _ in kept)
    limit = cache_limit()
    for stat, path in sorted(kept, key=lambda item: item[0].st_mtime):
        if total <= limit:
            break
        if path != newest:
            path.unlink(missing_ok=True)
            total -= stat.st_size


def cached_frames(
    key: str, build: Callable[[], dict[str, pd.DataFrame]]
) -> dict[str, pd.DataFrame]:
    """Feature frames by as-of year, built once per key (panel, catalogue and code version).

    The key changes whenever the data, the feature catalogue or riskwatch changes, so a
    cached copy is never stale; a damaged or unwritable cache just means building again.
    """
    try:
        path = cache_dir() / f"features-{key}.parquet"
    except RuntimeError:  # no home directory to cache in
        return build()
    try:
        history = pd.read_parquet(path)
        os.utime(path)  # used now: the last to be pruned
        return {year: rows.reset_index(drop=True) for year, rows in history.groupby("as_of")}
    except (OSError, ValueError):
        pass
    frames = build()
    with contextlib.suppress(OSError, RiskwatchError):  # a read-only home: build again next time
        path.parent.mkdir(parents=True, exist_ok=True)
        write_parquet(pd.concat(list(frames.values()), ignore_index=True), path)
        prune_cache(path)
    return frames
