"""The quarterly review: watchlist, explanations, diff against the last review, drift.

Pure functions: given the tables, feature frames and a loaded model, they
return DataFrames and dicts; `riskwatch.report.pack` writes them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.dataset import available_inputs
from riskwatch.flags import flag_labels, load_flags
from riskwatch.labels import failure_events, shift_year
from riskwatch.reasons import CONTRIB, base_indicators, indicator_groups, reasons
from riskwatch.scoring import LoadedModel, model_inputs, model_words, score, threshold_crossings
from riskwatch.watchlist import bands_from_config, build_watchlist, rank_councils


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
    top: int | None = None,
    review_year: str | None = None,
) -> Watchlist:
    """Score every council as of `as_of`, rank, band, give each listed council its reasons,
    and split the list by whether it has raised the alarm by the review (`mark_alarms`)."""
    top = top or config["top"]
    bands = bands_from_config(config)
    scored = score(model, frames[as_of], tables["events"])
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


@dataclass(frozen=True)
class Explanation:
    gss_code: str
    name: str
    as_of: str
    probability: float
    rank: int
    model: str  # which model explained it, and its training window
    contributions: pd.DataFrame  # feature, base, plain indicator, unit, value, contribution
    groups: pd.DataFrame  # one row per base indicator: summed contribution, worded as a reason
    history: pd.DataFrame  # year x (value, class median, neighbour median) of the top reasons
    events: pd.DataFrame
    moves: pd.DataFrame  # top reasons: value now, value that would bring it below threshold
    flags: str  # the review flags the council raises, '; '-joined ('' if none)


def explain(
    tables: dict[str, pd.DataFrame],
    frames: dict[str, pd.DataFrame],
    model: LoadedModel,
    gss_code: str,
    as_of: str,
    catalogue: pd.DataFrame,
    config: dict,
    directions: dict[str, int],
    scored: pd.DataFrame | None = None,
) -> Explanation:
    """Every contribution, indicators over time against peers, events, and what would move it.

    `scored` is every council scored as of `as_of` by `model`, when the caller has it already.
    """
    return explain_councils(
        tables, frames, model, [gss_code], as_of, catalogue, config, directions, scored
    )[gss_code]


def explain_councils(
    tables: dict[str, pd.DataFrame],
    frames: dict[str, pd.DataFrame],
    model: LoadedModel,
    gss_codes: list[str],
    as_of: str,
    catalogue: pd.DataFrame,
    config: dict,
    directions: dict[str, int],
    scored: pd.DataFrame | None = None,
) -> dict[str, Explanation]:
    """`explain` for each council of `gss_codes`, by GSS code. The work that covers the
    whole frame (indicator standings, peer medians over the years, the search for what
    would move each council) is done once for all the councils, not once per council."""
    frame = frames[as_of]
    if scored is None:
        scored = score(model, frame, tables["events"])
    ranked = scored.sort_values(["probability", "gss_code"], ascending=[False, True])
    position_of = dict(zip(ranked["gss_code"], range(1, len(ranked) + 1), strict=True))
    names = tables["authorities"].set_index("gss_code")["name"]
    flags_of = council_flags(frame)
    threshold = min(b.min_probability for b in bands_from_config(config))
    listed = scored[scored["gss_code"].isin(gss_codes)]
    every_group = indicator_groups(
        listed, frame, frames, as_of, catalogue, tables.get("neighbours"), every=True
    )
    groups_of = {gss: rows.reset_index(drop=True) for gss, rows in every_group.groupby("gss_code")}
    contributions_of = _contributions(listed, frame, gss_codes, catalogue)
    top_features = {
        gss: [f for f in contributions["feature"] if f in frame.columns][: config["reasons"]]
        for gss, contributions in contributions_of.items()
    }
    key_indicators = {}
    for gss in gss_codes:
        groups = groups_of[gss]
        rising = groups[(groups["contribution"] > 0) & groups["base"].isin(frame.columns)]
        key_indicators[gss] = rising["base"].head(config["reasons"]).tolist()
    histories = indicator_histories(frames, key_indicators, tables.get("neighbours"), as_of)
    moves = what_would_move(model, frame, tables["events"], top_features, directions, threshold)
    probability = listed.set_index("gss_code")["probability"]
    events = tables["events"]
    return {
        gss: Explanation(
            gss_code=gss,
            name=str(names.get(gss, gss)),
            as_of=as_of,
            probability=float(probability[gss]),
            rank=position_of[gss],
            model=model_words(model),
            contributions=contributions_of[gss],
            groups=groups_of[gss],
            history=histories[gss],
            events=events[events["gss_code"] == gss].reset_index(drop=True),
            moves=moves[gss],
            flags=str(flags_of.get(gss, "")),
        )
        for gss in gss_codes
    }


def _contributions(
    scored: pd.DataFrame, frame: pd.DataFrame, gss_codes: list[str], catalogue: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Each council's contribution per model input, with its base indicator, label, unit
    and value; largest first (ties by feature name)."""
    described = catalogue.set_index("name")
    features = [c.removeprefix(CONTRIB) for c in scored.columns if c.startswith(CONTRIB)]
    features = [f for f in features if f != "baseline"]
    bases = base_indicators(features, catalogue).to_numpy()
    labels = [described["label"].get(f, f.replace("_", " ")) for f in features]
    units = [described["unit"].get(f, "") for f in features]
    by_code = frame.set_index("gss_code")
    scored_by_code = scored.set_index("gss_code")
    out = {}
    for gss_code in gss_codes:
        row = scored_by_code.loc[gss_code]
        values = by_code.loc[gss_code]
        contributions = pd.DataFrame(
            {
                "feature": features,
                "base": bases,
                "indicator": labels,
                "unit": units,
                "value": [values.get(f, np.nan) for f in features],
                "contribution": [row[CONTRIB + f] for f in features],
            }
        ).sort_values(["contribution", "feature"], ascending=[False, True], kind="mergesort")
        out[gss_code] = contributions.reset_index(drop=True)
    return out


