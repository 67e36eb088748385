"""Adding releases: one file through `data ingest`, or new official releases found and fetched by `data update`."""

from riskwatch.data.ingest.release import *  # noqa: F403
