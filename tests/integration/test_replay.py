"""The replay of each Exceptional Financial Support round: rounds and first-time councils
from the events, each round ranked on the frame the December review saw, with no outcome
after its as-of year, and the result printed, reported and recorded in MLflow."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskwatch.backtest import BacktestSpec
from riskwatch.labels import failure_events
from riskwatch.replay import (
    ReplayResult,
    ReplaySpec,
    efs_rounds,
    first_time_councils,
    rank_every_council,
    replay_rounds,
    review_date,
)

COLUMNS = ["gss_code", "authority_name", "body_type", "event", "date"]


def event(code: str, kind: str, year: str, counts: bool = True) -> dict:
    return {
        "gss_code": code,
        "authority_name": code,
        "body_type": "council",
        "event": kind,
        "date": "",
        "financial_year": year,
        "decided_year": year,
        "counts_as_failure": counts,
    }


def test_rounds_review_dates_and_first_time_councils_on_hand_made_events():
    failures = failure_events(
        pd.DataFrame(
            [
                event("E1", "s114", "2021-22"),  # a notice before its support: not first-time
                event("E1", "efs", "2023-24"),
                event("E2", "efs", "2023-24"),  # support with nothing before it
                event("E3", "s114", "2023-24"),  # a notice in the round's own year
                event("E3", "efs", "2023-24"),
                event("E4", "efs", "2022-23", counts=False),  # withdrawn: no round, no failure
                event("E4", "efs", "2024-25"),
                event("E2", "efs", "2024-25"),  # support again: first-time only once
            ]
        )
    )
    assert efs_rounds(failures) == ["2023-24", "2024-25"]
    assert review_date("2024-25") == "2023-12-31"
    assert first_time_councils(failures, "2023-24") == ["E2", "E3"]
    assert first_time_councils(failures, "2024-25") == ["E4"]


def test_each_round_is_ranked_on_the_frame_seen_by_its_december_review(
    tables, frames, feature_inputs
):
    seen = []

    def seen_frame(as_of: str, seen_by: str) -> pd.DataFrame:
        seen.append((as_of, seen_by))
        return frames[as_of]

    spec = ReplaySpec(models=("index",), horizon=2, task="new")
    result = replay_rounds(tables, frames, feature_inputs, spec, BacktestSpec(), seen_frame)
    assert seen == [
        ("2018-19", "2019-12-31"),
        ("2019-20", "2020-12-31"),
        ("2020-21", "2021-12-31"),
        ("2021-22", "2022-12-31"),
        ("2022-23", "2023-12-31"),
        ("2023-24", "2024-12-31"),
    ]
    round_2024 = result.rounds.set_index("round").loc["2024-25"]
    assert (round_2024["first_time"], round_2024["scored"]) == (9, 8)  # Somerset formed 2023
    councils = result.councils[result.councils["round"] == "2024-25"].set_index("name")
    assert np.isnan(councils.loc["Somerset", "rank"])
    assert "Birmingham" not in councils.index  # its notice of 2023-24 came first
    # every council is ranked, those already failed too, as a review lists them
    assert (councils["of"] == len(frames["2022-23"])).all()
    for k in (30, 60):
        assert round_2024[f"in_top_{k}"] == int((councils["rank"] <= k).sum())


def test_a_replayed_ranking_ignores_every_outcome_after_its_as_of_year(
    tables, frames, feature_inputs
):
    failures = failure_events(tables["events"])
    known_then = failures[failures["known_year"] <= "2022-23"]
    spec = ReplaySpec(models=("logit",), horizon=2, task="new")

    def ranks(events: pd.DataFrame) -> pd.Series:
        scored = rank_every_council(frames, feature_inputs, events, spec, BacktestSpec(), "2022-23")
        return scored.set_index("gss_code")["rank"].sort_index()

    pd.testing.assert_series_equal(ranks(failures), ranks(known_then))


def hand_made_replay() -> ReplayResult:
    rounds = pd.DataFrame(
        [
            {
                "round": "2024-25",
                "review_date": "2023-12-31",
                "as_of": "2022-23",
                "model": model,
                "first_time": 2,
                "scored": 1,
                "in_top_30": found,
                "in_top_60": found,
            }
            for model, found in (("blend", 1), ("index", 0))
        ]
    )
    councils = pd.DataFrame(
        [
            {"round": "2024-25", "gss_code": code, "name": name, "model": model, "rank": rank}
            for code, name, model, rank in (
                ("E06000035", "Medway", "blend", 4.0),
                ("E06000035", "Medway", "index", 148.0),
                ("E06000066", "Somerset", "blend", np.nan),
                ("E06000066", "Somerset", "index", np.nan),
            )
        ]
    ).assign(of=317)
    return ReplayResult(rounds, councils)


def test_the_replay_is_printed_and_drawn_in_the_report():
    from riskwatch.cli.format import format_replay
    from riskwatch.report.backtest import backtest_html

    replay = hand_made_replay()
    spec = ReplaySpec(models=("blend", "index"), horizon=2, task="new")
    text = format_replay(replay, spec)
    assert "2024-25 (review 2023-12-31, as of 2022-23): 2 first-time councils, 1 not ranked" in text
    assert "blend           1 / 1" in text and "index           0 / 0" in text
    assert "Medway                       blend 4  index 148" in text
    assert "Somerset                     blend -  index -" in text
    page = backtest_html(None, replay, "riskwatch backtest")
    assert "Replay of each Exceptional Financial Support round" in page
    assert "<td>Medway</td>" in page and "<td>148</td>" in page


def test_the_replay_is_recorded_in_the_backtest_run(
    tables, feature_inputs, monkeypatch, tmp_path, copy_empty_registry
):
    from riskwatch.service.backtest import BacktestRun, log_backtest
    from riskwatch.tracking import runs

    monkeypatch.setenv("MLFLOW_TRACKING_URI", copy_empty_registry(tmp_path / "store.db"))
    spec = ReplaySpec(models=("blend", "index"), horizon=2, task="new")
    run = BacktestRun(None, hand_made_replay(), "<html></html>", tables, feature_inputs)
    log_backtest(BacktestSpec(), spec, run)
    (record,) = runs.backtest_records()
    assert record["metrics"]["replay.blend.2024-25.in_top_30"] == 1
    assert record["metrics"]["replay.index.in_top_60"] == 0
    assert record["params"]["replay_top_k"] == "[30, 60]"
