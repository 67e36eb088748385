"""Class-year features compare a council with its own class in the same year only: adding or
removing another class's councils never moves them."""

from __future__ import annotations

import pandas as pd
from riskwatch.features import build_features


def test_class_year_features_are_invariant_to_another_class(tables):
    panel, years = tables["panel"], tables["authority_years"]
    full = build_features(panel, years, "2024-25").set_index("gss_code")
    without_districts = years[years["class"] != "SD"]
    fewer = build_features(panel, without_districts, "2024-25").set_index("gss_code")
    relative = [c for c in full.columns if c.endswith(("_pctile_class", "_z_class"))]
    assert len(relative) > 40 and len(fewer) < len(full)
    pd.testing.assert_frame_equal(fewer[relative], full.loc[fewer.index, relative])
