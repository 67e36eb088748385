"""Every reader fed its real slice damaged at random (Hypothesis, a fixed seed so CI
reruns the same cases): the slice reads, or is refused in one line naming the file,
never another exception. The longer run is benchmarks/bench_fuzz.py."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from reader_damage import Damage, damages, outcome
from test_reader_contract import READERS, Case, authorities, make_case  # noqa: F401 - fixtures

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:openpyxl")

EXAMPLES_PER_READER = 12
_folders = itertools.count()


@pytest.fixture(params=READERS, ids=[r.name for r in READERS])
def slice_of(request, make_case) -> Case:  # noqa: F811 - make_case is the imported fixture
    return make_case(request.param)


@settings(
    max_examples=EXAMPLES_PER_READER,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(damage=damages())
def test_a_damaged_slice_reads_or_is_refused_in_one_line(slice_of: Case, damage: Damage):
    kind, detail = outcome(slice_of, damage, f"fuzz{next(_folders)}")
    assert kind in ("read", "refused"), f"{slice_of.reader.name}: {damage.name}: {detail}"
