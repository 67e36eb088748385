"""Replay of each Exceptional Financial Support round: would a review have seen it coming?

A round is the year of one of the government's yearly EFS lists: the `decided_year` of
support that counts as failure (configs/labels.toml), the list typically announced in the
February before that year. Each round is replayed as the review dated the December before
it (31 December) would have run: the latest outturn year published by then is scored, its
frame seen by that date, every model is trained only on the outcome windows closed by that
year (exactly as a backtest origin, riskwatch.backtest.fit_origin), and every council is
ranked as the watchlist ranks them. The round's first-time councils (support in that
round and no earlier failure of their own on record) are then looked for near the top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from riskwatch.backtest import BacktestSpec, OriginFit, fit_origin, rank_within_origin
from riskwatch.dataset import FeatureSet, design, with_class
from riskwatch.errors import RiskwatchError
from riskwatch.labels import failure_events, first_failure_year, shift_year
from riskwatch.pipeline import Progress, latest_seen_year, no_progress

# (as-of year, review date) -> that year's feature frame as seen on the review date
SeenFrame = Callable[[str, str], pd.DataFrame]


@dataclass(frozen=True)
class ReplaySpec:
    """The models replayed side by side, the configuration they are fitted in (the
    champion's horizon and task) and the list lengths a first-time council is looked for in."""

    models: tuple[str, ...]
    horizon: int
    task: str
    top_k: tuple[int, ...] = (30, 60)


@dataclass(frozen=True)
class ReplayResult:
    rounds: pd.DataFrame  # per round and model: first-time councils, how many in each top k
    councils: pd.DataFrame  # per round, first-time council and model: its rank (NaN: unscored)


def efs_rounds(failures: pd.DataFrame) -> list[str]:
    """The years of the EFS lists that hold support counting as failure."""
    return sorted(failures.loc[failures["event"] == "efs", "known_year"].unique())


def review_date(round_year: str) -> str:
    """The December before a round's list (announced in February of the round's first
    calendar year): '2024-25' -> '2023-12-31'."""
    return f"{int(round_year[:4]) - 1}-12-31"


def first_time_councils(failures: pd.DataFrame, round_year: str) -> list[str]:
    """GSS codes of the councils given support in the round with no earlier failure of
    their own on record (a notice in the same year counts as part of the same failure)."""
    first = first_failure_year(failures)
    supported = failures.loc[
        (failures["event"] == "efs") & (failures["known_year"] == round_year), "gss_code"
    ].unique()
    return sorted(code for code in supported if first[code] == round_year)


def replay_rounds(
    tables: dict[str, pd.DataFrame],
    frames: dict[str, pd.DataFrame],
    features: FeatureSet,
    spec: ReplaySpec,
    backtest_spec: BacktestSpec,
    seen_frame: SeenFrame,
    progress: Progress = no_progress,
) -> ReplayResult:
    """Every EFS round replayed by every model of `spec`: ranks of its first-time councils.
    `seen_frame` gives the scored year's frame as seen on the review date (the caller may
    cache it); `progress` sees each round."""
    failures = failure_events(tables["events"])
    names = tables["authorities"].set_index("gss_code")["name"]
    plans = []
    for round_year in efs_rounds(failures):
        seen_by = review_date(round_year)
        as_of = latest_seen_year(sorted(frames), seen_by)
        if shift_year(as_of, spec.horizon) < round_year:
            raise RiskwatchError(
                f"a {spec.horizon}-year model scoring {as_of} (the review of {seen_by}) "
                f"does not reach the EFS round of {round_year}",
                field="horizon",
            )
        plans.append((round_year, seen_by, as_of))
    rounds, councils = [], []
    for round_year, seen_by, as_of in progress(plans):
        seen = {**frames, as_of: seen_frame(as_of, seen_by)}
        scored = rank_every_council(seen, features, failures, spec, backtest_spec, as_of)
        first_time = first_time_councils(failures, round_year)
        for model, rows in scored.groupby("model", sort=False):
            ranks = rows.set_index("gss_code")["rank"].reindex(first_time)
            record = {
                "round": round_year,
                "review_date": seen_by,
                "as_of": as_of,
                "model": model,
                "first_time": len(first_time),
                "scored": int(ranks.notna().sum()),
            }
            record |= {f"in_top_{k}": int((ranks <= k).sum()) for k in spec.top_k}
            rounds.append(record)
            councils += [
                {
                    "round": round_year,
                    "gss_code": code,
                    "name": names.get(code, code),
                    "model": model,
                    "rank": rank,
                    "of": len(rows),
                }
                for code, rank in ranks.items()
            ]
    return ReplayResult(pd.DataFrame(rounds), pd.DataFrame(councils))


def rank_every_council(
    frames: dict[str, pd.DataFrame],
    features: FeatureSet,
    failures: pd.DataFrame,
    spec: ReplaySpec,
    backtest_spec: BacktestSpec,
    as_of: str,
) -> pd.DataFrame:
    """Every council of `as_of`'s frame scored by each model trained on the windows closed
    by `as_of` and ranked (1 = highest probability), already failed or not, as a review
    lists them."""
    past_failure = spec.task == "all" and backtest_spec.past_failure_feature
    from riskwatch.models import inputs_for

    parts = []
    for model_name in spec.models:
        fit = OriginFit(
            as_of, spec.horizon, spec.task, model_name, inputs_for(features, model_name)
        )
        model, names = fit_origin(frames, failures, fit, backtest_spec)
        X, _, ids = design(frames[as_of], names, as_of, spec.horizon, "all", failures, past_failure)
        probability = model.predict_proba(with_class(model, X, ids))[:, 1]
        parts.append(
            ids.assign(
                origin=as_of,
                horizon=spec.horizon,
                task=spec.task,
                model=model_name,
                probability=probability,
            )
        )
    scored = pd.concat(parts, ignore_index=True)
    return scored.assign(rank=rank_within_origin(scored))
