"""Scale, end to end: SYNTHETIC panel -> feature frames -> scores -> explained top 1,000.

What it measures: riskwatch's chunked feature build (`riskwatch.features.chunked`) and the
champion's scoring on panels far larger than the real one (~6,000 real authority-years,
~660,000 panel rows), held on disk and read a chunk at a time, as a national panel would
be. For each size N (authority-years), in a fresh process (so peak memory is that size's):

1. generation (timed apart: it is not riskwatch's cost): every real authority of the
   embedded `authority_years` and `panel` is replicated under unmistakable codes
   (`gss_code` "SYNTHETIC-00000123", `ecode` "SYNTHETIC-E00000123", `name` "SYNTHETIC
   00000123"), whole copies and then a random part of one more copy, until the outturn
   (RS) authority-years reach N. Each replicated `value` is multiplied by a lognormal
   factor (sigma --sigma, seeded per chunk) so no two copies are equal, except values that
   are codes (Ofsted grades, 0/1 flags); every other column is kept. A copy's peer sets
   are the same copy's replicas of the real peers. --copies copies make a chunk, written
   once as its own Parquet files (panel and authority_years) in a temporary folder, so
   the whole panel is never in memory. No figure of this benchmark is a real council's.
2. the feature frames of every as-of year (the real data's outturn years), chunk by
   chunk, over --jobs worker processes (riskwatch's `cluster.LocalEngine`, one a core by
   default): pass 0 (what each chunk's rows seen as of each year say, summed), pass 1
   (each chunk's own features, its frame parts written as Arrow IPC files), then one task
   per as-of year: pass 2 (the year's parts read back as one table, the peer features
   added over all its councils) and
3. the year's frame scored (the model's inputs and `predict_proba` in blocks of --block
   rows; frames are not kept), its top --top authority-years kept; then the top of all
   years ranked and explained (`models.scores.score_frame`: the contributions, four
   reasons each).

Generation and the build run in separate fresh processes, so the build's memory is its
own. The model is the default champion (configs/run.toml [train]) fitted on the real data
(`bench_scale.prepare`), once, before the sizes. Definition breaks are the real panel's
(`features.breaks_for_trends`): the synthetic panel replicates it. Peak memory of the build
is that of its process and its workers together (their resident sets summed, sampled every
0.1 s); of generation, its process's maximum resident set. Timings are wall-clock and noisy
on a busy machine (the load average is printed). On this kind of virtual machine the first
touch of memory not used since boot is slow (about 0.1 to 1 s per GB, seen here): a run
that allocates much pays it, which is a reason to hold chunks as codes.

    cd /tmp && /work/main/.venv/bin/python /work/main/benchmarks/bench_features_scale.py \
        [--sizes 10000,100000,1800000] [--copies 8] [--jobs -1] [--sigma 0.05]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from riskwatch.features.seen import PREPARED_FROM  # noqa: E402
from synthetic import SYNTHETIC_PREFIX  # noqa: E402  (the one marker of synthetic codes)

CODED_UNITS = ("grade_1_4", "flag")  # values are codes (Ofsted grade 1..4, 0/1): not jittered
TARGET = 1_800_000  # authority-years: ~90,000 bodies over 20 years (see bench_scale.py)
REASONS = 4
ID_COLUMNS = ["gss_code", "as_of", "class"]


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


def synthetic_rows(
    frame: pd.DataFrame,
    bodies: pd.Index,
    copies: list[tuple[int, np.ndarray]],
    rng: np.random.Generator,
    sigma: float,
) -> pd.DataFrame:
    """The rows of a real table (panel or authority_years) replicated for `copies`."""
    rows, numbers = replicate(frame, "gss_code", bodies, copies)
    synthetic = frame.take(rows).reset_index(drop=True)
    synthetic["gss_code"] = synthetic_codes(numbers, SYNTHETIC_PREFIX, frame["gss_code"].dtype)
    ecode = synthetic_codes(numbers, SYNTHETIC_PREFIX + "E", frame["ecode"].dtype)
    synthetic["ecode"] = ecode.where(synthetic["ecode"].notna().to_numpy())
    if "name" in synthetic.columns:
        synthetic["name"] = synthetic_codes(numbers, "SYNTHETIC ", frame["name"].dtype)
    if "value" in synthetic.columns:
        factor = rng.lognormal(0.0, sigma, len(synthetic))
        factor[synthetic["unit"].isin(CODED_UNITS).to_numpy()] = 1.0
        synthetic["value"] = synthetic["value"].to_numpy() * factor
    assert synthetic.dtypes.equals(frame.dtypes), "dtypes differ from the real table's"
    return synthetic


def synthetic_neighbours(
    real: pd.DataFrame, bodies: pd.Index, copies: list[tuple[int, np.ndarray]]
) -> pd.DataFrame:
    """The real peer sets replicated within each copy (both ends replicated in it)."""
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
    return pd.DataFrame(
        {
            "gss_code": synthetic_codes(np.concatenate(pairs_own), SYNTHETIC_PREFIX, dtype),
            "neighbour_gss": synthetic_codes(np.concatenate(pairs_peer), SYNTHETIC_PREFIX, dtype),
        }
    )


@dataclass(frozen=True)
class ParquetChunk:
    """A chunk of the SYNTHETIC panel on disk (`features.chunked.Chunk`): read when built."""

    panel: Path
    authority_years: Path

    def load(self, columns: tuple[str, ...] = PREPARED_FROM) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The chunk's tables, of the panel only `columns`; its text columns read as
        categories (Parquet's dictionary encoding), as `features.seen.prepare` holds them: a
        chunk's panel in about an eighth of the memory of text, with no text to encode.
        pyarrow's own conversion (pandas' read_parquet narrows the codes, 3x the time),
        freeing each Arrow column once converted: Arrow's dictionary indices are 32-bit, so
        the table held to the end would double the chunk's memory while it is read."""
        text = [c for c in columns if c != "value"]
        panel = pq.read_table(self.panel, columns=list(columns), read_dictionary=text)
        return (
            panel.to_pandas(self_destruct=True, split_blocks=True),
            pd.read_parquet(self.authority_years),
        )


