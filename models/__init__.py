"""Model families behind one interface: fit, predict_proba, contributions."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any

from .base import BASELINE, RiskModel
from .blend import LogitIndexBlend
from .boosting import BoostedTrees
from .index import ResilienceIndex
from .logit import HazardLogit

FAMILIES: dict[str, type[RiskModel]] = {
    "index": ResilienceIndex,
    "logit": HazardLogit,
    "boosting": BoostedTrees,
    "blend": LogitIndexBlend,
}


def load_model_specs() -> dict[str, dict[str, Any]]:
    """Default parameters per family from the shipped ``configs/models.toml``."""
    text = files("riskwatch.configs").joinpath("models.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def make_model(name: str, **params: Any) -> RiskModel:
    """A model of family ``name`` with the shipped defaults, overridden by ``params``."""
    if name not in FAMILIES:
        raise ValueError(f"unknown model family {name!r}; choose from {sorted(FAMILIES)}")
    specs = load_model_specs()
    defaults = dict(specs.get(name, {}))
    if name == "blend":  # its logit takes the logit family's inputs, listed once in the specs
        defaults.setdefault("logit_features", specs.get("features", {}).get("logit", ()))
    return FAMILIES[name](**{**defaults, **params})


__all__ = [
    "BASELINE",
    "FAMILIES",
    "BoostedTrees",
    "HazardLogit",
    "LogitIndexBlend",
    "ResilienceIndex",
    "RiskModel",
    "load_model_specs",
    "make_model",
]