def indicator_history(
    frames: dict[str, pd.DataFrame],
    gss_code: str,
    features: list[str],
    neighbours: pd.DataFrame | None,
    as_of: str,
) -> pd.DataFrame:
    """Each feature over the years up to `as_of`: the council, its class median, its neighbours."""
    return indicator_histories(frames, {gss_code: features}, neighbours, as_of)[gss_code]


def indicator_histories(
    frames: dict[str, pd.DataFrame],
    features_of: Mapping[str, list[str]],
    neighbours: pd.DataFrame | None,
    as_of: str,
) -> dict[str, pd.DataFrame]:
    """`indicator_history` of each council of `features_of` (GSS code: its features), with
    each year's class medians computed once for all the councils."""
    wanted = list(dict.fromkeys(f for features in features_of.values() for f in features))
    peers_of = {
        gss: set(neighbours.loc[neighbours["gss_code"] == gss, "neighbour_gss"])
        if neighbours is not None
        else set()
        for gss in features_of
    }
    records = {gss: [] for gss in features_of}
    for year in sorted(y for y in frames if y <= as_of):
        frame = frames[year]
        class_medians = frame.groupby("class")[wanted].median()
        values = frame[wanted].to_numpy(dtype=float)
        row_of = {gss: i for i, gss in reversed(list(enumerate(frame["gss_code"])))}
        classes = frame["class"].to_numpy()
        column = {feature: j for j, feature in enumerate(wanted)}
        for gss, features in features_of.items():
            if gss not in row_of:
                continue
            own = row_of[gss]
            near = [i for i, code in enumerate(frame["gss_code"]) if code in peers_of[gss]]
            with warnings.catch_warnings():  # a feature no neighbour reports: NaN, as pandas
                warnings.simplefilter("ignore", RuntimeWarning)
                near_medians = np.nanmedian(values[near], axis=0) if near else None
            for feature in features:
                records[gss].append(
                    {
                        "year": year,
                        "feature": feature,
                        "value": values[own, column[feature]],
                        "class_median": class_medians.at[classes[own], feature],
                        "neighbour_median": (
                            near_medians[column[feature]] if near_medians is not None else np.nan
                        ),
                    }
                )
    columns = ["year", "feature", "value", "class_median", "neighbour_median"]
    return {gss: pd.DataFrame(found, columns=columns) for gss, found in records.items()}


def what_would_move(
    model: LoadedModel,
    frame: pd.DataFrame,
    events: pd.DataFrame,
    features_of: Mapping[str, list[str]],
    directions: dict[str, int],
    threshold: float,
) -> dict[str, pd.DataFrame]:
    """For each council of `features_of` (GSS code: its top reasons' features) and each of
    those features: the value that alone would bring the score below the threshold."""
    inputs = model_inputs(frame, events, model.input_columns)
    codes = frame["gss_code"].to_numpy()
    rows = {gss: inputs[codes == gss] for gss in features_of}
    searches = {}
    for gss, features in features_of.items():
        for feature in features:
            direction = directions.get(feature, 0)
            if direction == 0 or feature not in inputs.columns:
                continue
            column = inputs[feature]
            bound = column.min() if direction > 0 else column.max()
            searches[gss, feature] = (rows[gss], feature, float(bound))

    def probability(candidate: pd.DataFrame) -> np.ndarray:
        return model.predict(candidate)["probability"].to_numpy()

    targets = threshold_crossings(probability, searches, threshold)
    records = {gss: [] for gss in features_of}
    for (gss, feature), target in targets.items():
        value = float(rows[gss][feature].iloc[0])
        records[gss].append(
            {
                "feature": feature,
                "value": value,
                "value_below_threshold": target,
                "threshold": threshold,
                "note": (
                    "already below the threshold"
                    if target is not None and target == value
                    else "no value within the range councils report brings it below on its own"
                    if target is None
                    else ""
                ),
            }
        )
    columns = ["feature", "value", "value_below_threshold", "threshold", "note"]
    return {gss: pd.DataFrame(found, columns=columns) for gss, found in records.items()}


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
