"""The review pack as files: watchlist (CSV, Parquet, JSON), explanations, diff, drift, HTML.

Every file is written through a temporary file and renamed, and the content is a
function of the inputs only (no timestamps), so identical inputs give identical bytes.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.atomic import write_atomic
from riskwatch.report.svg import history_svg
from riskwatch.review import LISTS

WATCHLIST_COLUMNS = ["rank", "name", "gss_code", "class", "probability", "band", "rank_change"]


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """A table as CSV, JSON, Parquet or XLSX by the file's extension."""
    suffix = path.suffix.lower()
    writers = {
        ".csv": lambda tmp: frame.to_csv(tmp, index=False, float_format="%.6g"),
        ".json": lambda tmp: tmp.write_text(to_json(frame)),
        ".parquet": lambda tmp: frame.to_parquet(tmp, index=False),
        ".xlsx": lambda tmp: frame.to_excel(tmp, index=False, engine="openpyxl"),
    }
    if suffix not in writers:
        from riskwatch.errors import RiskwatchError

        raise RiskwatchError(
            f"unknown output format '{suffix}' (use .csv, .json, .parquet or .xlsx)", file=path
        )
    write_atomic(path, writers[suffix])


def to_json(frame: pd.DataFrame) -> str:
    records = frame.replace({np.nan: None}).to_dict(orient="records")
    return json.dumps(records, indent=2, default=_plain) + "\n"


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    return str(value)


# Inline, so the page works with no network: filter rows by a search box, sort by a header.
LIST_SCRIPT = """<script>
function filterList(box){var t=document.getElementById(box.dataset.table),q=box.value.toLowerCase();
for(var r of t.tBodies[0].rows){r.hidden=q&&r.textContent.toLowerCase().indexOf(q)<0;}}
function sortList(th){var t=th.closest("table"),b=t.tBodies[0],i=th.cellIndex,
up=th.dataset.dir!=="asc";th.dataset.dir=up?"asc":"desc";
var key=function(r){var c=r.cells[i].dataset.sort;var v=c!==undefined?c:r.cells[i].textContent;
return isNaN(parseFloat(v))?v.toLowerCase():parseFloat(v);};
Array.from(b.rows).sort(function(x,y){var a=key(x),c=key(y);return (a<c?-1:a>c?1:0)*(up?1:-1);})
.forEach(function(r){b.appendChild(r);});}
</script>"""

STYLE = """body{font-family:sans-serif;margin:1.5em;max-width:1200px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}
th[onclick]{cursor:pointer;background:#f3f3f3}.maps{display:flex;flex-wrap:wrap;gap:1em}
.hexmap{max-width:100%;height:auto}.map-absent{font-size:12px;color:#333}ul{margin:0;padding-left:1.1em}
.charts svg{margin:2px;max-width:100%;height:auto}small{color:#555}#summary{border-bottom:2px solid #333}
#summary table{display:inline-table;margin-right:2em}input[type=search]{margin:.4em 0;width:20em}
@media print{body{margin:0;max-width:none;font-size:11px}input[type=search]{display:none}
th[onclick]{background:none}section.council,div.scenario table{break-inside:avoid}.map{break-inside:avoid}h2{break-after:avoid}
#summary{break-after:page}}"""


