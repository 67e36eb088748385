"""The engines: results in the items' order (as they are done, for `imap`), an error raised in
a worker process arriving whole, worker processes keeping the memory they free, the current engine inside `using_engine` only,
one line for a wrong engine option or a missing Dask; and a frame scored in chunks on the
engine gives every row's probability as one call would."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from riskwatch.models import ResilienceIndex

from riskwatch import scoring
from riskwatch.cluster import LocalEngine, current_engine, keep_freed_memory, using_engine
from riskwatch.data.kit.cells import ImpossibleValue
from riskwatch.errors import RiskwatchError


@pytest.mark.parametrize(
    "engine", [LocalEngine(), LocalEngine(n_jobs=1), LocalEngine(n_jobs=2, prefer="processes")]
)
def test_the_local_engine_returns_results_in_the_items_order(engine) -> None:
    assert engine.map(lambda k: k * k, range(40)) == [k * k for k in range(40)]
    assert engine.map(str, []) == []


def test_the_local_engine_yields_results_in_order_as_they_are_done() -> None:
    results = LocalEngine(n_jobs=2, prefer="processes").imap(lambda k: k * k, range(10))
    assert not isinstance(results, list)  # an iterator a progress bar can follow
    assert list(results) == [k * k for k in range(10)]


def test_an_error_raised_in_a_worker_process_arrives_whole() -> None:
    def refuse(row: int) -> float:
        if row == 3:
            raise ImpossibleValue(-1.0, "band_d", file="ctr.xlsx", row=row, field="Band D")
        return float(row)

    with pytest.raises(ImpossibleValue) as caught:
        LocalEngine(n_jobs=2, prefer="processes").map(refuse, [1, 2, 3, 4])
    assert str(caught.value) == (
        "ctr.xlsx: row 3: field 'Band D': negative value -1 for band_d, which cannot be negative"
    )
    assert caught.value.value == -1.0 and caught.value.row == 3


def huge_pages_allowed() -> str | None:
    """This process's `THP_enabled` line of /proc/self/status ("1" or "0"); None without it."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    return next((line.split()[1] for line in lines if line.startswith("THP_enabled:")), None)


def arrow_pool() -> str:
    """The allocator behind this process's Arrow memory (jemalloc, mimalloc or system)."""
    import pyarrow

    return pyarrow.default_memory_pool().backend_name


@pytest.mark.skipif(huge_pages_allowed() is None, reason="Linux reports THP_enabled only")
def test_worker_processes_keep_freed_memory_and_the_caller_is_left_alone() -> None:
    before, pool = huge_pages_allowed(), arrow_pool()
    in_workers = LocalEngine(n_jobs=2, prefer="processes").map(
        lambda _: (keep_freed_memory(), huge_pages_allowed(), arrow_pool()), range(4)
    )
    # set, huge pages off, and Arrow on the one heap, in every worker
    assert in_workers == [(True, "0", "system")] * 4
    assert (huge_pages_allowed(), arrow_pool()) == (before, pool)  # the caller is not changed
    assert LocalEngine(n_jobs=2).map(lambda _: huge_pages_allowed(), range(2)) == [before] * 2


def test_the_local_engine_runs_items_on_several_threads() -> None:
    barrier = threading.Barrier(2, timeout=10)  # passes only if two items run at once

    def meet(item: int) -> int:
        barrier.wait()
        return item

    assert LocalEngine(n_jobs=2).map(meet, [1, 2]) == [1, 2]


def test_using_engine_sets_the_current_engine_for_its_block_only() -> None:
    outside = current_engine()
    with using_engine("local") as engine:
        assert current_engine() is engine
    assert current_engine() == outside == LocalEngine()


@pytest.mark.parametrize(
    ("engine", "scheduler", "field"),
    [("spark", None, "--engine"), ("local", "tcp://127.0.0.1:8786", "--scheduler")],
)
def test_a_wrong_engine_option_is_one_line(engine, scheduler, field) -> None:
    with pytest.raises(RiskwatchError) as refused, using_engine(engine, scheduler):
        pass
    assert refused.value.field == field
    assert "\n" not in str(refused.value)


def test_dask_missing_names_the_extra_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import raises ImportError
    with pytest.raises(RiskwatchError) as refused, using_engine("dask"):
        pass
    assert "pip install 'riskwatch[distributed]'" in str(refused.value)
    assert refused.value.field == "--engine"


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n, 3))
    values[rng.random(values.shape) < 0.2] = np.nan
    return pd.DataFrame(values, columns=["debt", "gap", "reserves"]).assign(
        gss_code=[f"SYNTHETIC-{k:05d}" for k in range(n)],
        **{"class": rng.choice(["SD", "UA", "MD"], size=n), "as_of": "2024-25"},
    )


def test_a_frame_scored_in_chunks_on_the_engine_equals_one_call(monkeypatch) -> None:
    """Chunks of 7 rows over threads: every row scored once, in order, exactly as the model
    scores the whole frame."""
    train, frame = _frame(300, seed=1), _frame(100, seed=2)
    columns = ["debt", "gap", "reserves", "class"]
    model = ResilienceIndex(directions={"debt": 1, "gap": 1, "reserves": -1})
    model.fit(train[columns], (np.arange(len(train)) % 5 == 0).astype(int))
    monkeypatch.setattr(scoring, "CHUNK_ROWS", 7)
    whole = model.predict_proba(frame[columns])[:, 1]
    with using_engine("local"):
        chunked = scoring.probabilities(model, frame, pd.DataFrame(), columns)
    assert np.array_equal(chunked, whole)


@pytest.mark.skipif(huge_pages_allowed() is None, reason="Linux reports THP_enabled only")
def test_a_command_runs_in_small_pages_and_help_is_left_alone() -> None:
    """Every command turns transparent huge pages off for its process (and the processes it
    starts): their faults stalled a warm `watchlist` for seconds. Printing help does not."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from typer.testing import CliRunner\n"
        "from riskwatch.cli import app\n"
        "def allowed():\n"
        "    lines = Path('/proc/self/status').read_text().splitlines()\n"
        "    return next(line.split()[1] for line in lines if line.startswith('THP_enabled:'))\n"
        "before = allowed()\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "after_help = allowed()\n"
        "assert CliRunner().invoke(app, ['models', '--help']).exit_code == 0\n"
        "print(before, after_help, allowed())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after_help, after_command = done.stdout.split()
    assert after_help == before
    assert after_command == "0"
