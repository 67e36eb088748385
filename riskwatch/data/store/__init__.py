"""Where tables and releases live: the embedded Parquet, the user's release store, their vintages and caches."""

from riskwatch.data.store.tables import *  # noqa: F403
