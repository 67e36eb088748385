"""How far harmless float noise moves the default champion's scores (goal: at most 1e-6).

Trains the default model (`configs/run.toml`) on the embedded data in this process,
scores the latest year's councils, then scores them again with every numeric input
multiplied by (1 + eps) for each eps given, and with the inputs rounded to 10
significant digits (what pandas' `to_json` sends a served model). Prints, per case,
the largest change of a probability and of a contribution, and how many councils
moved by more than 0.1 percentage point.

    .venv/bin/python benchmarks/bench_noise.py [--eps 1e-9,1e-12]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


def train_default():
    """The default model trained as `train` trains it on the embedded data, and the tables,
    frames and feature set it was trained on."""
    from riskwatch.data.store.table_store import DEFAULT_DATA_DIR
    from riskwatch.service.frames import load_frames
    from riskwatch.settings import load_run_config
    from riskwatch.training import train

    config = load_run_config()["train"]
    tables, frames, features = load_frames(DEFAULT_DATA_DIR)
    trained = train(
        tables,
        frames,
        features,
        config["model"],
        config["horizon"],
        config["task"],
        config["past_failure_feature"],
    )
    return trained, tables, frames, features


def champion_and_inputs() -> tuple[object, pd.DataFrame]:
    """The default model, and the latest year's model inputs."""
    from riskwatch.scoring import model_inputs

    trained, tables, frames, _ = train_default()
    columns = list(trained.X_example.columns)
    return trained.model, model_inputs(frames[max(frames)], tables["events"], columns)


def perturbed(inputs: pd.DataFrame, change) -> pd.DataFrame:
    """The inputs with `change` applied to every numeric column (the class left as it is)."""
    numeric = inputs.select_dtypes("number").columns
    return inputs.assign(**{c: change(inputs[c].to_numpy()) for c in numeric})


def largest_changes(model, inputs: pd.DataFrame, moved: pd.DataFrame) -> tuple[float, float, int]:
    """Largest probability change, largest contribution change, councils moved > 0.001."""
    from riskwatch.models.scores import score_frame

    before, after = score_frame(inputs, model), score_frame(moved, model)
    probability = (after["probability"] - before["probability"]).abs()
    contributions = (after.drop(columns="probability") - before.drop(columns="probability")).abs()
    return (
        float(probability.max()),
        float(contributions.max().max()),
        int((probability > 1e-3).sum()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--eps", default="1e-9,1e-12", help="relative perturbations, comma-separated"
    )
    args = parser.parse_args()
    os.environ.setdefault("RISKWATCH_CACHE_DIR", tempfile.mkdtemp(prefix="riskwatch-noise-"))
    os.chdir(tempfile.mkdtemp(prefix="riskwatch-noise-"))
    model, inputs = champion_and_inputs()
    print(f"{len(inputs)} councils, {inputs.shape[1]} inputs, model {type(model).__name__}")
    cases = {
        f"x (1 + {eps})": (lambda v, e=float(eps): v * (1.0 + e)) for eps in args.eps.split(",")
    }
    cases["rounded to 10 significant digits"] = lambda v: np.array(
        [float(f"{x:.10g}") for x in v], dtype=float
    )
    for name, change in cases.items():
        probability, contribution, moved = largest_changes(model, inputs, perturbed(inputs, change))
        print(
            f"{name:>34}: largest probability change {probability:.3g}, "
            f"largest contribution change {contribution:.3g}, {moved} councils moved > 0.1 point"
        )
    print(f"run from {Path.cwd()}")


if __name__ == "__main__":
    main()
