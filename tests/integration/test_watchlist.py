"""The watchlist: deterministic ranking, reasons from contributions, lookup, diff, what-would-move."""

import numpy as np
import pandas as pd
import pytest
from model_helpers import logit_champion, registered_like

from riskwatch.errors import RiskwatchError
from riskwatch.explanations import what_would_move
from riskwatch.reason_words import class_standing, reason_text
from riskwatch.reasons import peer_percentiles, reasons
from riskwatch.review import review_diff
from riskwatch.units import change_words, format_value
from riskwatch.watchlist import assign_band, bands_from_config, rank_councils

AS_OF = "2022-23"


def test_ranking_is_deterministic_with_ties():
    scored = pd.DataFrame(
        {"gss_code": ["E3", "E1", "E2", "E4"], "probability": [0.2, 0.5, 0.2, 0.2]}
    )
    ranked = rank_councils(scored)
    assert ranked["gss_code"].tolist() == ["E1", "E2", "E3", "E4"]
    assert ranked["rank"].tolist() == [1, 2, 3, 4]
    shuffled = rank_councils(scored.sample(frac=1, random_state=3))
    assert shuffled["gss_code"].tolist() == ranked["gss_code"].tolist()


def test_bands_from_configuration():
    bands = bands_from_config(
        {
            "bands": [
                {"name": "watch", "min_probability": 0.03},
                {"name": "high", "min_probability": 0.15},
            ]
        }
    )
    labels = assign_band(pd.Series([0.5, 0.15, 0.1, 0.01]), bands)
    assert labels.tolist() == ["high", "high", "watch", "below threshold"]


@pytest.fixture(scope="module")
def fitted(tables, frames, feature_inputs):
    """A logit (on the few inputs configs/models.toml gives it)."""
    return registered_like(tables, frames, feature_inputs, "logit")


@pytest.fixture(scope="module")
def fitted_index(tables, frames, feature_inputs):
    """The resilience index: every input, a missing value contributing nothing."""
    return registered_like(tables, frames, feature_inputs, "index")


def test_reasons_sum_every_form_of_one_indicator(tables, frames, fitted, feature_inputs):
    from riskwatch.features import feature_descriptions

    from riskwatch.scoring import score

    scored = score(fitted, frames[AS_OF], tables["events"]).head(25)
    catalogue = feature_descriptions()
    table = reasons(scored, frames[AS_OF], frames, AS_OF, catalogue, tables["neighbours"], 4)
    assert len(table) > 0
    base = catalogue.set_index("name")["base"]
    quantity = catalogue.set_index("name")["quantity"]
    # a reason sums every form of every base measuring its quantity (one stock, one reason)
    forms = {
        b: [f for f in fitted.input_columns if quantity.get(f) == quantity[b]] for b in set(base)
    }
    for gss, rows in table.groupby("gss_code"):
        assert rows["reason"].tolist() == list(range(1, len(rows) + 1))
        assert rows["base"].map(quantity).is_unique  # one reason per quantity
        assert rows["contribution"].is_monotonic_decreasing
        assert (rows["contribution"] > 0).all()
        row = scored[scored.gss_code == gss].iloc[0]
        for r in rows.itertuples():
            summed = sum(row[f"contrib__{f}"] for f in forms[r.base])
            assert r.contribution == pytest.approx(summed)
    # A reason speaks of the base indicator, never of a percentile or z-score form.
    assert set(table["base"]) <= set(base[base.index == base].index)
    assert not table["unit"].isin(["percentile", "robust_z"]).any()
    assert table["mechanism"].ne("").all()
    assert table["class_percentile"].dropna().between(0, 100).all()
    described = catalogue.set_index("name")
    assert (table["indicator"] == table["base"].map(described["label"])).all()


