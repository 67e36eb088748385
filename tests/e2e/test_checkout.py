"""From the repository root, the checkout imports like the installed package.

Run there, Python takes riskwatch from the local riskwatch/ folder; its mapped
subpackages (features/, models/, configs/ at the top level) must still import, from
the checkout itself, whether the install is editable or not.
"""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

ROOT = REPO

CODE = """
import importlib.resources, pathlib
import riskwatch, riskwatch.models, riskwatch.features, riskwatch.configs
from riskwatch.models import make_model
for module in (riskwatch, riskwatch.models, riskwatch.features, riskwatch.configs):
    print(pathlib.Path(module.__file__).resolve().parent)
print(importlib.resources.files("riskwatch.configs").joinpath("run.toml").is_file())
print(type(make_model("logit")).__module__)
"""


def test_mapped_subpackages_import_from_the_repository_root() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    assert lines[:4] == [
        str(ROOT / name) for name in ("riskwatch", "models", "features", "configs")
    ]
    assert lines[4:] == ["True", "riskwatch.models.logit"]
