"""Run from a source checkout as the installed package does: map features/, models/, configs/.

pyproject.toml installs the top-level folders features/, models/ and configs/ as
riskwatch.features, riskwatch.models and riskwatch.configs. Run from the repository
root, Python imports riskwatch from the local riskwatch/ folder (the current directory
comes first on sys.path), which holds none of them, so ``import riskwatch.models`` and
unpickling a registered model failed there unless the install was editable. In a
checkout only, a finder appended to ``sys.meta_path`` resolves those three names to
the sibling folders, the layout the installed package has.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType

SIBLINGS = {
    "riskwatch.features": "features",
    "riskwatch.models": "models",
    "riskwatch.configs": "configs",
}


class SiblingFinder:
    """Finds the mapped subpackages in the checkout's top-level folders: a meta path finder
    (it has `find_spec`), not derived from importlib.abc.MetaPathFinder, whose import (with
    importlib.resources) cost a sixth of every command's start, `--help` included."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        folder = SIBLINGS.get(fullname)
        if folder is None:
            return None
        init = self.root / folder / "__init__.py"
        if not init.is_file():
            return None
        import importlib.util

        return importlib.util.spec_from_file_location(
            fullname, init, submodule_search_locations=[str(init.parent)]
        )


def map_sibling_packages(package_dir: Path) -> None:
    """In a checkout (pyproject.toml beside the package), find the mapped subpackages there."""
    root = package_dir.parent
    if not (root / "pyproject.toml").is_file():
        return  # installed: the subpackages sit inside the package folder
    if any(isinstance(finder, SiblingFinder) for finder in sys.meta_path):
        return
    sys.meta_path.append(SiblingFinder(root))