def test_every_form_names_a_registered_base_with_its_mechanism():
    from riskwatch.features import FEATURES
    from riskwatch.features.registry import MECHANISMS, base_of

    for feature in FEATURES.values():
        root = base_of(feature.name)
        assert root in FEATURES, feature.name
        assert FEATURES[root].base == root
        assert feature.mechanism in MECHANISMS
        assert feature.mechanism == FEATURES[root].mechanism, feature.name
    assert base_of("usable_reserves_change_3y_pct_pctile_class") == "usable_reserves_pct_nre"
    assert base_of("interest_payable_pct_nre_z_nn") == "interest_payable_pct_nre"
    assert FEATURES["dsg_deficit_pct"].mechanism == "demand: schools"


def test_neighbour_percentiles_equal_pandas_rank_with_ties_and_gaps():
    rng = np.random.default_rng(7)
    values = rng.integers(0, 4, size=(9, 3)).astype(float)  # small integers: many ties
    values[rng.random(values.shape) < 0.25] = np.nan
    codes = [f"E{i}" for i in range(9)]
    frame = pd.DataFrame(values, columns=["a", "b", "c"]).assign(gss_code=codes, **{"class": "UA"})
    neighbours = pd.DataFrame(
        [(g, p) for i, g in enumerate(codes) for p in codes[i + 1 : i + 5] + ["E_gone"]],
        columns=["gss_code", "neighbour_gss"],
    )
    _, by_neighbours = peer_percentiles(frame, ["a", "b", "c"], neighbours)
    indexed = frame.set_index("gss_code")[["a", "b", "c"]]
    for gss, peers in neighbours.groupby("gss_code")["neighbour_gss"]:
        group = indexed.reindex([gss, *[p for p in peers if p in indexed.index]])
        expected = group.rank(pct=True).loc[gss] * 100
        pd.testing.assert_series_equal(by_neighbours.loc[gss], expected, check_names=False)


def test_reason_text_reads_in_the_indicator_units():
    # Hand-made: a unitary council with the highest financing costs of its 62-council class.
    peers = pd.Series([37.0, *np.linspace(5.0, 20.0, 61)])
    standing = class_standing(37.0, peers, "UA")
    assert standing == "the highest of 62 unitary councils"
    reason = pd.Series(
        {
            "mechanism": "debt and financing",
            "indicator": "Interest payable, % of net revenue spending",
            "unit": "percent",
            "value": 37.04,
            "class_standing": standing,
            "change_1y": 4.0,
            "change_3y": 12.2,
        }
    )
    assert reason_text(reason) == (
        "[debt and financing] Interest payable, % of net revenue spending: 37.0%, "
        "the highest of 62 unitary councils, up 12 points in 3 years"
    )
    # Without a 3-year change, the year's; without a class standing, none.
    one_year = reason.copy()
    one_year["change_3y"], one_year["class_standing"] = np.nan, ""
    assert reason_text(one_year).endswith("spending: 37.0%, up 4.0 points over the year")
    assert class_standing(5.25, peers, "UA") == "lowest 4% of unitary councils"  # 2nd of 62

    assert class_standing(15.0, peers, "SC") == "above the median of county councils"
    assert class_standing(15.0, peers.head(4), "UA") == ""
    # Changes are worded for levels only: never a percentile's change as points.
    assert change_words(-82.3, "percentile", 3) == ""
    assert change_words(-2500.0, "GBP_thousand", 1) == "down £2.5m over the year"
    assert change_words(0.01, "percent", 3) == "unchanged in 3 years"
    assert format_value(64632.0, "GBP_thousand") == "£64.6m"
    assert format_value(1.0, "flag") == "yes"
    assert format_value(np.inf, "years") == "unbounded"
    assert format_value(np.nan, "percent") == "missing"


