"""Helpers the CLI tests share: run `riskwatch` in-process or as a subprocess, and hash a
folder's files."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run_cli(argv: list[str], monkeypatch, capsys) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `riskwatch ARGV`, run in this process."""
    from riskwatch.cli import main

    monkeypatch.setattr(sys, "argv", ["riskwatch", *argv])
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_riskwatch(
    args: list[str],
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    """`python -m riskwatch.cli ARGS` in a subprocess, as a user runs it, with this
    process's environment changed by `env` (a value of None removes the variable);
    stdout and stderr captured as text."""
    changed = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "riskwatch.cli", *args],
        cwd=cwd,
        env={name: value for name, value in changed.items() if value is not None},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under a folder with its content hash (an absent folder is {})."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
