"""What `data check`, `data breaks` and the `features` commands show: the panel's summary
and definition breaks, the feature catalogue and a year's feature frame."""

from __future__ import annotations

from pathlib import Path

from riskwatch.errors import RiskwatchError


def panel_summary(data_dir: Path) -> dict:
    """The `data check` summary of every table (the user's releases merged in), with the
    panel set against the verification sample shipped in the package."""
    from riskwatch.data.check.report import data_summary
    from riskwatch.data.check.verification import read_sample
    from riskwatch.data.store.table_store import TABLES, load_table

    tables = {name: load_table(name, data_dir) for name in TABLES}
    return data_summary(tables, read_sample())


def definition_breaks(data_dir: Path) -> dict:
    """The suspected definition breaks of the panel (the user's releases merged in), each
    accepted by configs/breaks.toml or held out of trends."""
    from riskwatch.data.check.definition_breaks import breaks_report
    from riskwatch.data.store.table_store import load_table

    return breaks_report(load_table("panel", data_dir), load_table("authority_years"))


def feature_catalogue(data_dir: Path):
    """The feature catalogue table: definitions, units, directions, years and coverage."""
    from riskwatch.data.store.table_store import load_table
    from riskwatch.features import catalogue_table

    return catalogue_table(
        load_table("panel", data_dir), load_table("authority_years"), load_table("neighbours")
    )


def feature_frame(data_dir: Path, as_of: str, engine: str = "local", scheduler: str | None = None):
    """The feature frame as of a year, built in chunks of councils on the `engine` named
    (`riskwatch.cluster.using_engine`); refused for a year no council filed for."""
    from riskwatch.cluster import using_engine
    from riskwatch.data.store.table_store import load_tables
    from riskwatch.pipeline import feature_frames

    tables = load_tables(data_dir)
    years = tables["authority_years"]
    if as_of not in set(years["financial_year"]):
        held = sorted(years["financial_year"].unique())
        raise RiskwatchError(
            f"no councils filed for {as_of} (years held: {held[0]} to {held[-1]})", field="--as-of"
        )
    with using_engine(engine, scheduler):
        return feature_frames(tables, [as_of])[as_of]
