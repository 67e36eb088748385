"""The chunked feature build (`features.chunked`) equals the whole-panel build exactly, on a
small SYNTHETIC panel (no real figures) cut into several chunks of councils.

The panel is made so that each thing a chunk cannot know alone matters: classes and
nearest neighbours that span chunks (peer features), a revenue outturn return (RS) held
for only a few councils in the latest year (so it is carried a year, judged on every
council, not a chunk's), a history starting later in one chunk than in the others, and a
value released twice (the later release seen only from its date).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from riskwatch.features import build_features
from riskwatch.features.chunked import chunked_frames, split_councils
from riskwatch.features.frame import View
from riskwatch.features.seen import KEY, Positions, Releases, Seen, prepare, seen_of, visible

from riskwatch.data.schema import PANEL_COLUMNS

YEARS = ("2015-16", "2016-17", "2017-18", "2018-19", "2019-20")
AS_OF = ("2017-18", "2018-19", "2019-20")
RS_LINES = (
    "net_revenue_expenditure",
    "total_service_expenditure",
    "reserves_earmarked_open",
    "reserves_earmarked_close",
    "reserves_unallocated_open",
    "reserves_unallocated_close",
    "interest_payable",
    "mrp",
    "council_tax_requirement",
)
COUNCILS = tuple(f"E0600{i:04d}" for i in range(14))
CLASSES = ("UA",) * 7 + ("SD",) * 7  # each class spans two of the chunks of 5
CHUNK = 5
LATE_START = COUNCILS[10:]  # the last chunk (councils 10 to 13) holds no 2015-16 rows
RS_LATEST = COUNCILS[:3]  # the only councils with RS for 2019-20: RS is carried then
REVISED = (COUNCILS[1], "net_revenue_expenditure", "2016-17")  # released again a year later


def row(gss: str, year: str, source: str, indicator: str, value: float, published: str) -> dict:
    return {
        "ecode": None,
        "gss_code": gss,
        "financial_year": year,
        "indicator": indicator,
        "value": value,
        "status": "reported",
        "unit": "GBP_thousand",
        "source": source,
        "source_file": "synthetic",
        "vintage": f"synthetic {published}",
        "period_end": f"{int(year[:4]) + 1}-03-31",
        "published": published,
        "published_basis": "rule",
    }


def synthetic_tables() -> dict[str, pd.DataFrame]:
    """SYNTHETIC panel, authority_years and neighbours (see the module docstring)."""
    rng = np.random.default_rng(7)
    rows, filed = [], []
    for gss, kind in zip(COUNCILS, CLASSES, strict=True):
        for year in YEARS:
            if gss in LATE_START and year == YEARS[0]:
                continue
            published = f"{int(year[:4]) + 1}-11-30"
            filed.append((gss, year, kind))
            rows.append(row(gss, year, "COR", "mrp", rng.uniform(1e3, 9e3), published))
            if year == YEARS[-1] and gss not in RS_LATEST:
                continue
            for indicator in RS_LINES:
                value = (
                    rng.uniform(5e4, 4e5) if "expenditure" in indicator else rng.uniform(1e3, 6e4)
                )
                rows.append(row(gss, year, "RS", indicator, value, published))
    gss, indicator, year = REVISED
    rows.append(row(gss, year, "RS", indicator, 123_456.0, f"{int(year[:4]) + 2}-11-30"))
    authority_years = pd.DataFrame(
        [
            {"gss_code": g, "ecode": None, "financial_year": y, "name": g, "class": c}
            | {"source": "RS"}
            for g, y, c in filed
        ]
    )
    neighbours = pd.DataFrame(  # the next six councils round the list: across chunks
        [
            (g, COUNCILS[(i + k) % len(COUNCILS)])
            for i, g in enumerate(COUNCILS)
            for k in range(1, 7)
        ],
        columns=["gss_code", "neighbour_gss"],
    )
    return {
        "panel": pd.DataFrame(rows, columns=PANEL_COLUMNS),
        "authority_years": authority_years,
        "neighbours": neighbours,
    }


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return synthetic_tables()


@pytest.fixture(scope="module")
def chunked(tables) -> dict[str, pd.DataFrame]:
    chunks = split_councils(tables["panel"], tables["authority_years"], CHUNK)
    assert len(chunks) == 3
    return chunked_frames(chunks, dict.fromkeys(AS_OF), tables["neighbours"], ())


@pytest.mark.parametrize("as_of", AS_OF)
def test_chunks_build_the_whole_panel_frame_exactly(tables, chunked, as_of):
    whole = build_features(
        tables["panel"], tables["authority_years"], as_of, tables["neighbours"], None, ()
    )
    pd.testing.assert_frame_equal(chunked[as_of], whole, check_exact=True)
    hashes = [pd.util.hash_pandas_object(f, index=True) for f in (chunked[as_of], whole)]
    assert hashes[0].equals(hashes[1])


def test_frames_keep_the_codes_as_given(tables, chunked):
    """A view labels councils by plain objects inside (fast to slice); the frame's gss_code
    is written as authority_years gave it, by either build."""
    given = tables["authority_years"]["gss_code"].dtype
    whole = build_features(tables["panel"], tables["authority_years"], AS_OF[-1], None, None, ())
    assert given != np.dtype(object) and whole["gss_code"].dtype == given
    assert all(frame["gss_code"].dtype == given for frame in chunked.values())


def test_the_panel_exercises_what_a_chunk_cannot_know_alone(tables, chunked):
    """Each trap of the panel is live, so the equality above tests it: peer features are
    computed, RS is carried in 2019-20 by the whole panel but not by the first chunk's
    rows alone, the last chunk's history starts a year late, and the revision shows."""
    latest = chunked["2019-20"]
    assert latest.filter(like="_pctile_class").notna().any().any()
    assert latest.filter(like="_pctile_nn").notna().any().any()
    first_chunk = split_councils(tables["panel"], tables["authority_years"], CHUNK)[0]
    alone = visible(first_chunk.panel, "2019-20")
    everyone = visible(tables["panel"], "2019-20")
    assert seen_of(everyone, "2019-20").carried("2019-20") == {"RS": 1}
    assert seen_of(alone, "2019-20").carried("2019-20") == {}
    last_chunk = split_councils(tables["panel"], tables["authority_years"], CHUNK)[-1]
    assert seen_of(visible(last_chunk.panel, "2019-20"), "2019-20").first_year == YEARS[1]
    gss, indicator, year = REVISED
    before = View.as_of(tables["panel"], pd.Series(["UA"], index=[gss]), "2016-17")
    after = View.as_of(tables["panel"], pd.Series(["UA"], index=[gss]), "2017-18")
    assert after.get("RS", indicator, 1).iloc[0] == 123_456.0 * 1000
    assert before.get("RS", indicator).iloc[0] != 123_456.0 * 1000


