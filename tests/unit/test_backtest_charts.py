"""The backtest report's charts are readable: titled, both axes labelled, and the calibration
chart drawn on the probability range that occurs (synthetic scores: a property of the chart)."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from riskwatch.report.backtest import (
    calibration_bins,
    calibration_figure,
    lead_time_figure,
    precision_recall_figure,
)


def scored_under(cap: float, seed: int = 0) -> pd.DataFrame:
    """Two models' scores below `cap`, outcomes drawn at those probabilities."""
    rng = np.random.default_rng(seed)
    parts = []
    for model in ("logit", "index"):
        probability = rng.uniform(0, cap, 400)
        outcome = (rng.uniform(0, 1, 400) < probability).astype(int)
        parts.append(
            pd.DataFrame(
                {"model": model, "task": "new", "horizon": 2, "probability": probability}
            ).assign(outcome=outcome)
        )
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("cap", [0.05, 0.2, 0.9])
def test_calibration_axes_follow_the_probabilities(cap):
    scored = scored_under(cap)
    fig = calibration_figure(scored, "new", 2)
    ax = fig.axes[0]
    points = pd.concat(calibration_bins(part) for _, part in scored.groupby("model"))
    largest = float(points[["p", "y"]].max().max())
    for low, high in (ax.get_xlim(), ax.get_ylim()):
        assert low == 0
        assert largest <= high <= min(1.0, 1.1 * largest) + 1e-12  # no empty 0-1 square
    if cap <= 0.2:
        assert ax.get_xlim()[1] < 0.3
    plt.close(fig)


def test_every_chart_is_titled_with_both_axes_labelled():
    scored = scored_under(0.2)
    ranks = pd.DataFrame(
        {
            "name": ["A council", "A council", "B council", "B council"],
            "model": ["logit", "index", "logit", "index"],
            "lead_years_in_top_30": [2, 1, np.nan, 3],
        }
    )
    figures = [
        precision_recall_figure(scored, "new", 2),
        calibration_figure(scored, "new", 2),
        lead_time_figure(ranks),
    ]
    for fig in figures:
        ax = fig.axes[0]
        assert ax.get_title(), "untitled chart"
        assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
        plt.close(fig)
