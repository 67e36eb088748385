"""Options and choices shared by the commands, and the parsers of option text.

The choices are enums so that `--help` lists them; their values are the option values."""

from __future__ import annotations

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


def today() -> str:
    """The review date of a watchlist or an explanation: today."""
    import datetime

    return datetime.date.today().isoformat()


def quarter_end(quarter: str) -> str:
    """'2026Q3' -> '2026-09-30': a review sees what was published by its quarter's end."""
    year, number = int(quarter[:4]), int(quarter[-1])
    month_end = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}[number]
    return f"{year}-{month_end}"
