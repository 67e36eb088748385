"""The pack's per-council chart, drawn as inline SVG: well-formed, one panel per indicator,
every year on the axis, and a line per series the data has."""

import xml.etree.ElementTree as ET

import numpy as np

from riskwatch.explanations import indicator_history
from riskwatch.report.svg import history_svg

SVG = "{http://www.w3.org/2000/svg}"
THURROCK = "E06000034"


def test_history_chart_of_a_real_council_draws_every_year_and_series(frames, tables):
    features = ["usable_reserves_pct_nre", "gross_external_debt_pct_nre"]
    features = [f for f in features if f in frames["2022-23"].columns]
    assert features
    history = indicator_history(frames, THURROCK, features, tables["neighbours"], "2022-23")
    text = history_svg(history, "Thurrock: key indicators", {features[0]: "Usable reserves"})
    root = ET.fromstring(text)  # well-formed XML, so the browser draws it inline
    assert root.tag == SVG + "svg" and root.get("class") == "history"
    labels = [t.text for t in root.iter(SVG + "text")]
    assert "Thurrock: key indicators" in labels and "Usable reserves" in labels
    years = sorted(set(history["year"]))
    for year in years:  # each year is a tick label on every panel, as 22/23
        assert labels.count(f"{year[2:4]}/{year[5:]}") == len(features)
    # the council's own values: one marker per year with a value, on every panel
    values = history.groupby("feature")["value"].apply(lambda v: int(np.isfinite(v).sum()))
    council_dots = [c for c in root.iter(SVG + "circle") if c.get("fill") == "#1f77b4"]
    assert len(council_dots) >= int(values.sum())
    dashes = {p.get("stroke-dasharray") for p in root.iter(SVG + "polyline")}
    assert {"", "5,3"} <= dashes  # council and class median lines


def test_an_indicator_with_no_value_says_so(frames, tables):
    history = indicator_history(
        frames, THURROCK, ["gross_external_debt_pct_nre"], tables["neighbours"], "2022-23"
    )
    history["value"] = np.nan
    text = history_svg(history, "no values")
    assert "no value on record" in text
    ET.fromstring(text)


def test_histories_of_many_councils_are_each_councils_own(frames, tables):
    """Computed together (class medians once a year), each council's history is the one
    computed alone, and its values are its own rows of the frames."""
    from riskwatch.explanations import indicator_histories

    features = ["usable_reserves_pct_nre", "gross_external_debt_pct_nre"]
    codes = [THURROCK, "E09000025", "E06000021"]  # Thurrock, Newham, Stoke-on-Trent
    together = indicator_histories(
        frames, {gss: features for gss in codes}, tables["neighbours"], "2022-23"
    )
    for gss in codes:
        alone = indicator_history(frames, gss, features, tables["neighbours"], "2022-23")
        assert together[gss].equals(alone)
        frame = frames["2015-16"]
        own = frame.loc[frame["gss_code"] == gss, features[0]].iloc[0]
        rows = alone[(alone["year"] == "2015-16") & (alone["feature"] == features[0])]
        assert rows["value"].iloc[0] == own or (np.isnan(own) and rows["value"].isna().all())
        same_class = frame[frame["class"] == frame.loc[frame["gss_code"] == gss, "class"].iloc[0]]
        assert rows["class_median"].iloc[0] == same_class[features[0]].median()
