"""Writing a file atomically: through a temporary file in the same folder, then a rename.

A core module every layer may import (the data store, the report, the model registry
snapshot, the command line), so every output is written the one way: never half-written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from riskwatch.errors import RiskwatchError
from riskwatch.paths import check_output_file


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename: never half-written.

    The folder must exist (an output path with a typo is an error, not a new tree of
    folders); a full, read-only or forbidden disk is one line naming the file.
    """
    path = Path(path)
    check_output_file(path)
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        temporary = Path(name)
        write(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        raise RiskwatchError(
            f"cannot write: {exc.strerror or exc}; nothing was written", file=path
        ) from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """A frame written as Parquet, atomically."""
    write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))