def test_seen_adds_up_over_chunks_of_distinct_councils():
    one = Seen("2016-17", {("RS", "2019-20"): 2, ("RS", "2018-19"): 5})
    two = Seen("2015-16", {("RS", "2018-19"): 4, ("COR", "2019-20"): 9})
    assert one + two == Seen(
        "2015-16", {("RS", "2019-20"): 2, ("RS", "2018-19"): 9, ("COR", "2019-20"): 9}
    )
    assert (one + two).carried("2019-20") == {"RS": 1}


def test_a_mapper_runs_every_chunk_and_the_frames_do_not_depend_on_it(tables, chunked):
    calls = []

    def recording_map(function, items):
        items = list(items)
        calls.append((function.__name__, len(items)))
        return [function(item) for item in items]

    chunks = split_councils(tables["panel"], tables["authority_years"], CHUNK)
    mapped = chunked_frames(chunks, {"2019-20": None}, tables["neighbours"], (), recording_map)
    assert calls == [("seen_in_chunk", 3), ("own_features", 3)]
    pd.testing.assert_frame_equal(mapped["2019-20"], chunked["2019-20"], check_exact=True)


def test_a_chunk_holds_at_least_one_council(tables):
    with pytest.raises(ValueError, match="at least one council"):
        split_councils(tables["panel"], tables["authority_years"], 0)


