"""Configuration: the TOML files under configs/, each read once, checked and frozen.

Every file has a schema below. A wrong type, an unknown or missing key, or a value
out of range stops with one line naming the file and the key (``RiskwatchError``,
exit code 2 from the CLI) before any command does work with it.

``config_file(name)`` reads, checks and freezes a shipped file once per process
(read-only mappings and tuples). The ``load_*_config`` functions callers use return
plain copies of it (dicts and lists), so code that logs a section as JSON, or edits
its own copy, keeps working and can never change what the next caller reads.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
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


SCENARIO_NAME = pattern(r"[a-z0-9]+(-[a-z0-9]+)*", "a lower-case name such as 'send-override-end'")
PUBLISHED = pattern(r"\d{4}-\d{2}(-\d{2})?", "a date such as '2026-02' or '2026-02-09'")
# The shocks a scenario can combine (riskwatch.shocks turns each into pounds per council
# and year); a scenario holds one or more of them, or includes other scenarios.
SHOCKS = Table(
    {
        "spending": Table(
            {"first_year": FINANCIAL_YEAR, "percent": number(-100, 100), "years": integer(1)}
        ),
        "borrowing_rate": Table(
            {"first_year": FINANCIAL_YEAR, "points": number(-20, 20), "years": integer(1)}
        ),
        "temporary_accommodation": Table(
            {
                "first_year": FINANCIAL_YEAR,
                "growth_percent": number(-100, 1000),
                "years": integer(1),
            }
        ),
        "schools_override_end": Table(
            {
                "settled_year": FINANCIAL_YEAR,
                "last_override_year": FINANCIAL_YEAR,
                "government_share": number(0, 1),
            }
        ),
        "debt_repayment": Table(
            {
                "council": GSS_CODE,
                "amount": number(0, 1e11),
                "first_year": FINANCIAL_YEAR,
                "years": integer(1),
            }
        ),
    },
    optional=frozenset(
        {
            "spending",
            "borrowing_rate",
            "temporary_accommodation",
            "schools_override_end",
            "debt_repayment",
        }
    ),
)
SCENARIO = Table(
    {
        "version": integer(1),
        "title": TEXT,
        "source": TEXT,
        "date": PUBLISHED,
        "projection": TEXT,
        "includes": ListOf(SCENARIO_NAME),
        **SHOCKS.fields,
    },
    optional=frozenset({"projection", "includes"}) | SHOCKS.optional,
)


def _is_family(value: Any) -> bool:
    return isinstance(value, str) and value in model_families()


FAMILY = Value("a model family with a section in configs/models.toml", _is_family)
FEATURE_CHOICE = Value(
    '"all" or a list of feature names',
    lambda v: (
        v == "all" or (isinstance(v, list) and all(isinstance(n, str) and n for n in v) and bool(v))
    ),
)

SCHEMAS: dict[str, Table] = {
    "run.toml": Table(
        {
            "train": Table(
                {
                    "model": FAMILY,
                    "horizon": integer(1),
                    "task": TASK,
                    "past_failure_feature": BOOLEAN,
                    "registered_name": TEXT,
                }
            ),
            "backtest": Table(
                {
                    "models": ListOf(FAMILY),
                    "horizons": ListOf(integer(1)),
                    "tasks": ListOf(TASK),
                    "top_k": ListOf(integer(1)),
                    "bootstrap": integer(0),
                    "seed": integer(0),
                    "compare": ListOf(FAMILY),
                    "replay_models": ListOf(FAMILY),
                    "replay_top": ListOf(integer(1)),
                },
                optional=frozenset({"compare"}),
            ),
            "watchlist": Table(
                {
                    "top": integer(1),
                    "reasons": integer(1),
                    "bands": ListOf(Table({"name": TEXT, "min_probability": probability()})),
                }
            ),
            "stress": Table(
                {
                    "review_scenarios": ListOf(SCENARIO_NAME),
                    "reserve_lines": ListOf(number(0, 100)),
                    "top": integer(1),
                }
            ),
        }
    ),
    "labels.toml": Table(
        {
            "label": Table(
                {
                    "events": ListOf(one_of("s114", "efs")),
                    "only_counts_as_failure": BOOLEAN,
                    "s114_known_by": KNOWN_BY,
                    "efs_known_by": KNOWN_BY,
                    "body_types": ListOf(TEXT),
                    "covered_until": FINANCIAL_YEAR,
                }
            )
        }
    ),
    "releases.toml": Table(
        {
            "publication_rule": MapOf(
                Table({"calendar_year_offset": integer(0), "month_day": MONTH_DAY})
            ),
            "release_rank": MapOf(integer(0)),
            "publication_stated": MapOf(ISO_DATE),
            "publication_lag_months": MapOf(integer(0)),
            "compiled": Table({"positions_published": MapOf(ISO_DATE, key=ISO_DATE)}),
        },
        optional=frozenset(
            {"release_rank", "publication_stated", "publication_lag_months", "compiled"}
        ),
    ),
    "reorganisations.toml": Table(
        {
            "ecode_aliases": MapOf(ECODE, key=ECODE),
            "gss_aliases": MapOf(GSS_CODE, key=GSS_CODE),
            "reorganisation": ListOf(
                Table(
                    {
                        "name": TEXT,
                        "first_year": FINANCIAL_YEAR,
                        "predecessors": ListOf(ECODE),
                        "successors": ListOf(ECODE),
                    }
                )
            ),
            "announced": ListOf(
                Table(
                    {
                        "name": TEXT,
                        "first_year": FINANCIAL_YEAR,
                        "decided": ISO_DATE,
                        "source": TEXT,
                        "predecessors": ListOf(ECODE),
                        "shared": ListOf(ECODE),
                        "share_basis": PANEL_LINE,
                    },
                    optional=frozenset({"shared", "share_basis"}),
                )
            ),
        },
        optional=frozenset({"ecode_aliases", "gss_aliases", "announced"}),
    ),
    "sources.toml": Table(
        {
            "source": MapOf(
                Table(
                    {
                        "title": TEXT,
                        "publisher": TEXT,
                        "licence": TEXT,
                        "holds": TEXT,
                        "pages": ListOf(GOVUK_PATH),
                        "documents": REGEX,
                        "files": REGEX,
                        "titles": REGEX,
                        "read_by": one_of("ingest", "candidate_events"),
                        "reader": one_of(
                            "revenue",
                            "capital",
                            "borrowing",
                            "homelessness",
                            "council_tax",
                            "events",
                        ),
                        "folder": TEXT,
                    },
                    optional=frozenset({"files", "titles", "folder"}),
                )
            ),
            "archive": MapOf(
                Table(
                    {
                        "title": TEXT,
                        "publisher": TEXT,
                        "licence": TEXT,
                        "holds": TEXT,
                        "page": HTTPS_URL,
                        "folder": FOLDER_PATH,
                        "files": ListOf(TEXT),
                        "address": HTTPS_URL,
                        "urls": MapOf(HTTPS_URL),
                        "hosts": ListOf(HOST),
                        "not_downloadable": TEXT,
                    },
                    optional=frozenset({"address", "urls", "hosts", "not_downloadable"}),
                )
            ),
        },
        optional=frozenset({"archive"}),
    ),
    # Each family's parameters are checked against the family's own declared
    # constraints by riskwatch.models.load_model_specs (the class is their one source).
    "models.toml": Table({"features": MapOf(FEATURE_CHOICE)}, rest=MapOf(ANY)),
    # Each flag's keys, operators and features are checked by riskwatch.flags.parse_flags.
    "flags.toml": Table(
        {
            "rule": Table(
                {
                    "horizon": integer(1),
                    "precision_multiple": integer(1),
                    "min_council_years": integer(1),
                }
            ),
            "flag": ListOf(MapOf(ANY)),
        }
    ),
    # A user's own file (`riskwatch stress --scenario-file`) has the same shape; what a
    # scenario includes must be named in the file or in the shipped one (riskwatch.shocks).
    "scenarios.toml": Table({"scenarios": MapOf(SCENARIO, key=SCENARIO_NAME)}),
    "breaks.toml": Table(
        {
            kind: ListOf(
                Table({"source": TEXT, "indicator": TEXT, "year": FINANCIAL_YEAR, "reason": TEXT})
            )
            for kind in ("declared", "accepted")
        }
    ),
}


@cache
def config_file(name: str) -> Mapping[str, Any]:
    """A shipped configs/ file, read, checked and frozen once per process."""
    if name not in SCHEMAS:
        raise ValueError(f"no schema for configs/{name}; known: {sorted(SCHEMAS)}")
    text = resources.files("riskwatch.configs").joinpath(name).read_text(encoding="utf-8")
    return parse_config(text, SCHEMAS[name], f"configs/{name}")


def read_config(path: str | Path, name: str) -> Mapping[str, Any]:
    """A config file at ``path`` checked against the schema of ``name`` (e.g. a user's copy)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise RiskwatchError(f"cannot read: {error.strerror}", file=path) from error
    return parse_config(text, SCHEMAS[name], str(path))


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


def model_families() -> list[str]:
    """Models configured in configs/models.toml: its family sections and named variants."""
    specs = config_file("models.toml")
    families = [name for name in specs if name not in ("features", "variants")]
    return families + list(specs.get("variants", {}))


def load_run_config() -> dict:
    """configs/run.toml: the defaults every command starts from."""
    return plain(config_file("run.toml"))
