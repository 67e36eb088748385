"""Scale: panel -> feature frames (`riskwatch.features.build_features`) on SYNTHETIC panels.

What it measures: the cost of building the feature frames from a panel far larger than
the real one (~6,000 real authority-years, ~530,000 panel rows). For each size N
(authority-years), in a fresh process (so peak memory is that size's own):

1. a SYNTHETIC panel is generated (timed apart: it is not riskwatch's cost). Every real
   authority of the embedded `authority_years` and `panel` tables is replicated under
   unmistakable codes (`gss_code` "SYNTHETIC-00000123", `ecode` "SYNTHETIC-E00000123",
   `name` "SYNTHETIC 00000123"), whole copies and then a random part of one more copy,
   until the outturn (RS) authority-years reach N. Each replicated `value` is multiplied
   by a lognormal factor (sigma --sigma, fixed seed) so no two copies are equal, except
   values that are codes (Ofsted grades 1..4 and 0/1 flags, which features compare
   for equality); every other column (years, indicator, status, unit, source, published dates, ...) is kept
   as it is. The real peer sets (`neighbours`) are replicated within each copy (a
   synthetic body's peers are the same copy's replicas of its real peers), or left out
   with --no-neighbours. No figure of this benchmark is a real council's.
2. a check that `build_features` works for the latest as-of year: one row per synthetic
   body that filed that year, the real frame's columns, feature coverage (share of
   non-missing values) close to the real frame's;
3. the feature frames of every as-of year, as `riskwatch.pipeline.feature_frames` builds
   them (the panel encoded once by `riskwatch.features.prepare`, then one
   `build_features` call per outturn year of the real data, with the peer sets), best of
   --repeat;
4. the latest as-of year alone, from the raw panel (encoding included), best of --repeat
   (the check run included).

Peak memory is the process's maximum resident set (`resource.getrusage` ru_maxrss): a
high-water mark, so it covers the real tables, the synthetic panel and every
intermediate. "peak RSS" is taken after steps 2-4; the peak after generation is printed
too. Timings are wall-clock and
noisy if the machine is busy (machine load is printed): best of --repeat is reported.

    cd /tmp && /work/main/.venv/bin/python /work/main/benchmarks/bench_features_scale.py \
        [--sizes 10000,30000,100000] [--repeat 2] [--sigma 0.05] [--no-neighbours]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import SYNTHETIC_PREFIX  # noqa: E402  (the one marker of synthetic codes)

CODED_UNITS = ("grade_1_4", "flag")  # values are codes (Ofsted grade 1..4, 0/1): not jittered
TARGET = 1_800_000  # authority-years: ~90,000 bodies over 20 years (see bench_scale.py)


def peak_rss_mb() -> float:
    """The process's maximum resident set so far, in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_load() -> str:
    """`uptime` as printed (load averages), or the 1/5/15-minute load if it is missing."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def choose_bodies(
    rs_years: pd.Series, n: int, rng: np.random.Generator
) -> list[tuple[int, np.ndarray]]:
    """(copy, positions of the real bodies replicated in it) until N RS authority-years.

    `rs_years` is the number of outturn (RS) years of each real body. Whole copies first,
    then a random part of one more copy, so the total is N or a few years above it.
    """
    counts = rs_years.to_numpy()
    per_copy = int(counts.sum())
    whole, rest = divmod(n, per_copy)
    copies = [(c, np.arange(len(counts))) for c in range(whole)]
    if rest:
        order = rng.permutation(len(counts))
        take = int(np.searchsorted(np.cumsum(counts[order]), rest)) + 1
        copies.append((whole, np.sort(order[:take])))
    return copies


def replicate(
    frame: pd.DataFrame,
    code_column: str,
    bodies: pd.Index,
    copies: list[tuple[int, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of `frame` to take for every copy, and the synthetic body number of each row."""
    body = bodies.get_indexer(frame[code_column])
    rows, numbers = [], []
    for copy, chosen in copies:
        selected = np.zeros(len(bodies) + 1, dtype=bool)  # the extra slot: code not a body
        selected[chosen] = True
        taken = np.flatnonzero(selected[body])
        rows.append(taken)
        numbers.append(copy * len(bodies) + body[taken] + 1)
    return np.concatenate(rows), np.concatenate(numbers)


