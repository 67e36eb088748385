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


def family_of(name: str) -> str:
    """The family of a model name: a family itself, or a variant named in the specs."""
    variants = load_model_specs().get("variants", {})
    family = variants[name]["family"] if name in variants else name
    if family not in FAMILIES:
        known = sorted([*FAMILIES, *variants])
        raise ValueError(f"unknown model {name!r}; choose from {known}")
    return family


def make_model(name: str, **params: Any) -> RiskModel:
    """A model of family ``name`` (or a named variant of one: ``[variants.NAME]`` in the
    specs, a family and the parameters it changes) with the shipped defaults, overridden by
    ``params``."""
    family = family_of(name)
    specs = load_model_specs()
    defaults = dict(specs.get(family, {}))
    if family == "blend":  # its logit takes the logit family's inputs, listed once in the specs
        defaults.setdefault("logit_features", specs.get("features", {}).get("logit", ()))
    variant = {k: v for k, v in specs.get("variants", {}).get(name, {}).items() if k != "family"}
    return FAMILIES[family](**{**defaults, **variant, **params})


__all__ = [
    "BASELINE",
    "FAMILIES",
    "BoostedTrees",
    "HazardLogit",
    "LogitIndexBlend",
    "ResilienceIndex",
    "RiskModel",
    "family_of",
    "load_model_specs",
    "make_model",
]
