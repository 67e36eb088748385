"""Errors a user can act on: each names the file, sheet, row and field it is about."""

from __future__ import annotations

import re
from pathlib import Path

# Terminal colour and cursor codes, a URI's password, and the prefix a validation library
# puts before its own message: none of them is for the user's eyes.
_TERMINAL_CODES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_URI_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]+@")
_LIBRARY_PREFIX = re.compile(r"\b(?:Value|Assertion|Type) error, ")


class RiskwatchError(Exception):
    """A problem with the user's input or data, reported as one line (exit code 2)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.row = row
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(one_line(masked(self.file)))
        if self.sheet:
            where.append(f"sheet '{one_line(self.sheet)}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{one_line(self.field)}'")
        return (": ".join(where) + ": " if where else "") + plain_line(self.message)

    def __reduce__(self) -> tuple:
        """Pickled as its attributes, whatever its class's constructor takes, so an error
        raised in a worker process (a build reading files in parallel) arrives whole."""
        return (_restored, (type(self), self.__dict__))


def _restored(kind: type[RiskwatchError], attributes: dict) -> RiskwatchError:
    """An error of `kind` with `attributes`, as `RiskwatchError.__reduce__` pickled it."""
    error = kind.__new__(kind)
    error.__dict__.update(attributes)
    error.args = (str(error),)
    return error


def one_line(text: str) -> str:
    """A name (a file, a field) fit for the one error line: quoted with escapes (repr) if it
    holds a newline or another control character, as a file name may."""
    return text if text.isprintable() else repr(text)


def plain_line(text: str) -> str:
    """A message as one plain line: no terminal codes, no library prefix, no password, line
    breaks and tabs as single spaces, other control characters dropped."""
    text = _LIBRARY_PREFIX.sub("", _TERMINAL_CODES.sub("", masked(text)))
    text = " ".join(text.split())
    return "".join(c for c in text if c.isprintable())


def masked(text: str) -> str:
    """Text with the password of any URI in it (postgresql://user:secret@host) masked."""
    return _URI_PASSWORD.sub(r"\g<scheme>\g<user>:***@", text)
