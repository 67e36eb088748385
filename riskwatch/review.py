"""The quarterly review: the watchlist (warning and monitoring lists), diff against the last
review, drift. Each council's explanation is riskwatch.explanations'.

Pure functions: given the tables, feature frames and a loaded model, they
return DataFrames and dicts; `riskwatch.report.pack` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from riskwatch.dataset import available_inputs
from riskwatch.flags import flag_labels, load_flags
from riskwatch.labels import failure_events, shift_year
from riskwatch.reasons import reasons
from riskwatch.registered import LoadedModel, model_words
from riskwatch.scoring import score
from riskwatch.watchlist import assign_band, bands_from_config, build_watchlist, rank_councils


@dataclass(frozen=True)
class Watchlist:
    as_of: str
    model_version: int | None  # None for a model fitted for a past year (see `model`)
    model: str  # which model scored, in words (`model_words`)
    table: pd.DataFrame  # the listed councils, ranked, with reasons as text
    scored: pd.DataFrame  # every council: probability and contributions
    reasons: pd.DataFrame  # every listed council's reasons, one row each
    threshold: float
    absent_inputs: list[str]  # catalogued model inputs the as-of year does not have (labels)
    flagged: pd.DataFrame  # councils outside the list that a review flag marks, ranked


def make_watchlist(
    tables: dict[str, pd.DataFrame],
    frames: dict[str, pd.DataFrame],
    model: LoadedModel,
    as_of: str,
    catalogue: pd.DataFrame,
    config: dict,
    top: int | Literal["all"] | None = None,
    review_year: str | None = None,
) -> Watchlist:
    """Score every council as of `as_of`, rank, band, give each listed council (the top
    `top`, every council for "all", by default configs/run.toml's number) its reasons, and
    split the list by whether it has raised the alarm by the review (`mark_alarms`)."""
    bands = bands_from_config(config)
    scored = score(model, frames[as_of], tables["events"])
    top = len(scored) if top == "all" else top or config["top"]
    previous_year = shift_year(as_of, -1)
    previous = (
        score(model, frames[previous_year], tables["events"]) if previous_year in frames else None
    )
    names = tables["authorities"].set_index("gss_code")["name"]
    ranked_codes = scored.sort_values(["probability", "gss_code"], ascending=[False, True])[
        "gss_code"
    ].head(top)
    listed_scores = scored[scored["gss_code"].isin(ranked_codes)]
    reason_rows = reasons(
        listed_scores,
        frames[as_of],
        frames,
        as_of,
        catalogue,
        tables.get("neighbours"),
        config["reasons"],
        tables,
    )
    table = build_watchlist(scored, previous, reason_rows, names, bands, top)
    flags_of = council_flags(frames[as_of])
    table = table.assign(flags=table["gss_code"].map(flags_of).fillna(""))
    table = mark_alarms(table, tables["events"], review_year)
    leading = [
        "rank",
        "name",
        "gss_code",
        "class",
        "as_of",
        "probability",
        "band",
        "rank_change",
        "list",
        "failures_on_record",
    ]
    table = table[leading + [c for c in table.columns if c not in leading]]
    return Watchlist(
        as_of=as_of,
        model_version=model.version,
        model=model_words(model),
        table=table,
        scored=scored,
        reasons=reason_rows,
        threshold=min(b.min_probability for b in bands),
        absent_inputs=absent_input_labels(frames, catalogue, as_of),
        flagged=flagged_outside(scored, table, flags_of, names),
    )


def council_flags(frame: pd.DataFrame) -> pd.Series:
    """The review flags each council of the frame raises, '; '-joined, by GSS code."""
    flags = load_flags(set(frame.columns))
    return pd.Series(flag_labels(frame, flags).to_numpy(), index=frame["gss_code"].to_numpy())


def map_councils(
    scored: pd.DataFrame,
    names: pd.Series,
    bands: list,
    outlined: pd.Series,
    notes: pd.Series,
) -> pd.DataFrame:
    """Every scored council as the map draws it, by GSS code: name, band, probability,
    whether it is outlined (`outlined`, by GSS code; False where absent) and a note for its
    hover title (`notes`, by GSS code)."""
    table = scored.set_index("gss_code")[["probability"]]
    return table.assign(
        name=table.index.map(names),
        band=assign_band(table["probability"], bands).to_numpy(),
        outlined=table.index.map(outlined).fillna(False).astype(bool),
        note=table.index.map(notes).fillna(""),
    )


def flagged_outside(
    scored: pd.DataFrame, listed: pd.DataFrame, flags_of: pd.Series, names: pd.Series
) -> pd.DataFrame:
    """Councils a review flag marks that the ranked list leaves out, with their rank."""
    ranked = rank_councils(scored[["gss_code", "class", "probability"]])
    ranked = ranked.assign(
        name=ranked["gss_code"].map(names), flags=ranked["gss_code"].map(flags_of)
    )
    outside = ranked[
        (ranked["flags"].fillna("") != "") & ~ranked["gss_code"].isin(listed["gss_code"])
    ]
    return outside[["rank", "name", "gss_code", "class", "probability", "flags"]].reset_index(
        drop=True
    )


def absent_input_labels(
    frames: dict[str, pd.DataFrame], catalogue: pd.DataFrame, as_of: str
) -> list[str]:
    """Plain labels of the catalogued model inputs that the as-of year does not have."""
    inputs = catalogue[catalogue["model_input"] & (catalogue["direction"] != 0)]
    _, absent = available_inputs(frames, list(inputs["name"]), as_of)
    labels = inputs.set_index("name")["label"]
    return [labels[name] for name in absent]


WARNING, MONITORING = "warning", "monitoring"
LISTS = {
    WARNING: "Warning list: not yet raised the alarm",
    MONITORING: "Monitoring: already in support or under a notice",
}


def mark_alarms(table: pd.DataFrame, events: pd.DataFrame, review_year: str | None) -> pd.DataFrame:
    """Each listed council's failures known by the review (`review_year`; every one on record
    when None), after the scored year too, and the list it belongs to: `monitoring` once it
    has received support or issued a notice (it raised the alarm itself), else `warning`,
    the list an early warning is for."""
    known = failure_events(events)
    if review_year is not None:
        known = known[known["known_year"] <= review_year]
    on_record = known.groupby("gss_code").apply(
        lambda rows: "; ".join(
            dict.fromkeys(f"{r.event.upper()} known {r.known_year}" for r in rows.itertuples())
        ),
        include_groups=False,
    )
    failures = table["gss_code"].map(on_record).fillna("")
    return table.assign(
        failures_on_record=failures,
        list=np.where(failures != "", MONITORING, WARNING),
    )


def population_stability(previous: pd.Series, current: pd.Series, bins: int = 10) -> float:
    """Population stability index of one indicator between two reviews (deciles of `previous`)."""
    previous, current = previous.dropna(), current.dropna()
    if len(previous) < bins or len(current) < bins:
        return float("nan")
    edges = np.unique(np.quantile(previous, np.linspace(0, 1, bins + 1)))
    if len(edges) < 3:
        return 0.0
    edges[0], edges[-1] = -np.inf, np.inf
    expected = np.histogram(previous, edges)[0] / len(previous)
    actual = np.histogram(current, edges)[0] / len(current)
    expected, actual = np.clip(expected, 1e-4, None), np.clip(actual, 1e-4, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def drift(previous: pd.DataFrame, current: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """PSI per indicator against the previous review, flagged at 0.10 and 0.25."""
    records = []
    for feature in features:
        if feature not in previous.columns or feature not in current.columns:
            continue
        psi = population_stability(previous[feature], current[feature])
        flag = "" if np.isnan(psi) or psi < 0.10 else "moderate" if psi < 0.25 else "major"
        records.append({"feature": feature, "psi": psi, "flag": flag})
    return pd.DataFrame(records, columns=["feature", "psi", "flag"])


def review_diff(previous: pd.DataFrame, current: pd.DataFrame, movers: int = 10) -> dict:
    """New entrants, leavers and biggest movers, each with the reason that moved most."""
    before = previous.set_index("gss_code")
    now = current.set_index("gss_code")
    entrants = sorted(set(now.index) - set(before.index))
    leavers = sorted(set(before.index) - set(now.index))
    both = sorted(set(now.index) & set(before.index))
    moved = pd.DataFrame(
        {
            "gss_code": both,
            "name": [now.at[g, "name"] for g in both],
            "rank_before": [int(before.at[g, "rank"]) for g in both],
            "rank_now": [int(now.at[g, "rank"]) for g in both],
        }
    )
    moved["places"] = moved["rank_before"] - moved["rank_now"]
    moved = moved.reindex(
        moved["places"].abs().sort_values(ascending=False, kind="mergesort").index
    )
    return {
        "entrants": [
            {
                "gss_code": g,
                "name": now.at[g, "name"],
                "rank": int(now.at[g, "rank"]),
                "reason": now.at[g, "reason_1"] if "reason_1" in now.columns else "",
            }
            for g in entrants
        ],
        "leavers": [  # with the reason that led when it was last listed
            {
                "gss_code": g,
                "name": before.at[g, "name"],
                "rank_before": int(before.at[g, "rank"]),
                "reason": _text(before.at[g, "reason_1"]) if "reason_1" in before.columns else "",
            }
            for g in leavers
        ],
        "movers": [
            {**r, "reason": now.at[r["gss_code"], "reason_1"] if "reason_1" in now.columns else ""}
            for r in moved.head(movers).to_dict(orient="records")
            if r["places"] != 0
        ],
    }


def _text(value) -> str:
    """A cell read back from a previous pack's CSV as text ('' where it was empty)."""
    return value if isinstance(value, str) else ""
