"""Wall time of `riskwatch --help` (goal: at most 0.1 s), median of N fresh processes.

Each run is a new interpreter, as a user's shell would start it, so it measures
the import cost of the CLI module (heavy libraries must be imported inside the
commands) and of rendering the help. Also prints `python -c pass` as the floor
no CLI can beat, the same help with Typer's rich formatting off
(TYPER_USE_RICH=0: plain click help, rich never imported), CPU time beside
wall time (wall time on a loaded machine includes waiting), and the slowest
imports of `riskwatch.cli` (from `-X importtime`).

    /tmp/venv/bin/python benchmarks/bench_help.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def wall(argv: list[str], runs: int, env: dict | None = None) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each run of a fresh process."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return times, cpu


def slowest_imports(top: int = 8) -> list[tuple[float, str]]:
    """Modules imported by `import riskwatch.cli` with the largest cumulative time."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import riskwatch.cli"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]) / 1e6, parts[2].rstrip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    script = Path(sys.executable).with_name("riskwatch")
    entry = [str(script)] if script.exists() else [shutil.which("riskwatch") or "riskwatch"]
    plain = {**os.environ, "TYPER_USE_RICH": "0"}
    cases = {
        "python -c pass (floor)": wall([sys.executable, "-c", "pass"], args.runs),
        "python -m riskwatch.cli --help": wall(
            [sys.executable, "-m", "riskwatch.cli", "--help"], args.runs
        ),
        "riskwatch --help (console script)": wall([*entry, "--help"], args.runs),
        "riskwatch --help, TYPER_USE_RICH=0": wall([*entry, "--help"], args.runs, plain),
    }
    print(f"runs: {args.runs} each (fresh process every run); CPU = user + system")
    for label, (times, cpu) in cases.items():
        print(
            f"{label:<36} wall median {statistics.median(times):.3f} s "
            f"(min {min(times):.3f}, max {max(times):.3f}); "
            f"CPU median {statistics.median(cpu):.3f} s"
        )
    median = statistics.median(cases["riskwatch --help (console script)"][0])
    print(f"goal <= 0.100 s: {'met' if median <= 0.1 else 'NOT met'} ({median:.3f} s wall)")
    print("slowest imports under riskwatch.cli (cumulative s, nesting by indent, one run):")
    for seconds, name in slowest_imports():
        print(f"  {seconds:.3f} s  {name}")


if __name__ == "__main__":
    main()
