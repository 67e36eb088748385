"""The pack's map of England: the shipped layouts place every council scored for 2024-25,
county councils on their own layout, and the SVG colours and outlines each council as told."""

import xml.etree.ElementTree as ET

import pandas as pd
from riskwatch.features.frame import councils_of

from riskwatch.data.sources.geography import england_layouts
from riskwatch.report.hexmap import band_colours, england_map_html

SVG = "{http://www.w3.org/2000/svg}"
BANDS = ["high", "elevated", "watch"]


def councils_2024_25(tables: dict) -> pd.DataFrame:
    """Every council that filed for 2024-25 (the year scored), banded in turn, the first
    five outlined."""
    table = councils_of(tables["authority_years"], "2024-25").to_frame()
    names = tables["authorities"].set_index("gss_code")["name"]
    cycle = [*BANDS, "below threshold"]
    return pd.DataFrame(
        {
            "name": table.index.map(names),
            "band": [cycle[i % 4] for i in range(len(table))],
            "probability": 0.1,
            "outlined": [i < 5 for i in range(len(table))],
            "note": "",
        },
        index=table.index,
    )


def test_every_council_scored_for_2024_25_has_one_hexagon(tables):
    layouts = england_layouts(tables["authorities"])
    districts, counties = layouts.values()
    scored = councils_of(tables["authority_years"], "2024-25").reset_index()
    placed = [h.gss_code for tiles in layouts.values() for h in tiles]
    assert set(scored["gss_code"]) <= set(placed)
    counted = pd.Series(placed).value_counts()
    assert (counted[scored["gss_code"]] == 1).all()  # Barnsley's new code meets its old one
    county_codes = set(scored.loc[scored["class"] == "SC", "gss_code"])
    assert county_codes == {h.gss_code for h in counties} & set(scored["gss_code"])
    assert not county_codes & {h.gss_code for h in districts}


def test_the_map_colours_each_council_by_band_and_outlines_the_marked(tables):
    layouts = england_layouts(tables["authorities"])
    councils = councils_2024_25(tables)
    text = england_map_html("m", layouts, councils, BANDS, "below threshold", "flagged")
    colours = band_colours(BANDS, "below threshold")
    assert len(set(colours.values())) == 4
    root = ET.fromstring(text)  # well-formed, so the browser draws it inline
    hexes = {h.get("data-gss"): h for h in root.iter(SVG + "polygon")}
    for gss, row in councils.iterrows():
        tile = hexes[gss]
        assert tile.get("fill") == colours[row["band"]]
        assert tile.get("data-outlined") == str(int(row["outlined"]))
        assert tile.find(SVG + "title").text.startswith(f"{row['name']} ({gss})")
    assert "Every scored council is on the map" in text


def test_a_council_no_layout_places_is_listed_under_the_map(tables):
    layouts = england_layouts(tables["authorities"])
    councils = councils_2024_25(tables)
    stray = pd.DataFrame(
        {"name": ["Nowhere"], "band": ["high"], "probability": [0.5], "outlined": [False]},
        index=["E06999999"],
    ).assign(note="")
    text = england_map_html(
        "m", layouts, pd.concat([councils, stray]), BANDS, "below threshold", "flagged"
    )
    assert "Not on either layout: Nowhere (E06999999, high)." in text
