"""Property tests of the feature builders on small SYNTHETIC panels (no real figures).

Hypothesis draws the values; the panel has the real schema, sources and publication
rules, so the properties exercise the same code paths as the embedded data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from riskwatch.features import FEATURES, build_features
from riskwatch.features.frame import NeighbourSets
from riskwatch.features.ops import pick
from riskwatch.features.peers import (
    MAD_SCALE,
    MIN_PEERS,
    neighbour_percentile,
    neighbour_robust_z,
)
from riskwatch.features.seen import (
    SEEN_FROM,
    Sightings,
    encode,
    prepare,
    ranked,
    shared_key,
    stable_order,
    visible,
)
from seen_helpers import seen_plainly

from riskwatch.data.schema import PANEL_COLUMNS

YEARS = ("2007-08", "2008-09", "2009-10", "2010-11", "2011-12")
CURRENCY_UNITS = {"GBP", "GBP_thousand", "GBP_million"}
# (source, indicator, unit, month-day of publication in the calendar year after the year starts)
LINES = (
    ("RS", "net_revenue_expenditure", "GBP_thousand", "11-30"),
    ("RS", "reserves_earmarked_open", "GBP_thousand", "11-30"),
    ("RS", "reserves_earmarked_close", "GBP_thousand", "11-30"),
    ("RS", "reserves_unallocated_open", "GBP_thousand", "11-30"),
    ("RS", "reserves_unallocated_close", "GBP_thousand", "11-30"),
    ("RS", "reserves_schools_close", "GBP_thousand", "11-30"),
    ("RS", "interest_payable", "GBP_thousand", "11-30"),
    ("RS", "mrp", "GBP_thousand", "11-30"),
    ("RS", "investment_income", "GBP_thousand", "11-30"),
    ("RS", "council_tax_requirement", "GBP_thousand", "11-30"),
    ("RS", "total_service_expenditure", "GBP_thousand", "11-30"),
    ("RS", "social_care_nce", "GBP_thousand", "11-30"),
    ("RS", "appropriation_earmarked_reserves", "GBP_thousand", "11-30"),
    ("RS", "appropriation_unallocated_reserves", "GBP_thousand", "11-30"),
    ("BI", "borrowing_total", "GBP_thousand", "06-30"),
    ("BI", "borrowing_short_term", "GBP_thousand", "06-30"),
    ("DFE_CSC", "cin_rereferral_rate", "percent", "11-30"),
)
COUNCILS = tuple(f"E0600{i:04d}" for i in range(7))
CLASSES = ("UA",) * 6 + ("SD",)  # six of a class: the fewest with peer values (5 peers)
FAST = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def synthetic_panel(values: np.ndarray, gaps: np.ndarray) -> pd.DataFrame:
    """A SYNTHETIC panel: values[council, year, line], gaps mark absent values."""
    rows = []
    for c, gss in enumerate(COUNCILS):
        for y, year in enumerate(YEARS):
            after = int(year[:4]) + 1
            for k, (source, indicator, unit, month_day) in enumerate(LINES):
                if gaps[c, y, k]:
                    continue
                rows.append(
                    {
                        "ecode": None,
                        "gss_code": gss,
                        "financial_year": year,
                        "indicator": indicator,
                        "value": float(values[c, y, k]),
                        "status": "reported",
                        "unit": unit,
                        "source": source,
                        "source_file": "synthetic",
                        "vintage": f"synthetic {year}",
                        "period_end": f"{after}-03-31",
                        "published": f"{after}-{month_day}",
                        "published_basis": "rule",
                    }
                )
    return pd.DataFrame(rows, columns=PANEL_COLUMNS)


def synthetic_years(years: tuple[str, ...] = YEARS) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "gss_code": g,
                "ecode": None,
                "financial_year": y,
                "name": g,
                "class": c,
                "source": "RS",
            }
            for g, c in zip(COUNCILS, CLASSES, strict=True)
            for y in years
        ]
    )


NEIGHBOURS = pd.DataFrame(
    [(g, n) for g in COUNCILS for n in COUNCILS if n != g], columns=["gss_code", "neighbour_gss"]
)
SHAPE = (len(COUNCILS), len(YEARS), len(LINES))
panels = st.tuples(
    arrays(np.int64, SHAPE, elements=st.integers(-2_000, 400_000)),
    arrays(np.bool_, SHAPE, elements=st.sampled_from([False] * 9 + [True])),  # ~10% absent
).map(lambda drawn: synthetic_panel(*drawn))


def build(panel: pd.DataFrame, as_of: str, years: pd.DataFrame | None = None) -> pd.DataFrame:
    return build_features(panel, synthetic_years() if years is None else years, as_of, NEIGHBOURS)


def currency_features() -> list[str]:
    return [name for name, f in FEATURES.items() if f.unit in CURRENCY_UNITS]


@FAST
@given(panel=panels, power=st.integers(-12, 12), as_of=st.sampled_from(YEARS[2:]))
def test_ratios_are_invariant_to_the_currency_unit(panel, power, as_of):
    scaled = panel.copy()
    money = scaled["unit"].isin(CURRENCY_UNITS)
    scaled.loc[money, "value"] *= 2.0**power  # exact in binary floating point
    before, after = build(panel, as_of), build(scaled, as_of)
    levels = currency_features()
    pd.testing.assert_frame_equal(before.drop(columns=levels), after.drop(columns=levels))
    pd.testing.assert_frame_equal(before[levels] * 2.0**power, after[levels])


@FAST
@given(panel=panels, as_of=st.sampled_from(YEARS))
def test_the_same_money_in_pounds_gives_the_same_frame(panel, as_of):
    pounds = panel.copy()
    money = pounds["unit"] == "GBP_thousand"
    pounds.loc[money, "value"] *= 1000.0
    pounds.loc[money, "unit"] = "GBP"
    pd.testing.assert_frame_equal(build(panel, as_of), build(pounds, as_of))


@FAST
@given(panel=panels, as_of=st.sampled_from(YEARS))
def test_percentiles_are_between_0_and_100(panel, as_of):
    frame = build(panel, as_of)
    percentiles = frame[[c for c in frame.columns if c.endswith(("_pctile_class", "_pctile_nn"))]]
    assert percentiles.shape[1] > 0
    values = percentiles.to_numpy(dtype=float)
    assert np.all(np.isnan(values) | ((values >= 0) & (values <= 100)))


@FAST
@given(panel=panels, cut=st.integers(2, len(YEARS) - 1))
def test_adding_a_later_year_never_changes_earlier_rows(panel, cut):
    earlier_years = YEARS[:cut]
    earlier = panel[panel["financial_year"].isin(earlier_years)]
    for as_of in earlier_years[-2:]:
        pd.testing.assert_frame_equal(
            build(earlier, as_of, synthetic_years(earlier_years)), build(panel, as_of)
        )


@FAST
@given(panel=panels, as_of=st.sampled_from(YEARS[1:]), shift=st.floats(1, 1e6))
def test_a_revision_published_after_the_as_of_date_never_changes_the_frame(panel, as_of, shift):
    seen = panel[panel["financial_year"] <= as_of]
    revision = seen.assign(
        value=seen["value"] + shift,
        vintage="synthetic revision",
        published=f"{int(as_of[:4]) + 1}-12-01",  # a day after the as-of date
    )
    with_revision = pd.concat([panel, revision], ignore_index=True)
    pd.testing.assert_frame_equal(build(panel, as_of), build(with_revision, as_of))


def test_a_revision_published_by_the_as_of_date_is_used():
    panel = synthetic_panel(np.full(SHAPE, 1000), np.zeros(SHAPE, dtype=bool))
    first = panel[panel["financial_year"] == "2008-09"]
    # published after 2008-09's as-of date (2009-11-30), before 2009-10's (2010-11-30)
    revision = first.assign(value=first["value"] * 3, published="2010-11-01", vintage="rev")
    panel = pd.concat([panel, revision], ignore_index=True)
    as_2008 = build(panel, "2008-09").set_index("gss_code")
    as_2009 = build(panel, "2009-10").set_index("gss_code")
    assert (as_2008["usable_reserves"] == 2000.0).all()  # 1,000 earmarked + 1,000 unallocated
    assert (as_2008["borrowing_growth_1y_pct"] == 0.0).all()
    # a year on, 2008-09 borrowing is the revised 3,000: 2009-10's 1,000 is a fall of 2/3
    assert np.allclose(as_2009["borrowing_growth_1y_pct"], 100 * (1000 / 3000 - 1))


def test_missing_returns_give_nan_never_zero():
    panel = synthetic_panel(np.full(SHAPE, 1000), np.zeros(SHAPE, dtype=bool))
    missing = (panel["gss_code"] == COUNCILS[0]) & (panel["financial_year"] == "2009-10")
    panel.loc[missing & (panel["source"] == "RS"), ["value", "status"]] = [np.nan, "missing_return"]
    frame = build(panel, "2009-10").set_index("gss_code")
    council = frame.loc[COUNCILS[0]]
    assert np.isnan(council["usable_reserves"]) and np.isnan(council["usable_reserves_pct_nre"])
    assert np.isnan(council["consecutive_drawdown_years"])
    assert council["missing_return_latest"] == 1 and council["missing_return_count"] == 1
    assert (frame.drop(index=COUNCILS[0])["missing_return_latest"] == 0).all()


def test_councils_that_did_not_file_have_no_row_and_inherit_nothing():
    panel = synthetic_panel(np.full(SHAPE, 1000), np.zeros(SHAPE, dtype=bool))
    years = synthetic_years()
    abolished = (years["gss_code"] == COUNCILS[1]) & (years["financial_year"] >= "2010-11")
    successor = years[years["gss_code"] == COUNCILS[1]].assign(gss_code="E06099999")
    successor = successor[successor["financial_year"] >= "2010-11"]
    years = pd.concat([years[~abolished], successor], ignore_index=True)
    panel = panel[~((panel["gss_code"] == COUNCILS[1]) & (panel["financial_year"] >= "2010-11"))]
    new = panel[(panel["gss_code"] == COUNCILS[2]) & (panel["financial_year"] >= "2010-11")]
    panel = pd.concat([panel, new.assign(gss_code="E06099999")], ignore_index=True)
    frame = build(panel, "2011-12", years).set_index("gss_code")
    assert COUNCILS[1] not in frame.index
    assert np.isnan(frame.loc["E06099999", "usable_reserves_change_3y_pct"])
    assert frame.loc["E06099999", "usable_reserves_pct_nre"] == 200.0


@pytest.mark.parametrize("as_of", ["2007-8", "07-08", "2007-09"])
def test_a_badly_written_year_is_one_clear_error(as_of):
    from riskwatch.errors import RiskwatchError

    with pytest.raises(RiskwatchError, match="should look like 2016-17"):
        build(synthetic_panel(np.ones(SHAPE), np.zeros(SHAPE, dtype=bool)), as_of)


@FAST
@given(
    keys=st.lists(st.tuples(*[st.sampled_from(["a", "b", "c", None])] * 3), min_size=0, max_size=40)
)
def test_shared_key_is_pandas_duplicated(keys):
    """`shared_key` (sorted integer codes) marks exactly the rows pandas marks duplicated
    (keep=False), a missing key part equal to a missing part."""
    frame = pd.DataFrame(keys, columns=list("xyz"), dtype=object).astype("category")
    expected = frame.duplicated(list("xyz"), keep=False).to_numpy()
    np.testing.assert_array_equal(shared_key(frame, list("xyz")), expected)


@FAST
@given(codes=arrays(np.int64, st.integers(0, 60), elements=st.integers(0, 29)))
def test_ranked_is_pandas_sorted_factorize(codes):
    """`ranked` (a table of the codes present) gives pandas' sorted factorize."""
    rank, present = ranked(codes, 30)
    expected_rank, expected_codes = pd.factorize(codes, sort=True)
    np.testing.assert_array_equal(rank, expected_rank)
    np.testing.assert_array_equal(present, expected_codes)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["E1", "E2", "E3", None]),
            st.sampled_from(["RS", "RSX", "COR", "BI", "RA"]),  # BI, RA: not outturn
            st.sampled_from(["2018-19", "2019-20", "2020-21", None]),
            st.sampled_from(["2019-11-30", "2020-11-30", "2021-11-30", None]),
        ),
        max_size=30,
    ),
    as_of=st.sampled_from(["2019-20", "2020-21"]),
    seen_by=st.sampled_from(["2020-06-01", "2020-11-30", "2021-12-31", None]),
)
def test_sightings_say_what_the_rows_seen_say(rows, as_of, seen_by):
    """`Sightings.at` gives what the rows of years up to `as_of` published by `seen_by`
    (None: every row) say, worked out plainly: the earliest year, and the councils of each
    outturn source in the as-of year and the year before."""
    frame = pd.DataFrame(rows, columns=list(SEEN_FROM), dtype=object)
    seen = Sightings(pd.DataFrame(encode(frame, SEEN_FROM))).at(as_of, seen_by)
    assert seen == seen_plainly(frame, as_of, seen_by)


