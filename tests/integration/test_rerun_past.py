"""Rerunning the past (issue 18, item 6): a review dated before today scores with only what
was published by then, refitting the champion's configuration when it reads later figures;
the watchlist can list every council; the first-run champion is `train --register`'s model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import typer
from model_helpers import logit_champion

from riskwatch.cli.options import seen_by_option, top_option
from riskwatch.registered import LoadedModel, model_words

LATEST_POSITION = "latest_la_borrowing_share"  # from the borrowing position at 31 Dec 2025
TRAINED_TODAY = "2007-08..2023-24"  # every window the labels close (to 2025-26)


@pytest.fixture(scope="module")
def refitted(tables, frames, feature_inputs) -> LoadedModel:
    """The champion refitted for a review dated 31 December 2025, before the position of
    that date was published (the session frames see 2024-25 as of its own as-of date)."""
    from riskwatch.training import retrospective_model

    champion = logit_champion(TRAINED_TODAY, [LATEST_POSITION])
    return retrospective_model(tables, frames, feature_inputs, champion, "2024-25", "2025-12-31")


def test_a_champion_reading_later_figures_is_refitted_for_a_past_review(
    tables, frames, feature_inputs, refitted
):
    from riskwatch.training import retrospective_model

    assert LATEST_POSITION in frames["2024-25"].columns
    champion = logit_champion(TRAINED_TODAY, [LATEST_POSITION])
    # Scored today (no past review date), the champion itself scores: nothing is refitted.
    assert retrospective_model(tables, frames, feature_inputs, champion, "2024-25") is None
    # For the review of 31 December 2025: its configuration on the windows closed by 2024-25,
    # reading only what 2024-25 had published by then, named as no registered version.
    assert refitted.version is None and refitted.description["retrospective_of"] == 7
    assert LATEST_POSITION not in refitted.input_columns
    assert refitted.description["params"]["training_years"] == "2007-08..2022-23"
    because = f"champion version 7 reads inputs not published by 2025-12-31 ({LATEST_POSITION})"
    assert refitted.description["refitted_because"] == because
    assert model_words(refitted).endswith(f"as the backtest does, because {because}")


def test_the_watchlist_lists_every_council_for_top_all(tables, frames, refitted):
    from riskwatch.features import feature_descriptions

    from riskwatch.review import make_watchlist
    from riskwatch.settings import load_run_config

    config = load_run_config()["watchlist"]
    every = make_watchlist(
        tables, frames, refitted, "2024-25", feature_descriptions(), config, "all"
    )
    councils = len(frames["2024-25"])
    assert councils > 300  # every council filing for 2024-25, not the default 30
    assert every.table["rank"].tolist() == list(range(1, councils + 1))
    assert set(every.table["gss_code"]) == set(frames["2024-25"]["gss_code"])
    assert every.flagged.empty  # no council is left outside the list to flag
    assert every.table["reason_1"].notna().sum() > 0.9 * councils


def test_top_is_a_number_of_councils_or_all_and_seen_by_a_date():
    assert top_option("all") == "all" and top_option("12") == 12 and top_option(None) is None
    for text in ("0", "-3", "All", "every", "2.5"):
        with pytest.raises(typer.BadParameter, match="greater than or equal to 1, or 'all'"):
            top_option(text)
    assert seen_by_option("2025-12-31") == "2025-12-31" and seen_by_option(None) is None
    for text in ("2025-13-01", "31/12/2025", "2025Q4"):
        with pytest.raises(typer.BadParameter, match="is not a date such as 2026-01-31"):
            seen_by_option(text)


@pytest.mark.slow  # trains and registers the default model twice (about 30 s)
def test_first_run_champion_and_train_register_give_the_same_model(
    tables, frames, feature_inputs, tmp_path, monkeypatch, copy_empty_registry
):
    from riskwatch.data.store.frame_cache import cached_frames
    from riskwatch.pipeline import Review, feature_frames, frames_key, score_years
    from riskwatch.service.frames import today
    from riskwatch.service.models import champion, train_model
    from riskwatch.tracking import served

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", copy_empty_registry(tmp_path / "mlflow.db"))
    # Today's frames: the session's, with the latest year as seen today (built alone).
    years = score_years(tables)
    review = Review(years[-1], today())
    cached_frames(
        frames_key(tables, feature_inputs.catalogue_version, years, review),
        lambda: {**frames, **feature_frames(tables, years[-1:], review=review)},
    )
    data_dir = Path("riskwatch-data")
    first = champion(data_dir, tables, "champion")
    _, version = train_model(data_dir, None, None, None, None, True, None)
    assert (first.version, version) == (1, 2)
    models = [served.load_model("riskwatch", v).unwrap_python_model().model for v in (1, 2)]
    inputs = [list(m.feature_names_in_) for m in models]
    assert inputs[0] == inputs[1] and LATEST_POSITION in inputs[0]
    first_logit, second_logit = (m.logit_ for m in models)
    np.testing.assert_array_equal(first_logit.coef_, second_logit.coef_)
    np.testing.assert_array_equal(first_logit.level_coef_, second_logit.level_coef_)
    assert (models[0].intercept_, models[0].slope_) == (models[1].intercept_, models[1].slope_)
