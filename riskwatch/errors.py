"""Errors a user can act on: each names the file, row and field it is about."""

from __future__ import annotations

from pathlib import Path


class RiskwatchError(Exception):
    """A problem with the user's input or data, reported as one line (exit code 2)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(one_line(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{one_line(self.field)}'")
        return (": ".join(where) + ": " if where else "") + one_line(self.message)


def one_line(text: str) -> str:
    """Text fit for the one error line: quoted with escapes (repr) if it holds a newline or
    another control character, as a file name may."""
    return text if text.isprintable() else repr(text)