def test_a_panel_read_as_unsorted_categories_gives_the_frame_of_its_text():
    """A reader of dictionary-encoded Parquet gives categories in the order met, not text
    order; `prepare` reorders them, so dated choices (latest release) are unchanged."""
    panel = pd.DataFrame(
        [
            ("E1", "RS", "net_revenue_expenditure", "2009-10", 100.0, "2010-11-30"),
            ("E1", "RS", "net_revenue_expenditure", "2009-10", 150.0, "2010-09-02"),
            ("E1", "RS", "reserves_unallocated_close", "2009-10", 10.0, "2010-11-30"),
        ],
        columns=["gss_code", "source", "indicator", "financial_year", "value", "published"],
    ).assign(ecode="X1", status="reported", unit="GBP_thousand", period_end="2010-03-31")
    reversed_categories = {
        c: pd.Categorical(panel[c], categories=sorted(panel[c].unique(), reverse=True))
        for c in ("published", "gss_code", "indicator")
    }
    as_text, as_read = prepare(panel), prepare(panel.assign(**reversed_categories))
    pd.testing.assert_frame_equal(
        visible(as_read, "2009-10", "2011-01-01").astype({"published": str, "indicator": str}),
        visible(as_text, "2009-10", "2011-01-01").astype({"published": str, "indicator": str}),
        check_categorical=False,
    )