def write_synthetic_panel(
    tables: dict[str, pd.DataFrame],
    n: int,
    folder: Path,
    copies_per_chunk: int,
    seed: int,
    sigma: float,
) -> tuple[list[ParquetChunk], pd.DataFrame]:
    """~N SYNTHETIC authority-years written chunk by chunk (--copies copies a chunk) under
    `folder`; the chunks, and the replicated peer sets (small: kept in memory)."""
    years, panel = tables["authority_years"], tables["panel"]
    bodies = pd.Index(sorted(years["gss_code"].unique()))
    rs_years = years[years["source"] == "RS"].groupby("gss_code").size()
    copies = choose_bodies(rs_years.reindex(bodies, fill_value=0), n, np.random.default_rng(seed))
    chunks = []
    for number, first in enumerate(range(0, len(copies), copies_per_chunk)):
        these = copies[first : first + copies_per_chunk]
        rng = np.random.default_rng([seed, number])
        chunk = ParquetChunk(
            folder / f"panel-{number:04d}.parquet", folder / f"years-{number:04d}.parquet"
        )
        synthetic_rows(panel, bodies, these, rng, sigma).to_parquet(chunk.panel)
        synthetic_rows(years, bodies, these, rng, sigma).to_parquet(chunk.authority_years)
        chunks.append(chunk)
    return chunks, synthetic_neighbours(tables["neighbours"], bodies, copies)


@dataclass(frozen=True)
class StoredTask:
    """Pass 1 of one chunk, its frame parts written beside the chunk's panel."""

    task: object  # features.chunked.OwnTask
    folder: Path
    number: int


