"""Wall and CPU time of `riskwatch data build` from the shared public files, and whether the
tables it writes are byte for byte the embedded ones (sha256 of each Parquet file).

The build runs as a fresh process into a temporary folder (never into the embedded copy),
as a user runs it. CPU time is user + system of the build and the worker processes it
reads files in; the 1-minute load average before and after says how busy the machine was
(on a shared machine only a before/after pair run in one sitting compares).

    .venv/bin/python benchmarks/bench_build.py [--source ../shared/data] [--runs 1]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from riskwatch.data.store.table_store import embedded_dir


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every Parquet table in a folder, by file name."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.parquet")}


def timed_build(source: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `riskwatch data build --source SOURCE --out OUT`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [sys.executable, "-m", "riskwatch.cli", "data", "build"]
    subprocess.run(
        [*command, "--source", str(source), "--out", str(out)], check=True, capture_output=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("../shared/data"))
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    shipped = digests(embedded_dir())
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as out:
            load_before = os.getloadavg()[0]
            wall, cpu = timed_build(args.source, Path(out))
            load_after = os.getloadavg()[0]
            built = digests(Path(out))
        differing = sorted(name for name in shipped if built.get(name) != shipped[name])
        same = (
            f"all {len(shipped)} tables byte-identical"
            if not differing
            else (f"DIFFERENT: {', '.join(differing)}")
        )
        print(
            f"run {run}: {wall:.1f} s wall, {cpu:.1f} s CPU, load {load_before:.2f} -> "
            f"{load_after:.2f}; {same}"
        )


if __name__ == "__main__":
    main()
