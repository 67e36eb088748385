"""A kept result is served only under its own key; a damaged one is computed again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from riskwatch.data.store.results import cached_result, result_key, result_path


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RISKWATCH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


class Counting:
    """A computation that counts its calls and returns a frame naming the call."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> pd.DataFrame:
        self.calls += 1
        return pd.DataFrame({"call": [self.calls], "value": [0.1 + 0.2]})


def test_a_second_run_with_the_same_key_is_served_the_kept_result() -> None:
    compute = Counting()
    key = result_key("tables abc", "model 1")
    first = cached_result("watchlist", key, compute)
    second = cached_result("watchlist", key, compute)
    assert compute.calls == 1
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert result_path("watchlist", key).is_file()


def test_another_key_is_computed_again() -> None:
    compute = Counting()
    cached_result("watchlist", result_key("tables abc", "model 1"), compute)
    again = cached_result("watchlist", result_key("tables abc", "model 2"), compute)
    assert compute.calls == 2
    assert again["call"].iloc[0] == 2


def test_a_damaged_entry_is_computed_again_and_replaced() -> None:
    compute = Counting()
    key = result_key("tables abc")
    cached_result("watchlist", key, compute)
    path = result_path("watchlist", key)
    path.write_bytes(path.read_bytes()[:100])  # cut off mid-write by a full disk, say
    assert cached_result("watchlist", key, compute)["call"].iloc[0] == 2
    assert cached_result("watchlist", key, compute)["call"].iloc[0] == 2
    assert compute.calls == 2


def test_an_entry_copied_to_another_key_is_not_served() -> None:
    compute = Counting()
    old, new = result_key("panel before"), result_key("panel after")
    cached_result("watchlist", old, compute)
    result_path("watchlist", new).write_bytes(result_path("watchlist", old).read_bytes())
    assert cached_result("watchlist", new, compute)["call"].iloc[0] == 2


def test_an_unwritable_cache_folder_means_computing_every_time(cache: Path) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("a file where the folder should be")
    compute = Counting()
    key = result_key("tables abc")
    cached_result("watchlist", key, compute)
    cached_result("watchlist", key, compute)
    assert compute.calls == 2
