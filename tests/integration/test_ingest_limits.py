"""Limits of `data ingest` that hold across files: a file far larger than any official
release is refused from its size before it is read (so memory stays bounded; a workbook
that unpacks too far is a case of the bad-input corpus, unpacks_too_far.xlsx), and two
releases ingested in one run are checked against each other, not only against what was
held before the run.

The releases are cut from the bad-input corpus's untouched slice of RS 2023-24
(tests/data/bad/good.xlsx, six councils), retitled to other years.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_cli, snapshot
from conftest import TEST_DATA

from riskwatch.data.ingest import held
from riskwatch.data.ingest import release as ingest_module
from riskwatch.data.kit.opening import read_grids
from riskwatch.data.kit.workbook import describe_sheet

BAD = TEST_DATA / "bad"
SHEET = "RS_LA_Data_2023-24"


def one_line(code: int, err: str, *fragments: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (code, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def test_a_huge_file_is_refused_from_its_size_without_being_read(tmp_path, monkeypatch, capsys):
    """A 4 GB CSV (sparse: it takes no disk) is refused before any reader opens it."""
    huge = tmp_path / "rs2024_25.csv"
    with open(huge, "wb") as handle:
        handle.truncate(4 * 2**30)

    def no_reading(*args, **kwargs):
        raise AssertionError("a reader was called on a file refused by its size")

    monkeypatch.setattr(ingest_module, "is_compiled", no_reading)
    monkeypatch.setattr(ingest_module, "read_revenue_file", no_reading)
    data_dir = tmp_path / "user-data"
    code, _, err = run_cli(
        ["data", "ingest", str(huge), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    one_line(code, err, huge.name, "4,096 MB", "limit 32 MB", "not read")
    assert snapshot(data_dir) == {}


def test_every_official_release_held_is_within_the_limits(shared_data):
    """The limits leave room: no real release comes near them (ten times the largest)."""
    folders = ("revenue-outturn", "revenue-budget", "service-expenditure")
    files = [f for folder in folders for f in (shared_data / folder).iterdir() if f.is_file()]
    files += list((shared_data / "debt-and-outturn-compiled").glob("*.csv"))
    releases = [f for f in files if f.suffix.lower() in (".xls", ".xlsx", ".ods", ".csv")]
    assert len(releases) > 30
    for release in releases:
        ingest_module.check_release_size(release)
        assert release.stat().st_size * 10 <= ingest_module.MAX_RELEASE_BYTES, release


def _release_for(year: str, tmp_path: Path, nre_factor: float = 1.0) -> Path:
    """The six-council slice retitled to `year`, the first council's net revenue
    expenditure (C1R805) multiplied by `nre_factor`."""
    grid = read_grids(BAD / "good.xlsx")[SHEET]
    header = describe_sheet(SHEET, grid).header_row
    grid.iloc[:header, :] = grid.iloc[:header, :].map(
        lambda v: v.replace("2023-24", year) if isinstance(v, str) else v
    )
    nre = next(c for c in range(grid.shape[1]) if "C1R805" in grid.iloc[:header, c].tolist())
    grid.iat[header + 1, nre] = float(grid.iat[header + 1, nre]) * nre_factor
    path = tmp_path / f"rs{year.replace('-', '_')}_x{nre_factor:g}.xlsx"
    grid.to_excel(path, sheet_name=SHEET, header=False, index=False)
    return path


@pytest.fixture
def nothing_held_for_2024_25(monkeypatch):
    """The embedded panel without its 2024-25 values, so the only 2024-25 figures a
    2025-26 release can be compared with are those ingested in the same run."""
    real_load_table = held.load_table

    def load_table(name, data_dir=None):
        table = real_load_table(name, data_dir)
        if name == "panel":
            table = table[table["financial_year"] != "2024-25"].reset_index(drop=True)
        return table

    monkeypatch.setattr(held, "load_table", load_table)  # where `data ingest` reads the panel


def test_two_releases_in_one_run_are_compared_with_each_other(
    tmp_path, monkeypatch, capsys, nothing_held_for_2024_25
):
    """2025-26 typed a thousand times too large for its first council: alone it passes
    (nothing held for 2024-25), ingested after the 2024-25 release it is refused, and
    neither file is stored."""
    before = _release_for("2024-25", tmp_path)
    slipped = _release_for("2025-26", tmp_path, nre_factor=1000)
    data_dir = tmp_path / "user-data"
    code, _, err = run_cli(
        ["data", "ingest", str(before), str(slipped), "--data-dir", str(data_dir)],
        monkeypatch,
        capsys,
    )
    one_line(code, err, slipped.name, "net_revenue_expenditure", "2024-25 value held", "1e+03x")
    assert snapshot(data_dir) == {}

    code, out, err = run_cli(
        ["data", "ingest", str(slipped), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    assert code == 0, err
    assert "added" in out


def test_releases_in_one_run_that_agree_are_all_stored(
    tmp_path, monkeypatch, capsys, nothing_held_for_2024_25
):
    """The control: the same two years without the slip are both stored."""
    files = [_release_for("2024-25", tmp_path), _release_for("2025-26", tmp_path)]
    data_dir = tmp_path / "user-data"
    code, out, err = run_cli(
        ["data", "ingest", *map(str, files), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    assert code == 0, err
    assert out.count("added") == 2, out
    assert len(os.listdir(data_dir / "releases")) == 2
    stored = pd.concat(pd.read_parquet(p) for p in (data_dir / "releases").iterdir())
    assert sorted(stored["financial_year"].unique()) == ["2024-25", "2025-26"]
