"""Where work runs: this machine's cores or a Dask cluster, the one place that connects to one.

An engine maps a function over items and returns the results in the items' order:
`LocalEngine` on this machine's cores, `DaskEngine` on the workers of a Dask scheduler
(at an address, or a LocalCluster started for the command and closed after it). Scoring
at scale sends its chunks through the current engine (`using_engine`), and any code
taking a mapper callable can be given `engine.map`. The backtest's fits and the feature
frames' as-of years are joblib calls instead: inside `on_cluster(address)` they run on the
cluster's workers, with the same results.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from riskwatch.errors import RiskwatchError

Item = TypeVar("Item")
Result = TypeVar("Result")
ENGINES = ("local", "dask")


class Engine(Protocol):
    """Runs `function` on every item; the results come back in the items' order."""

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]: ...


@dataclass(frozen=True)
class LocalEngine:
    """This machine's cores through joblib: threads by default (the numerical work of scoring
    releases the interpreter lock; nothing is copied), processes where work holds the lock
    (each worker process keeps the memory it frees for its next item, `keep_freed_memory`).
    A single item runs in the calling thread."""

    n_jobs: int = -1
    prefer: Literal["threads", "processes"] = "threads"

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
        return list(self.imap(function, items))

    def imap(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        """As `map`, yielding each result as soon as it and those before it are done (a
        progress bar then moves as the work does)."""
        from joblib import Parallel, delayed, effective_n_jobs

        items = list(items)
        if len(items) <= 1 or effective_n_jobs(self.n_jobs) == 1:
            return (function(item) for item in items)
        if self.prefer == "processes":
            function = functools.partial(in_worker_process, function)
        return Parallel(n_jobs=self.n_jobs, prefer=self.prefer, return_as="generator")(
            delayed(function)(item) for item in items
        )


def in_worker_process(function: Callable[[Item], Result], item: Item) -> Result:
    """`function(item)` in a worker process, its memory settled first (`keep_freed_memory`)."""
    keep_freed_memory()
    return function(item)


PR_SET_THP_DISABLE = 41  # prctl(2): no transparent huge pages for this process
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt(3) parameters
KEPT_BLOCK = 1 << 30  # blocks up to 1 GiB come from the heap and stay there once freed


@functools.cache
def small_pages() -> bool:
    """Back this process's memory, and that of the processes it starts, with small pages
    only (Linux; elsewhere nothing is changed). True if it took.

    Why: numpy asks for transparent huge pages for every large array, and where the
    machine's memory is fragmented (by a page cache filling it, as on a long-running host)
    each such fault can stall while the kernel compacts memory. A warm `watchlist` spent
    2-3.5 s of system time that way, every other run: 2.7-4.1 s in all, 1.6-2.2 s with
    small pages (alternated, the same machine). Run once per process; children inherit it."""
    libc = _libc()
    return libc is not None and libc.prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0


def _libc() -> ctypes.CDLL | None:
    """Linux's glibc, or None (another system, or another C library such as musl: their
    memory settings are left alone)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None


@functools.cache
def keep_freed_memory() -> bool:
    """Make this process keep the memory it frees for its next allocation, in small pages
    (`small_pages`; Linux with glibc, elsewhere nothing is changed). True if both settings
    took.

    Why: a worker building chunk after chunk allocates and frees hundreds of MB per item.
    By default glibc hands each large block back to the kernel when freed and maps fresh
    pages for the next, and numpy asks for transparent huge pages, whose faults can stall
    while the kernel compacts memory; on a virtual machine a page first touched is slow
    as well. One chunk of the scale benchmark took 13.0 s before and 6.9 s after, the
    features equal. Run once per process. A worker then holds its largest use between
    items; the scale benchmark's peak was the same (3.01 GB before, 2.98-3.01 GB after).

    Arrow then allocates from the same heap (its system pool), so the memory a chunk's
    Arrow table frees is reused by the numpy arrays built from it, and back: with Arrow's
    own pool the two heaps' peaks added up (a chunk of 16 copies, in process, peaked at
    1.62-2.22 GB with Arrow's pool and 1.53-1.75 GB with one heap). The return value
    speaks for glibc's settings only: Arrow's pool is always set."""
    libc = _libc()
    if libc is None:
        return False
    import pyarrow  # imported here: `riskwatch --help` does not load it

    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    kept = libc.mallopt(M_MMAP_THRESHOLD, KEPT_BLOCK) == 1
    kept = kept and libc.mallopt(M_TRIM_THRESHOLD, 2 * KEPT_BLOCK - 1) == 1
    return small_pages() and kept


@dataclass(frozen=True)
class DaskEngine:
    """The workers of a connected Dask client, one task per item. The function (and the model
    it may carry) is sent to the workers once and each item straight to a worker, rather than
    inside every task of the graph (a chunk of a frame is 100 MB or more)."""

    client: Any  # dask.distributed.Client (imported only when Dask is asked for)

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
        items_there = self.client.scatter(list(items), hash=False)
        function_there = self.client.scatter(function, broadcast=True, hash=False)
        futures = self.client.map(
            run_item, [function_there] * len(items_there), items_there, pure=False
        )
        return self.client.gather(futures)


def run_item(function: Callable[[Item], Result], item: Item) -> Result:
    """`function(item)`: a Dask task, its function and item sent to the worker beforehand."""
    return function(item)


_current: ContextVar[Engine | None] = ContextVar("riskwatch_engine", default=None)


def current_engine() -> Engine:
    """The engine work is sent to: the one `using_engine` opened, else this machine's cores."""
    return _current.get() or LocalEngine()


@contextmanager
def using_engine(engine: str = "local", scheduler: str | None = None) -> Iterator[Engine]:
    """Within this block `current_engine()` is the engine named: "local", or "dask" on the
    scheduler at `scheduler` (a LocalCluster on this machine, closed at the end of the block,
    when no address is given). One line naming the option if Dask is not installed, the
    scheduler cannot be reached, or a scheduler is given to the local engine."""
    if engine not in ENGINES:
        raise RiskwatchError(f"unknown engine {engine!r}: choose local or dask", field="--engine")
    if engine == "local":
        if scheduler:
            raise RiskwatchError("a scheduler needs --engine dask", field="--scheduler")
        with _current_set(LocalEngine()) as local:
            yield local
        return
    with _client(scheduler, "--engine") as client, _current_set(DaskEngine(client)) as dask:
        yield dask


@contextmanager
def on_cluster(scheduler: str) -> Iterator[None]:
    """joblib's `Parallel` runs on the Dask cluster at `scheduler` within this block; one
    line naming `--scheduler` if Dask is not installed or the scheduler cannot be reached."""
    from joblib import parallel_backend

    with _client(scheduler, "--scheduler"), parallel_backend("dask"):
        yield


@contextmanager
def _current_set(engine: Engine) -> Iterator[Engine]:
    """`engine` is the current engine within this block, the one before it after."""
    token = _current.set(engine)
    try:
        yield engine
    finally:
        _current.reset(token)


@contextmanager
def _client(scheduler: str | None, option: str) -> Iterator[Any]:
    """A Dask client of the scheduler at `scheduler`, or of a LocalCluster of this machine's
    cores (one single-threaded worker process each) when None; closed, with any cluster it
    started, at the end of the block."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise RiskwatchError(
            f"{option} needs Dask: pip install 'riskwatch[distributed]'", field=option
        ) from None
    if scheduler is None:
        client = Client(
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            silence_logs=logging.ERROR,  # the command's output stays its own
        )
    else:
        try:  # connect timeout from Dask's config (distributed.comm.timeouts.connect, 30 s)
            client = Client(scheduler)
        except (OSError, TimeoutError) as exc:
            raise RiskwatchError(
                f"cannot reach Dask scheduler {scheduler}: {exc}", field="--scheduler"
            ) from None
    with client:
        yield client