def test_what_would_move_it_is_verified_by_rescoring(tables, frames, fitted, feature_inputs):
    from riskwatch.scoring import model_inputs, score

    scored = score(fitted, frames[AS_OF], tables["events"]).sort_values("probability")
    top = scored.iloc[-1]
    threshold = float(top["probability"]) / 2
    features = [f for f in fitted.input_columns if f != "past_failure"]
    moves = what_would_move(
        fitted,
        frames[AS_OF],
        tables["events"],
        {top["gss_code"]: features},
        {**feature_inputs.directions},
        threshold,
    )[top["gss_code"]]
    found = moves.dropna(subset=["value_below_threshold"])
    found = found[found["note"] == ""]
    assert len(found) > 0
    inputs = model_inputs(frames[AS_OF], tables["events"], fitted.input_columns)
    row = inputs[frames[AS_OF]["gss_code"].to_numpy() == top["gss_code"]]
    for move in found.itertuples():
        moved = row.assign(**{move.feature: move.value_below_threshold})
        assert fitted.predict(moved)["probability"].iloc[0] < threshold
        # only just: the value a step back towards the current one is still above
        step = (move.value - move.value_below_threshold) * 0.02
        back = row.assign(**{move.feature: move.value_below_threshold + step})
        assert fitted.predict(back)["probability"].iloc[0] >= threshold * 0.98


def test_name_lookup_with_ambiguity(tables):
    from riskwatch.service.scoring import resolve_authority

    authorities = tables["authorities"]
    assert resolve_authority("E09000008", authorities) == "E09000008"
    assert resolve_authority("croydon", authorities) == "E09000008"
    assert resolve_authority("THURROCK", authorities) == "E06000034"
    # An exact name without its class suffix wins over a longer name it begins.
    assert resolve_authority("woking", authorities) == "E07000217"  # Woking BC
    assert resolve_authority("Wokingham", authorities) == "E06000041"  # Wokingham UA
    assert resolve_authority("woking bc", authorities) == "E07000217"
    with pytest.raises(RiskwatchError, match="ambiguous"):
        resolve_authority("wok", authorities)
    with pytest.raises(RiskwatchError, match="ambiguous"):
        resolve_authority("North", authorities)
    with pytest.raises(RiskwatchError, match="did you mean"):
        resolve_authority("Croydn", authorities)


def test_review_diff_on_two_consecutive_reviews():
    before = pd.DataFrame(
        {"gss_code": ["A", "B", "C"], "name": ["a", "b", "c"], "rank": [1, 2, 3], "reason_1": "x"}
    )
    now = pd.DataFrame(
        {"gss_code": ["C", "A", "D"], "name": ["c", "a", "d"], "rank": [1, 2, 3], "reason_1": "y"}
    )
    diff = review_diff(before, now)
    assert [e["gss_code"] for e in diff["entrants"]] == ["D"]
    assert [e["gss_code"] for e in diff["leavers"]] == ["B"]
    assert [(m["gss_code"], m["places"]) for m in diff["movers"]] == [("C", 2), ("A", -1)]


def test_population_stability_flags_a_shift():
    from riskwatch.review import drift

    rng = np.random.default_rng(0)
    before = pd.DataFrame({"x": rng.normal(0, 1, 400), "y": rng.normal(0, 1, 400)})
    after = pd.DataFrame({"x": rng.normal(0, 1, 400), "y": rng.normal(1.5, 1, 400)})
    table = drift(before, after, ["x", "y"]).set_index("feature")
    assert table.loc["x", "flag"] == ""
    assert table.loc["y", "flag"] == "major"


