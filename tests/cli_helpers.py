"""Helpers the CLI tests share: run `riskwatch` in-process, and hash a folder's files."""

from __future__ import annotations

import hashlib
import sys
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


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under a folder with its content hash (an absent folder is {})."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
