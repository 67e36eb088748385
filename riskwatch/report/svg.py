"""The review pack's per-council chart as inline SVG text, drawn directly (no matplotlib).

A pack has one chart per listed council; drawing them with matplotlib took about
0.4 s each, most of a 30-council pack. Written as SVG elements they cost
milliseconds, stay sharp when printed, and keep the page self-contained.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd

PANEL_WIDTH, PANEL_HEIGHT = 300, 250
LEFT, RIGHT, TOP, BOTTOM = 46, 10, 42, 44  # plot margins inside a panel, in px
SERIES = (  # column, legend label, stroke colour, dash pattern
    ("value", "council", "#1f77b4", ""),
    ("class_median", "class median", "#ff7f0e", "5,3"),
    ("neighbour_median", "neighbours", "#2ca02c", "1.5,2.5"),
)


def history_svg(history: pd.DataFrame, title: str, labels: Mapping[str, str] | None = None) -> str:
    """Small multiples: each key indicator over the years against class and neighbour medians.

    `labels` names each feature in plain words (the catalogue label) above its panel."""
    labels = labels or {}
    features = list(dict.fromkeys(history["feature"])) or [""]
    width = PANEL_WIDTH * len(features)
    height = PANEL_HEIGHT + 20
    panels = "".join(
        _panel(
            history[history["feature"] == feature],
            labels.get(feature, feature.replace("_", " ")),
            offset=PANEL_WIDTH * i,
            legend=i == 0,
        )
        for i, feature in enumerate(features)
    )
    return (
        f'<svg class="history" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(title)}" font-family="sans-serif">'
        f"<title>{html.escape(title)}</title>"
        f'<text x="{width / 2:.0f}" y="13" font-size="11" text-anchor="middle">'
        f"{html.escape(title)}</text>"
        f'<g transform="translate(0,20)">{panels}</g></svg>'
    )


def _panel(rows: pd.DataFrame, label: str, offset: int, legend: bool) -> str:
    """One indicator's panel: axes, year ticks, value ticks, a line per series."""
    years = [f"{y[2:4]}/{y[5:]}" for y in rows.get("year", pd.Series(dtype=str))]
    x0, x1 = offset + LEFT, offset + PANEL_WIDTH - RIGHT
    y0, y1 = PANEL_HEIGHT - BOTTOM, TOP  # plot bottom and top (SVG y grows downwards)
    present = [c for c, *_ in SERIES if c in rows.columns and rows[c].notna().any()]
    values = np.concatenate([rows[c].to_numpy(dtype=float) for c in present] or [np.array([])])
    values = values[np.isfinite(values)]
    ticks = _nice_ticks(values.min(), values.max()) if len(values) else []
    low, high = (ticks[0], ticks[-1]) if ticks else (0.0, 1.0)

    def x_of(i: int) -> float:
        return x0 + (x1 - x0) * (i + 0.5) / max(1, len(years))

    def y_of(v: float) -> float:
        return y0 - (y0 - y1) * (v - low) / ((high - low) or 1.0)

    parts = [
        f'<text x="{offset + PANEL_WIDTH / 2:.0f}" y="{10 + 9 * i}" font-size="8" '
        f'text-anchor="middle">{html.escape(line)}</text>'
        for i, line in enumerate(textwrap.wrap(label, 48)[:3])
    ]
    parts.append(
        f'<rect x="{x0}" y="{y1}" width="{x1 - x0}" height="{y0 - y1}" fill="none" stroke="#888"/>'
    )
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{x0 - 3}" y1="{y:.1f}" x2="{x0}" y2="{y:.1f}" stroke="#888"/>'
            f'<text x="{x0 - 5}" y="{y + 2.5:.1f}" font-size="7" text-anchor="end">'
            f"{_tick_text(tick, ticks)}</text>"
        )
    for i, year in enumerate(years):
        x = x_of(i)
        parts.append(
            f'<text x="{x:.1f}" y="{y0 + 5}" font-size="7" text-anchor="end" '
            f'transform="rotate(-90 {x:.1f} {y0 + 5})">{html.escape(year)}</text>'
        )
    for column, _, colour, dash in SERIES:
        if column not in present:
            continue
        points = [
            (x_of(i), y_of(v)) if np.isfinite(v) else None
            for i, v in enumerate(rows[column].to_numpy(dtype=float))
        ]
        parts.append(_line(points, colour, dash, markers=column == "value"))
    if not present or rows["value"].isna().all():
        parts.append(
            f'<text x="{(x0 + x1) / 2:.0f}" y="{(y0 + y1) / 2:.0f}" font-size="8" '
            'text-anchor="middle">no value on record</text>'
        )
    if legend:
        for i, (_, name, colour, dash) in enumerate(s for s in SERIES if s[0] in present):
            y = y1 + 9 + 10 * i
            parts.append(
                f'<line x1="{x0 + 5}" y1="{y - 2.5}" x2="{x0 + 21}" y2="{y - 2.5}" '
                f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/>'
                f'<text x="{x0 + 24}" y="{y}" font-size="7">{name}</text>'
            )
    return "".join(parts)


def _line(points: list[tuple[float, float] | None], colour: str, dash: str, markers: bool) -> str:
    """A series as polylines broken where a year has no value; a dot where a point is alone."""
    runs, run = [], []
    for point in [*points, None]:
        if point is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(point)
    out = []
    for run in runs:
        if len(run) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                f'stroke-width="1.5" stroke-dasharray="{dash}"/>'
            )
        if markers or len(run) == 1:
            out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{colour}"/>' for x, y in run)
    return "".join(out)


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of 10)."""
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / (count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    return [start + k * step for k in range(round((stop - start) / step) + 1)]


def _tick_text(tick: float, ticks: list[float]) -> str:
    """A tick value with as many decimals as the step between ticks needs."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = next(d for d in range(12) if abs(step * 10**d - round(step * 10**d)) < 1e-6)
    text = f"{tick:,.{decimals}f}"
    return "0" if text.strip("-0.,") == "" else text
