"""Warm paths before and after, in one run: `riskwatch --help`, a warm `watchlist --top all`
and a warm `review` of 30 councils (goals: 0.1 s, 2 s and 4 s), wall and CPU time.

Two installs are compared: this Python's (after) and `--before-python` (another checkout's
venv, e.g. `git worktree add /tmp/before d49fca4` with its own `pip install -e .`). A
champion is trained and registered once (`train --register --alias champion`, with this
install) in a fresh temporary folder, which is then copied for each install, so both score
with the same registered model, each with its own cache folder. Each command runs once per
install to warm the caches (not counted), then `--runs` rounds, before and after alternating
within a round (the order swapped every round) so a shared machine's load falls on both
alike. Reported: medians of wall and CPU (user + system of the process and its children:
the review's MLflow logger included) and after/before ratios, the load average around the
timing, and for each install one warm watchlist and review under cProfile, stage by stage
(cumulative seconds, inflated by the profiler alike for both; the review's MLflow logging
runs in a child process and is not in its profile).

    .venv/bin/python benchmarks/bench_warm.py --before-python /tmp/before/.venv/bin/python
"""

from __future__ import annotations

import argparse
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOALS = {"--help": 0.1, "watchlist": 2.0, "review": 4.0}
COMMANDS = {
    "--help": ["--help"],
    "watchlist": ["watchlist", "--top", "all", "--format", "csv", "--out", "watch.csv"],
    "review": ["review", "2026Q3", "--out", "reviews"],
}
# Stages of a warm run: (label, file the function is in, function), matched on the end of the
# file's path so both checkouts' profiles read alike. A stage missing from one is "-".
STAGES = [
    ("import pandas", "pandas/__init__.py", "<module>"),
    ("import scikit-learn (scipy.stats with it)", "sklearn/__init__.py", "<module>"),
    ("load tables", "riskwatch/data/store/table_store.py", "load_tables"),
    ("feature frames (from their cache)", "riskwatch/service/frames.py", "load_frames"),
    ("champion (the kept copy)", "riskwatch/service/models.py", "champion"),
    ("content hashes of tables", "riskwatch/data/store/table_store.py", "panel_fingerprint"),
    ("kept results read or written", "riskwatch/data/store/results.py", "cached_result"),
    ("watchlist: score, rank, reasons", "riskwatch/review.py", "make_watchlist"),
    ("  of which definition breaks", "features/breaks.py", "breaks_of"),
    ("  of which reasons as text", "riskwatch/watchlist.py", "build_watchlist"),
    ("explanations of the listed", "riskwatch/explanations.py", "explain_councils"),
    ("What-if scenarios", "riskwatch/service/what_if.py", "stress_scenarios"),
    ("successor councils", "riskwatch/successors.py", "successor_view"),
    ("review.html rendered", "riskwatch/report/review_pack.py", "render_review"),
    ("pack files written", "riskwatch/report/review_pack.py", "publish_review"),
    ("whole command", "riskwatch/cli/__init__.py", "main"),
]


def run(argv: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def script(python: str) -> str:
    """The `riskwatch` console script of the install `python` belongs to."""
    return str(Path(python).with_name("riskwatch"))


def stage_seconds(profile: Path) -> dict[str, float]:
    """Cumulative seconds of each stage in a cProfile output."""
    stats = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    found: dict[str, float] = {}
    for label, file, function in STAGES:
        times = [
            cumulative
            for (path, _, name), (_, _, _, cumulative, _) in stats.items()
            if name == function and path.endswith(file)
        ]
        if times:
            found[label] = max(times)
    return found


def profiled(python: str, argv: list[str], home: Path, env: dict, out: Path) -> dict[str, float]:
    """One warm run of a command under cProfile, stage by stage."""
    run([python, "-m", "cProfile", "-o", str(out), script(python), *argv], home, env)
    return stage_seconds(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-python", required=True, help="the Python of the before install")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    installs = {"before": args.before_python, "after": sys.executable}
    with tempfile.TemporaryDirectory(prefix="riskwatch-bench-warm-") as tmp:
        trained = Path(tmp) / "trained"
        trained.mkdir()
        base = {k: v for k, v in os.environ.items() if k != "RISKWATCH_DATA_DIR"}
        setup_env = {**base, "RISKWATCH_CACHE_DIR": str(trained / "cache")}
        setup_env["MLFLOW_TRACKING_URI"] = f"sqlite:///{trained / 'mlflow.db'}"
        seconds, _ = run(
            [script(sys.executable), "train", "--register", "--alias", "champion"],
            trained,
            setup_env,
        )
        print(f"setup: train --register --alias champion {seconds:.1f} s (once, not timed)")
        homes, envs = {}, {}
        for name in installs:
            homes[name] = Path(tmp) / name
            shutil.copytree(trained, homes[name], ignore=shutil.ignore_patterns("cache"))
            envs[name] = {
                **base,
                "RISKWATCH_CACHE_DIR": str(homes[name] / "cache"),
                "MLFLOW_TRACKING_URI": f"sqlite:///{homes[name] / 'mlflow.db'}",
            }
        for name, python in installs.items():  # cold runs fill each install's caches
            for argv in COMMANDS.values():
                run([script(python), *argv], homes[name], envs[name])
        timings = {(name, command): [] for name in installs for command in COMMANDS}
        load_before = os.getloadavg()
        for round_number in range(args.runs):
            order = list(installs) if round_number % 2 == 0 else list(installs)[::-1]
            for command, argv in COMMANDS.items():
                for name in order:
                    timings[name, command].append(
                        run([script(installs[name]), *argv], homes[name], envs[name])
                    )
        load_after = os.getloadavg()
        print(
            f"load average (1, 5, 15 min) before timing {load_before[0]:.2f}, "
            f"{load_before[1]:.2f}, {load_before[2]:.2f}; after {load_after[0]:.2f}, "
            f"{load_after[1]:.2f}, {load_after[2]:.2f}; {os.cpu_count()} cores"
        )
        print(f"medians of {args.runs} warm runs each, before and after alternating:")
        print(
            f"{'command':<10} {'wall before':>11} {'wall after':>10} {'ratio':>6} "
            f"{'CPU before':>10} {'CPU after':>9} {'ratio':>6}  goal (wall)"
        )
        for command, goal in GOALS.items():
            wall = {n: statistics.median(w for w, _ in timings[n, command]) for n in installs}
            cpu = {n: statistics.median(c for _, c in timings[n, command]) for n in installs}
            verdict = "met" if wall["after"] <= goal else "NOT met"
            print(
                f"{command:<10} {wall['before']:>10.3f}s {wall['after']:>9.3f}s "
                f"{wall['after'] / wall['before']:>6.2f} {cpu['before']:>9.3f}s "
                f"{cpu['after']:>8.3f}s {cpu['after'] / cpu['before']:>6.2f}  "
                f"<= {goal} s: {verdict}"
            )
        for command in ("watchlist", "review"):
            stages = {
                name: profiled(
                    python,
                    COMMANDS[command],
                    homes[name],
                    envs[name],
                    Path(tmp) / f"{name}-{command}.prof",
                )
                for name, python in installs.items()
            }
            print(f"stages of one warm {command} under cProfile (cumulative s):")
            print(f"  {'stage':<44} {'before':>7} {'after':>7}")
            for label, _, _ in STAGES:
                cells = [
                    f"{stages[n][label]:7.2f}" if label in stages[n] else f"{'-':>7}"
                    for n in installs
                ]
                if any(cell.strip() != "-" for cell in cells):
                    print(f"  {label:<44} {cells[0]} {cells[1]}")


if __name__ == "__main__":
    main()
