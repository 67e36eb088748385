"""Write one quarter's review pack into <reviews>/<quarter>/ and compare with the last one.

The folder is assembled in a temporary sibling and renamed into place, so a
failed run leaves no half-written pack; a previous pack for the same quarter is
replaced only once the new one is complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from riskwatch.data.geography import england_layouts
from riskwatch.data.store import panel_fingerprint
from riskwatch.errors import RiskwatchError
from riskwatch.explanations import explain_councils
from riskwatch.labels import quarter_year
from riskwatch.locks import exclusive_lock
from riskwatch.paths import check_output_folder
from riskwatch.registered import model_words
from riskwatch.report.hexmap import england_map_html
from riskwatch.report.pack import review_html, to_json, write_table
from riskwatch.report.what_if import what_if_html
from riskwatch.review import council_flags, drift, make_watchlist, map_councils, review_diff
from riskwatch.settings import load_run_config
from riskwatch.watchlist import BELOW_BANDS, bands_from_config


def previous_pack(reviews: Path, quarter: str) -> Path | None:
    """The latest earlier quarter's folder in the reviews directory, if any."""
    if not reviews.exists():
        return None
    earlier = sorted(
        p
        for p in reviews.iterdir()
        if p.is_dir() and p.name < quarter and (p / "manifest.json").exists()
    )
    return earlier[-1] if earlier else None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_review(
    reviews: Path,
    quarter: str,
    tables,
    frames,
    features,
    catalogue,
    model,
    as_of: str,
    data_source: str,
    log_run: Callable[..., str],
    what_if: list | None = None,
) -> dict:
    """Build every file of the pack, then move the folder into place; returns a summary.

    `data_source` names the data used (riskwatch.data.store.data_source); `log_run`
    records the pack as an MLflow run (`tracking.log_run`'s arguments); `what_if` holds the
    stress results (riskwatch.stress.StressResult) its What-if section shows."""
    what_if = what_if or []
    config = load_run_config()["watchlist"]
    watchlist = make_watchlist(
        tables, frames, model, as_of, catalogue, config, review_year=quarter_year(quarter)
    )
    directions = {**features.directions, "past_failure": 1}
    explanations = explain_councils(
        tables,
        frames,
        model,
        list(watchlist.table["gss_code"]),
        as_of,
        catalogue,
        config,
        directions,
        watchlist.scored,
    )
    before = previous_pack(Path(reviews), quarter)
    diff = review_diff(pd.read_csv(before / "watchlist.csv"), watchlist.table) if before else None
    feature_columns = [c for c in features.names if c in frames[as_of].columns]
    drift_table = (
        drift(pd.read_parquet(before / "features.parquet"), frames[as_of], feature_columns)
        if before
        else pd.DataFrame(columns=["feature", "psi", "flag"])
    )
    fingerprint = panel_fingerprint(tables["panel"])
    vintage = f"{data_source} (panel fingerprint {fingerprint})"
    model_info = {
        **{
            k: v for k, v in model.description.items() if k in ("version", "model_family", "run_id")
        },
        # A model refitted for a past review is no registered version: it says whose
        # configuration it refits (`retrospective_of`).
        "version": model.version,
        "retrospective_of": model.description.get("retrospective_of"),
        "name": load_run_config()["train"]["registered_name"],
        "words": model_words(model),
        "as_of": as_of,
        "horizon": model.description.get("horizon", load_run_config()["train"]["horizon"]),
    }
    flags_of = council_flags(frames[as_of])
    layouts = england_layouts(tables["authorities"])
    band_names = [band.name for band in bands_from_config(config)]
    council_map = england_map_html(
        "council-map",
        layouts,
        map_councils(
            watchlist.scored,
            tables["authorities"].set_index("gss_code")["name"],
            bands_from_config(config),
            outlined=flags_of != "",
            notes=flags_of,
        ),
        band_names,
        BELOW_BANDS,
        "flagged",
    )
    what_if_section = what_if_html(
        what_if, layouts, band_names, BELOW_BANDS, load_run_config()["stress"]["top"]
    )
    html_text = review_html(
        quarter,
        watchlist.table,
        explanations,
        diff,
        drift_table,
        model_info,
        vintage,
        flagged_outside=watchlist.flagged,
        council_map=council_map,
        what_if=what_if_section,
    )
    reviews = Path(reviews)
    check_output_folder(reviews)
    made_reviews = not reviews.exists()
    target = reviews / quarter
    try:
        reviews.mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=reviews, prefix=f".{quarter}."))
    except OSError as exc:
        raise _unwritable(target, exc.strerror or str(exc)) from None
    try:
        # mkdtemp makes the folder private (0700); a pack is for circulating, so it gets the
        # permissions any folder the user makes would get.
        staging.chmod(0o777 & ~_umask())
        write_table(watchlist.table, staging / "watchlist.csv")
        write_table(watchlist.table, staging / "watchlist.parquet")
        write_table(watchlist.table, staging / "watchlist.json")
        write_table(watchlist.reasons, staging / "reasons.csv")
        (staging / "explanations.json").write_text(_explanations_json(explanations))
        (staging / "diff.json").write_text(json.dumps(diff, indent=2, default=str) + "\n")
        write_table(drift_table, staging / "drift.csv")
        if what_if:
            write_table(pd.concat([r.table for r in what_if]), staging / "what-if.csv")
        frames[as_of].to_parquet(staging / "features.parquet", index=False)
        (staging / "review.html").write_text(html_text)
        manifest = {
            "quarter": quarter,
            "what_if": {r.scenario.name: r.scenario.digest for r in what_if},
            "model": model_info,
            "data": vintage,
            "previous": before.name if before else None,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        with exclusive_lock(reviews, "reviews"):  # two packs of one quarter at once: in turn
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if made_reviews:  # a refused pack leaves no empty reviews folder behind
            with contextlib.suppress(OSError):
                reviews.rmdir()
        if isinstance(exc, OSError):
            raise _unwritable(target, exc.strerror or str(exc)) from None
        if isinstance(exc, RiskwatchError):  # named by the pack, not its staging file
            raise _unwritable(target, exc.message) from None
        raise
    log_run(
        params={
            "quarter": quarter,
            **model_info,
            **{f"what_if.{r.scenario.name}": r.scenario.digest for r in what_if},
        },
        metrics={
            "listed": float(len(watchlist.table)),
            "drift_flagged": float((drift_table["flag"] != "").sum()),
            "new_entrants": float(len(diff["entrants"])) if diff else float("nan"),
        },
        tags={"kind": "review", "panel_fingerprint": fingerprint},
        texts={"review.html": html_text, "watchlist.csv": watchlist.table.to_csv(index=False)},
        run_name=f"review-{quarter}",
    )
    return {
        "listed": len(watchlist.table),
        "folder": str(target),
        "diff": (
            f"{len(diff['entrants'])} new, {len(diff['leavers'])} left since {before.name}"
            if diff
            else "no previous review to compare with"
        ),
    }


def _unwritable(pack: Path, reason: str) -> RiskwatchError:
    reason = reason.removesuffix("; nothing was written")
    return RiskwatchError(f"cannot write the review pack: {reason}; nothing was written", file=pack)


def _explanations_json(explanations: dict) -> str:
    out = {}
    for gss, e in explanations.items():
        out[gss] = {
            "name": e.name,
            "probability": e.probability,
            "rank": e.rank,
            "model": e.model,
            "indicators": json.loads(to_json(e.groups)),
            "contributions": json.loads(to_json(e.contributions)),
            "what_would_move_it": json.loads(to_json(e.moves)),
            "events": json.loads(to_json(e.events)),
        }
    return json.dumps(out, indent=2, default=str) + "\n"