# Twelve councils' values (ties, missing ones) and (council, neighbour) pairs among them,
# repeated pairs and a council its own neighbour included.
TWELVE_VALUES = arrays(
    float,
    12,
    elements=st.one_of(st.just(np.nan), st.sampled_from([0.0, 1.5, 3.0]), st.floats(-50, 50)),
)
PAIRS_AMONG_TWELVE = st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 11)), min_size=30, max_size=120
)


def as_sets(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray, NeighbourSets]:
    """The pairs' council and neighbour positions, and their sets among twelve councils."""
    council = np.array([c for c, _ in pairs], dtype=np.int64)
    peer = np.array([p for _, p in pairs], dtype=np.int64)
    return council, peer, NeighbourSets.of((council, peer), 12)


def robust_z_by_grouping(values: pd.Series, council: np.ndarray, peer: np.ndarray) -> np.ndarray:
    """The nearest-neighbour robust z-score worked out plainly: per council, the median and
    MAD of itself and its peers with values (both known), by pandas' groupby."""
    own = values.to_numpy(dtype=float)
    known = ~np.isnan(own[council]) & ~np.isnan(own[peer])
    z = np.full(len(own), np.nan)
    for c in np.unique(council[known]):
        members = pd.Series(np.append(own[peer[known & (council == c)]], own[c]))
        median = members.median()
        mad = (members - median).abs().median()
        if len(members) - 1 >= MIN_PEERS and mad > 0:
            z[c] = (own[c] - median) / (MAD_SCALE * mad)
    return z


