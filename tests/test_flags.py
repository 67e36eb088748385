"""Review flags: fire on hand-made cases, refuse a bad configuration in one line, and the
backtest counts flagged councils and their failures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskwatch.errors import RiskwatchError
from riskwatch.flags import flag_backtest, flag_labels, load_flags, parse_flags


def frame(year: str, **columns: list[float]) -> pd.DataFrame:
    size = len(next(iter(columns.values())))
    codes = [f"E0600000{i}" for i in range(size)]
    return pd.DataFrame({"gss_code": codes, "as_of": year, "class": "UA", **columns})


def test_shipped_flags_fire_on_hand_made_councils(feature_inputs):
    flags = {f.name: f for f in load_flags(set(feature_inputs.names))}
    nan = np.nan
    councils = frame(
        "2024-25",
        missing_return_latest=[1, 0, nan],
        unallocated_reserves_pct_nre=[5, -0.1, nan],
        usable_reserves_net_of_schools_deficit_pct_nre=[-3, 2, nan],
        total_reserves_pct_nre=[9.9, 10, nan],
        financing_cost_pct_nre=[25, 24.9, nan],
        short_term_borrowing_share=[30, 30, nan],
        la_borrowing_share=[10, 40, nan],
        borrowing_pct_nre=[150, 99, nan],
    )
    raised = {name: list(flag.raised(councils)) for name, flag in flags.items()}
    assert raised["no_outturn_return"] == [True, False, False]
    assert raised["negative_general_fund"] == [False, True, False]
    assert raised["schools_deficit_exceeds_reserves"] == [True, False, False]
    assert raised["reserves_below_10pct"] == [True, False, False]
    assert raised["financing_costs_above_25pct"] == [True, False, False]
    # both conditions must hold: the second council borrows under 100% of its spending
    assert raised["heavy_short_term_borrowing"] == [True, False, False]
    assert raised["heavy_inter_council_borrowing"] == [False, False, False]
    labels = flag_labels(councils, tuple(flags.values()))
    assert labels.iloc[2] == "" and "No revenue outturn return" in labels.iloc[0]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "x", "label": "x", "mechanism": "m"}, r"flag\[1\]': missing key 'conditions'"),
        (
            {
                "name": "x",
                "label": "x",
                "mechanism": "m",
                "conditions": [{"feature": "a", "op": "~", "value": 1}],
            },
            r"unknown op '~'",
        ),
        (
            {
                "name": "x",
                "label": "x",
                "mechanism": "m",
                "conditions": [{"feature": "nope", "op": "<", "value": 1}],
            },
            r"conditions\[1\]': unknown feature 'nope'",
        ),
        (
            {
                "name": "x",
                "label": "x",
                "mechanism": "m",
                "conditions": [{"feature": "a", "op": "<", "value": "1"}],
            },
            r"value must be a number",
        ),
    ],
)
def test_a_bad_flag_configuration_is_one_line_naming_file_and_key(entry, message):
    with pytest.raises(RiskwatchError, match=r"configs/flags\.toml: field '.*" + message):
        parse_flags({"flag": [entry]}, known_features={"a"})


def test_flag_backtest_counts_councils_and_failures():
    flags = parse_flags(
        {
            "flag": [
                {
                    "name": "low",
                    "label": "low",
                    "mechanism": "m",
                    "conditions": [{"feature": "r", "op": "<", "value": 5}],
                }
            ]
        }
    )
    frames = {
        "2020-21": frame("2020-21", r=[1.0, 9.0, 2.0]),
        "2021-22": frame("2021-22", r=[1.0, 1.0, 9.0]),
    }
    failures = pd.DataFrame(
        {"gss_code": ["E06000000", "E06000002"], "known_year": ["2021-22", "2023-24"]}
    )
    table = flag_backtest(frames, flags, failures, "2023-24").set_index("flag")
    # 2020-21: councils 0 and 2 flagged; 0 fails in 2021-22 (1y), 2 fails in 2023-24 (3y)
    # 2021-22: council 0 already failed (left out); council 1 flagged, never fails
    assert table.loc["low", "council_years_flagged"] == 3
    assert table.loc["low", "failed_within_1y"] == 1
    assert table.loc["low", "failed_within_2y"] == 1
    assert table.loc["low", "precision_2y"] == pytest.approx(1 / 3)
    assert table.loc["base_rate", "council_years_flagged"] == 5
