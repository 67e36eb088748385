"""How large the cache grows when 20 registered versions are loaded (goal: bounded).

Trains the default model (`configs/run.toml`) once in this process, logs it to a fresh
local MLflow store, registers it as 20 versions, and loads each version the way a
watchlist does (`registered.load_registered`), which keeps a copy of each in the cache
folder. Prints the cache folder's size and file count after every fifth load. To
measure an older commit, put its package first on PYTHONPATH (laid out as
bench_review.py's `checkout` lays it out).

    .venv/bin/python benchmarks/bench_cache.py [--versions 20]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path


def folder_size(folder: Path) -> tuple[int, int]:
    """Bytes and number of files in a folder (0, 0 when it does not exist)."""
    files = [p for p in folder.glob("*") if p.is_file()] if folder.is_dir() else []
    return sum(p.stat().st_size for p in files), len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="riskwatch-cache-bench-"))
    os.chdir(work)
    os.environ["RISKWATCH_CACHE_DIR"] = str(work / "cache")
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{work / 'mlflow.db'}"

    from bench_noise import train_default

    from riskwatch.registered import load_registered
    from riskwatch.settings import load_run_config
    from riskwatch.tracking import registry, runs

    config = load_run_config()["train"]
    trained, _, _, features = train_default()
    run_id = runs.log_training_run(
        trained.model,
        params=trained.params,
        metrics=trained.metrics,
        feature_catalogue_version=features.catalogue_version,
        panel_fingerprint="bench",
        config={},
        X_example=trained.X_example,
        run_name="bench-cache",
    )
    versions = [registry.register(run_id, config["registered_name"]) for _ in range(args.versions)]
    frames_size, _ = folder_size(work / "cache")
    print(f"cache before any model is loaded: {frames_size / 2**20:.1f} MB (feature frames)")
    for count, version in enumerate(versions, start=1):
        load_registered(config["registered_name"], str(version))
        if count % 5 == 0 or count == len(versions):
            size, files = folder_size(work / "cache")
            print(f"after loading {count:>2} versions: {size / 2**20:6.1f} MB in {files} files")
    print(f"run in {work}")


if __name__ == "__main__":
    main()
