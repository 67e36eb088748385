"""Hexagon tile layouts of English councils (HexJSON, shipped in `hexmaps/`), matched to
the authority table.

Two layouts: local authority districts (2025 boundaries: districts, unitaries, metropolitan
districts, London boroughs) and upper-tier authorities, used for the county councils
(E10), which the district layout does not hold. A hexagon's code is matched to a council
through the one authority index (current or former GSS code, configs' GSS aliases).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from riskwatch.data.kit.authority_index import council_index

DISTRICTS = "uk-local-authority-districts-2025.hexjson"
UPPER_TIER = "uk-upper-tier-local-authorities.hexjson"
COUNTY_PREFIX = "E10"


@dataclass(frozen=True)
class Hexagon:
    """One tile: its column and row (odd-r layout: odd rows shifted right by half a tile),
    the code the layout prints and the council's current GSS code (None when it matches no
    council in the authority table)."""

    layout_code: str
    name: str
    q: int
    r: int
    gss_code: str | None


def read_layout(file_name: str) -> dict:
    """A HexJSON layout shipped with the package."""
    text = resources.files("riskwatch.data").joinpath("hexmaps", file_name).read_text("utf-8")
    return json.loads(text)


def council_hexagons(file_name: str, authorities: pd.DataFrame, prefixes: tuple[str, ...]):
    """The English tiles of a layout whose code starts with one of `prefixes`, each matched
    to a council's current GSS code."""
    index = council_index(authorities)
    hexes = read_layout(file_name)["hexes"]
    return [
        Hexagon(
            code, str(tile.get("n", code)), int(tile["q"]), int(tile["r"]), index.current_gss(code)
        )
        for code, tile in hexes.items()
        if code.startswith(prefixes)
    ]


def england_layouts(authorities: pd.DataFrame) -> dict[str, list[Hexagon]]:
    """The pack's two maps: every council but the counties on the 2025 district layout, and
    the county councils on the upper-tier layout."""
    return {
        "districts, unitaries, metropolitan districts and London boroughs": council_hexagons(
            DISTRICTS, authorities, ("E06", "E07", "E08", "E09")
        ),
        "county councils": council_hexagons(UPPER_TIER, authorities, (COUNTY_PREFIX,)),
    }