def own_features_stored(stored: StoredTask) -> dict[str, Path]:
    """`own_features` of one chunk, each year's part written as an Arrow IPC file: its paths
    by year. Parts are read back once, by the next pass, so they are stored as Arrow holds
    them (uncompressed). The chunk's years are converted to Arrow as one table, then written
    a slice a year: converting each part costs per column, 127 of them (a chunk's 18 parts
    written in 0.11-0.18 s, against 0.32-0.36 s converted one by one, 0.65 s as Parquet)."""
    from riskwatch.features.chunked import own_features

    parts = own_features(stored.task)
    whole = pa.Table.from_pandas(pd.concat(parts.values(), ignore_index=True), preserve_index=False)
    paths, start = {}, 0
    for year, part in parts.items():
        paths[year] = stored.folder / f"own-{stored.number:04d}-{year}.arrow"
        feather.write_feather(
            whole.slice(start, len(part)), paths[year], compression="uncompressed"
        )
        start += len(part)
    return paths


def read_parts(paths: tuple[Path, ...]) -> pd.DataFrame:
    """One year's parts (`own_features_stored`) as one frame: the Arrow tables joined, then
    converted to pandas once (converting each part costs per column, 127 of them)."""
    return pa.concat_tables([feather.read_table(path) for path in paths]).to_pandas()


@dataclass(frozen=True)
class YearTask:
    """Pass 2 and scoring of one as-of year: its chunks' parts, and what scoring reads."""

    year: str
    parts: tuple[Path, ...]
    neighbours: Path
    workdir: Path  # model.pkl and events.parquet
    columns: tuple[str, ...]
    top: int
    block: int


@dataclass(frozen=True)
class YearScored:
    """One year's top rows and their probabilities, its size, and the seconds of each step."""

    rows: pd.DataFrame
    probability: np.ndarray
    authority_years: int
    peer_seconds: float
    score_seconds: float


def fitted(workdir: Path) -> tuple[object, pd.DataFrame]:
    """The champion and the events (read by each year's task: a few MB)."""
    with open(workdir / "model.pkl", "rb") as handle:
        model = pickle.load(handle)
    return model, pd.read_parquet(workdir / "events.parquet")


def peers_and_score(task: YearTask) -> YearScored:
    """One year's whole frame (its parts stacked, the peer features added over every council
    of the year), scored in blocks of rows; its top rows kept (frames are not)."""
    from riskwatch.features.chunked import with_peer_features

    from riskwatch.scoring import model_inputs

    clock = time.perf_counter()
    neighbours = pd.read_parquet(task.neighbours)
    frame = with_peer_features([read_parts(task.parts)], task.year, neighbours)
    peer_seconds = time.perf_counter() - clock
    clock = time.perf_counter()
    model, events = fitted(task.workdir)
    probability = np.empty(len(frame))
    for a in range(0, len(frame), task.block):
        inputs = model_inputs(frame.iloc[a : a + task.block], events, list(task.columns))
        probability[a : a + task.block] = model.predict_proba(inputs)[:, 1]
    best = TopRows(task.top)
    best.add(frame, probability)
    rows, kept = best.ranked()
    return YearScored(rows, kept, len(frame), peer_seconds, time.perf_counter() - clock)


class TopRows:
    """The `top` highest-scored authority-years seen so far, their frame rows kept."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.rows: list[pd.DataFrame] = []
        self.probability: list[np.ndarray] = []

    def add(self, frame: pd.DataFrame, probability: np.ndarray) -> None:
        k = min(self.top, len(frame))
        best = np.argpartition(-probability, k - 1)[:k] if k else np.array([], dtype=int)
        self.rows.append(frame.iloc[best])
        self.probability.append(probability[best])

    def ranked(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The top rows of all years: probability descending, then code and year."""
        rows = pd.concat(self.rows, ignore_index=True)
        probability = np.concatenate(self.probability)
        order = np.lexsort((rows["as_of"], rows["gss_code"], -probability))[: self.top]
        return rows.iloc[order].reset_index(drop=True), probability[order]


