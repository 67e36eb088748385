"""The review pack as files: watchlist (CSV, Parquet, JSON), explanations, diff, drift, HTML.

Every file is written through a temporary file and renamed, and the content is a
function of the inputs only (no timestamps), so identical inputs give identical bytes.
"""

from __future__ import annotations

import html
import json
import textwrap
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from riskwatch.data.store import write_atomic
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


def history_png(
    history: pd.DataFrame, title: str, labels: Mapping[str, str] | None = None
) -> bytes:
    """Small multiples: each key indicator over the years against class and neighbour medians.

    `labels` names each feature in plain words (the catalogue label) above its panel."""
    from riskwatch.report.charts import figure, png_bytes  # matplotlib: only when charting

    labels = labels or {}
    features = list(dict.fromkeys(history["feature"]))
    fig, axes = figure(3.0 * max(1, len(features)), 2.6, columns=max(1, len(features)))
    for ax, feature in zip(np.atleast_1d(axes), features, strict=False):
        rows = history[history["feature"] == feature]
        years = [y[2:4] + "/" + y[5:] for y in rows["year"]]
        ax.plot(years, rows["value"], marker="o", markersize=3, label="council")
        medians = rows["class_median"]
        ax.plot(years, medians, linestyle="--", marker=_lone(medians), label="class median")
        if rows["neighbour_median"].notna().any():
            neighbours = rows["neighbour_median"]
            ax.plot(years, neighbours, linestyle=":", marker=_lone(neighbours), label="neighbours")
        if rows["value"].isna().all():
            ax.text(0.5, 0.5, "no value on record", transform=ax.transAxes, ha="center", fontsize=7)
        title_text = labels.get(feature, feature.replace("_", " "))
        ax.set_title(textwrap.fill(title_text, 40), fontsize=7)
        ax.tick_params(labelsize=6)
        ax.tick_params(axis="x", labelrotation=90)
    np.atleast_1d(axes)[0].legend(fontsize=6)
    fig.suptitle(title, fontsize=8)
    return png_bytes(fig)


def _lone(values: pd.Series) -> str | None:
    """A marker where a line has a single point, which a line alone would not draw."""
    return "." if values.notna().sum() == 1 else None


def review_html(
    quarter: str,
    watchlist: pd.DataFrame,
    explanations: dict[str, object],
    diff: dict | None,
    drift: pd.DataFrame,
    model: dict,
    data_vintage: str,
) -> str:
    """The self-contained review report: table, a chart per listed council, model and data."""
    from riskwatch.report.charts import img_tag

    tables = "".join(
        _watchlist_table(key, title, watchlist[watchlist["list"] == key])
        for key, title in LISTS.items()
    )
    sections = []
    for gss, explanation in explanations.items():
        charts = img_tag(
            history_png(
                explanation.history,
                f"{explanation.name}: key indicators against peers",
                labels=explanation.groups.set_index("base")["indicator"].to_dict(),
            ),
            f"{explanation.name}: key indicators over time",
        )
        sections.append(
            f'<section class="council" id="{gss}"><h3>{explanation.rank}. '
            f"{html.escape(explanation.name)} ({gss}): {explanation.probability:.1%}</h3>"
            f'<div class="charts">{charts}</div></section>'
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>riskwatch review {html.escape(quarter)}</title>
<style>
body{{font-family:sans-serif;margin:1.5em;max-width:1200px}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:3px 6px;vertical-align:top}}
ul{{margin:0;padding-left:1.1em}}.charts img{{margin:2px}}small{{color:#555}}
</style></head><body>
<h1>Quarterly risk review {html.escape(quarter)}</h1>
<p>Model: <b>{html.escape(str(model.get("name", "riskwatch")))} version {model.get("version")}</b>
({html.escape(str(model.get("model_family", "")))}); scores as of {html.escape(str(model.get("as_of")))};
data: {html.escape(data_vintage)}. Probability of a first failure (Section 114 notice or
Exceptional Financial Support) becoming known within {model.get("horizon", "?")} years.</p>
{tables}
{_diff_html(diff)}
{_drift_html(drift)}
<h2>Key indicators over time against peers</h2>
{"".join(sections)}
<p><small>Contains public sector information licensed under the Open Government Licence v3.0.</small></p>
</body></html>
"""


def _watchlist_table(key: str, title: str, listed: pd.DataFrame) -> str:
    """One of the two lists: councils that have not raised the alarm, or those that have."""
    rows = []
    for r in listed.itertuples(index=False):
        change = "new" if pd.isna(r.rank_change) else f"{int(r.rank_change):+d}"
        flags = getattr(r, "flags", "")
        reasons = (f"<li><b>Flagged:</b> {html.escape(flags)}</li>" if flags else "") + "".join(
            f"<li>{html.escape(str(getattr(r, f'reason_{k}')))}</li>"
            for k in range(1, 5)
            if hasattr(r, f"reason_{k}") and isinstance(getattr(r, f"reason_{k}"), str)
        )
        rows.append(
            f'<tr class="watch-row"><td>{r.rank}</td><td>{html.escape(str(r.name))}</td>'
            f"<td>{r.gss_code}</td><td>{r.probability:.1%}</td><td>{r.band}</td><td>{change}</td>"
            f"<td>{html.escape(r.failures_on_record)}</td><td><ul>{reasons}</ul></td></tr>"
        )
    if not rows:
        return f"<h2>{html.escape(title)} (none)</h2>"
    return (
        f"<h2>{html.escape(title)} ({len(rows)})</h2>"
        f'<table id="{key}"><tr><th>rank</th><th>council</th><th>GSS</th><th>probability</th>'
        "<th>band</th><th>change</th><th>failures on record by the review</th>"
        "<th>reasons (from the model's contributions)</th></tr>" + "".join(rows) + "</table>"
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
