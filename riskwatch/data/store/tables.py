"""Where the tidy tables live: the embedded Parquet, and the user's data directory.

The embedded copy ships inside the package and is never written by `ingest`;
releases a user ingests go to their data directory (default ./riskwatch-data)
and are read on top of the embedded panel.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pandas as pd

from riskwatch.errors import RiskwatchError
from riskwatch.paths import check_output_file

TABLES = (
    "authorities",
    "authority_years",
    "panel",
    "events",
    "unmatched",
    "deprivation",
    "neighbours",
)
DEFAULT_DATA_DIR = Path("riskwatch-data")
DEFAULT_CACHE_MAX = 64 * 2**20  # ten copies of the blend champion (5.9 MB each) and frames
_CACHED_FILES = ("model-*.pickle", "features-*.parquet", "result-*.pickle")


def embedded_dir() -> Path:
    return Path(str(resources.files("riskwatch.data").joinpath("embedded")))


def load_table(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """A table from the embedded copy; the panel includes the user's ingested releases."""
    if name not in TABLES:
        raise ValueError(f"unknown table '{name}'")
    frame = pd.read_parquet(embedded_dir() / f"{name}.parquet")
    if name == "panel" and data_dir is not None:
        ingested = ingested_panel(data_dir)
        if not ingested.empty:
            # releases ingested before kinds were stored get theirs from their source
            from riskwatch.data.registry import with_kinds  # the registry reads through this store

            frame = pd.concat([frame, with_kinds(ingested)], ignore_index=True)
    return frame


def releases_folder(data_dir: Path) -> Path:
    """Where a data directory keeps its ingested releases, one Parquet file each."""
    return Path(data_dir) / "releases"


def release_path(data_dir: Path, source: Path) -> Path:
    """The file an ingested source file is stored as: named by the source's content hash,
    so ingesting the same file again finds it."""
    return releases_folder(data_dir) / f"{file_sha256(source)[:20]}.parquet"


def store_release(panel: pd.DataFrame, target: Path) -> None:
    """Write an ingested release, creating the data directory's releases folder if needed;
    a folder that cannot be created is one line naming it."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RiskwatchError(
            f"cannot create the data directory: {exc.strerror or exc}", file=target.parent
        ) from None
    from riskwatch.data.registry import with_kinds  # the registry reads through this store

    write_parquet(with_kinds(panel), target)


def ingested_panel(data_dir: Path) -> pd.DataFrame:
    """Every release ingested into a data directory (one Parquet file per release)."""
    folder = releases_folder(data_dir)
    files = sorted(folder.glob("*.parquet")) if folder.exists() else []
    if not files:
        return pd.DataFrame()
    return pd.concat([_read_release(f) for f in files], ignore_index=True)


def _read_release(path: Path) -> pd.DataFrame:
    import pyarrow

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError, pyarrow.ArrowException):
        raise RiskwatchError(
            "cannot read this ingested release (damaged?); delete it and ingest its source "
            "file again",
            file=path,
        ) from None


def data_source(data_dir: Path) -> str:
    """The data a score was computed from, for a pack or watchlist to name: the embedded
    panel alone, or with the releases ingested into the data directory (by vintage)."""
    ingested = ingested_panel(data_dir)
    if ingested.empty:
        return "embedded panel"
    vintages = sorted(ingested["vintage"].unique())
    return (
        f"embedded panel + {len(vintages)} release{'s' if len(vintages) > 1 else ''} "
        f"ingested in {data_dir}: {'; '.join(vintages)}"
    )


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename: never half-written.

    The folder must exist (an output path with a typo is an error, not a new tree of
    folders); a full, read-only or forbidden disk is one line naming the file.
    """
    path = Path(path)
    check_output_file(path)
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        temporary = Path(name)
        write(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        raise RiskwatchError(
            f"cannot write: {exc.strerror or exc}; nothing was written", file=path
        ) from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (a large download is never held in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(2**20):
            digest.update(block)
    return digest.hexdigest()


def panel_fingerprint(panel: pd.DataFrame) -> str:
    """A short content hash of a panel, logged with every model trained on it."""
    hashed = pd.util.hash_pandas_object(panel, index=False).to_numpy().tobytes()
    return hashlib.sha256(hashed).hexdigest()[:16]


def load_tables(data_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Every table, the panel with the user's ingested releases on top."""
    return {name: load_table(name, data_dir) for name in TABLES}


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
