"""Run settings from configs/run.toml (defaults every command starts from)."""

from __future__ import annotations

import tomllib
from importlib import resources


def load_run_config() -> dict:
    text = resources.files("riskwatch.configs").joinpath("run.toml").read_text()
    return tomllib.loads(text)
