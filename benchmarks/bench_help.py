"""Wall time of `riskwatch --help` (goal: at most 0.3 s), median of N fresh processes.

Each run is a new interpreter, as a user's shell would start it, so it measures
the import cost of the CLI module (heavy libraries must be imported inside the
commands). Also prints `python -c pass` as the floor no CLI can beat, and the
slowest imports of `riskwatch.cli` (from `-X importtime`) to show where time goes.

    /tmp/venv/bin/python benchmarks/bench_help.py [--runs 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def wall(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


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
    floor = wall([sys.executable, "-c", "pass"], args.runs)
    module = wall([sys.executable, "-m", "riskwatch.cli", "--help"], args.runs)
    console = wall([*entry, "--help"], args.runs)
    print(f"runs: {args.runs} each (fresh process every run)")
    for label, times in (
        ("python -c pass (floor)", floor),
        ("python -m riskwatch.cli --help", module),
        ("riskwatch --help (console script)", console),
    ):
        print(
            f"{label:<36} median {statistics.median(times):.3f} s  "
            f"min {min(times):.3f} s  max {max(times):.3f} s"
        )
    median = statistics.median(console)
    print(f"goal <= 0.300 s: {'met' if median <= 0.3 else 'NOT met'} ({median:.3f} s)")
    print("slowest imports under riskwatch.cli (cumulative s, nesting by indent, one run):")
    for seconds, name in slowest_imports():
        print(f"  {seconds:.3f} s  {name}")


if __name__ == "__main__":
    main()
