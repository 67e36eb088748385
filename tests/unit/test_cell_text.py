"""`cell_text`: a cell as stripped text with every run of whitespace (Unicode's too, as in
a no-break or ideographic space) collapsed to one space, as `re.sub(r"\\s+", " ", text)`;
and `blank_rows`, a grid's rows whose every cell reads so as empty."""

from __future__ import annotations

import math
import re

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from riskwatch.data.kit.header import blank_rows, cell_text


def test_whitespace_of_every_kind_collapses_and_empty_cells_are_empty():
    assert cell_text(" Net\u00a0revenue \t\n expenditure\u3000") == "Net revenue expenditure"
    assert cell_text(None) == "" and cell_text(math.nan) == "" and cell_text("   ") == ""
    assert cell_text(2019.0) == "2019" and cell_text(2.5) == "2.5"


@given(st.text(alphabet=st.characters(max_codepoint=0x3100), max_size=20))
def test_text_is_collapsed_exactly_as_the_regular_expression_does(text: str):
    assert cell_text(text) == re.sub(r"\s+", " ", text).strip()


cell = st.one_of(
    st.none(), st.just(math.nan), st.sampled_from(["", " ", "\u00a0", "x", "E1234"]), st.floats()
)


@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=12))
def test_a_row_is_blank_when_every_cell_reads_as_empty_text(rows):
    grid = pd.DataFrame(rows, dtype=object)
    expected = grid.map(cell_text).eq("").all(axis=1).to_numpy()
    assert blank_rows(grid).tolist() == expected.tolist()