def test_explanation_lists_contributions_by_indicator(tables, frames, fitted_index, feature_inputs):
    import re

    from riskwatch.features import feature_descriptions

    from riskwatch.cli.format import format_explanation
    from riskwatch.explanations import explain
    from riskwatch.settings import load_run_config

    woking = "E07000217"  # filed no outturn return for 2022-23: most inputs have no value
    e = explain(
        tables,
        frames,
        fitted_index,
        woking,
        AS_OF,
        feature_descriptions(),
        load_run_config()["watchlist"],
        {**feature_inputs.directions, "past_failure": 1},
    )
    # Each indicator's contribution is the sum of its forms', and every form is in one group.
    summed = e.contributions.groupby("base")["contribution"].sum()
    groups = e.groups.set_index("base")["contribution"]
    assert set(groups.index) == set(summed.index)
    assert np.allclose(groups.sort_index(), summed.sort_index())
    text = format_explanation(e)
    assert "Model: registered version 0" in text
    assert not re.search(r"[+-]0\.000 .*= missing", text)
    silent = e.contributions["value"].isna() & (e.contributions["contribution"].abs() < 5e-4)
    assert silent.sum() > 60
    (summary,) = [line for line in text.splitlines() if "No value, so no contribution" in line]
    assert f": {silent.sum()} inputs," in summary
    # One headline per indicator with a form worth showing, largest contribution first.
    headlines = [line for line in text.splitlines() if re.match(r"  [+-]\d\.\d{3}  ", line)]
    shown = e.groups[e.groups["base"].isin(e.contributions.loc[~silent, "base"])]
    assert len(headlines) == len(shown)
    assert headlines[0].startswith(f"  {shown['contribution'].iloc[0]:+.3f}  [")


def test_a_past_year_is_explained_without_hindsight(tables, frames, feature_inputs):
    from riskwatch.labels import shift_year
    from riskwatch.registered import model_words
    from riskwatch.training import retrospective_model

    champion = logit_champion("2007-08..2021-22", [])
    # A year after the champion's training rows: the champion itself explains it.
    assert retrospective_model(tables, frames, feature_inputs, champion, "2022-23") is None
    # A year it was trained on: a model fitted on the windows closed by then, as the
    # backtest fits that origin (rows up to 2017-18 for 2019-20 at a 2-year horizon).
    model = retrospective_model(tables, frames, feature_inputs, champion, "2019-20")
    assert model.version is None
    assert model.description["params"]["training_years"] == f"2007-08..{shift_year('2019-20', -2)}"
    words = model_words(model)
    assert "trained on the years 2007-08 to 2017-18" in words
    assert "champion version 7 was trained on this year's outcome" in words
    from riskwatch.scoring import score

    scored = score(model, frames["2019-20"], tables["events"])
    assert scored["probability"].between(0, 1).all() and len(scored) == len(frames["2019-20"])


def test_councils_that_raised_the_alarm_are_monitored_not_warned(tables):
    from riskwatch.labels import quarter_year
    from riskwatch.review import mark_alarms

    assert quarter_year("2026Q3") == "2026-27" and quarter_year("2026Q1") == "2025-26"
    # events.csv: Middlesbrough EFS decided 2024-25; Stoke-on-Trent EFS decided 2024-25 (for
    # 2023-24 and 2024-25) and 2025-26; Plymouth none. All after a 2023-24 scoring year.
    table = pd.DataFrame({"gss_code": ["E06000002", "E06000021", "E06000026"]})
    review = mark_alarms(table, tables["events"], quarter_year("2026Q3"))
    assert review["list"].tolist() == ["monitoring", "monitoring", "warning"]
    assert review["failures_on_record"].tolist() == [
        "EFS known 2024-25",
        "EFS known 2024-25; EFS known 2025-26",
        "",
    ]
    # A review held before the support was agreed warns about all three.
    before = mark_alarms(table, tables["events"], "2023-24")
    assert before["list"].tolist() == ["warning"] * 3


def _one_feature_at_a_time(
    predict_probability, row, feature, threshold, bound, rounds=4, points=33
):
    """The search as it ran before it was batched (a grid per feature and round, one call
    each): the reference the batched search must reproduce exactly."""
    current = float(row[feature].iloc[0])
    if np.isnan(current) or np.isnan(bound):
        return None
    risky, safe = current, bound
    for _ in range(rounds):
        grid = np.linspace(risky, safe, points)
        candidates = pd.concat([row] * points, ignore_index=True).assign(**{feature: grid})
        below = predict_probability(candidates) < threshold
        if below[0]:
            return float(grid[0])
        if not below.any():
            return None
        first = int(np.argmax(below))
        risky, safe = grid[first - 1], grid[first]
    return float(safe)