@settings(max_examples=60, deadline=None)
@given(values=TWELVE_VALUES, pairs=PAIRS_AMONG_TWELVE)
def test_neighbour_robust_z_is_the_median_and_mad_of_each_set(values, pairs):
    """`neighbour_robust_z` (each council's set sorted as a row of a table) equals the
    groupby reading exactly: ties, even sets, NaN values and repeated pairs included."""
    council, peer, sets = as_sets(pairs)
    series = pd.Series(values)
    np.testing.assert_array_equal(
        neighbour_robust_z(series, sets).to_numpy(),
        robust_z_by_grouping(series, council, peer),
    )


def percentile_pair_by_pair(values: pd.Series, council: np.ndarray, peer: np.ndarray) -> np.ndarray:
    """The nearest-neighbour percentile worked out plainly: per council, its peers with
    values (both known) below it, ties counted half, over their number."""
    own = values.to_numpy(dtype=float)
    below, counted = np.zeros(len(own)), np.zeros(len(own))
    for c, p in zip(council, peer, strict=True):
        if not np.isnan(own[c]) and not np.isnan(own[p]):
            below[c] += 1.0 if own[p] < own[c] else 0.5 if own[p] == own[c] else 0.0
            counted[c] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counted >= MIN_PEERS, 100.0 * below / counted, np.nan)


