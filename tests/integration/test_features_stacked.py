"""The chunked build runs the builders once for every as-of year of a chunk (a stacked view,
`View.stacked`); each year's frame must equal the one its own view gives (`build_features`),
exactly, on the real panel. The real years exercise every branch a builder takes on the year
read: the one social care line to 2010-11, the earmarked line adjusted from 2021-22, RS
carried and RSX read first in 2024-25, definition breaks inside a trend's window, histories
of every length, and borrowing positions dated after the year for a review."""

import pandas as pd
from riskwatch.features import breaks_for_trends, build_features, prepare

from riskwatch.pipeline import Review, feature_frames, score_years


def test_every_year_built_at_once_equals_its_own_view(tables, frames):
    panel = prepare(tables["panel"])
    breaks = breaks_for_trends(tables["panel"], tables["authority_years"])
    assert len(frames) >= 17  # every outturn year, 2007-08 on
    for year, frame in frames.items():
        own = build_features(
            panel, tables["authority_years"], year, tables["neighbours"], None, breaks
        )
        pd.testing.assert_frame_equal(frame, own, check_exact=True, obj=f"frame of {year}")


def test_a_review_year_built_at_once_equals_its_own_view(tables):
    """The latest year seen by a later review date: positions dated after the year."""
    years = score_years(tables)
    review = Review(years[-1], "2026-09-30")
    stacked = feature_frames(tables, years[-3:], review=review)
    breaks = breaks_for_trends(tables["panel"], tables["authority_years"])
    own = build_features(
        tables["panel"],
        tables["authority_years"],
        years[-1],
        tables["neighbours"],
        review.date,
        breaks,
    )
    pd.testing.assert_frame_equal(stacked[years[-1]], own, check_exact=True)
    assert (own["latest_borrowing_months_after_year"] == 9).any()  # 31 December 2025
