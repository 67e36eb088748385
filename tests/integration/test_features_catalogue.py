"""The registry, the catalogue, and the peer and trend arithmetic on hand-made examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from riskwatch.features import (
    FEATURES,
    build_features,
    build_history,
    catalogue_table,
    model_features,
)
from riskwatch.features.frame import NeighbourSets
from riskwatch.features.ops import growth, latest, ratio, slope, value_at_lag
from riskwatch.features.peers import (
    MAD_SCALE,
    class_percentile,
    class_robust_z,
    neighbour_percentile,
    neighbour_robust_z,
)

from riskwatch.data.store.table_store import load_table


@pytest.fixture(scope="module")
def embedded() -> dict[str, pd.DataFrame]:
    return {name: load_table(name) for name in ("panel", "authority_years")}


@pytest.fixture(scope="module")
def catalogue(embedded) -> pd.DataFrame:
    return catalogue_table(embedded["panel"], embedded["authority_years"])


def test_every_feature_is_documented():
    assert len(FEATURES) > 100
    for name, feature in FEATURES.items():
        assert feature.name == name
        assert feature.definition and feature.unit and feature.years and feature.inputs
        assert feature.direction in (-1, 0, 1)


def test_every_feature_has_a_plain_label_of_its_own():
    """Reasons and reports print the label: plain words, no column names, one per feature."""
    labels = [feature.label for feature in FEATURES.values()]
    assert len(set(labels)) == len(labels)
    for label in labels:
        assert label and "_" not in label and len(label) <= 110, label
    peer = FEATURES["usable_reserves_pct_nre_pctile_class"].label
    assert peer == "Usable reserves, % of net revenue spending: percentile in its class"


def test_the_catalogue_lists_every_feature_with_its_coverage(catalogue, embedded):
    assert (
        list(catalogue["name"])
        == [c for c in build_features(embedded["panel"], embedded["authority_years"], "2015-16")][
            3:
        ]
    )
    assert {
        "name",
        "label",
        "definition",
        "unit",
        "direction",
        "inputs",
        "years",
        "coverage",
    } <= set(catalogue.columns)
    row = catalogue.set_index("name").loc["usable_reserves_pct_nre"]
    # 2024-25 reads RS 2023-24 in place of the RS 2024-25 not held
    assert row["coverage"].startswith("2007-08 to 2024-25: ")


def test_features_without_inputs_say_which_are_absent(embedded):
    rs_only = embedded["panel"][embedded["panel"]["source"] == "RS"]
    years = embedded["authority_years"]
    two_years = years[years["financial_year"].isin(["2015-16", "2016-17"])]
    table = catalogue_table(rs_only, two_years).set_index("name")
    history = build_history(rs_only, two_years)
    from_history = catalogue_table(rs_only, two_years, history=history).set_index("name")
    pd.testing.assert_frame_equal(table, from_history)
    assert table.loc["cfr_pct_nre", "coverage"] == (
        "no values: inputs absent from the panel: COR cfr_close"
    )


def test_the_frame_has_one_row_per_council_filed_and_identifiers_first(embedded):
    years = embedded["authority_years"]
    frame = build_features(embedded["panel"], years, "2020-21", load_table("neighbours"))
    assert frame["usable_reserves_pct_nre_pctile_nn"].notna().mean() > 0.9
    filed = years[years["financial_year"] == "2020-21"]
    assert list(frame.columns[:3]) == ["gss_code", "as_of", "class"]
    assert sorted(frame["gss_code"]) == sorted(filed["gss_code"])
    numbers = frame.drop(columns=["gss_code", "as_of", "class", "reserves_runway_years"])
    assert np.isfinite(numbers.to_numpy(dtype=float)[~numbers.isna().to_numpy()]).all()


def test_model_features_are_finite_and_directed():
    names, directions, version = model_features()
    assert "reserves_runway_years" not in names and "usable_reserves" not in names
    assert "reserves_runway_years_capped" in names
    assert set(directions.values()) <= {-1, 1} and set(directions) == set(names)
    assert len(version) == 12


def test_class_percentile_and_robust_z_by_hand():
    values = pd.Series([1.0, 2, 3, 4, 5, 100, 7.0], index=list("abcdefg"))
    classes = pd.Series(["UA"] * 6 + ["SD"], index=values.index)
    assert list(class_percentile(values, classes)[:6]) == [0, 20, 40, 60, 80, 100]
    assert math.isnan(class_percentile(values, classes)["g"])  # a class of one
    # median 3.5; absolute deviations 2.5 1.5 .5 .5 1.5 96.5 -> MAD 1.5
    assert class_robust_z(values, classes)["f"] == pytest.approx(96.5 / (MAD_SCALE * 1.5))
    # classes are grouped by position, so classes in another order are refused, not misread
    with pytest.raises(ValueError, match="indexed alike"):
        class_percentile(values, classes.iloc[::-1])


def test_neighbour_percentile_and_robust_z_by_hand():
    values = pd.Series([10.0, 1, 2, 3, 4, 5, np.nan, 10.0])
    others = np.arange(1, 8)
    sets = NeighbourSets.of((np.zeros(7, dtype=int), others), len(values))  # council 0's: the rest
    # peers with values: 1 2 3 4 5 10 -> 5 below, 1 tie -> (5 + 0.5) / 6
    assert neighbour_percentile(values, sets)[0] == pytest.approx(100 * 5.5 / 6)
    # the set with the council: 1 2 3 4 5 10 10 -> median 4, deviations 3 2 1 0 1 6 6 -> MAD 2
    assert neighbour_robust_z(values, sets)[0] == pytest.approx(6 / (MAD_SCALE * 2))
    assert neighbour_percentile(values, sets)[1:].isna().all()


def test_ratio_and_growth_of_series_of_other_councils_are_aligned():
    """A view's series share its index and are read as they are; series of other councils
    (or in another order) are aligned by code first, a council absent from one read as NaN."""
    new = pd.Series([10.0, 20.0], index=["E1", "E2"])
    old = pd.Series([4.0, 5.0, 0.0], index=["E2", "E1", "E3"])
    expected = pd.Series([200.0, 500.0, np.nan], index=["E1", "E2", "E3"])
    pd.testing.assert_series_equal(ratio(new, old), expected)
    pd.testing.assert_series_equal(growth(new, old), expected - 100.0)
    same = pd.Series([5.0, 4.0], index=new.index)
    pd.testing.assert_series_equal(ratio(new, same), pd.Series([200.0, 500.0], index=new.index))


def test_slope_latest_and_lag():
    history = pd.DataFrame([[1.0, 3, 5, 7], [1.0, np.nan, np.nan, 7], [np.nan, 2, np.nan, np.nan]])
    assert list(slope(history)[:1]) == [2.0]
    assert slope(history)[1:].isna().all()  # fewer than 3 years
    value, lag = latest(history, window=2)
    assert list(value.fillna(-1)) == [7, 7, -1] and list(lag.fillna(-1)) == [0, 0, -1]
    assert list(value_at_lag(history, lag + 1).fillna(-1)) == [5, -1, -1]
