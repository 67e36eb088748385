"""The backtest report: metrics with intervals, precision-recall, lead times, calibration,
and the replay of each Exceptional Financial Support round."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve

from riskwatch.report.charts import figure, img_tag, png_bytes

HEADLINE = ["roc_auc", "pr_auc", "recall_at_30", "brier"]


def precision_recall_figure(scored: pd.DataFrame, task: str, horizon: int):
    """Precision against recall of each model, pooled over origins."""
    fig, ax = figure()
    for model, rows in scored[(scored.task == task) & (scored.horizon == horizon)].groupby("model"):
        if rows["outcome"].sum() == 0:
            continue
        precision, recall, _ = precision_recall_curve(rows["outcome"], rows["probability"])
        ax.plot(recall, precision, label=model)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(f"Precision-recall, {task} failures, {horizon}-year horizon (pooled origins)")
    ax.legend()
    return fig


def lead_time_figure(ranks: pd.DataFrame, top: int = 30):
    """Years ahead each real failure was in the top `top`, per model."""
    column = f"lead_years_in_top_{top}"
    table = ranks.pivot_table(index="name", columns="model", values=column, aggfunc="first")
    fig, ax = figure(6.0, max(3.0, 0.22 * len(table) + 1))
    positions = np.arange(len(table))
    width = 0.8 / max(1, len(table.columns))
    for i, model in enumerate(table.columns):
        ax.barh(positions + i * width, table[model].fillna(0), height=width, label=model)
    ax.set_yticks(positions + 0.4 - width / 2, table.index)
    ax.set_title(f"Lead time: years each failed council was in the top {top} beforehand")
    ax.set_xlabel(f"years ahead the council was in the top {top} (new-failure task)")
    ax.set_ylabel("council that failed")
    ax.set_xticks([0, 1, 2, 3])
    ax.legend()
    return fig


def calibration_bins(part: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Mean predicted probability (`p`) and observed failure rate (`y`) per decile of `p`."""
    edges = np.unique(np.quantile(part["probability"], np.linspace(0, 1, bins + 1)))
    groups = pd.cut(part["probability"], edges, include_lowest=True)
    return part.groupby(groups, observed=True).agg(p=("probability", "mean"), y=("outcome", "mean"))


def calibration_figure(scored: pd.DataFrame, task: str, horizon: int, bins: int = 10):
    """Observed failure rate against predicted probability, on the range the points occupy
    (a 0-1 axis would squeeze probabilities under 0.2 into one corner)."""
    fig, ax = figure(4.5, 4.0)
    rows = scored[(scored.task == task) & (scored.horizon == horizon)]
    binned = {model: calibration_bins(part, bins) for model, part in rows.groupby("model")}
    plotted = [v for b in binned.values() for v in (*b["p"], *b["y"])]
    top = min(1.0, 1.1 * max(plotted, default=1.0)) or 1.0
    ax.plot([0, top], [0, top], color="grey", linestyle=":", label="perfect")
    for model, points in binned.items():
        ax.plot(points["p"], points["y"], marker="o", label=model)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("predicted probability (decile means)")
    ax.set_ylabel("observed failure rate")
    ax.set_title(f"Calibration, {task} failures, {horizon}-year horizon")
    ax.legend()
    return fig


def metrics_html(metrics: pd.DataFrame) -> str:
    rows = []
    for r in metrics.sort_values(["task", "horizon", "model"]).itertuples(index=False):
        record = r._asdict()
        cells = "".join(_metric_cell(record, m) for m in HEADLINE)
        rows.append(
            f"<tr><td>{record['task']}</td><td>{record['horizon']}</td><td>{record['model']}</td>"
            f"<td>{int(record['positives'])}</td>{cells}</tr>"
        )
    head = "".join(f"<th>{m}</th>" for m in HEADLINE)
    return (
        "<table><tr><th>task</th><th>horizon</th><th>model</th><th>failures</th>"
        f"{head}</tr>{''.join(rows)}</table>"
    )


def _metric_cell(record: dict, metric: str) -> str:
    low, high = record[f"{metric}_low"], record[f"{metric}_high"]
    return f"<td>{record[metric]:.3f} <small>[{low:.3f}, {high:.3f}]</small></td>"


def ranks_html(ranks: pd.DataFrame) -> str:
    columns = [
        "name",
        "gss_code",
        "event",
        "known_year",
        "model",
        "rank_1y_before",
        "rank_2y_before",
        "rank_3y_before",
        "lead_years_in_top_30",
    ]
    table = ranks[columns].sort_values(["known_year", "name", "model"])
    return table.to_html(index=False, na_rep="–", float_format=lambda v: f"{v:.0f}", escape=True)


def replay_html(replay) -> str:
    """The replay of each EFS round: per round and model, the first-time councils found in
    each top k, then each first-time council's rank under every model."""
    counts = replay.rounds.drop(columns=["review_date"]).rename(
        columns={"as_of": "as of", "first_time": "first-time councils", "scored": "ranked"}
    )
    ranks = replay.councils.pivot(
        index=["round", "name"], columns="model", values="rank"
    ).reset_index()
    reviews = ", ".join(
        f"{r.round}: {r.review_date} (as of {r.as_of})"
        for r in replay.rounds.drop_duplicates("round").itertuples()
    )
    return (
        f"<p>Each round ranked by the review of the December before it ({html.escape(reviews)})"
        ", every model trained only on the outcome windows closed by its as-of year. A "
        "first-time council has no earlier failure of its own on record; – means it filed no "
        "outturn return for the as-of year (a council formed later) and was not ranked.</p>"
        f"{counts.to_html(index=False, escape=True)}"
        "<h3>Rank of each first-time council</h3>"
        f"{ranks.to_html(index=False, na_rep='–', float_format=lambda v: f'{v:.0f}', escape=True)}"
    )


def backtest_html(result, replay, title: str) -> str:
    """The whole report as one self-contained HTML page: the rolling-origin backtest
    (`result`, None when only the replay ran) and the replay of each EFS round."""
    sections = []
    if result is not None:
        scored, ranks = result.scored, result.failure_ranks
        charts = [
            img_tag(
                png_bytes(precision_recall_figure(scored, "new", h)), f"precision-recall new h{h}"
            )
            for h in sorted(scored["horizon"].unique())
        ]
        charts.append(
            img_tag(png_bytes(calibration_figure(scored, "new", 2)), "calibration new h2")
        )
        charts.append(img_tag(png_bytes(lead_time_figure(ranks)), "lead times"))
        sections.append(
            "<p>Pooled over rolling origins; 95% intervals from resampling councils. The "
            "new-failure task (councils drop out once a failure of their own is known) is the "
            f"headline.</p><h2>Metrics</h2>{metrics_html(result.metrics)}"
            f"<h2>Charts</h2>{''.join(charts)}"
            f"<h2>Every real failure: rank before it became known</h2>{ranks_html(ranks)}"
        )
    sections.append(
        f"<h2>Replay of each Exceptional Financial Support round</h2>{replay_html(replay)}"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}small{{color:#666}}</style></head>
<body><h1>{html.escape(title)}</h1>
{"".join(sections)}
</body></html>
"""
