"""A warm run reuses a kept watchlist only while the tables, the champion and the dates are
the ones it was computed from: re-pointing the alias or changing the data computes again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from model_helpers import logged_small_logit

from riskwatch.registered import LoadedModel, load_registered
from riskwatch.tracking import registry
from riskwatch.warm_results import result_keeper


class Scorer:
    """Stands in for making a watchlist: counts its calls, answers with the model's version."""

    def __init__(self) -> None:
        self.calls = 0

    def watchlist(self, tables: dict, model: LoadedModel, seen_by: str = "2026-12-07") -> str:
        def compute() -> str:
            self.calls += 1
            return f"scored by version {model.version}"

        keep = result_keeper(tables, model, "2024-25", seen_by)
        return keep("watchlist", "top 30, review year 2026-27", compute)


def tables_with(value: float) -> dict[str, pd.DataFrame]:
    return {
        "panel": pd.DataFrame({"gss_code": ["E06000001"], "value": [value]}),
        "events": pd.DataFrame({"gss_code": ["E06000001"], "event": ["s114"]}),
    }


def test_a_re_pointed_champion_is_not_served_the_old_champions_result(tracking_store: Path) -> None:
    first = registry.register(logged_small_logit("first"), "riskwatch", "first", {})
    second = registry.register(logged_small_logit("second"), "riskwatch", "second", {})
    registry.set_alias("riskwatch", "champion", first)
    scorer, tables = Scorer(), tables_with(1.0)
    champion = load_registered("riskwatch", "champion")
    assert scorer.watchlist(tables, champion) == f"scored by version {first}"
    assert scorer.watchlist(tables, load_registered("riskwatch", "champion")) == (
        f"scored by version {first}"
    )
    assert scorer.calls == 1  # the warm run was served the kept result

    registry.set_alias("riskwatch", "champion", second)
    assert scorer.watchlist(tables, load_registered("riskwatch", "champion")) == (
        f"scored by version {second}"
    )
    assert scorer.calls == 2

    registry.set_alias("riskwatch", "champion", first)  # back: first's own result is right
    assert scorer.watchlist(tables, load_registered("riskwatch", "champion")) == (
        f"scored by version {first}"
    )
    assert scorer.calls == 2


def test_changed_data_or_another_date_is_computed_again(tracking_store: Path) -> None:
    version = registry.register(logged_small_logit("only"), "riskwatch", "only", {})
    registry.set_alias("riskwatch", "champion", version)
    champion = load_registered("riskwatch", "champion")
    scorer = Scorer()
    scorer.watchlist(tables_with(1.0), champion)
    scorer.watchlist(tables_with(1.0), champion)
    assert scorer.calls == 1
    scorer.watchlist(tables_with(1.5), champion)  # one value of the panel revised
    assert scorer.calls == 2
    scorer.watchlist(tables_with(1.5), champion, seen_by="2025-12-31")
    assert scorer.calls == 3


def test_a_model_never_registered_is_never_served_a_kept_result(tracking_store: Path) -> None:
    refitted = LoadedModel(
        version=None,
        description={"refitted_because": "it read a later figure"},
        predict=lambda inputs: inputs,
        input_columns=["a"],
    )
    scorer = Scorer()
    scorer.watchlist(tables_with(1.0), refitted)
    scorer.watchlist(tables_with(1.0), refitted)
    assert scorer.calls == 2
    assert not (tracking_store / "cache").exists() or not list(
        (tracking_store / "cache").glob("result-*")
    )
