"""A longer fuzzing run of every reader than CI's (tests/test_reader_fuzz.py).

Each reader of tests/test_reader_contract.py's READERS (every source the build reads,
and the revenue reader `data ingest` uses) is fed its real slice from the shared data
folder, damaged by tests/reader_damage.py's `damages()`, as many times as asked.
Prints, per reader, the cases run and the failures (a damaged slice neither read nor
refused in one line naming the file), then each failure: the damage and what happened.
Goal: 0 failures.

    .venv/bin/python benchmarks/bench_fuzz.py [--examples 100] [--readers revenue,capital]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"


def fuzz(reader, examples: int, shared: Path, authorities, root: Path) -> tuple[dict, list]:
    """({"read": n, "refused": n, "failure": n}, [(damage, what happened)]) of `examples`
    damaged slices of one reader."""
    from hypothesis import HealthCheck, given, settings
    from reader_damage import damages, outcome
    from test_reader_contract import Case, sample

    case = Case(reader, sample(reader, shared), shared, authorities, root / reader.name)
    counts, failures = {"read": 0, "refused": 0, "failure": 0}, []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(damage=damages())
    def probe(damage) -> None:
        kind, detail = outcome(case, damage, f"case{sum(counts.values())}")
        counts[kind] += 1
        if kind == "failure":
            failures.append((damage.name, detail))

    probe()
    return counts, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="damaged slices per reader")
    parser.add_argument("--readers", default="", help="comma-separated reader names (all)")
    parser.add_argument("--shared", type=Path, default=TESTS.parents[1] / "shared" / "data")
    args = parser.parse_args()
    sys.path.insert(0, str(TESTS))
    warnings.simplefilter("ignore")
    from test_reader_contract import READERS

    from riskwatch.data.store.table_store import load_table

    chosen = [r for r in READERS if not args.readers or r.name in args.readers.split(",")]
    authorities = load_table("authorities")
    total_cases, found = 0, []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for reader in chosen:
            counts, failures = fuzz(reader, args.examples, args.shared, authorities, Path(folder))
            total_cases += sum(counts.values())
            found += [(reader.name, *failure) for failure in failures]
            print(
                f"{reader.name:<20} {sum(counts.values()):>5} cases  {counts['read']:>4} read  "
                f"{counts['refused']:>4} refused  {counts['failure']:>3} failures",
                flush=True,
            )
    print(
        f"{len(chosen)} readers, {total_cases} cases, {len(found)} failures "
        f"in {time.perf_counter() - started:.0f} s"
    )
    for name, damage, problem in found:
        print(f"  {name}: {damage}: {problem}")


if __name__ == "__main__":
    main()
