"""Full rolling-origin backtest: every horizon and model family, sequential vs `--n-jobs 2`.

The feature frames are built once (timed separately, as the CLI builds them
before the fits); then `riskwatch.backtest.run_backtest` runs every (origin,
horizon, task, model) fit with n_jobs=1 and again with n_jobs=2 (joblib,
loky processes), and the two results are checked to be identical. Bootstrap
resamples are kept small (--bootstrap, default 20) since they are not what is
being compared. With --cli the whole command is also timed as a user runs it.

    /tmp/venv/bin/python benchmarks/bench_backtest.py [--bootstrap 20] [--jobs 1,2] [--cli]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=20)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--cli", action="store_true", help="also time `riskwatch backtest`")
    args = parser.parse_args()
    # Small training folds warn about classes with one member; joblib workers inherit this.
    os.environ["PYTHONWARNINGS"] = "ignore::UserWarning"
    warnings.simplefilter("ignore", UserWarning)

    import pandas as pd

    from riskwatch.backtest import BacktestSpec, run_backtest
    from riskwatch.data.store.table_store import load_tables
    from riskwatch.dataset import feature_set
    from riskwatch.pipeline import feature_frames, score_years
    from riskwatch.settings import load_run_config

    config = load_run_config()["backtest"]
    spec = BacktestSpec(
        models=tuple(config["models"]),
        horizons=tuple(config["horizons"]),
        tasks=tuple(config["tasks"]),
        top_k=tuple(config["top_k"]),
        bootstrap=args.bootstrap,
        seed=config["seed"],
    )
    start = time.perf_counter()
    tables = load_tables()
    frames = feature_frames(tables, score_years(tables))
    features = feature_set()
    built = time.perf_counter() - start
    print(
        f"models {','.join(spec.models)}; horizons {','.join(map(str, spec.horizons))}; "
        f"tasks {','.join(spec.tasks)}; bootstrap {spec.bootstrap}; cores {os.cpu_count()}"
    )
    print(f"feature frames ({len(frames)} years), built once: {built:.2f} s")
    results, times = {}, {}
    for n_jobs in (int(j) for j in args.jobs.split(",")):
        start = time.perf_counter()
        results[n_jobs] = run_backtest(tables, frames, features, spec, n_jobs=n_jobs)
        times[n_jobs] = time.perf_counter() - start
        fits = results[n_jobs].scored.groupby(["model", "task", "horizon", "origin"]).ngroups
        print(f"run_backtest n_jobs={n_jobs}: {times[n_jobs]:.2f} s ({fits} fits)")
    first = min(times)
    for n_jobs, seconds in times.items():
        if n_jobs != first:
            same = results[n_jobs].metrics.equals(results[first].metrics)
            print(
                f"speed-up n_jobs={n_jobs} over n_jobs={first}: {times[first] / seconds:.2f}x; "
                f"metrics identical: {same}"
            )
    pd.set_option("display.width", 140)
    print(
        results[first]
        .metrics[["model", "task", "horizon", "positives", "roc_auc", "pr_auc"]]
        .to_string(index=False)
    )
    if args.cli:
        with tempfile.TemporaryDirectory(prefix="riskwatch-bench-backtest-") as tmp:
            env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{Path(tmp) / 'mlflow.db'}"}
            for n_jobs in times:
                argv = [
                    sys.executable,
                    "-m",
                    "riskwatch.cli",
                    "backtest",
                    "--bootstrap",
                    str(args.bootstrap),
                    "--n-jobs",
                    str(n_jobs),
                ]
                start = time.perf_counter()
                subprocess.run(argv, cwd=tmp, env=env, check=True, capture_output=True)
                print(
                    f"riskwatch backtest --bootstrap {args.bootstrap} --n-jobs {n_jobs}: "
                    f"{time.perf_counter() - start:.2f} s (whole command, MLflow logging included)"
                )


if __name__ == "__main__":
    main()