def synthetic_codes(numbers: np.ndarray, prefix: str, dtype: object) -> pd.Series:
    """Unmistakable codes ("SYNTHETIC-00000123") for body numbers, in the real column's dtype."""
    unique, position = np.unique(numbers, return_inverse=True)
    labels = np.array([f"{prefix}{u:08d}" for u in unique], dtype=object)
    return pd.Series(labels[position]).astype(dtype)


def synthetic_tables(
    tables: dict[str, pd.DataFrame], n: int, seed: int, sigma: float, neighbours: bool
) -> dict[str, pd.DataFrame]:
    """SYNTHETIC panel, authority_years and neighbours of ~N RS authority-years (see docstring)."""
    rng = np.random.default_rng(seed)
    years, panel = tables["authority_years"], tables["panel"]
    bodies = pd.Index(sorted(years["gss_code"].unique()))
    rs_years = years[years["source"] == "RS"].groupby("gss_code").size()
    copies = choose_bodies(rs_years.reindex(bodies, fill_value=0), n, rng)

    out: dict[str, pd.DataFrame] = {}
    for name, frame in (("authority_years", years), ("panel", panel)):
        rows, numbers = replicate(frame, "gss_code", bodies, copies)
        synthetic = frame.take(rows).reset_index(drop=True)
        synthetic["gss_code"] = synthetic_codes(numbers, SYNTHETIC_PREFIX, frame["gss_code"].dtype)
        ecode = synthetic_codes(numbers, SYNTHETIC_PREFIX + "E", frame["ecode"].dtype)
        synthetic["ecode"] = ecode.where(synthetic["ecode"].notna().to_numpy())
        if "name" in synthetic.columns:
            labels = synthetic_codes(numbers, "SYNTHETIC ", frame["name"].dtype)
            synthetic["name"] = labels
        if "value" in synthetic.columns:
            factor = rng.lognormal(0.0, sigma, len(synthetic))
            factor[synthetic["unit"].isin(CODED_UNITS).to_numpy()] = 1.0
            synthetic["value"] = synthetic["value"].to_numpy() * factor
        assert synthetic.dtypes.equals(frame.dtypes), f"{name}: dtypes differ from the real"
        out[name] = synthetic
        del rows, numbers

    out["neighbours"] = None
    if neighbours:
        real = tables["neighbours"]
        own, peer = bodies.get_indexer(real["gss_code"]), bodies.get_indexer(real["neighbour_gss"])
        known = (own >= 0) & (peer >= 0)
        own, peer = own[known], peer[known]
        pairs_own, pairs_peer = [], []
        for copy, chosen in copies:
            selected = np.zeros(len(bodies), dtype=bool)
            selected[chosen] = True
            both = selected[own] & selected[peer]
            pairs_own.append(copy * len(bodies) + own[both] + 1)
            pairs_peer.append(copy * len(bodies) + peer[both] + 1)
        dtype = real["gss_code"].dtype
        out["neighbours"] = pd.DataFrame(
            {
                "gss_code": synthetic_codes(np.concatenate(pairs_own), SYNTHETIC_PREFIX, dtype),
                "neighbour_gss": synthetic_codes(
                    np.concatenate(pairs_peer), SYNTHETIC_PREFIX, dtype
                ),
            }
        )
    return out


def coverage(frame: pd.DataFrame) -> pd.Series:
    """Share of non-missing values of each feature column."""
    return frame.drop(columns=["gss_code", "as_of", "class"]).notna().mean()


def check(frame: pd.DataFrame, real: pd.DataFrame, expected_rows: int) -> None:
    """Fail unless the synthetic frame looks like the real one.

    Coverage may differ a little: in the partial copy, peer sets lose the real peers that
    were not replicated, so some nearest-neighbour percentiles have too few peers.
    """
    assert len(frame) == expected_rows, f"{len(frame)} rows, expected {expected_rows}"
    assert list(frame.columns) == list(real.columns), "columns differ from the real frame"
    assert frame["gss_code"].str.startswith(SYNTHETIC_PREFIX).all(), "a non-synthetic code"
    gap = (coverage(frame) - coverage(real)).abs()
    assert gap.mean() < 0.05 and gap.max() < 0.25, f"coverage differs by up to {gap.max():.2f}"


