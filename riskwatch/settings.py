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

from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from riskwatch.config_schema import (
    ANY,
    BOOLEAN,
    ECODE,
    FINANCIAL_YEAR,
    FOLDER_PATH,
    GOVUK_PATH,
    GSS_CODE,
    HOST,
    HTTPS_URL,
    ISO_DATE,
    KNOWN_BY,
    MONTH_DAY,
    PANEL_LINE,
    REGEX,
    TASK,
    TEXT,
    ListOf,
    MapOf,
    Table,
    Value,
    integer,
    number,
    one_of,
    parse_config,
    pattern,
    plain,
    probability,
)
from riskwatch.errors import RiskwatchError

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


def model_families() -> list[str]:
    """Models configured in configs/models.toml: its family sections and named variants."""
    specs = config_file("models.toml")
    families = [name for name in specs if name not in ("features", "variants")]
    return families + list(specs.get("variants", {}))


def load_run_config() -> dict:
    """configs/run.toml: the defaults every command starts from."""
    return plain(config_file("run.toml"))