def review_html(
    quarter: str,
    watchlist: pd.DataFrame,
    explanations: dict[str, object],
    diff: dict | None,
    drift: pd.DataFrame,
    model: dict,
    data_vintage: str,
    flagged_outside: pd.DataFrame | None = None,
    council_map: str = "",
    what_if: str = "",
) -> str:
    """The self-contained review report: a first screen (the map of England by band, model
    and data, counts per band,
    entrants and leavers, flags raised), the two lists (searchable and sortable offline),
    then a section per listed council; print-friendly for saving as PDF."""
    tables = "".join(
        _watchlist_table(key, title, watchlist[watchlist["list"] == key])
        for key, title in LISTS.items()
    )
    reasons_of = {r["gss_code"]: _reasons(r) for r in watchlist.to_dict(orient="records")}
    sections = "".join(
        _council_section(gss, e, reasons_of.get(gss, [])) for gss, e in explanations.items()
    )
    model_line = (
        f"Model {html.escape(str(model.get('name', 'riskwatch')))}: "
        f"{html.escape(str(model.get('words', model.get('model_family', ''))))}, scoring "
        f"{html.escape(str(model.get('as_of')))}; data: {html.escape(data_vintage)}"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>riskwatch review {html.escape(quarter)}</title>
<style>
{STYLE}
</style>{LIST_SCRIPT}</head><body>
<section id="summary">
<h1>Quarterly risk review {html.escape(quarter)}</h1>
{council_map}
<p id="model-line">{model_line}</p>
<p>Probability of a first failure (Section 114 notice or Exceptional Financial Support)
becoming known within {model.get("horizon", "?")} years.</p>
{_band_counts_html(watchlist)}{_flag_counts_html(watchlist, flagged_outside)}
{_entrants_leavers_html(diff)}
</section>
{tables}
{what_if}
{_diff_html(diff)}
{_drift_html(drift)}
<h2>Councils: reasons, flags, key indicators against peers, events</h2>
{sections}
<p><small>Contains public sector information licensed under the Open Government Licence v3.0.</small></p>
</body></html>
"""


def _band_counts_html(watchlist: pd.DataFrame) -> str:
    """Listed councils per band (highest band first, as ranked), split by list."""
    rows = "".join(
        f'<tr class="band-count" data-band="{html.escape(str(band))}"><td>{html.escape(str(band))}</td>'
        + "".join(f"<td>{int((part['list'] == key).sum())}</td>" for key in LISTS)
        + f"<td>{len(part)}</td></tr>"
        for band, part in watchlist.groupby("band", sort=False)
    )
    heads = "".join(f"<th>{key}</th>" for key in LISTS)
    return (
        f'<table id="band-counts"><caption>Councils per band</caption><tr><th>band</th>{heads}'
        f"<th>listed</th></tr>{rows}</table>"
    )


def _flag_counts_html(watchlist: pd.DataFrame, outside: pd.DataFrame | None) -> str:
    """How many councils raise each review flag: on the list, and ranked below it."""

    def counts(flags: pd.Series) -> pd.Series:
        labels = flags.fillna("").str.split("; ").explode()
        return labels[labels != ""].value_counts()

    listed = counts(watchlist.get("flags", pd.Series(dtype=str)))
    below = counts(outside["flags"]) if outside is not None and len(outside) else pd.Series()
    names = list(dict.fromkeys([*listed.index, *below.index]))
    if not names:
        return '<p id="flag-counts">Review flags raised: none.</p>'
    rows = "".join(
        f'<tr class="flag-count"><td>{html.escape(name)}</td><td>{int(listed.get(name, 0))}</td>'
        f"<td>{int(below.get(name, 0))}</td></tr>"
        for name in names
    )
    return (
        '<table id="flag-counts"><caption>Review flags raised</caption><tr><th>flag</th>'
        f"<th>listed councils</th><th>councils below the list</th></tr>{rows}</table>"
    )


def _entrants_leavers_html(diff: dict | None) -> str:
    """Who entered and who left the list since the previous review, with the top reason."""
    if diff is None:
        return '<p id="entrants-leavers">No previous review to compare with.</p>'
    entrants = "".join(
        f'<li class="entrant">{html.escape(e["name"])} (rank {e["rank"]})'
        + (f": {html.escape(str(e['reason']))}" if isinstance(e.get("reason"), str) else "")
        + "</li>"
        for e in diff["entrants"]
    )
    leavers = "".join(
        f'<li class="leaver">{html.escape(e["name"])} (was rank {e["rank_before"]})'
        + (f": {html.escape(str(e['reason']))}" if isinstance(e.get("reason"), str) else "")
        + "</li>"
        for e in diff["leavers"]
    )
    return (
        f'<div id="entrants-leavers"><h2>Since the previous review</h2>'
        f"<p>{len(diff['entrants'])} entered (leading reason now), "
        f"{len(diff['leavers'])} left (leading reason then).</p>"
        f"<ul>{entrants or '<li>no entrants</li>'}</ul><ul>{leavers or '<li>no leavers</li>'}</ul>"
        "</div>"
    )


def _reasons(row: dict) -> list[str]:
    """A watchlist row's worded reasons, first to fourth."""
    texts = (row.get(f"reason_{k}") for k in range(1, 5))
    return [text for text in texts if isinstance(text, str) and text]


def _council_section(gss: str, explanation, reasons: list[str]) -> str:
    """One listed council: reasons, flags, key indicators over time, events on record."""
    charts = history_svg(
        explanation.history,
        f"{explanation.name}: key indicators against peers",
        labels=explanation.groups.set_index("base")["indicator"].to_dict(),
    )
    reasons_html = "".join(f"<li>{html.escape(text)}</li>" for text in reasons)
    flags = f"<p><b>Flagged:</b> {html.escape(explanation.flags)}</p>" if explanation.flags else ""
    events = "".join(
        f"<li>{html.escape(str(r.event).upper())} {html.escape(str(r.financial_year))}"
        + (
            f" (decided {html.escape(str(r.decided_year))})"
            if isinstance(r.decided_year, str)
            else ""
        )
        + (f": {html.escape(str(r.note))}" if isinstance(r.note, str) else "")
        + "</li>"
        for r in explanation.events.itertuples(index=False)
    )
    return (
        f'<section class="council" id="{gss}"><h3>{explanation.rank}. '
        f"{html.escape(explanation.name)} ({gss}): {explanation.probability:.1%}</h3>"
        f'{flags}<ul class="reasons">{reasons_html}</ul>'
        f'<div class="charts">{charts}</div>'
        f"<p><b>Events on record:</b></p><ul>{events or '<li>none</li>'}</ul></section>"
    )


def _watchlist_table(key: str, title: str, listed: pd.DataFrame) -> str:
    """One of the two lists: councils that have not raised the alarm, or those that have."""
    rows = []
    for r in listed.itertuples(index=False):
        change = "new" if pd.isna(r.rank_change) else f"{int(r.rank_change):+d}"
        flags = getattr(r, "flags", "")
        reasons = (f"<li><b>Flagged:</b> {html.escape(flags)}</li>" if flags else "") + "".join(
            f"<li>{html.escape(text)}</li>" for text in _reasons(r._asdict())
        )
        rows.append(
            f'<tr class="watch-row"><td>{r.rank}</td><td>{html.escape(str(r.name))}</td>'
            f'<td>{r.gss_code}</td><td data-sort="{r.probability:.6f}">{r.probability:.1%}</td>'
            f"<td>{r.band}</td><td>{change}</td>"
            f"<td>{html.escape(r.failures_on_record)}</td><td><ul>{reasons}</ul></td></tr>"
        )
    if not rows:
        return f"<h2>{html.escape(title)} (none)</h2>"
    heads = "".join(
        f'<th onclick="sortList(this)">{h}</th>'
        for h in ("rank", "council", "GSS", "probability", "band", "change")
    )
    return (
        f'<h2 id="{key}-title">{html.escape(title)} ({len(rows)})</h2>'
        f'<input type="search" placeholder="Search this list" data-table="{key}" '
        'oninput="filterList(this)">'
        f'<table id="{key}"><thead><tr>{heads}'
        "<th>failures on record by the review</th>"
        "<th>reasons (from the model's contributions)</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _diff_html(diff: dict | None) -> str:
    if diff is None:
        return (
            "<h2>Changes since the previous review</h2><p>No previous review in this directory.</p>"
        )
    items = [
        *(f"<li>New: {html.escape(e['name'])} (rank {e['rank']})</li>" for e in diff["entrants"]),
        *(f"<li>Left: {html.escape(e['name'])}</li>" for e in diff["leavers"]),
        *(
            f"<li>Moved {m['places']:+d}: {html.escape(m['name'])} "
            f"({m['rank_before']} → {m['rank_now']})</li>"
            for m in diff["movers"]
        ),
    ]
    return (
        "<h2>Changes since the previous review</h2><ul>"
        + "".join(items or ["<li>none</li>"])
        + "</ul>"
    )


def _drift_html(drift: pd.DataFrame) -> str:
    flagged = drift[drift["flag"] != ""]
    if drift.empty:
        return "<h2>Drift</h2><p>No previous review to compare with.</p>"
    items = "".join(
        f"<li>{html.escape(r.feature)}: PSI {r.psi:.2f} ({r.flag})</li>"
        for r in flagged.itertuples()
    )
    return (
        f"<h2>Drift</h2><p>{len(flagged)} of {len(drift)} indicators shifted "
        "(population stability index ≥ 0.10 moderate, ≥ 0.25 major).</p>"
        f"<ul>{items}</ul>"
    )
