"""The tidy tables: the embedded Parquet shipped inside the package, with the user's
ingested releases read on top of its panel.

The embedded copy is never written by `ingest`; `riskwatch data build` rewrites it.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import pandas as pd

from riskwatch.data.store.release_store import ingested_panel

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


def embedded_dir() -> Path:
    """The folder of the embedded Parquet tables inside the installed package."""
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


def load_tables(data_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Every table, the panel with the user's ingested releases on top."""
    return {name: load_table(name, data_dir) for name in TABLES}


def panel_fingerprint(panel: pd.DataFrame) -> str:
    """A short content hash of a panel, logged with every model trained on it."""
    hashed = pd.util.hash_pandas_object(panel, index=False).to_numpy().tobytes()
    return hashlib.sha256(hashed).hexdigest()[:16]
