"""Model families behind one interface: fit, predict_proba, contributions.

The families' classes are imported on first use (the module's `__getattr__`), so naming a
score column (`riskwatch.models.scores`) or checking a family's name imports no fitting
library: a warm run served kept results never imports scikit-learn.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from riskwatch.dataset import FeatureSet
from riskwatch.errors import RiskwatchError
from riskwatch.settings import config_file, plain

if TYPE_CHECKING:
    from .base import BASELINE, RiskModel
    from .blend import LogitIndexBlend
    from .boosting import BoostedTrees
    from .index import ResilienceIndex
    from .logit import HazardLogit

# Each family's class by the family's name, and the module defining each name exported here.
_FAMILY_CLASSES = {
    "index": "ResilienceIndex",
    "logit": "HazardLogit",
    "boosting": "BoostedTrees",
    "blend": "LogitIndexBlend",
}
_DEFINED_IN = {
    "BASELINE": ".base",
    "RiskModel": ".base",
    "LogitIndexBlend": ".blend",
    "BoostedTrees": ".boosting",
    "ResilienceIndex": ".index",
    "HazardLogit": ".logit",
}


def __getattr__(name: str) -> Any:
    """The families' classes, and FAMILIES (`families()`), imported on first use."""
    if name == "FAMILIES":
        return families()
    if name in _DEFINED_IN:
        return getattr(import_module(_DEFINED_IN[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def families() -> dict[str, type[RiskModel]]:
    """Every model family's class, by the family's name."""
    return {family: __getattr__(name) for family, name in _FAMILY_CLASSES.items()}


_SPECS_FILE = "configs/models.toml"
# Parameters no section of the specs sets: directions come from the feature catalogue, and
# the blend's members are built from the [logit] and [index] sections.
_NOT_CONFIGURED = ("directions", "logit", "index")


def load_model_specs() -> dict[str, dict[str, Any]]:
    """Default parameters per family from the shipped ``configs/models.toml`` (checked once)."""
    return plain(_checked_specs())


@cache
def _checked_specs() -> Any:
    """models.toml with every family section checked against that family's own constraints."""
    specs = config_file("models.toml")
    for name, section in specs.items():
        if name == "features":
            continue
        if name == "variants":
            for variant, params in section.items():
                _check_variant(variant, plain(params))
            continue
        if name not in _FAMILY_CLASSES:
            raise RiskwatchError(
                f"unknown model family; choose from {sorted(_FAMILY_CLASSES)}",
                file=_SPECS_FILE,
                field=name,
            )
        _check_family_params(name, plain(section))
    for name in specs.get("features", {}):
        if name not in _FAMILY_CLASSES:
            raise RiskwatchError(
                f"unknown model family; choose from {sorted(_FAMILY_CLASSES)}",
                file=_SPECS_FILE,
                field=f"features.{name}",
            )
    return specs


def _check_variant(name: str, params: dict[str, Any]) -> None:
    """A variant names its family and sets only that family's parameters."""
    family = params.pop("family", None)
    if family not in _FAMILY_CLASSES:
        raise RiskwatchError(
            f"a variant needs family = one of {sorted(_FAMILY_CLASSES)}",
            file=_SPECS_FILE,
            field=f"variants.{name}.family",
        )
    if name in _FAMILY_CLASSES:
        raise RiskwatchError(
            "a variant cannot take a family's name", file=_SPECS_FILE, field=f"variants.{name}"
        )
    _check_family_params(family, params, prefix=f"variants.{name}")


def _check_family_params(name: str, params: dict[str, Any], prefix: str | None = None) -> None:
    """One-line RiskwatchError naming the key when ``params`` break the family's checks (a
    model of the family with that one setting, checked as ``fit`` checks it). A member's
    setting (``logit__monotone`` of the blend) is checked by the member's family."""
    family = families()[name]
    for key, value in params.items():
        member, _, member_key = key.partition("__")
        members = getattr(family, "members", {})
        if member_key and member in members:
            _check_setting(members[member], member_key, value, f"{prefix or name}.{key}")
        else:
            _check_setting(family, key, value, f"{prefix or name}.{key}")


def _check_setting(family: type[RiskModel], key: str, value: Any, field: str) -> None:
    if key not in family().get_params(deep=False) or key in _NOT_CONFIGURED:
        raise RiskwatchError(
            f"unknown parameter of {family.__name__}", file=_SPECS_FILE, field=field
        )
    try:
        family(**{key: value})._check_params()
    except (TypeError, ValueError) as error:
        raise RiskwatchError(str(error), file=_SPECS_FILE, field=field) from None


def family_of(name: str) -> str:
    """The family of a model name: a family itself, or a variant named in the specs."""
    variants = load_model_specs().get("variants", {})
    family = variants[name]["family"] if name in variants else name
    if family not in _FAMILY_CLASSES:
        known = sorted([*_FAMILY_CLASSES, *variants])
        raise ValueError(f"unknown model family or variant {name!r}; choose from {known}")
    return family


def inputs_for(features: FeatureSet, name: str) -> FeatureSet:
    """The inputs configs/models.toml gives a model family or variant ("all" or a list of
    names; a variant reads its family's inputs)."""
    specs = load_model_specs()
    chosen = specs.get("features", {}).get(name)
    if chosen is None:
        chosen = specs["features"].get(family_of(name), "all")
    if chosen == "all":
        return features
    unknown = [feature for feature in chosen if feature not in features.directions]
    if unknown:
        raise RiskwatchError(
            f"unknown feature(s) for {name}: {', '.join(unknown)}",
            file="configs/models.toml",
            field="features",
        )
    return FeatureSet(
        list(chosen), {n: features.directions[n] for n in chosen}, features.catalogue_version
    )


def make_model(name: str, **params: Any) -> RiskModel:
    """A model of family ``name`` (or a named variant of one: ``[variants.NAME]`` in the
    specs, a family and the parameters it changes) with the shipped defaults, overridden by
    ``params``."""
    family = family_of(name)
    specs = load_model_specs()
    defaults = dict(specs.get(family, {}))
    if family == "blend":  # its members and its logit's inputs are the logit's and the index's
        defaults.setdefault("logit_features", specs.get("features", {}).get("logit", ()))
        defaults.update(logit=make_model("logit"), index=make_model("index"))
    variant = {k: v for k, v in specs.get("variants", {}).get(name, {}).items() if k != "family"}
    settings = {**defaults, **variant, **params}
    own = {key: value for key, value in settings.items() if "__" not in key}
    of_members = {key: value for key, value in settings.items() if "__" in key}
    return families()[family](**own).set_params(**of_members)


__all__ = [
    "BASELINE",
    "FAMILIES",
    "BoostedTrees",
    "HazardLogit",
    "LogitIndexBlend",
    "ResilienceIndex",
    "RiskModel",
    "families",
    "family_of",
    "inputs_for",
    "load_model_specs",
    "make_model",
]