@pytest.mark.parametrize(
    ("as_of", "seen_by"), [("2016-17", None), ("2017-18", None), ("2019-20", "2022-01-01")]
)
def test_a_view_derived_from_the_wide_table_holds_the_visible_rows(tables, as_of, seen_by):
    """`Releases.known` (one wide table for every year) holds exactly `visible`'s rows of the
    date, the revised value chosen as visible chooses it; NaN for every other council of a
    key held, and nothing for a key of a later year."""
    panel = prepare(tables["panel"])
    councils = pd.Index(COUNCILS[::-1] + ("E06009999",))  # any order; one with no rows
    releases = Releases(panel)
    known = releases.known(councils, as_of, seen_by)
    rows = visible(panel, as_of, seen_by)
    for field in ("value", "state"):
        unstacked = rows.set_index(KEY)[field].unstack(KEY[1:]).reindex(councils)
        for key, column in unstacked.items():
            cells = known.cells(*map(str, key))
            np.testing.assert_array_equal(getattr(cells, field), column.to_numpy())
        seen = {tuple(map(str, key)) for key in unstacked.columns}
        for key in set(releases.column_of) - seen:
            cells = known.cells(*key)
            assert cells is None if key[2] > as_of else np.isnan(getattr(cells, field)).all()
    assert known.cells("RS", "net_revenue_expenditure", "2099-00") is None
    revised = known.cells("RS", REVISED[1], REVISED[2]).value[councils.get_loc(REVISED[0])]
    assert revised == (123_456.0 * 1000 if as_of >= "2017-18" else panel_value(tables, REVISED))


def panel_value(tables, key) -> float:
    """The first release of a key's value, in pounds (the synthetic panel is in £ thousand)."""
    gss, indicator, year = key
    panel = tables["panel"]
    found = panel[(panel["gss_code"] == gss) & (panel["indicator"] == indicator)]
    return float(found[found["financial_year"] == year]["value"].iloc[0]) * 1000


def test_latest_positions_are_the_last_seen_row_of_each_council_and_indicator():
    """`Positions.latest` (one ordered pass) equals the plain reading of the rule: of the rows
    published and dated by the date, with a value, the last by period end, then
    publication, then panel order; councils × (value, period_end) per indicator."""
    stocks = [  # gss, indicator, value, period_end, published
        (COUNCILS[0], "pwlb", 10.0, "2024-03-31", "2024-06-01"),
        (COUNCILS[0], "pwlb", 11.0, "2024-03-31", "2024-09-01"),  # the same date, revised
        (COUNCILS[0], "pwlb", 12.0, "2024-12-31", "2025-03-01"),
        (COUNCILS[0], "pwlb", np.nan, "2025-03-31", "2025-04-01"),  # no value: never latest
        (COUNCILS[0], "local_authorities", 5.0, "2024-12-31", "2025-03-01"),
        (COUNCILS[1], "pwlb", 7.0, "2025-06-30", "2025-08-01"),  # published after a date
        (COUNCILS[1], "pwlb", 8.0, "2024-03-31", "2024-06-01"),  # an earlier period, later row
        (COUNCILS[2], "local_authorities", 3.0, "2026-03-31", "2025-12-01"),  # dated ahead
        (COUNCILS[3], "pwlb", 20.0, "2024-12-31", "2025-03-01"),
        (COUNCILS[3], "pwlb", 21.0, "2024-03-31", "2025-05-01"),  # an earlier period revised
    ]
    rows = []
    for gss, indicator, value, period_end, published in stocks:
        rows.append(row(gss, "2024-25", "BI", indicator, value, published))
        rows[-1]["period_end"] = period_end
    panel = prepare(pd.DataFrame(rows, columns=PANEL_COLUMNS))
    positions = Positions(panel[(panel["source"] == "BI").to_numpy()])
    for date in ("2024-07-01", "2024-10-01", "2025-06-01", "2025-09-01", "2026-06-01"):
        seen = panel[
            panel["value"].notna().to_numpy()
            & (panel["published"].astype(str) <= date).to_numpy()
            & (panel["period_end"].astype(str) <= date).to_numpy()
        ]
        last = seen.sort_values(["period_end", "published"], kind="stable")
        last = last.groupby(["gss_code", "indicator"], observed=True).tail(1)
        expected = (
            pd.DataFrame(
                {
                    "gss_code": last["gss_code"].astype(str),
                    "indicator": last["indicator"].astype(str),
                    "value": last["value"].to_numpy(),
                    "period_end": last["period_end"].astype(str),
                }
            )
            .set_index(["gss_code", "indicator"])
            .unstack("indicator")
        )
        pd.testing.assert_frame_equal(positions.latest(date), expected, check_exact=True)
    assert positions.latest("2025-09-01").loc[COUNCILS[1], ("value", "pwlb")] == 7_000.0
    assert positions.latest("2025-06-01").loc[COUNCILS[0], ("value", "pwlb")] == 12_000.0
    assert positions.latest("2025-06-01").loc[COUNCILS[3], ("value", "pwlb")] == 20_000.0