def test_batched_what_would_move_matches_searching_one_feature_at_a_time(
    tables, frames, fitted, feature_inputs
):
    """On the real 2022-23 frame, searched for the five highest-scored councils and a council
    in the middle together, every input's value is the one the unbatched search finds, None
    where it found none; at two thresholds, so that searches both cross and do not."""
    from riskwatch.scoring import model_inputs, score

    scored = score(fitted, frames[AS_OF], tables["events"]).sort_values(
        ["probability", "gss_code"], ascending=[False, True]
    )
    councils = [*scored["gss_code"].head(5), scored["gss_code"].iloc[len(scored) // 2]]
    directions = {**feature_inputs.directions, "past_failure": 1}
    features = [f for f in fitted.input_columns if directions.get(f, 0) != 0]
    inputs = model_inputs(frames[AS_OF], tables["events"], fitted.input_columns)

    def probability(candidate):
        return fitted.predict(candidate)["probability"].to_numpy()

    notes = set()
    for threshold in (0.03, float(scored["probability"].iloc[0]) / 2):
        every = what_would_move(  # all six councils searched together
            fitted,
            frames[AS_OF],
            tables["events"],
            {gss: features for gss in councils},
            directions,
            threshold,
        )
        assert list(every) == councils
        for gss, moves in every.items():
            row = inputs[frames[AS_OF]["gss_code"].to_numpy() == gss]
            assert moves["feature"].tolist() == features
            for move in moves.itertuples():
                direction = directions[move.feature]
                column = inputs[move.feature]
                bound = float(column.min() if direction > 0 else column.max())
                expected = _one_feature_at_a_time(probability, row, move.feature, threshold, bound)
                got = None if pd.isna(move.value_below_threshold) else move.value_below_threshold
                assert got == expected, (gss, move.feature, threshold)
                notes.add(move.note)
    assert "" in notes and len(notes) >= 2  # searches that crossed, and others that did not


def test_scored_year_reasons_name_the_year_and_kind_of_their_figures(tables, frames, fitted):
    """2024-25 reads RS 2023-24 in place of the RS 2024-25 not held: every reason resting on
    it says so; no reason rests on a budget figure unless the indicator is a declared
    budget-against-outturn comparison; one quantity makes one reason."""
    from riskwatch.features import FEATURES, feature_descriptions

    from riskwatch.scoring import score

    year = "2024-25"
    scored = score(fitted, frames[year], tables["events"]).head(30)
    catalogue = feature_descriptions()
    table = reasons(scored, frames[year], frames, year, catalogue, tables["neighbours"], 4)
    assert len(table) > 0
    for row in table.itertuples():
        inputs = FEATURES[row.base].inputs
        if any(source == "RA" for source, _ in inputs):
            assert FEATURES[row.base].compares
        own_rs = (
            {i for s, i in inputs if s == "RS"}
            - {i for s, i in inputs if s == "RSX"}
            - {"net_revenue_expenditure", "total_service_expenditure"}
        )
        if own_rs and not np.isnan(row.value):
            assert "2023-24 outturn, the latest published" in row.dated, row.base
    quantity = catalogue.drop_duplicates("base").set_index("base")["quantity"]
    assert not table.assign(q=table["base"].map(quantity)).duplicated(["gss_code", "q"]).any()


def test_a_value_shared_at_the_top_is_not_called_the_highest():
    # A flag set for 2 of 36 metropolitan districts: neither is "the highest of 36".
    flags = pd.Series([1.0, 1.0, *[0.0] * 34])
    assert class_standing(1.0, flags, "MD") == (
        "2 of 36 metropolitan districts share the highest value"
    )
    assert class_standing(1.0, pd.Series([1.0, *[0.0] * 35]), "MD") == (
        "the highest of 36 metropolitan districts"
    )
