"""A map of England as inline SVG: one hexagon per council, coloured by band.

Drawn directly as SVG elements, so the pack stays self-contained and prints sharp. The
colours are steps of viridis (colour-blind safe, and ordered in lightness so a grey print
keeps the order); a council the caller marks (a review flag, a crossing under stress) is
outlined in black; each hexagon names its council on hover (`<title>`). Councils no layout
places are listed under the map, never left out silently.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import pandas as pd

from riskwatch.data.sources.geography import Hexagon

SIZE = 10.0  # hexagon radius (centre to corner), px
MARGIN = 12.0
BELOW_COLOUR = "#f0f0f0"  # below the lowest band
UNSCORED_COLOUR = "#ffffff"
VIRIDIS = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")  # light to dark


def band_colours(bands: Sequence[str], below: str) -> dict[str, str]:
    """A colour per band, lowest band lightest (viridis steps spread over the bands), and
    pale grey for councils below every band. `bands` is highest first, as configured."""
    lowest_first = list(reversed(bands))
    count = len(lowest_first)
    steps = [round(i * (len(VIRIDIS) - 1) / max(count - 1, 1)) for i in range(count)]
    return {below: BELOW_COLOUR} | {
        band: VIRIDIS[step] for band, step in zip(lowest_first, steps, strict=True)
    }


def _corners(x: float, y: float) -> str:
    """The six corners of a pointy-top hexagon centred on (x, y)."""
    return " ".join(
        f"{x + SIZE * math.cos(math.radians(30 + 60 * k)):.1f},"
        f"{y + SIZE * math.sin(math.radians(30 + 60 * k)):.1f}"
        for k in range(6)
    )


def _centres(hexagons: list[Hexagon]) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Pixel centres of the tiles (north up: the layouts count rows from the south), and
    the drawing's width and height."""
    width_step, height_step = math.sqrt(3) * SIZE, 1.5 * SIZE
    low_q = min(h.q for h in hexagons)
    high_r = max(h.r for h in hexagons)
    centres = {
        h.layout_code: (
            MARGIN + width_step * (h.q - low_q + 0.5 * (h.r % 2) + 0.5),
            MARGIN + height_step * (high_r - h.r) + SIZE,
        )
        for h in hexagons
    }
    width = max(x for x, _ in centres.values()) + width_step / 2 + MARGIN
    height = max(y for _, y in centres.values()) + SIZE + MARGIN
    return centres, width, height


def layout_svg(
    title: str,
    hexagons: list[Hexagon],
    councils: pd.DataFrame,
    colours: dict[str, str],
    outline_words: str,
) -> str:
    """One layout: a hexagon per tile, filled by its council's band (white where the council
    has no score), outlined where `councils['outlined']`.

    `councils` is indexed by GSS code with name, band, probability, outlined and note (text
    added to the hover title, such as the flags raised)."""
    centres, width, height = _centres(hexagons)
    tiles = []
    for tile in sorted(hexagons, key=lambda h: h.layout_code):
        x, y = centres[tile.layout_code]
        known = tile.gss_code is not None and tile.gss_code in councils.index
        if known:
            row = councils.loc[tile.gss_code]
            fill, outlined = colours[row["band"]], bool(row["outlined"])
            words = f"{row['name']} ({tile.gss_code}): {row['band']}, {row['probability']:.1%}"
            if outlined:
                words += f"; {outline_words}"
            if row["note"]:
                words += f"; {row['note']}"
            band = row["band"]
        else:
            fill, outlined, band = UNSCORED_COLOUR, False, ""
            words = f"{tile.name} ({tile.layout_code}): no score"
        stroke = (
            'stroke="#000" stroke-width="2.2"'
            if outlined
            else 'stroke="#888" stroke-width="0.6"' + ("" if known else ' stroke-dasharray="2,1.5"')
        )
        tiles.append(
            f'<polygon class="hex" data-gss="{tile.gss_code or tile.layout_code}" '
            f'data-band="{html.escape(band)}" data-outlined="{int(outlined)}" '
            f'points="{_corners(x, y)}" fill="{fill}" {stroke}>'
            f"<title>{html.escape(words)}</title></polygon>"
        )
    # Outlined tiles last, so their thick border is not painted over by a neighbour's.
    tiles.sort(key=lambda text: 'data-outlined="1"' in text)
    return (
        f'<svg class="hexmap" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height + 16:.0f}" viewBox="0 0 {width:.0f} {height + 16:.0f}" role="img" '
        f'aria-label="{html.escape(title)}" font-family="sans-serif">'
        f'<text x="{width / 2:.0f}" y="12" font-size="11" text-anchor="middle">'
        f'{html.escape(title)}</text><g transform="translate(0,16)">{"".join(tiles)}</g></svg>'
    )


def legend_svg(colours: dict[str, str], outline_words: str) -> str:
    """Swatches: each band's colour, no score, and the outline's meaning."""
    entries = [*((band, colour, "") for band, colour in reversed(colours.items()))]
    entries += [("no score", UNSCORED_COLOUR, ' stroke-dasharray="2,1.5"')]
    parts = []
    x = 4.0
    for words, colour, dash in entries:
        parts.append(
            f'<rect x="{x:.0f}" y="4" width="14" height="12" fill="{colour}" stroke="#888"{dash}/>'
            f'<text x="{x + 18:.0f}" y="14" font-size="11">{html.escape(words)}</text>'
        )
        x += 26 + 6.5 * len(words)
    parts.append(
        f'<rect x="{x:.0f}" y="4" width="14" height="12" fill="#fff" stroke="#000" '
        f'stroke-width="2.2"/><text x="{x + 18:.0f}" y="14" font-size="11">'
        f"{html.escape(outline_words)}</text>"
    )
    width = x + 26 + 6.5 * len(outline_words)
    return (
        f'<svg class="hexmap-legend" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="20" viewBox="0 0 {width:.0f} 20" font-family="sans-serif">{"".join(parts)}</svg>'
    )


def england_map_html(
    map_id: str,
    layouts: dict[str, list[Hexagon]],
    councils: pd.DataFrame,
    bands: Sequence[str],
    below: str,
    outline_words: str,
) -> str:
    """Both layouts side by side with one legend, then the councils no layout places."""
    colours = band_colours(bands, below)
    placed = {h.gss_code for tiles in layouts.values() for h in tiles}
    maps = "".join(
        layout_svg(title, tiles, councils, colours, outline_words)
        for title, tiles in layouts.items()
    )
    absent = councils[~councils.index.isin(placed)]
    absent_html = (
        '<p class="map-absent">Not on either layout: '
        + "; ".join(
            f"{html.escape(str(row['name']))} ({gss}, {html.escape(str(row['band']))})"
            for gss, row in absent.iterrows()
        )
        + ".</p>"
        if len(absent)
        else '<p class="map-absent">Every scored council is on the map.</p>'
    )
    return (
        f'<div class="map" id="{map_id}"><div class="maps">{maps}</div>'
        f"{legend_svg(colours, outline_words)}{absent_html}</div>"
    )
