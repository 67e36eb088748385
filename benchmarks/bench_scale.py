"""Scale: scoring 10k, 100k and 1.8 M SYNTHETIC authority-years (see benchmarks/synthetic.py).

The model is the default champion (configs/run.toml [train]) fitted on the real
embedded data; only the rows it scores are synthetic. For each size, in a fresh
process (so peak memory is that size's own):

1. a SYNTHETIC feature frame of N rows is generated (timed apart: it stands in
   for panel -> features, which is not measured at this scale);
2. end to end: every row's probability (`riskwatch.scoring.probabilities`: the
   model's inputs and `predict_proba` per chunk of `scoring.CHUNK_ROWS` rows, the
   chunks run on the engine, --engine local: this machine's cores, or dask), every
   row banded (`riskwatch.watchlist.assign_band`), the top 1,000 ranked, and
   contributions and four reasons computed for those 1,000 only
   (`riskwatch.models.scores.score_frame`);
3. bare `predict_proba` on the same input matrices, chunk by chunk in one thread,
   in the same process: what one core does with the inputs already built.

Steps 2 and 3 alternate --repeat times and the best time of each is kept.
Peak memory is the process's maximum resident set (`resource.getrusage`),
recorded after the runs and so covering the synthetic frame, the model and
every intermediate. Goals (issue 7): 1.8 M <= 60 s and <= 4 GB, 10x rows <= 11x
time, end to end <= 3x bare predict_proba.

    /tmp/venv/bin/python benchmarks/bench_scale.py [--sizes 10000,100000,1800000]
        [--model blend] [--top 1000] [--engine local|dask (a LocalCluster)]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
REASONS = 4


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def prepare(workdir: Path, model_name: str | None) -> dict:
    """Fit the champion-like model on the real data; save it and the real rows to draw from."""
    from riskwatch.data.store.table_store import load_tables
    from riskwatch.dataset import feature_set
    from riskwatch.pipeline import feature_frames, score_years
    from riskwatch.settings import load_run_config
    from riskwatch.training import train

    sys.path.insert(0, str(HERE))
    from synthetic import reference_rows

    config = load_run_config()["train"]
    model_name = model_name or config["model"]
    start = time.perf_counter()
    tables = load_tables()
    frames = feature_frames(tables, score_years(tables))
    trained = train(
        tables,
        frames,
        feature_set(),
        model_name,
        config["horizon"],
        config["task"],
        config["past_failure_feature"],
    )
    with open(workdir / "model.pkl", "wb") as handle:
        pickle.dump(trained.model, handle)
    reference_rows(frames).to_parquet(workdir / "reference.parquet")
    tables["events"].to_parquet(workdir / "events.parquet")
    return {
        "model": model_name,
        "horizon": config["horizon"],
        "task": config["task"],
        "inputs": int(trained.model.n_features_in_),
        "real_rows": int(sum(len(f) for f in frames.values())),
        "prepare_seconds": time.perf_counter() - start,
    }


def child(n: int, workdir: Path, engine: str, top: int, seed: int, repeat: int) -> dict:
    """One size, measured in this (fresh) process."""
    import numpy as np
    import pandas as pd
    from riskwatch.models.scores import CONTRIB_PREFIX, score_frame

    from riskwatch.cluster import using_engine
    from riskwatch.dataset import class_column
    from riskwatch.scoring import CHUNK_ROWS, model_inputs, probabilities
    from riskwatch.settings import load_run_config
    from riskwatch.watchlist import assign_band, bands_from_config

    sys.path.insert(0, str(HERE))
    from synthetic import chunks, synthetic_frame

    warnings.simplefilter("ignore")
    with open(workdir / "model.pkl", "rb") as handle:
        model = pickle.load(handle)
    reference = pd.read_parquet(workdir / "reference.parquet")
    events = pd.read_parquet(workdir / "events.parquet")
    bands = bands_from_config(load_run_config()["watchlist"])
    columns = [str(c) for c in model.feature_names_in_]
    peer = class_column(model)
    if peer and peer not in columns:
        columns.append(peer)
    baseline_mb = peak_rss_mb()

    start = time.perf_counter()
    frame = synthetic_frame(n, reference, seed=seed)
    generate = time.perf_counter() - start
    del reference
    frame_mb = frame.memory_usage(deep=False).sum() / 2**20

    # Warm-up (first-call costs: lazy imports, caches) before either timer, so both are warm.
    warm = model_inputs(frame.iloc[: min(n, 100)], events, columns)
    model.predict_proba(warm)
    score_frame(warm, model)

    def end_to_end_once():
        stage = {}
        start = time.perf_counter()
        probability = probabilities(model, frame, events, columns)
        stage["inputs_and_predict"] = time.perf_counter() - start
        t = time.perf_counter()
        band_counts = assign_band(pd.Series(probability), bands).value_counts().to_dict()
        k = min(top, n)
        best = np.argpartition(-probability, k - 1)[:k]
        codes = frame["gss_code"].to_numpy()[best]
        best = best[np.lexsort((codes, -probability[best]))]  # probability desc, then code
        stage["rank_and_band"] = time.perf_counter() - t
        t = time.perf_counter()
        listed = frame.iloc[best]
        scored = score_frame(model_inputs(listed, events, columns), model)
        contrib = scored.filter(like=CONTRIB_PREFIX).drop(columns=f"{CONTRIB_PREFIX}baseline")
        names = np.array([c.removeprefix(CONTRIB_PREFIX) for c in contrib.columns])
        strongest = np.argsort(-contrib.to_numpy(), axis=1)[:, :REASONS]
        table = pd.DataFrame(
            {
                "rank": np.arange(1, k + 1),
                "gss_code": listed["gss_code"].to_numpy(),
                "class": listed["class"].to_numpy(),
                "probability": scored["probability"].to_numpy(),
                **{f"reason_{i + 1}": names[strongest[:, i]] for i in range(strongest.shape[1])},
            }
        )
        stage["explain_top"] = time.perf_counter() - t
        seconds = time.perf_counter() - start
        assert np.allclose(table["probability"], probability[best]), "top scores disagree"
        return seconds, stage, table, band_counts

    def bare_once():
        """Bare predict_proba on the same matrices (each built before its timer starts)."""
        seconds = 0.0
        for a, b in chunks(n, CHUNK_ROWS):
            inputs = model_inputs(frame.iloc[a:b], events, columns)
            t = time.perf_counter()
            model.predict_proba(inputs)
            seconds += time.perf_counter() - t
        return seconds

    # Alternate the two, best of `repeat` each (machine noise only ever adds time).
    runs, bares = [], []
    with using_engine(engine):
        for _ in range(repeat):
            runs.append(end_to_end_once())
            bares.append(bare_once())
    end_to_end, stage, table, band_counts = min(runs, key=lambda r: r[0])
    bare = min(bares)
    peak_mb = peak_rss_mb()
    return {
        "rows": n,
        "repeat": repeat,
        "end_to_end_all_runs": [r[0] for r in runs],
        "bare_all_runs": bares,
        "generate_seconds": generate,
        "end_to_end_seconds": end_to_end,
        "stages": stage,
        "bare_predict_proba_seconds": bare,
        "overhead": end_to_end / bare if bare else math.nan,
        "peak_rss_mb": peak_mb,
        "baseline_rss_mb": baseline_mb,
        "frame_mb": frame_mb,
        "columns": frame.shape[1],
        "listed": len(table),
        "bands": {str(k): int(v) for k, v in band_counts.items()},
        "top_reason": str(table["reason_1"].iloc[0]) if len(table) else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1800000")
    parser.add_argument("--engine", default="local", choices=("local", "dask"))
    parser.add_argument("--top", type=int, default=1000)
    parser.add_argument("--model", default=None, help="model family (default: the champion's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings per size")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        result = child(args.child, args.workdir, args.engine, args.top, args.seed, args.repeat)
        print(json.dumps(result))
        return

    warnings.simplefilter("ignore")
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="riskwatch-bench-scale-") as tmp:
        workdir = Path(tmp)
        setup = prepare(workdir, args.model)
        print(
            f"model: {setup['model']} (h={setup['horizon']}, {setup['task']} failures), "
            f"{setup['inputs']} inputs, fitted on {setup['real_rows']:,} real authority-years "
            f"in {setup['prepare_seconds']:.1f} s; rows scored below are SYNTHETIC"
        )
        results = []
        for n in sizes:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(n),
                    "--workdir",
                    str(workdir),
                    "--engine",
                    args.engine,
                    "--top",
                    str(args.top),
                    "--seed",
                    str(args.seed),
                    "--repeat",
                    str(args.repeat),
                ],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
            if done.returncode != 0:
                raise SystemExit(f"size {n} failed:\n{done.stderr[-3000:]}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    header = (
        f"{'rows':>10} {'generate':>9} {'end-to-end':>11} {'inputs+predict':>14} "
        f"{'rank+band':>9} {'explain':>8} {'bare':>7} {'overhead':>8} {'peak RSS':>9} "
        f"{'frame':>8}"
    )
    print(header)
    for r in results:
        s = r["stages"]
        print(
            f"{r['rows']:>10,} {r['generate_seconds']:>8.2f}s {r['end_to_end_seconds']:>10.3f}s "
            f"{s['inputs_and_predict']:>13.3f}s {s['rank_and_band']:>8.3f}s "
            f"{s['explain_top']:>7.3f}s {r['bare_predict_proba_seconds']:>6.3f}s "
            f"{r['overhead']:>7.2f}x {r['peak_rss_mb'] / 1024:>7.2f}GB {r['frame_mb'] / 1024:>6.2f}GB"
        )
    print(
        f"(peak RSS before generating, i.e. interpreter + libraries + model: "
        f"{results[0]['baseline_rss_mb'] / 1024:.2f} GB)"
    )
    for small, large in zip(results, results[1:], strict=False):
        ratio_rows = large["rows"] / small["rows"]
        ratio_time = large["end_to_end_seconds"] / small["end_to_end_seconds"]
        per_10x = ratio_time ** (1 / math.log10(ratio_rows))
        print(
            f"growth {small['rows']:,} -> {large['rows']:,} rows ({ratio_rows:.0f}x): time "
            f"{ratio_time:.2f}x, i.e. {per_10x:.2f}x per 10x rows "
            f"(goal <= 11x: {'met' if per_10x <= 11 else 'NOT met'})"
        )
    big = max(results, key=lambda r: r["rows"])
    print(
        f"{big['rows']:,} rows: {big['end_to_end_seconds']:.1f} s (goal <= 60 s: "
        f"{'met' if big['end_to_end_seconds'] <= 60 else 'NOT met'}), peak "
        f"{big['peak_rss_mb'] / 1024:.2f} GB (goal <= 4 GB: "
        f"{'met' if big['peak_rss_mb'] <= 4096 else 'NOT met'})"
    )
    worst = max(r["overhead"] for r in results)
    print(
        f"overhead vs bare predict_proba, worst size: {worst:.2f}x (goal <= 3x: "
        f"{'met' if worst <= 3 else 'NOT met'})"
    )
    if args.json:
        args.json.write_text(json.dumps({"setup": setup, "results": results}, indent=2))


if __name__ == "__main__":
    main()