def child(n: int, seed: int, sigma: float, repeat: int, neighbours: bool) -> dict:
    """One size, measured in this (fresh) process."""
    from riskwatch.features import build_features

    from riskwatch.data.store.table_store import load_table
    from riskwatch.pipeline import feature_frames, score_years

    warnings.simplefilter("ignore")
    tables = {name: load_table(name) for name in ("panel", "authority_years", "neighbours")}
    years = score_years(tables)
    latest = years[-1]
    # Real frame of the latest year: the reference for the check, and a warm-up (lazy
    # imports, first-call costs) before any timer.
    real_latest = build_features(
        tables["panel"], tables["authority_years"], latest, tables["neighbours"]
    )
    real_rows = len(tables["panel"])
    baseline_mb = peak_rss_mb()

    start = time.perf_counter()
    synthetic = synthetic_tables(tables, n, seed, sigma, neighbours)
    generate = time.perf_counter() - start
    del tables
    panel, authority_years = synthetic["panel"], synthetic["authority_years"]
    # A frame holds every council that filed any outturn return for its year (a year whose
    # RS is not yet held has its councils from the capital and service returns).
    per_year = authority_years.groupby("financial_year")["gss_code"].nunique()
    generated_mb = peak_rss_mb()

    def latest_once() -> float:
        start = time.perf_counter()
        frame = build_features(panel, authority_years, latest, synthetic["neighbours"])
        seconds = time.perf_counter() - start
        check(frame, real_latest, int(per_year[latest]))
        return seconds

    def all_years_once() -> float:
        start = time.perf_counter()
        frames = feature_frames(synthetic, years)
        seconds = time.perf_counter() - start
        built = sum(len(f) for f in frames.values())
        expected = int(per_year[years].sum())
        assert built == expected, f"{built} authority-years built, expected {expected}"
        return seconds

    latest_runs = [latest_once()]  # the check, timed: first of the latest-year runs
    all_runs = []
    for i in range(repeat):
        all_runs.append(all_years_once())
        if i:
            latest_runs.append(latest_once())
    pipeline_mb = peak_rss_mb()
    return {
        "target": n,
        "authority_years": int(per_year.sum()),
        "bodies": int(authority_years["gss_code"].nunique()),
        "panel_rows": len(panel),
        "real_panel_rows": real_rows,
        "neighbour_pairs": 0 if synthetic["neighbours"] is None else len(synthetic["neighbours"]),
        "years": len(years),
        "generate_seconds": generate,
        "all_years_seconds": min(all_runs),
        "all_years_runs": all_runs,
        "latest_seconds": min(latest_runs),
        "latest_runs": latest_runs,
        "latest": latest,
        "latest_rows": int(per_year[latest]),
        "pipeline_rss_mb": pipeline_mb,
        "panel_mb": float(panel.memory_usage(deep=True).sum() / 2**20),
        "baseline_rss_mb": baseline_mb,
        "generated_rss_mb": generated_mb,
    }


