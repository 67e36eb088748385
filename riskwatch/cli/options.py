"""Options and choices shared by the commands, and the parsers of option text.

The choices are enums so that `--help` lists them; their values are the option values."""

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir", help="Your data directory (ingested releases).", envvar="RISKWATCH_DATA_DIR"
    ),
]
ModelRef = Annotated[str, typer.Option(help="'champion', another alias, or a version.")]


class ModelFamily(StrEnum):
    """The model families (riskwatch.models.FAMILIES, named here so --help imports no model
    code)."""

    index = "index"
    logit = "logit"
    boosting = "boosting"
    blend = "blend"


class Task(StrEnum):
    """Which failures a model learns: first failures only, or every failure."""

    new = "new"
    all = "all"


class OutputFormat(StrEnum):
    """How the watchlist is printed or written."""

    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"
    xlsx = "xlsx"


class EngineName(StrEnum):
    """Where the work runs (riskwatch.cluster.ENGINES, named here so --help imports no Dask)."""

    local = "local"
    dask = "dask"


Engine = Annotated[
    EngineName,
    typer.Option(
        "--engine",
        help="Run on this machine's cores (local) or a Dask cluster (dask: the --scheduler "
        "given, else a LocalCluster started for the command).",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address for --engine dask, e.g. tcp://10.0.0.5:8786.",
    ),
]

MODEL_FAMILIES = tuple(family.value for family in ModelFamily)


def horizons_option(text: str | None) -> tuple[int, ...] | None:
    """--horizons as whole years of 1 or more, refused at parsing otherwise."""
    if text is None:
        return None
    try:
        horizons = tuple(int(part) for part in split_list(text))
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a comma-separated list of years", param_hint="'--horizons'"
        ) from None
    if not horizons or min(horizons) < 1:
        raise typer.BadParameter(
            f"'{text}': every horizon must be 1 year or more", param_hint="'--horizons'"
        )
    return horizons


# MLflow's rules for an alias: word characters and dashes, at most 255; 'latest' and 'v7'
# (any case) are its own names for versions. A number alone would read as a version here.
_ALIAS = re.compile(r"[\w-]{1,255}")
_RESERVED_ALIAS = re.compile(r"latest|v\d+|\d+", re.IGNORECASE)


def alias_option(text: str | None) -> str | None:
    """--alias as MLflow will take it, refused at parsing (before any training) otherwise."""
    if text is None:
        return None
    if not _ALIAS.fullmatch(text):
        raise typer.BadParameter(
            f"'{text}': an alias is letters, digits, '_' and '-' (at most 255)",
            param_hint="'--alias'",
        )
    if _RESERVED_ALIAS.fullmatch(text):
        raise typer.BadParameter(
            f"'{text}' names a version, not an alias ('latest', 'v7' and numbers are reserved)",
            param_hint="'--alias'",
        )
    return text


def quarter_option(text: str) -> str:
    """A review quarter like 2026Q3, refused at parsing if malformed or not yet begun."""
    import datetime

    if not re.fullmatch(r"\d{4}Q[1-4]", text):
        raise typer.BadParameter(f"'{text}' should look like 2026Q3", param_hint="'QUARTER'")
    today = datetime.date.today()
    current = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    if text > current:
        raise typer.BadParameter(
            f"{text} has not begun (the current quarter is {current})", param_hint="'QUARTER'"
        )
    return text


def date_option(text: str | None, name: str) -> str | None:
    """An option that is a date (YYYY-MM-DD), refused at parsing otherwise."""
    import datetime

    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a date such as 2026-01-31", param_hint=f"'{name}'"
        ) from None


def split_list(text: str) -> list[str]:
    """The items of a comma-separated option, blanks dropped."""
    return [part.strip() for part in text.split(",") if part.strip()]


def top_option(text: str | None) -> int | str | None:
    """--top as a whole number of councils, 1 or more, or 'all' (every council)."""
    if text is None or text == "all":
        return text
    try:
        top = int(text)
    except ValueError:
        top = 0
    if top < 1:
        raise typer.BadParameter(
            f"'{text}': give a number of councils greater than or equal to 1, or 'all'",
            param_hint="'--top'",
        )
    return top


def seen_by_option(text: str | None) -> str | None:
    """--seen-by as an ISO date (2025-12-31), refused at parsing otherwise."""
    return date_option(text, "--seen-by")


def quarter_end(quarter: str) -> str:
    """'2026Q3' -> '2026-09-30': a review sees what was published by its quarter's end."""
    year, number = int(quarter[:4]), int(quarter[-1])
    month_end = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}[number]
    return f"{year}-{month_end}"
