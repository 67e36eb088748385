"""The user's release store: each ingested source file kept as one Parquet file in the data
directory's `releases/` folder, named by the source file's content hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from riskwatch.atomic import write_parquet
from riskwatch.errors import RiskwatchError


def releases_folder(data_dir: Path) -> Path:
    """Where a data directory keeps its ingested releases, one Parquet file each."""
    return Path(data_dir) / "releases"


def release_path(data_dir: Path, source: Path) -> Path:
    """The file an ingested source file is stored as: named by the source's content hash,
    so ingesting the same file again finds it."""
    return releases_folder(data_dir) / f"{file_sha256(source)[:20]}.parquet"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (a large download is never held in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(2**20):
            digest.update(block)
    return digest.hexdigest()


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
