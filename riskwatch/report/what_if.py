"""The review pack's "What if" section: each stress scenario stated, who crosses by class,
the map of England under stress (crossers outlined), and the top councils under stress; then
the successor view: each announced new council beside the predecessors it inherits from."""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from riskwatch.data.sources.geography import Hexagon
from riskwatch.report.hexmap import england_map_html
from riskwatch.units import headroom_words, percent_or_na, pounds_or_na


def what_if_html(
    results: Sequence,
    layouts: dict[str, list[Hexagon]],
    bands: Sequence[str],
    below: str,
    top: int,
    successors=None,
) -> str:
    """A part per scenario (`riskwatch.stress.StressResult`s), under one heading, then the
    successor view (`riskwatch.successors.SuccessorView`) where one is given."""
    if not results:
        return ""
    parts = "".join(_scenario_html(r, layouts, bands, below, top) for r in results)
    parts += (
        _successors_html(successors) if successors is not None and len(successors.table) else ""
    )
    return (
        '<section id="what-if"><h2>What if: stress scenarios</h2>'
        "<p>A scenario is not a forecast: each shock becomes an extra revenue gap in pounds, "
        "taken from usable reserves (never schools or other ring-fenced reserves); the "
        "features built on reserves are rebuilt, each council's peer standings measured "
        "against the unstressed distribution, and the same registered model rescores."
        f"</p>{parts}</section>"
    )


def _scenario_html(result, layouts, bands, below: str, top: int) -> str:
    scenario, table = result.scenario, result.table
    definition = scenario.definition
    projection = (
        f"<p><b>Projection:</b> {html.escape(definition['projection'])}</p>"
        if "projection" in definition
        else ""
    )
    councils = table.set_index("gss_code").assign(
        probability=lambda t: t["stressed_probability"],
        band=lambda t: t["stressed_band"],
        outlined=lambda t: t["crosses"] != "",
        note=lambda t: "before: " + t["probability"].map("{:.1%}".format) + " " + t["band"],
    )
    council_map = england_map_html(
        f"what-if-map-{scenario.name}",
        layouts,
        councils[["name", "band", "probability", "outlined", "note"]],
        bands,
        below,
        "crosses under stress",
    )
    return (
        f'<div class="scenario" id="scenario-{html.escape(scenario.name)}">'
        f"<h3>{html.escape(scenario.name)}: {html.escape(scenario.title)}</h3>"
        f"<p><small>Version {definition['version']}, hash {scenario.digest}; source: "
        f"{html.escape(definition['source'])} ({html.escape(definition['date'])})</small></p>"
        f"{projection}{_crossings_html(result.crossings)}{council_map}"
        f"{_top_html(table, top)}</div>"
    )


def _crossings_html(crossings: pd.DataFrame) -> str:
    rows = "".join(
        f'<tr class="crossing"><td>{html.escape(str(r["class"]))}</td><td>{r["councils"]}</td>'
        f"<td>{r['into the watchlist']}</td><td>{r['into a higher band']}</td></tr>"
        for r in crossings.to_dict(orient="records")
    )
    return (
        '<table class="crossings"><caption>Councils crossing under stress, by class</caption>'
        "<tr><th>class</th><th>councils</th><th>into the watchlist</th>"
        f"<th>into a higher band</th></tr>{rows}</table>"
    )


def _top_html(table: pd.DataFrame, top: int) -> str:
    """The top councils under stress, then any crossing council ranked below them."""
    heads = [c for c in table.columns if c.startswith("headroom_")]
    shown = table[(table["stressed_rank"] <= top) | (table["crosses"] != "")]
    rows = "".join(
        f'<tr class="stress-row"><td>{r["stressed_rank"]}</td><td>{html.escape(r["name"])}</td>'
        f"<td>{r['class']}</td><td>{r['probability']:.1%} → {r['stressed_probability']:.1%}</td>"
        f"<td>{html.escape(r['band'])} → {html.escape(r['stressed_band'])}</td>"
        f"<td>{percent_or_na(r['reserves_pct_nre'])} → {percent_or_na(r['low_point_pct_nre'])}</td>"
        + "".join(f"<td>{headroom_words(r[h])}</td>" for h in heads)
        + f"<td>{html.escape(r['crosses'])}</td></tr>"
        for r in shown.to_dict(orient="records")
    )
    room = "".join(f"<th>headroom to {h[9:].replace('pct', '%')}</th>" for h in heads)
    return (
        f'<table class="stress-top"><caption>The top {top} under stress, and every council '
        "that crosses</caption><tr><th>rank</th><th>council</th><th>class</th>"
        "<th>probability</th><th>band</th><th>reserves now → low point (% of net revenue "
        f"spending)</th>{room}<th>crosses</th></tr>{rows}</table>"
    )


def _council(row: dict) -> str:
    """A successor's name in bold, a predecessor's indented under it."""
    name = html.escape(row["name"])
    return f"<b>{name}</b>" if row["role"] == "successor" else f"&emsp;{name}"


def _successors_html(view) -> str:
    """Each announced successor, then its predecessors: share taken, spending, reserves,
    the main ratios and the model's probability and band."""
    shares = "".join(
        f"<li>{html.escape(r['successor'])} takes {r['share']:.1%} of "
        f"{html.escape(r['name'])}'s figures: its part of the {html.escape(r['basis'])} of "
        f"{r['year']}.</li>"
        for r in view.shares.to_dict(orient="records")
    )
    rows = "".join(
        f'<tr class="successor-row {r["role"]}"><td>{_council(r)}</td>'
        f"<td>{r['class']}</td><td>{r['share']:.3g}</td><td>{r['probability']:.1%}</td>"
        f"<td>{html.escape(r['band'])}</td><td>{pounds_or_na(r['net_revenue_expenditure'])}</td>"
        f"<td>{pounds_or_na(r['reserves'])}</td>"
        f"<td>{percent_or_na(r.get('usable_reserves_pct_nre', float('nan')))}</td>"
        f"<td>{percent_or_na(r.get('financing_cost_pct_nre', float('nan')))}</td>"
        f"<td>{percent_or_na(r.get('borrowing_pct_nre', float('nan')))}</td></tr>"
        for r in view.table.to_dict(orient="records")
    )
    return (
        '<div class="successors" id="successors"><h3>Reorganisation: what each new council '
        "inherits</h3><p>Each announced council is scored by the same registered model from "
        "its predecessors' combined figures: pounds summed at each one's share, ratios "
        "rebuilt by the same builders, the worst flag kept. A predecessor's missing figure is "
        f"left out of a sum.</p><ul>{shares}</ul>"
        '<table class="successors"><tr><th>council</th><th>class</th><th>share</th>'
        "<th>probability</th><th>band</th><th>net revenue spending</th><th>reserves</th>"
        "<th>usable reserves, % of spending</th><th>financing cost, %</th>"
        f"<th>borrowing, %</th></tr>{rows}</table></div>"
    )
