"""Running joblib calls on a Dask cluster: the one place that connects to a scheduler.

The backtest's fits and the feature frames' as-of years are joblib calls; inside
`on_cluster(address)` they run on the workers of the Dask scheduler at `address` instead of
on this machine's cores, with the same results.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from riskwatch.errors import RiskwatchError


@contextmanager
def on_cluster(scheduler: str) -> Iterator[None]:
    """joblib's `Parallel` runs on the Dask cluster at `scheduler` within this block; one
    line naming `--scheduler` if Dask is not installed or the scheduler cannot be reached."""
    from joblib import parallel_backend

    try:
        from dask.distributed import Client
    except ImportError:
        raise RiskwatchError(
            "--scheduler needs Dask: pip install 'riskwatch[distributed]'", field="--scheduler"
        ) from None
    try:  # connect timeout from Dask's config (distributed.comm.timeouts.connect, 30 s)
        client = Client(scheduler)
    except (OSError, TimeoutError) as exc:
        raise RiskwatchError(
            f"cannot reach Dask scheduler {scheduler}: {exc}", field="--scheduler"
        ) from None
    with client, parallel_backend("dask"):
        yield
