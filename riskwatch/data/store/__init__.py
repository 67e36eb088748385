"""Where tables and releases live: the embedded tables (`table_store`), the user's ingested
releases (`release_store`), when each value became public (`vintages`) and the cache of
derived files (`frame_cache`); atomic writes are `riskwatch.atomic`.

The names `riskwatch.data.store` and `riskwatch.data.store.tables` held before the split
are kept here, so the old import paths still work for one release.
"""

from riskwatch.atomic import write_atomic, write_parquet
from riskwatch.data.store.frame_cache import (
    DEFAULT_CACHE_MAX,
    cache_dir,
    cache_limit,
    cached_frames,
    prune_cache,
)
from riskwatch.data.store.release_store import (
    data_source,
    file_sha256,
    ingested_panel,
    release_path,
    releases_folder,
    store_release,
)
from riskwatch.data.store.table_store import (
    DEFAULT_DATA_DIR,
    TABLES,
    embedded_dir,
    load_table,
    load_tables,
    panel_fingerprint,
)

__all__ = [
    "DEFAULT_CACHE_MAX",
    "DEFAULT_DATA_DIR",
    "TABLES",
    "cache_dir",
    "cache_limit",
    "cached_frames",
    "data_source",
    "embedded_dir",
    "file_sha256",
    "ingested_panel",
    "load_table",
    "load_tables",
    "panel_fingerprint",
    "prune_cache",
    "release_path",
    "releases_folder",
    "store_release",
    "write_atomic",
    "write_parquet",
]
