"""The last hostile inputs (issue 20): paths of the wrong kind, links, names MLflow reserves,
quarters not yet begun, messages that would leak internals, and the cache's bounds. Each is
refused in one line, exit code 2, before any work, with nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import run_cli, snapshot
from conftest import TEST_DATA

from riskwatch.data.kit.opening import read_grids
from riskwatch.data.store.frame_cache import cache_dir, cache_limit, prune_cache
from riskwatch.errors import RiskwatchError

BAD = TEST_DATA / "bad"


def refused(code: int, err: str, *fragments: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("RISKWATCH_DATA_DIR", str(tmp_path / "riskwatch-data"))
    return tmp_path


def test_a_folder_named_like_a_data_file_is_one_line(workdir, monkeypatch, capsys):
    (workdir / "x.csv").mkdir()
    code, _, err = run_cli(["data", "ingest", "x.csv"], monkeypatch, capsys)
    refused(code, err, "x.csv", "is a folder, not a data file")
    assert sorted(p.name for p in workdir.iterdir()) == ["x.csv"]


@pytest.mark.parametrize(
    ("target", "message"),
    [("/dev/zero", "is not a regular file"), ("missing.xlsx", "file not found")],
)
def test_a_link_is_resolved_and_both_paths_named(target, message, workdir, monkeypatch, capsys):
    (workdir / "release.xlsx").symlink_to(target)
    code, _, err = run_cli(["data", "ingest", "release.xlsx"], monkeypatch, capsys)
    resolved = str(Path(target) if target.startswith("/") else workdir / target)
    refused(code, err, "release.xlsx (a link to ", resolved, message)
    assert not (workdir / "riskwatch-data").exists()


def test_errors_about_a_linked_release_name_the_link_and_its_target(workdir, monkeypatch, capsys):
    (workdir / "release.xlsx").symlink_to(BAD / "unknown_code.xlsx")
    code, _, err = run_cli(["data", "ingest", "release.xlsx"], monkeypatch, capsys)
    refused(code, err, f"release.xlsx (a link to {BAD / 'unknown_code.xlsx'})", "E9999")


@pytest.mark.parametrize("shape", ["table", "xlsx"])
def test_out_naming_a_folder_is_refused_before_any_work(shape, workdir, monkeypatch, capsys):
    (workdir / "outdir").mkdir()
    (workdir / "outdir.xlsx").mkdir()
    code, _, err = run_cli(["watchlist", "--out", "outdir", "--format", shape], monkeypatch, capsys)
    refused(code, err, "is a folder: name a file to write")
    assert sorted(p.name for p in workdir.iterdir()) == ["outdir", "outdir.xlsx"]
    assert snapshot(workdir) == {}


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["review", "2031Q1"], ("2031Q1 has not begun", "QUARTER")),
        (["review", "2026q3"], ("should look like 2026Q3",)),
        (["train", "--register", "--alias", "latest"], ("'--alias'", "'latest'", "reserved")),
        (["train", "--alias", "V7"], ("'V7'", "reserved")),
        (["models", "promote", "1", "--alias", "v7"], ("'v7'", "reserved")),
        (["models", "promote", "1", "--alias", "a b"], ("'a b'", "letters, digits")),
    ],
)
def test_names_are_refused_before_any_work(argv, fragments, workdir, monkeypatch, capsys):
    code, _, err = run_cli(argv, monkeypatch, capsys)
    refused(code, err, *fragments)
    assert list(workdir.iterdir()) == []  # no store, no reviews folder


def test_a_message_is_one_plain_line_without_internals() -> None:
    error = RiskwatchError(
        "Value error, \x1b[31mbad\x1b[0m value\nsecond line\tend",
        file="postgresql://analyst:s3cret@db.example:5432/mlflow",
        sheet="RS_LA_Data_2023-24",
        row=7,
        field="E-code",
    )
    assert str(error) == (
        "postgresql://analyst:***@db.example:5432/mlflow: sheet 'RS_LA_Data_2023-24': "
        "row 7: field 'E-code': bad value second line end"
    )


def test_the_cache_keeps_the_most_recently_used_within_its_cap(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKWATCH_CACHE_MAX", "3K")
    assert cache_limit() == 3 * 1024
    files = [tmp_path / f"model-{n}.pickle" for n in range(5)]
    for age, path in enumerate(files):
        path.write_bytes(b"x" * 1024)
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    os.utime(files[0])  # the oldest copy was just read again
    prune_cache(files[4])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "model-0.pickle",
        "model-3.pickle",
        "model-4.pickle",
    ]


def test_a_bad_cache_cap_is_one_line(monkeypatch):
    monkeypatch.setenv("RISKWATCH_CACHE_MAX", "lots")
    with pytest.raises(RiskwatchError, match="RISKWATCH_CACHE_MAX.*'lots' is not a size"):
        cache_limit()


@pytest.mark.parametrize("home", ["", "/", "relative"])
def test_without_a_home_the_cache_goes_to_the_temporary_folder(home, monkeypatch):
    monkeypatch.delenv("RISKWATCH_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", home)
    assert cache_dir().parent == Path(os.environ.get("TMPDIR", "/tmp"))


@pytest.mark.parametrize(
    ("text", "row", "fragment"),
    [
        ("code,value,rank\nE1031,12,1\nE3832,3", 3, "ends part-way through this row"),
        ('code,value\nE1031,12\nE3832,"3', 3, "ends inside a quoted cell"),
    ],
)
def test_a_csv_cut_off_mid_row_is_refused_naming_the_row(text, row, fragment, tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RiskwatchError) as caught:
        read_grids(path)
    assert f"cut.csv: row {row}: " in str(caught.value) and fragment in str(caught.value)


def test_a_whole_csv_without_a_final_line_end_reads(tmp_path):
    """MHCLG's RA_2023-24_data_Part_1.csv ends so: its last row is whole, and read."""
    path = tmp_path / "whole.csv"
    path.write_text("code,value\nE1031,12\nE3832,3", encoding="utf-8")
    assert read_grids(path)["csv"].iloc[-1].tolist() == ["E3832", "3"]


def test_a_refused_models_command_creates_no_tracking_store(workdir, monkeypatch, capsys):
    """Looking a version up in a store that does not exist yet answers 'none registered'
    without creating mlflow.db (or mlruns/) in the working folder."""
    code, _, err = run_cli(["models", "promote", "999"], monkeypatch, capsys)
    refused(code, err, "no version 999", "registered: none")
    assert snapshot(workdir) == {}
