"""The one panel-row writer: its columns, and its one rule for a file that lists an
authority twice (kept once alike; where the two rows differ, refused, or kept without a
value by a source that declares its publisher's known slips)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskwatch.data.kit.authority_index import Match
from riskwatch.data.kit.panel_rows import (
    first_printed,
    panel_record,
    panel_rows,
    unmatched_record,
    unmatched_rows,
)
from riskwatch.data.schema import PANEL_COLUMNS, UNMATCHED_COLUMNS
from riskwatch.errors import RiskwatchError

FILE = {
    "financial_year": "2019-20",
    "unit": "GBP_thousand",
    "source": "T",
    "source_file": "t.xlsx",
    "vintage": "t.xlsx",
    "period_end": "2020-03-31",
    "published": "2020-06-30",
    "published_basis": "rule",
}


def record(ecode: str | None, value: float, row: int, code: str | None = None) -> dict:
    return {
        "ecode": ecode,
        "code": code,
        "indicator": "debt",
        "value": value,
        "status": "reported",
        "row": row,
    }


def test_rows_carry_the_panel_columns_first_then_the_extras_they_were_given():
    frame = panel_rows([record(None, 1, 2, code="E06000001")], **FILE)
    assert frame.columns.tolist() == [*PANEL_COLUMNS, "row"]
    assert frame.loc[0, "gss_code"] == "E06000001" and frame.loc[0, "ecode"] is None
    assert frame["value"].dtype == float


def test_an_authority_listed_twice_alike_is_kept_once():
    frame = panel_rows([record("E1", 5, 2), record("E1", 5, 9), record("E2", 7, 3)], **FILE)
    assert frame[["ecode", "value", "row"]].values.tolist() == [["E1", 5.0, 2], ["E2", 7.0, 3]]


def test_an_authority_listed_twice_with_different_values_is_refused_naming_file_row_and_field():
    with pytest.raises(RiskwatchError) as refused:
        panel_rows([record("E1", 5, 2), record("E1", 6, 9), record("E2", 7, 3)], **FILE)
    error = refused.value
    assert (error.file, error.row, error.field) == ("t.xlsx", 9, "debt")
    assert "E1 is printed twice for 2019-20 with different values (5.0 and 6.0)" in str(error)


def test_a_source_declaring_known_slips_keeps_the_clash_without_a_value():
    rows = [record("E1", 5, 2), record("E1", 6, 9), record("E2", 7, 3)]
    frame = panel_rows(rows, clashes="withhold", **FILE)
    first = frame.iloc[0]
    assert len(frame) == 2 and first["ecode"] == "E1"
    assert math.isnan(first["value"]) and first["status"] == "not_available"
    assert frame.iloc[1]["value"] == 7.0


def test_rows_keyed_by_printed_code_follow_the_same_rule():
    rows = [record(None, 5, 2, code="E06000001"), record(None, 6, 3, code="E06000001")]
    assert panel_rows(rows, clashes="withhold", **FILE).loc[0, "status"] == "not_available"
    with pytest.raises(RiskwatchError, match="E06000001 is printed twice"):
        panel_rows(rows, **FILE)


def test_a_value_and_its_later_publication_are_two_rows():
    per_file = {k: v for k, v in FILE.items() if k != "published"}
    first = {**record("E1", 5, 2), "published": "2020-06-30"}
    later = {**record("E1", 6, 9), "published": "2021-06-30"}
    frame = panel_rows([first, later], **per_file)
    assert frame[["value", "published"]].values.tolist() == [
        [5.0, "2020-06-30"],
        [6.0, "2021-06-30"],
    ]


def test_a_name_matched_record_and_its_unmatched_rows():
    match = Match(ecode="E1", gss_code="E06000001", problem=None)
    row = panel_record(
        match,
        "2019-20",
        "dsg_allocation",
        (3.0, "reported"),
        unit="GBP",
        source="DSG",
        source_file="d.xlsx",
        published=("2020-03-31", "rule"),
    )
    frame = panel_rows([row])
    assert frame.loc[0, ["period_end", "vintage"]].tolist() == [
        "2020-03-31",
        "DSG 2019-20 (d.xlsx)",
    ]
    lost = unmatched_rows(
        [unmatched_record("DSG", "d.xlsx", 4, None, "Nowhere", "no such council")] * 2
    )
    assert lost.columns.tolist() == UNMATCHED_COLUMNS and len(lost) == 1


def test_rows_of_a_table_of_names_are_told_apart_by_name():
    rows = [
        {**record(None, 4, 2, code=""), "name": "Kent"},
        {**record(None, 2, 3, code=""), "name": "Surrey"},
    ]
    frame = panel_rows(rows, **FILE)
    assert frame[["name", "value"]].values.tolist() == [["Kent", 4.0], ["Surrey", 2.0]]


printed_code = st.one_of(st.none(), st.just(""), st.sampled_from(["E1", "E2", "W1", "Leeds"]))


@given(st.lists(st.tuples(printed_code, printed_code, printed_code), min_size=1, max_size=30))
def test_each_rows_authority_is_its_first_printed_code_as_a_backfill_finds_it(rows):
    identities = pd.DataFrame(rows, columns=["ecode", "gss_code", "name"], dtype=object)
    printed = identities.where(identities != "")
    expected = printed.bfill(axis=1).iloc[:, 0]  # the rule, as pandas states it (slowly)
    pd.testing.assert_series_equal(first_printed(identities), expected, check_dtype=False)
