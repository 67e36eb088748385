"""A council's explanation: every contribution to its score, its indicators over time against
its peers, its events, and what would bring it below the warning threshold.

Pure functions of the tables, feature frames and a loaded model; the CLI and the review
pack (`riskwatch.report.review_pack`) print and write them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskwatch.reasons import CONTRIB, base_indicators, indicator_groups
from riskwatch.registered import LoadedModel, model_words
from riskwatch.review import council_flags
from riskwatch.scoring import model_inputs, score, threshold_crossings
from riskwatch.watchlist import bands_from_config


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
        listed, frame, frames, as_of, catalogue, tables.get("neighbours"), every=True, tables=tables
    )
    groups_of = {gss: rows.reset_index(drop=True) for gss, rows in every_group.groupby("gss_code")}
    contributions_of = {
        gss: _under_shown_base(contributions, groups_of[gss], catalogue)
        for gss, contributions in _contributions(listed, frame, gss_codes, catalogue).items()
    }
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


def _under_shown_base(
    contributions: pd.DataFrame, groups: pd.DataFrame, catalogue: pd.DataFrame
) -> pd.DataFrame:
    """A council's contributions with each form under the base its indicator group is shown
    as: the base contributing most among those measuring one quantity (reasons.py)."""
    quantity = catalogue.drop_duplicates("base").set_index("base")["quantity"]
    shown = {quantity.get(b, b): b for b in groups["base"]}
    bases = [shown.get(quantity.get(b, b), b) for b in contributions["base"]]
    return contributions.assign(base=bases)


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