class TreeMemory:
    """The peak resident memory of this process and all its descendants (the worker
    processes) together, sampled every 0.1 s by a thread (Linux /proc), in MiB."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak_mb = max(self.peak_mb, sum(map(rss_mb, tree(os.getpid()))))

    def __float__(self) -> float:
        return self.peak_mb


def tree(pid: int) -> list[int]:
    """`pid` and every process descended from it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                continue
    return found


def rss_mb(pid: int) -> float:
    """A process's resident memory now, in MiB (0 if it has ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def say(what: str, since: float) -> None:
    """A progress line on stderr (passed through by the parent): a long size that times out
    still shows how far it got, and at what rate."""
    seconds = time.perf_counter() - since
    print(
        f"    {what}: {seconds:.0f} s, peak RSS {peak_rss_mb() / 1024:.2f} GB",
        file=sys.stderr,
        flush=True,
    )


def generate(n: int, folder: Path, copies: int, seed: int, sigma: float) -> dict:
    """Write ~N SYNTHETIC authority-years under `folder` (in a process of its own, so the
    build's peak memory is its own): the chunks and the peer sets (neighbours.parquet)."""
    from riskwatch.data.store.table_store import load_table

    warnings.simplefilter("ignore")
    tables = {name: load_table(name) for name in ("panel", "authority_years", "neighbours")}
    start = time.perf_counter()
    chunks, neighbours = write_synthetic_panel(tables, n, folder, copies, seed, sigma)
    neighbours.to_parquet(folder / "neighbours.parquet")
    seconds = time.perf_counter() - start
    rows = sum(pd.read_parquet(c.panel, columns=["value"]).shape[0] for c in chunks)
    say(f"{n:,}: generated {rows:,} panel rows in {len(chunks)} chunks", start)
    return {"generate_seconds": seconds, "panel_rows": rows, "generated_rss_mb": peak_rss_mb()}


def stored_chunks(folder: Path) -> list[ParquetChunk]:
    """The chunks `generate` wrote under `folder`, in order."""
    panels = sorted(folder.glob("panel-*.parquet"))
    return [ParquetChunk(p, p.with_name(p.name.replace("panel-", "years-"))) for p in panels]


def child(folder: Path, workdir: Path, top: int, block: int, jobs: int) -> dict:
    """Build and score the panel under `folder`, measured in this (fresh) process and its
    `jobs` worker processes (riskwatch's `LocalEngine`: chunks, then years, over the cores)."""
    from riskwatch.features import breaks_for_trends
    from riskwatch.features.chunked import OwnTask, SeenTask, seen_in_chunk, summed
    from riskwatch.models.scores import CONTRIB_PREFIX, score_frame

    from riskwatch.cluster import LocalEngine
    from riskwatch.data.store.table_store import load_table
    from riskwatch.dataset import class_column
    from riskwatch.pipeline import score_years
    from riskwatch.scoring import model_inputs

    warnings.simplefilter("ignore")
    tables = {name: load_table(name) for name in ("panel", "authority_years")}
    years = score_years(tables)
    breaks = breaks_for_trends(tables["panel"], tables["authority_years"])
    model, events = fitted(workdir)
    columns = [str(c) for c in model.feature_names_in_]
    peer = class_column(model)
    if peer and peer not in columns:
        columns.append(peer)
    baseline_mb = peak_rss_mb()
    del tables

    engine = LocalEngine(n_jobs=jobs, prefer="processes")
    chunks = stored_chunks(folder)
    stage: dict[str, float] = {}
    with TreeMemory() as memory:
        start = clock = time.perf_counter()
        dates = dict.fromkeys(years)
        seen = summed(engine.map(seen_in_chunk, [SeenTask(c, dates) for c in chunks]))
        stage["pass 0: what all councils' rows say"] = time.perf_counter() - clock
        say("pass 0 done", start)
        clock = time.perf_counter()
        tasks = [
            StoredTask(OwnTask(c, dates, seen, breaks), folder, number)
            for number, c in enumerate(chunks)
        ]
        stored = engine.map(own_features_stored, tasks)
        stage["pass 1: each chunk's own features"] = time.perf_counter() - clock
        say(f"pass 1: {len(tasks)} chunks built", start)
        clock = time.perf_counter()
        year_tasks = [
            YearTask(
                year,
                tuple(paths[year] for paths in stored),
                folder / "neighbours.parquet",
                workdir,
                tuple(columns),
                top,
                block,
            )
            for year in years
        ]
        scored = engine.map(peers_and_score, year_tasks)
        stage["pass 2 and scoring, by year"] = time.perf_counter() - clock
        say("pass 2 and scoring done", start)
        clock = time.perf_counter()
        best = TopRows(top)
        for year in scored:
            best.add(year.rows, year.probability)
        listed, probability = best.ranked()
        explained = []
        for _, rows in listed.groupby("as_of", sort=False):  # model_inputs reads one year
            scored_rows = score_frame(model_inputs(rows, events, columns), model)
            explained.append(scored_rows.set_axis(rows.index))
        explained_rows = pd.concat(explained).loc[listed.index]
        contrib = explained_rows.filter(like=CONTRIB_PREFIX).drop(
            columns=f"{CONTRIB_PREFIX}baseline"
        )
        names = np.array([c.removeprefix(CONTRIB_PREFIX) for c in contrib.columns])
        strongest = np.argsort(-contrib.to_numpy(), axis=1)[:, :REASONS]
        assert np.allclose(explained_rows["probability"].to_numpy(), probability), (
            "top scores disagree"
        )
        stage["rank and explain the top"] = time.perf_counter() - clock
        seconds = time.perf_counter() - start
    return {
        "authority_years": sum(year.authority_years for year in scored),
        "chunks": len(chunks),
        "years": len(years),
        "jobs": jobs,
        "end_to_end_seconds": seconds,
        "stages": stage,
        "worker_seconds": {
            "pass 2: peer features": sum(year.peer_seconds for year in scored),
            "score": sum(year.score_seconds for year in scored),
        },
        "listed": len(listed),
        "top_reason": str(names[strongest[0, 0]]) if len(listed) else None,
        "peak_rss_mb": float(memory),
        "baseline_rss_mb": baseline_mb,
    }


def child_command(args: argparse.Namespace) -> list[str]:
    """The command of a child process, with the options it reads."""
    command = [sys.executable, __file__]
    for flag in ("copies", "top", "block", "seed", "sigma", "jobs"):
        command += [f"--{flag}", str(getattr(args, flag))]
    return command


def run_child(command: list[str], args: argparse.Namespace) -> dict:
    """A child process's JSON result (its progress lines pass through on stderr)."""
    try:
        done = subprocess.run(
            command,
            stdout=subprocess.PIPE,
            text=True,
            timeout=args.timeout,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"over the {args.timeout:.0f} s timeout") from None
    if done.returncode != 0:
        raise RuntimeError(f"failed (exit {done.returncode}; its error above)")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1800000", help="authority-years")
    parser.add_argument("--copies", type=int, default=8, help="copies of the real panel a chunk")
    parser.add_argument("--top", type=int, default=1000, help="authority-years explained")
    parser.add_argument("--block", type=int, default=100_000, help="rows scored at once")
    parser.add_argument("--jobs", type=int, default=-1, help="worker processes (-1: a core each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sigma", type=float, default=0.05, help="lognormal sigma of values")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per size")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate is not None:
        print(json.dumps(generate(args.generate, args.workdir, args.copies, args.seed, args.sigma)))
        return
    if args.child is not None:
        print(json.dumps(child(args.child, args.workdir, args.top, args.block, args.jobs)))
        return

    from bench_scale import prepare as fit_champion

    warnings.simplefilter("ignore")
    sizes = [int(s) for s in args.sizes.split(",")]
    started, clock = dt.datetime.now(), time.perf_counter()
    print(f"SYNTHETIC panels (replicated real authorities, values jittered); {started:%F %T}")
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load before: {machine_load()}")
    results, failures = [], []
    with tempfile.TemporaryDirectory(prefix="riskwatch-bench-features-") as tmp:
        workdir = Path(tmp)
        setup = fit_champion(workdir, None)
        print(
            f"model: {setup['model']}, {setup['inputs']} inputs, fitted on "
            f"{setup['real_rows']:,} real authority-years in {setup['prepare_seconds']:.0f} s"
        )
        for n in sizes:
            try:
                with tempfile.TemporaryDirectory(prefix="panel-", dir=workdir) as folder:
                    made = run_child(
                        [*child_command(args), "--generate", str(n), "--workdir", folder], args
                    )
                    built = run_child(
                        [*child_command(args), "--child", folder, "--workdir", str(workdir)], args
                    )
            except RuntimeError as failure:
                failures.append(f"{n:,}: {failure}")
                break
            results.append({"target": n, **made, **built})
            elapsed = time.perf_counter() - clock
            print(f"  {n:,} done ({elapsed:.0f} s so far); {machine_load()}", flush=True)
    if not results:
        raise SystemExit("no size measured:\n" + "\n".join(failures))

    stages = list(results[0]["stages"])
    print()
    print(
        "| authority-years (SYNTHETIC) | panel rows | chunks | generate | end to end | "
        + " | ".join(stages)
        + " | peak RSS, generating | peak RSS, building and scoring (all processes) |"
    )
    print("|" + "---:|" * (7 + len(stages)))
    for r in results:
        print(
            f"| {r['authority_years']:,} | {r['panel_rows']:,} | {r['chunks']} "
            f"| {r['generate_seconds']:.1f} s | {r['end_to_end_seconds']:.1f} s | "
            + " | ".join(f"{r['stages'][s]:.1f} s" for s in stages)
            + f" | {r['generated_rss_mb'] / 1024:.2f} GB | {r['peak_rss_mb'] / 1024:.2f} GB |"
        )
    print(
        f"\nPeak RSS of the build before its first chunk (interpreter, libraries, real tables, model): "
        f"{results[0]['baseline_rss_mb'] / 1024:.2f} GB; {results[0]['years']} as-of years; "
        f"top {results[0]['listed']:,} explained (first reason of the first: "
        f"{results[0]['top_reason']}); generation is not riskwatch's cost; "
        f"{results[0]['jobs']} worker processes (-1: one a core)."
    )
    for r in results:
        inside = ", ".join(f"{k} {v:.1f} s" for k, v in r["worker_seconds"].items())
        print(f"{r['authority_years']:,}: seconds inside the workers, summed over years: {inside}")
    for small, large in zip(results, results[1:], strict=False):
        ratio = large["authority_years"] / small["authority_years"]
        for key, label in (("end_to_end_seconds", "time"), ("peak_rss_mb", "peak RSS")):
            grown = large[key] / small[key]
            per_10x = grown ** (1 / math.log10(ratio))
            print(
                f"growth {small['authority_years']:,} -> {large['authority_years']:,} "
                f"authority-years ({ratio:.1f}x): {label} {grown:.2f}x, i.e. {per_10x:.2f}x "
                f"per 10x"
            )
    big = max(results, key=lambda r: r["authority_years"])
    if big["authority_years"] < TARGET:
        per_year = big["end_to_end_seconds"] / big["authority_years"]
        print(
            f"EXTRAPOLATION (not measured), linear from {big['authority_years']:,}: "
            f"{TARGET:,} authority-years would take ~{per_year * TARGET / 60:.0f} min"
        )
    for failure in failures:
        print(f"NOT MEASURED: {failure}")
    print(f"load after: {machine_load()}")
    if args.json:
        args.json.write_text(
            json.dumps({"setup": setup, "results": results, "failures": failures}, indent=2)
        )


if __name__ == "__main__":
    main()