@settings(max_examples=60, deadline=None)
@given(values=TWELVE_VALUES, pairs=PAIRS_AMONG_TWELVE)
def test_neighbour_percentile_counts_each_pair_with_both_values(values, pairs):
    """`neighbour_percentile` (each council's set as a row of a table) equals the reading
    pair by pair exactly: ties, NaN values and repeated pairs included."""
    council, peer, sets = as_sets(pairs)
    series = pd.Series(values)
    np.testing.assert_array_equal(
        neighbour_percentile(series, sets).to_numpy(),
        percentile_pair_by_pair(series, council, peer),
    )


@settings(max_examples=60, deadline=None)
@given(
    values=arrays(float, 9, elements=st.one_of(st.just(np.nan), st.floats(-50, 50))),
    others=arrays(float, 9, elements=st.one_of(st.just(np.nan), st.floats(-50, 50))),
    condition=arrays(bool, 9),
)
def test_pick_is_series_where_for_series_of_one_index(values, others, condition):
    """The builders' `pick` gives what pandas' `where` gives, with a series, a number or
    nothing (NaN) elsewhere."""
    index = pd.Index([f"E0{i}" for i in range(9)], dtype=object)
    series, other = pd.Series(values, index=index), pd.Series(others, index=index)
    keep = pd.Series(condition, index=index)
    for alternative in (other, 2.0):
        pd.testing.assert_series_equal(
            pick(keep, series, alternative), series.where(keep, alternative)
        )
    pd.testing.assert_series_equal(pick(condition, series), series.where(condition))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 2), st.integers(0, 3)), min_size=1, max_size=80
    )
)
def test_folded_keys_sort_as_lexsort_does(rows):
    """The wide table orders a key's repeated releases by folding (cell, period, published)
    into one integer: the order `np.lexsort` gives, ties kept in row order."""
    cell, period, published = np.array(rows, dtype=np.int64).T
    expected = np.lexsort((np.arange(len(rows)), published, period, cell))
    np.testing.assert_array_equal(stable_order((cell, period, published), (7, 3, 4)), expected)
    with pytest.raises(ValueError, match="64-bit"):
        stable_order((cell, period, published), (2**40, 2**20, 2**4))
