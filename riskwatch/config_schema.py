"""A small schema language for TOML configuration, and the one checker of it.

A schema is a tree of `Value` (a leaf with its test and what it expects), `Table` (named
fields, some optional), `MapOf` (any keys, each value one schema) and `ListOf`.
`parse_config` checks TOML text against one and freezes it; a value that breaks the schema
is one RiskwatchError naming the file and the dotted key. The schemas of the shipped files
are in `riskwatch.settings`.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from riskwatch.errors import RiskwatchError
from riskwatch.years import is_financial_year


@dataclass(frozen=True)
class Value:
    """A scalar (or any value) that passes ``check``; ``expected`` says what it should be."""

    expected: str
    check: Callable[[Any], bool]


@dataclass(frozen=True)
class Table:
    """A TOML table with these keys; keys not listed are checked against ``rest``, if any."""

    fields: Mapping[str, Node] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    rest: Node | None = None


@dataclass(frozen=True)
class MapOf:
    """A table of any keys passing ``key``, each value checked against ``value``."""

    value: Node
    key: Value | None = None


@dataclass(frozen=True)
class ListOf:
    """A non-empty array whose items are checked against ``item``."""

    item: Node


Node = Value | Table | MapOf | ListOf


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer(at_least: int) -> Value:
    return Value(f"an integer of at least {at_least}", lambda v: _is_int(v) and v >= at_least)


def probability() -> Value:
    return Value(
        "a number strictly between 0 and 1",
        lambda v: (_is_int(v) or isinstance(v, float)) and math.isfinite(v) and 0 < v < 1,
    )


def one_of(*choices: str) -> Value:
    return Value(f"one of {', '.join(choices)}", lambda v: v in choices)


def pattern(regex: str, expected: str, extra: Callable[[str], bool] = lambda _: True) -> Value:
    compiled = re.compile(regex)
    return Value(
        expected, lambda v: isinstance(v, str) and bool(compiled.fullmatch(v)) and extra(v)
    )


def _month_day_exists(value: str) -> bool:
    try:
        date.fromisoformat(f"2000-{value}")  # a leap year: 02-29 is a real date
    except ValueError:
        return False
    return True


BOOLEAN = Value("true or false", lambda v: isinstance(v, bool))
TEXT = Value("a non-empty string", lambda v: isinstance(v, str) and bool(v.strip()))
ANY = Value("a TOML value", lambda v: True)
ECODE = pattern(r"E\d{4}", "an MHCLG E-code such as 'E0534'")
GSS_CODE = pattern(r"E\d{8}", "an ONS GSS code such as 'E08000016'")
PANEL_LINE = pattern(r"[A-Z][A-Z0-9_]*\.[a-z0-9_]+", "a panel line such as 'CTR.council_tax_base'")
FINANCIAL_YEAR = Value(
    "a financial year such as '2019-20'", lambda v: isinstance(v, str) and is_financial_year(v)
)
MONTH_DAY = pattern(r"\d{2}-\d{2}", "a month and day such as '11-30'", _month_day_exists)
ISO_DATE = pattern(
    r"\d{4}-\d{2}-\d{2}", "a date such as '2025-12-31'", lambda v: _month_day_exists(v[5:])
)
TASK = one_of("new", "all")


def _compiles(value: Any) -> bool:
    try:
        re.compile(value)
    except (re.error, TypeError):
        return False
    return isinstance(value, str) and bool(value)


REGEX = Value("a regular expression", _compiles)
GOVUK_PATH = pattern(r"/[a-z0-9/_-]+", "a GOV.UK path such as '/government/collections/x'")
HTTPS_URL = pattern(r"https://[^\s]+", "an https address such as 'https://example.org/'")
HOST = pattern(r"[a-z0-9.-]+\.[a-z]{2,}", "a host name such as 'raw.githubusercontent.com'")
FOLDER_PATH = Value(
    "a relative folder such as 'revenue-outturn' ('' for the top)",
    lambda v: isinstance(v, str) and not v.startswith("/") and ".." not in v.split("/"),
)
KNOWN_BY = one_of("financial_year", "decided_year")


def number(low: float, high: float) -> Value:
    """A finite number in [low, high]."""
    return Value(
        f"a number from {low:g} to {high:g}",
        lambda v: (_is_int(v) or isinstance(v, float)) and math.isfinite(v) and low <= v <= high,
    )


def parse_config(text: str, schema: Table, file: str) -> Mapping[str, Any]:
    """TOML text checked against ``schema``, frozen; one-line RiskwatchError if invalid."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RiskwatchError(f"not valid TOML: {error}", file=file) from error
    _check(schema, data, "", file)
    return freeze(data)


def _check(node: Node, value: Any, where: str, file: str) -> None:
    """Raise a RiskwatchError naming the file and the dotted key where ``value`` breaks ``node``."""

    def fail(message: str, key: str = where) -> None:
        raise RiskwatchError(message, file=file, field=key or None)

    def inner(key: str) -> str:
        return f"{where}.{key}" if where else key

    if isinstance(node, Value):
        if not node.check(value):
            fail(f"must be {node.expected}, got {value!r}")
    elif isinstance(node, ListOf):
        if not isinstance(value, list) or not value:
            fail(f"must be a non-empty list, got {value!r}")
        for i, item in enumerate(value):
            _check(node.item, item, f"{where}[{i}]", file)
    elif not isinstance(value, dict):
        fail(f"must be a table, got {value!r}")
    elif isinstance(node, MapOf):
        for key, item in value.items():
            if node.key is not None and not node.key.check(key):
                fail(f"key must be {node.key.expected}", inner(key))
            _check(node.value, item, inner(key), file)
    else:
        unknown = sorted(k for k in value if k not in node.fields) if node.rest is None else []
        if unknown:
            fail(f"unknown key (expected one of: {', '.join(node.fields)})", inner(unknown[0]))
        missing = [k for k in node.fields if k not in value and k not in node.optional]
        if missing:
            fail("missing", inner(missing[0]))
        for key, item in value.items():
            _check(node.fields.get(key, node.rest), item, inner(key), file)


def freeze(value: Any) -> Any:
    """Read-only copy: tables become mappingproxies, arrays tuples."""
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def plain(value: Any) -> Any:
    """A mutable copy in TOML's own shapes (dicts and lists), e.g. to serialise as JSON."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return value
