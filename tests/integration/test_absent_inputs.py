"""A year that lacks inputs is scored by a model that does not read them: never by values
imputed from other years or a pooled median."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskwatch.dataset import available_inputs
from riskwatch.errors import RiskwatchError
from riskwatch.registered import LoadedModel, check_inputs_present


def frame(year: str, values: dict[str, list[float]]) -> pd.DataFrame:
    size = len(next(iter(values.values())))
    return pd.DataFrame(
        {"gss_code": [f"E0{i}" for i in range(size)], "as_of": year, "class": "UA", **values}
    )


def test_an_input_the_year_lacks_is_not_available():
    nan = np.nan
    frames = {
        "2022-23": frame(
            "2022-23", {"a": [1, 2, 3, 4], "b": [1, 2, 3, 4], "c": [1, nan, nan, nan]}
        ),
        "2023-24": frame("2023-24", {"a": [1, 2, 3, 4], "b": [1, 2, 3, 4], "c": [1, 2, nan, nan]}),
        "2024-25": frame("2024-25", {"a": [1, 2, 3, 4], "b": [nan] * 4, "c": [1, nan, nan, nan]}),
    }
    available, absent = available_inputs(frames, ["a", "b", "c"], "2024-25")
    # b: none in 2024-25; c: 25% against its usual 50%, exactly half: kept
    assert available == ["a", "c"] and absent == ["b"]
    # judged on the years up to the one scored: 2022-23 has all three
    assert available_inputs(frames, ["a", "b", "c"], "2022-23") == (["a", "b", "c"], [])


def test_production_model_for_2024_25_reads_only_what_2024_25_has(tables, frames, feature_inputs):
    from riskwatch.training import train

    trained = train(tables, frames, feature_inputs, "logit", 2, "new", True)
    model_inputs = set(trained.X_example.columns)
    _, absent = available_inputs(frames, feature_inputs.names, "2024-25")
    # 2024-25 reads RS 2023-24's reserves (RS 2024-25 is not held), but has no RA budget
    assert "usable_reserves_pct_nre" not in absent
    assert "budgeted_reserve_draw_pct_nre" in absent
    assert not model_inputs & set(absent)
    available, _ = available_inputs(frames, feature_inputs.names, "2024-25")
    assert model_inputs and model_inputs <= set(available)
    assert trained.params["scoring_year"] == max(frames)
    # every input the logit is configured with is there: RS 2023-24 stands in for 2024-25
    assert trained.params["inputs_absent_in_scoring_year"] == ""


def test_scoring_a_year_without_the_models_inputs_is_refused(frames):
    model = LoadedModel(
        version=7,
        description={},
        predict=lambda inputs: inputs,
        input_columns=["budgeted_reserve_draw_pct_nre", "interest_payable_pct_nre"],
    )
    with pytest.raises(RiskwatchError, match=r"version 7 reads inputs that 2024-25 does not have"):
        check_inputs_present(model, frames, "2024-25")
    check_inputs_present(model, frames, "2021-22")  # that year has both (the last RA held)
