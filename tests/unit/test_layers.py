"""Data moves forward only: no module imports from a later stage (ARCHITECTURE.md).

Every module of the package is mapped to its layer below (the longest matching name
wins), and every `import` in it, at the top or inside a function, is read from its
source: an import of a module in a higher layer fails the test, naming both.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

ROOT = REPO
# Where each top-level folder installs (pyproject.toml's package-dir).
PACKAGES = {
    "riskwatch": "riskwatch",
    "features": "riskwatch.features",
    "models": "riskwatch.models",
}

# Lowest first: a module may import from its own layer and those before it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "core",
        (
            "riskwatch",
            "riskwatch._checkout",
            "riskwatch.atomic",
            "riskwatch.cluster",
            "riskwatch.config_schema",
            "riskwatch.errors",
            "riskwatch.locks",
            "riskwatch.paths",
            "riskwatch.settings",
            "riskwatch.units",
            "riskwatch.years",
        ),
    ),
    ("data", ("riskwatch.data",)),
    ("features", ("riskwatch.features",)),
    ("dataset", ("riskwatch.dataset", "riskwatch.labels", "riskwatch.pipeline")),
    ("models", ("riskwatch.models",)),
    (
        "training/tracking",
        (
            "riskwatch.training",
            "riskwatch.tracking",
            "riskwatch.model_input",
            "riskwatch.backtest",
            "riskwatch.replay",
            "riskwatch.registered",
            "riskwatch.registry_snapshot",
            "riskwatch.run_logger",
        ),
    ),
    ("scoring", ("riskwatch.scoring", "riskwatch.shocks", "riskwatch.warm_results")),
    (
        "reasons/review",
        (
            "riskwatch.reason_words",
            "riskwatch.reasons",
            "riskwatch.review",
            "riskwatch.review_pack",
            "riskwatch.watchlist",
            "riskwatch.explanations",
            "riskwatch.flags",
            "riskwatch.stress",
            "riskwatch.successors",
            "riskwatch.scoring_context",
        ),
    ),
    ("report", ("riskwatch.report",)),
    ("service", ("riskwatch.service",)),
    ("cli", ("riskwatch.cli",)),
]


def layer_of(module: str) -> int:
    """The index in LAYERS of the longest layer entry that names the module or a parent."""
    matches = [
        (len(name), index)
        for index, (_, names) in enumerate(LAYERS)
        for name in names
        # the bare package names only its own __init__: a new top-level module must be placed
        if module == name or (name != "riskwatch" and module.startswith(name + "."))
    ]
    if not matches:
        raise AssertionError(
            f"{module} has no layer: add it to LAYERS in tests/unit/test_layers.py"
        )
    return max(matches)[1]


def module_files() -> dict[str, Path]:
    """Every module of the installed package, by its dotted name."""
    found = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def imported_modules(module: str, path: Path) -> set[str]:
    """The riskwatch modules `module` imports anywhere in its source (`from riskwatch import x`
    counts as importing `riskwatch.x`)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    modules = module_files()
    return {name for name in found if name in modules}


def upward_imports() -> list[str]:
    """Every import of a higher layer, as 'importer (layer) -> imported (layer)'."""
    found = []
    for module, path in module_files().items():
        own = layer_of(module)
        for target in sorted(imported_modules(module, path)):
            if layer_of(target) > own:
                found.append(
                    f"{module} ({LAYERS[own][0]}) -> {target} ({LAYERS[layer_of(target)][0]})"
                )
    return found


def test_no_module_imports_from_a_later_stage():
    assert upward_imports() == []


def test_every_module_has_a_layer_and_lazy_imports_count(tmp_path):
    for module in module_files():
        layer_of(module)
    lazy = tmp_path / "lazy.py"
    lazy.write_text("def f():\n    from riskwatch.cli import main\n    return main\n")
    assert "riskwatch.cli" in imported_modules("riskwatch.data.lazy", lazy)
    assert layer_of("riskwatch.cli") > layer_of("riskwatch.data.lazy")
