"""Checks on the paths a user gives for output, kept free of heavy imports so a command
can run them first, before any work (or any child process) starts."""

from __future__ import annotations

from pathlib import Path

from riskwatch.errors import RiskwatchError


def check_output_folder(path: Path) -> None:
    """Refuse an output path whose folder does not exist (checked before any work is done)."""
    if not Path(path).parent.is_dir():
        raise RiskwatchError("the folder to write into does not exist", file=Path(path).parent)
