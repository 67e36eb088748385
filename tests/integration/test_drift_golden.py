"""The population stability index against tables worked by hand.

The previous review is the values 1..20. Its deciles (numpy's linear quantiles:
value at position 19 * k / 10 of the sorted list, plus 1) are the edges
1, 2.9, 4.8, 6.7, 8.6, 10.5, 12.4, 14.3, 16.2, 18.1, 20; the outer two are opened to
-inf and +inf, so each bin holds exactly two previous values: a share of 0.10.
PSI = sum over bins of (current share - previous share) * ln(current / previous),
with an empty bin's share taken as 0.0001.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from riskwatch.review import drift, population_stability

PREVIOUS = pd.Series(range(1, 21), dtype=float)

# Current values per bin (bins as in the module docstring), their shares, and the PSI term.
#   bin  edges          values              share   term
#   1    (-inf, 2.9)    1, 1, 2, 2          0.20    (0.20 - 0.10) * ln(2)      = 0.0693147
#   2    [2.9, 4.8)     -                   0.0001  (0.0001 - 0.10) * ln(0.001) = 0.6900848
#   3-10 two each       5, 6, 7, ..., 20    0.10    0
MAJOR_SHIFT = [1, 1, 2, 2, *range(5, 21)]
MAJOR_PSI = 0.1 * math.log(2) + (0.0001 - 0.1) * math.log(0.001)  # 0.7593995

#   bin  edges          values              share   term
#   1    (-inf, 2.9)    1, 1, 2, 2          0.20    (0.20 - 0.10) * ln(2)   = 0.0693147
#   2    [2.9, 4.8)     3                   0.05    (0.05 - 0.10) * ln(0.5) = 0.0346574
#   3    [4.8, 6.7)     5                   0.05    (0.05 - 0.10) * ln(0.5) = 0.0346574
#   4-10 two each       7, 8, ..., 20       0.10    0
MODERATE_SHIFT = [1, 1, 2, 2, 3, 5, *range(7, 21)]
MODERATE_PSI = 0.1 * math.log(2) + 2 * (-0.05 * math.log(0.5))  # 0.1386294


@pytest.mark.parametrize(
    ("current", "expected"),
    [(MAJOR_SHIFT, MAJOR_PSI), (MODERATE_SHIFT, MODERATE_PSI), (list(range(1, 21)), 0.0)],
)
def test_psi_matches_the_hand_table(current: list[int], expected: float) -> None:
    psi = population_stability(PREVIOUS, pd.Series(current, dtype=float))
    assert psi == pytest.approx(expected, abs=1e-12)


def test_drift_flags_follow_the_psi_bands() -> None:
    previous = pd.DataFrame({"major": PREVIOUS, "moderate": PREVIOUS, "stable": PREVIOUS})
    current = pd.DataFrame(
        {
            "major": pd.Series(MAJOR_SHIFT, dtype=float),
            "moderate": pd.Series(MODERATE_SHIFT, dtype=float),
            "stable": PREVIOUS,
        }
    )
    table = drift(previous, current, ["major", "moderate", "stable"]).set_index("feature")
    assert table["flag"].to_dict() == {"major": "major", "moderate": "moderate", "stable": ""}
    assert table.loc["major", "psi"] == pytest.approx(MAJOR_PSI, abs=1e-12)
