"""Checks on the paths a user gives, kept free of heavy imports so a command can run them
first, before any work (or any child process) starts: what a path names (a file, a folder,
a link), whether it exists, and whether the folder an output goes into can be written."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from riskwatch.errors import RiskwatchError


def check_input_file(path: Path) -> None:
    """Refuse a data path that is not a regular file: missing, a folder, a device or pipe.
    A link is resolved first and the line names both the link and what it points to."""
    path = Path(path)
    target = path.resolve()
    shown = shown_path(path)
    if not target.exists():
        raise RiskwatchError("file not found", file=shown)
    if target.is_dir():
        raise RiskwatchError("is a folder, not a data file", file=shown)
    if not target.is_file():
        raise RiskwatchError(
            "is not a regular file (a device, pipe or socket); not read", file=shown
        )


def shown_path(path: Path) -> str:
    """A data path as an error line names it: a link with the file it points to."""
    path = Path(path)
    return f"{path} (a link to {path.resolve()})" if path.is_symlink() else str(path)


@contextmanager
def naming_links(path: Path) -> Iterator[None]:
    """Errors about a data path that is a link name both the link and what it points to."""
    try:
        yield
    except RiskwatchError as error:
        if error.file == str(path) and Path(path).is_symlink():
            raise RiskwatchError(
                error.message, file=shown_path(path), row=error.row, field=error.field
            ) from None
        raise


def check_output_file(path: Path) -> None:
    """Refuse a file to write that names a folder, or whose folder is missing or cannot be
    written (checked before any work is done, so a refusal costs nothing)."""
    path = Path(path)
    if path.is_dir():
        raise RiskwatchError("is a folder: name a file to write", file=path)
    _check_writable_folder(path.parent, path)


def check_output_folder(folder: Path) -> None:
    """Refuse a folder to write into (made if missing) that is a file, or that cannot be
    made or written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RiskwatchError("is a file, not a folder to write into", file=folder)
    _check_writable_folder(folder if folder.is_dir() else folder.parent, folder)


def _check_writable_folder(folder: Path, output: Path) -> None:
    """The folder an output goes into exists and can be written; the line names the output."""
    if not folder.is_dir():
        raise RiskwatchError("the folder to write into does not exist", file=folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        read_only = os.statvfs(folder).f_flag & os.ST_RDONLY
        reason = os.strerror(errno.EROFS if read_only else errno.EACCES)
        raise RiskwatchError(f"cannot write: {reason}; nothing was written", file=output)
