"""Checksums of what riskwatch produces on the embedded data, to show a speed change kept
every output byte-identical (issue 23's acceptance).

Run it in a fresh, empty folder with the Python of the install to check (its `riskwatch`
script is used, and a champion is trained and registered there on first use); run it again
with another install in another empty folder and compare the two JSON files. Prints, as
JSON: sha256 of the feature frame of every as-of year (values via
`pd.util.hash_pandas_object`, plus column names, dtypes and index), of `watchlist --format
csv` (top 30 and `--top all`) and of every file of `review 2026Q3`. A pack's
`manifest.json` names its MLflow run, so it differs between any two runs.

    cd "$(mktemp -d)" && /path/to/.venv/bin/python benchmarks/output_checksums.py > sums.json
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

COMMANDS = (  # each writes into the working folder
    ["watchlist", "--format", "csv", "--out", "watchlist.csv"],
    ["watchlist", "--top", "all", "--format", "csv", "--out", "all.csv"],
    ["review", "2026Q3", "--out", "reviews"],
)


def frame_digest(frame: pd.DataFrame) -> str:
    """sha256 of a frame's columns, dtypes, index and values."""
    digest = hashlib.sha256()
    shape = [
        list(map(str, frame.columns)),
        list(map(str, frame.dtypes)),
        list(map(str, frame.index)),
    ]
    digest.update(json.dumps(shape).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def file_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by path."""
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def main() -> None:
    from riskwatch.data.store.table_store import load_tables
    from riskwatch.pipeline import feature_frames, score_years

    tables = load_tables()
    sums: dict[str, object] = {"years": score_years(tables)}
    for year, frame in feature_frames(tables, sums["years"]).items():
        sums[f"frame {year}"] = frame_digest(frame)
    script = Path(sys.executable).parent / "riskwatch"
    env = {**os.environ, "RISKWATCH_CACHE_DIR": str(Path.cwd() / "cache")}
    for argv in COMMANDS:
        done = subprocess.run([str(script), *argv], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"riskwatch {' '.join(argv)} failed: {done.stderr.strip()}")
    for written in ("watchlist.csv", "all.csv"):
        sums[written] = hashlib.sha256(Path(written).read_bytes()).hexdigest()
    sums.update(file_digests(Path("reviews")))
    print(json.dumps(sums, indent=1))


if __name__ == "__main__":
    main()
