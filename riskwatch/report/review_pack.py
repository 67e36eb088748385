"""Render one quarter's review pack (`riskwatch.review_pack.ReviewPack`) and write it into
<reviews>/<quarter>/.

The folder is written in a temporary sibling and renamed into place, so a failed run leaves
no half-written pack; a previous pack for the same quarter is replaced only once the new
one is complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from riskwatch.errors import RiskwatchError
from riskwatch.locks import exclusive_lock
from riskwatch.paths import check_output_folder
from riskwatch.report.hexmap import england_map_html
from riskwatch.report.pack import review_html, to_json, write_table
from riskwatch.report.what_if import what_if_html
from riskwatch.review_pack import ReviewPack
from riskwatch.settings import load_run_config
from riskwatch.watchlist import BELOW_BANDS


def render_review(pack: ReviewPack) -> str:
    """The pack's self-contained HTML report: the map, the lists, the What-if section and a
    section per listed council."""
    council_map = england_map_html(
        "council-map", pack.layouts, pack.council_map, pack.band_names, BELOW_BANDS, "flagged"
    )
    what_if_section = what_if_html(
        pack.what_if,
        pack.layouts,
        pack.band_names,
        BELOW_BANDS,
        load_run_config()["stress"]["top"],
        pack.successors,
    )
    return review_html(
        pack.quarter,
        pack.watchlist.table,
        pack.explanations,
        pack.diff,
        pack.drift,
        pack.model_info,
        pack.vintage,
        flagged_outside=pack.watchlist.flagged,
        council_map=council_map,
        what_if=what_if_section,
    )


def publish_review(pack: ReviewPack, html_text: str, reviews: Path) -> Path:
    """Write every file of the pack into a staging folder, then move it into place as
    <reviews>/<quarter>; returns that folder. Nothing is left behind when writing fails."""
    reviews = Path(reviews)
    check_output_folder(reviews)
    made_reviews = not reviews.exists()
    target = reviews / pack.quarter
    try:
        reviews.mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=reviews, prefix=f".{pack.quarter}."))
    except OSError as exc:
        raise _unwritable(target, exc.strerror or str(exc)) from None
    try:
        # mkdtemp makes the folder private (0700); a pack is for circulating, so it gets the
        # permissions any folder the user makes would get.
        staging.chmod(0o777 & ~_umask())
        _write_files(pack, html_text, staging)
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
    return target


def _write_files(pack: ReviewPack, html_text: str, folder: Path) -> None:
    """The pack's files: the watchlist three ways, reasons, explanations, diff, drift,
    What-if results, the scored frame, the report and the manifest."""
    table = pack.watchlist.table
    write_table(table, folder / "watchlist.csv")
    write_table(table, folder / "watchlist.parquet")
    write_table(table, folder / "watchlist.json")
    write_table(pack.watchlist.reasons, folder / "reasons.csv")
    (folder / "explanations.json").write_text(_explanations_json(pack.explanations))
    (folder / "diff.json").write_text(json.dumps(pack.diff, indent=2, default=str) + "\n")
    write_table(pack.drift, folder / "drift.csv")
    if pack.what_if:
        write_table(pd.concat([r.table for r in pack.what_if]), folder / "what-if.csv")
    pack.features.to_parquet(folder / "features.parquet", index=False)
    (folder / "review.html").write_text(html_text)
    manifest = {
        "quarter": pack.quarter,
        "what_if": {r.scenario.name: r.scenario.digest for r in pack.what_if},
        "model": pack.model_info,
        "data": pack.vintage,
        "previous": pack.previous,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
