"""Every feature reads only the panel inputs it declares: built on a view of the real panel
from which every other input is removed, it gives the values it gives on the whole panel.

A declaration is what the catalogue shows, what the cache key and the kind check read, and
what a reviewer is told a figure comes from; an input read but not declared is a hidden one.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from riskwatch.features import breaks_for_trends
from riskwatch.features.frame import View, councils_of
from riskwatch.features.inputs import NRE, RS
from riskwatch.features.registry import FEATURES
from riskwatch.features.seen import prepare

# The denominator of every ratio to net revenue expenditure (inputs.nre) checks the year's
# figure against the year's net service spending (inputs.valid_nre): declaring NRE declares
# that line too.
READ_WITH = {NRE: ((RS, "total_service_expenditure"),)}
# A year the RS outturn covers, and the latest year (carried sources, dated positions).
YEARS = ("2022-23", "2024-25")


def declared(inputs: tuple[tuple[str, str], ...]) -> frozenset[tuple[str, str]]:
    """A feature's declared inputs with the lines read with them (READ_WITH)."""
    return frozenset(inputs).union(*(READ_WITH.get(i, ()) for i in inputs))


@pytest.fixture(scope="module")
def panel(tables) -> pd.DataFrame:
    return prepare(tables["panel"])


@pytest.fixture(scope="module")
def breaks(tables):
    return breaks_for_trends(tables["panel"], tables["authority_years"])


@pytest.mark.parametrize("as_of", YEARS)
def test_every_feature_reads_only_the_inputs_it_declares(as_of, tables, panel, breaks):
    classes = councils_of(tables["authority_years"], as_of)
    neighbours = tables.get("neighbours")
    whole = View.as_of(panel, classes, as_of, neighbours, None, breaks)
    keys = pd.MultiIndex.from_arrays([panel["source"].astype(str), panel["indicator"].astype(str)])
    by_inputs = defaultdict(list)  # features declaring the same inputs share one view
    for feature in FEATURES.values():
        by_inputs[declared(feature.inputs)].append(feature)
    differing = []
    for inputs, features in by_inputs.items():
        only = panel[keys.isin(list(inputs))]
        view = View.as_of(only, classes, as_of, neighbours, None, breaks)
        for feature in features:
            expected = whole.feature(feature.name).to_numpy()
            got = feature.build(view).reindex(classes.index).astype(float).to_numpy()
            if not np.allclose(expected, got, equal_nan=True):
                differing.append(feature.name)
    assert differing == [], f"features reading inputs they do not declare: {differing}"
    assert len(by_inputs) > 1 and whole.feature("usable_reserves_pct_nre").notna().any()


def test_a_feature_reading_an_undeclared_input_is_caught(tables, panel, breaks):
    """The check has teeth: the reserves ratio without its denominator's validity line (the
    line READ_WITH adds) no longer builds the same values."""
    as_of = YEARS[0]
    classes = councils_of(tables["authority_years"], as_of)
    feature = FEATURES["usable_reserves_pct_nre"]
    whole = View.as_of(panel, classes, as_of, None, None, breaks)
    keys = pd.MultiIndex.from_arrays([panel["source"].astype(str), panel["indicator"].astype(str)])
    view = View.as_of(panel[keys.isin(list(feature.inputs))], classes, as_of, None, None, breaks)
    built = feature.build(view).reindex(classes.index).astype(float).to_numpy()
    assert not np.allclose(whole.feature(feature.name).to_numpy(), built, equal_nan=True)