def test_a_feature_given_in_another_order_is_held_in_the_views(monkeypatch):
    """A builder may give its councils in any order, or only some of them: the view holds
    each council's value in its own order (NaN for one not given), as floats, named."""
    from dataclasses import replace

    from riskwatch.features.registry import FEATURES

    classes = pd.Series(["UA", "SD", "UA"], index=pd.Index(["E1", "E2", "E3"]), name="class")
    view = View.of_features(
        pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=classes.index), classes, "2020-21", None
    )
    given = pd.Series([30, 10], index=["E3", "E1"])  # whole numbers, reordered, E2 left out
    some_feature = next(iter(FEATURES.values()))
    monkeypatch.setitem(
        FEATURES, "reordered", replace(some_feature, name="reordered", build=lambda _: given)
    )
    held = view.feature("reordered")
    assert held.name == "reordered" and held.dtype == np.float64
    assert list(held.index) == ["E1", "E2", "E3"]
    assert held["E1"] == 10.0 and held["E3"] == 30.0 and np.isnan(held["E2"])


def test_a_year_shifted_before_its_history_holds_nothing_in_a_stacked_view(tables, monkeypatch):
    """Stacked with later years, a year seen from before its first year holds NaN for
    every feature, as in its own view, even one whose builder gives a value from nothing."""
    from dataclasses import replace

    from riskwatch.features.frame import councils_of
    from riskwatch.features.registry import FEATURES

    from_nothing = replace(
        next(iter(FEATURES.values())),
        name="from_nothing",
        build=lambda view: pd.Series(1.0, index=view.index),
    )
    monkeypatch.setitem(FEATURES, "from_nothing", from_nothing)
    releases = Releases(prepare(tables["panel"]))
    views = [
        View.as_of(releases, councils_of(tables["authority_years"], year), year)
        for year in (YEARS[0], YEARS[2])
    ]
    stacked = View.stacked(views).shift(1).feature("from_nothing").to_numpy()
    own = [view.shift(1).feature("from_nothing").to_numpy() for view in views]
    assert np.isnan(own[0]).all() and (own[1] == 1.0).all()
    np.testing.assert_array_equal(stacked, np.concatenate(own))


def test_a_chunk_with_no_council_in_an_as_of_year_builds_the_other_years(tables):
    """A chunk whose councils filed nothing for one as-of year (councils created later)
    holds an empty year in its stacked view; every year's frame still equals the whole
    panel's."""
    from riskwatch.features.chunked import TablesChunk

    chunks = split_councils(tables["panel"], tables["authority_years"], CHUNK)
    last = chunks[-1]
    filed = last.authority_years[last.authority_years["financial_year"] != AS_OF[0]]
    chunks[-1] = TablesChunk(last.panel, filed)
    frames = chunked_frames(chunks, dict.fromkeys(AS_OF), tables["neighbours"], ())
    authority_years = pd.concat([chunk.authority_years for chunk in chunks])
    assert len(frames[AS_OF[0]]) < len(frames[AS_OF[1]])
    for as_of in AS_OF:
        whole = build_features(
            tables["panel"], authority_years, as_of, tables["neighbours"], None, ()
        )
        pd.testing.assert_frame_equal(frames[as_of], whole, check_exact=True)
