"""Warm watchlist and review on the embedded data (goals: at most 2 s and 4 s, 2 cores).

In a fresh temporary directory (its own `mlflow.db`), registers a champion once
with `riskwatch train --register --alias champion`, then runs the watchlist of
all councils (`--top all`, CSV to a file) and the quarterly `review` pack (30
councils), the pack also as the code of `--before` (a git commit, extracted with
`git archive` and put first on PYTHONPATH) so one run prints the pack's time
before and after. Each command runs --runs times as a new process; the first run
is cold (disk caches, MLflow schema, model load), the reported figure is the
median of the later, warm runs, as a user re-running the command sees it. Also
prints an in-process breakdown of the stages of a warm watchlist and pack.

    .venv/bin/python benchmarks/bench_review.py [--runs 3] [--before 66eb8d5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(argv: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return elapsed


def checkout(commit: str, into: Path) -> Path:
    """The package as it was at `commit`, laid out as installed: riskwatch/ with the
    features/, models/ and configs/ it maps in moved inside it, so no part of the old
    package is imported from the working tree (whose editable install maps those names)."""
    repo = Path(__file__).resolve().parents[1]
    held = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "--name-only", commit],
        capture_output=True,
        check=True,
        text=True,
    ).stdout.split()
    folders = [name for name in ("riskwatch", "features", "models", "configs") if name in held]
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", commit, *folders], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    for folder in folders[1:]:
        (into / folder).rename(into / "riskwatch" / folder)
    return into


def stages(home: Path) -> list[tuple[str, float]]:
    """Where a warm watchlist spends its time, measured in this process."""
    os.chdir(home)
    marks = []
    t = time.perf_counter()

    def mark(label: str) -> None:
        nonlocal t
        now = time.perf_counter()
        marks.append((label, now - t))
        t = now

    import pandas as pd
    from riskwatch.features import feature_descriptions

    from riskwatch.data.store.frame_cache import cached_frames
    from riskwatch.data.store.table_store import load_tables
    from riskwatch.dataset import feature_set
    from riskwatch.explanations import explain_councils
    from riskwatch.pipeline import feature_frames, frames_key, score_years
    from riskwatch.registered import load_registered
    from riskwatch.report.pack import review_html
    from riskwatch.review import make_watchlist
    from riskwatch.settings import load_run_config

    mark("imports (pandas, riskwatch)")
    tables = load_tables(home / "riskwatch-data")
    mark("load embedded tables")
    years = score_years(tables)
    features = feature_set()
    key = frames_key(tables, features.catalogue_version, years)
    frames = cached_frames(key, lambda: feature_frames(tables, years))
    mark(f"feature frames ({len(years)} years, from the cache the CLI filled)")
    config = load_run_config()
    loaded = load_registered(config["train"]["registered_name"], "champion")
    mark("load champion (the kept copy, importing scikit-learn; MLflow on first use)")
    catalogue = feature_descriptions()
    mark("feature descriptions (labels and units, from the registry)")
    result = make_watchlist(
        tables, frames, loaded, years[-1], catalogue, config["watchlist"], "all"
    )
    mark(f"score, rank, reasons ({len(result.table)} councils)")
    listed = make_watchlist(tables, frames, loaded, years[-1], catalogue, config["watchlist"])
    mark(f"pack: watchlist of the top {len(listed.table)}")
    explanations = explain_councils(
        tables,
        frames,
        loaded,
        list(listed.table["gss_code"]),
        years[-1],
        catalogue,
        config["watchlist"],
        {**features.directions, "past_failure": 1},
        listed.scored,
    )
    mark(f"pack: {len(explanations)} explanations (with what would move each)")
    no_drift = pd.DataFrame(columns=["feature", "psi", "flag"])
    html_text = review_html("2026Q3", listed.table, explanations, None, no_drift, {}, "")
    mark(f"pack: review.html ({len(html_text) / 1e6:.1f} MB, charts included)")
    marks.append(("total in process", sum(seconds for _, seconds in marks)))
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--before",
        default="66eb8d5",
        help="git commit whose pack to time as 'before' (default: the last commit before "
        "the pack drew its charts as SVG and batched what-would-move)",
    )
    args = parser.parse_args()
    cli = [sys.executable, "-m", "riskwatch.cli"]
    with tempfile.TemporaryDirectory(prefix="riskwatch-bench-review-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{home / 'mlflow.db'}"}
        env.pop("RISKWATCH_DATA_DIR", None)
        setup = timed([*cli, "train", "--register", "--alias", "champion"], home, env)
        print(f"setup: train --register --alias champion  {setup:.2f} s (not part of the goal)")
        commands = {
            "watchlist (all councils, CSV)": [
                *cli,
                "watchlist",
                "--top",
                "all",
                "--format",
                "csv",
                "--out",
                "watch.csv",
            ],
        }
        review = [*cli, "review", "2026Q3", "--out", "reviews"]
        commands["review pack (2026Q3), after"] = review
        commands[f"review pack (2026Q3), before ({args.before})"] = review
        old = checkout(args.before, Path(tempfile.mkdtemp(dir=tmp, prefix="before-")))
        envs = {label: env for label in commands}
        envs[f"review pack (2026Q3), before ({args.before})"] = {**env, "PYTHONPATH": str(old)}
        print(f"load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores before timing")
        results = {}
        for label, argv in commands.items():
            times = [timed(argv, home, envs[label]) for _ in range(args.runs)]
            warm = statistics.median(times[1:]) if len(times) > 1 else times[0]
            results[label] = warm
            print(
                f"{label:<32} cold {times[0]:.2f} s; warm median {warm:.2f} s "
                f"(runs: {', '.join(f'{x:.2f}' for x in times)})"
            )
        for label, warm in results.items():
            goal = 2 if label.startswith("watchlist") else 4
            print(
                f"goal <= {goal} s, {label}: {'met' if warm <= goal else 'NOT met'} ({warm:.2f} s)"
            )
        print(f"load: {os.getloadavg()[0]:.2f} (1 min) after timing")
        print("in-process stages of a warm watchlist and pack (this code):")
        for label, seconds in stages(home):
            print(f"  {seconds:6.2f} s  {label}")


if __name__ == "__main__":
    main()