def extrapolate(results: list[dict], key: str) -> tuple[float, float]:
    """`key` at TARGET authority-years: the line through the two largest sizes, and a power
    law at their measured growth. Both are extrapolations, not measurements."""
    small, large = sorted(results, key=lambda r: r["authority_years"])[-2:]
    x0, x1, y0, y1 = small["authority_years"], large["authority_years"], small[key], large[key]
    linear = y1 + (y1 - y0) / (x1 - x0) * (TARGET - x1)
    power = y1 * (TARGET / x1) ** (math.log(y1 / y0) / math.log(x1 / x0))
    return linear, power


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000", help="authority-years")
    parser.add_argument("--repeat", type=int, default=2, help="best of N timings per size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sigma", type=float, default=0.05, help="lognormal sigma of values")
    parser.add_argument("--no-neighbours", action="store_true", help="pass neighbours=None")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per size")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        result = child(args.child, args.seed, args.sigma, args.repeat, not args.no_neighbours)
        print(json.dumps(result))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    started, clock = dt.datetime.now(), time.perf_counter()
    load_before = machine_load()
    print(f"SYNTHETIC panels (replicated real authorities, values jittered); {started:%F %T}")
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load before: {load_before}")
    results, failures = [], []
    for n in sizes:
        command = [sys.executable, __file__, "--child", str(n), "--seed", str(args.seed)]
        command += ["--sigma", str(args.sigma), "--repeat", str(args.repeat)]
        command += ["--no-neighbours"] if args.no_neighbours else []
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=args.timeout,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
        except subprocess.TimeoutExpired:
            failures.append(f"{n:,}: over the {args.timeout:.0f} s timeout")
            break
        if done.returncode != 0:
            failures.append(f"{n:,}: failed (exit {done.returncode}): {done.stderr[-2000:]}")
            break
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        elapsed = time.perf_counter() - clock
        print(f"  {n:,} done ({elapsed:.0f} s so far); {machine_load()}", flush=True)
    if not results:
        raise SystemExit("no size measured:\n" + "\n".join(failures))

    first = results[0]
    years_label = f"{first['latest']}, " + ", ".join(
        f"{r['latest_rows']:,} rows at {r['authority_years']:,}" for r in results
    )
    print()
    print(
        f"Real data: {first['real_panel_rows']:,} panel rows; {first['years']} as-of years "
        f"(outturn years); neighbours "
        f"{'none' if args.no_neighbours else 'replicated within each copy'}; best of "
        f"{args.repeat} per timing; generation is not riskwatch's cost."
    )
    print()
    print(
        "| authority-years (SYNTHETIC) | bodies | panel rows | panel in memory | generate "
        "| all as-of years | latest year alone | peak RSS after generating | peak RSS |"
    )
    print("|" + "---:|" * 9)
    for r in results:
        print(
            f"| {r['authority_years']:,} | {r['bodies']:,} | {r['panel_rows']:,} "
            f"| {r['panel_mb'] / 1024:.2f} GB | {r['generate_seconds']:.1f} s "
            f"| {r['all_years_seconds']:.1f} s | {r['latest_seconds']:.2f} s "
            f"| {r['generated_rss_mb'] / 1024:.2f} GB | {r['pipeline_rss_mb'] / 1024:.2f} GB |"
        )
    print()
    print(
        f"Peak RSS before generating (interpreter, libraries, real tables, one real frame): "
        f"{first['baseline_rss_mb'] / 1024:.2f} GB. Latest as-of year: {years_label}. "
        f"All runs (s): "
        + "; ".join(
            f"{r['authority_years']:,}: all years {', '.join(f'{s:.1f}' for s in r['all_years_runs'])}"
            f" / latest {', '.join(f'{s:.2f}' for s in r['latest_runs'])}"
            for r in results
        )
    )
    pairs = list(zip(results, results[1:], strict=False))
    if len(results) > 2:
        pairs.append((results[0], results[-1]))  # smallest to largest, the whole range
    for small, large in pairs:
        ratio = large["authority_years"] / small["authority_years"]
        for key, label in (
            ("all_years_seconds", "all-years time"),
            ("latest_seconds", "latest-year time"),
            ("pipeline_rss_mb", "peak RSS"),
        ):
            grown = large[key] / small[key]
            per_10x = grown ** (1 / math.log10(ratio))
            print(
                f"growth {small['authority_years']:,} -> {large['authority_years']:,} "
                f"authority-years ({ratio:.1f}x): {label} {grown:.2f}x, i.e. "
                f"{per_10x:.2f}x per 10x authority-years"
            )
    if len(results) >= 2:
        seconds, seconds_power = extrapolate(results, "all_years_seconds")
        memory, memory_power = extrapolate(results, "pipeline_rss_mb")
        largest = results[-1]
        print(
            f"EXTRAPOLATION (not measured) to {TARGET:,} authority-years "
            f"(~{largest['panel_rows'] * TARGET / largest['authority_years'] / 1e6:.0f} M "
            f"panel rows), linear through the two largest sizes: all as-of years "
            f"~{seconds / 60:.0f} min, peak RSS ~{memory / 1024:.0f} GB (at the measured "
            f"growth instead: ~{seconds_power / 60:.0f} min, ~{memory_power / 1024:.0f} GB)."
        )
    for failure in failures:
        print(f"NOT MEASURED: {failure}")
    print(f"load after: {machine_load()}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "failures": failures}, indent=2))


if __name__ == "__main__":
    main()
