"""Faults a user can meet end in one line, exit code 2, and nothing written.

A full, read-only or forbidden output disk is simulated by raising the OSError the
system would raise (tests run as root, where permissions do not bite, and mounting a
tmpfs needs privileges CI may not have). The registry faults are real: a damaged
`mlflow.db`, a champion whose artifact folder was deleted, a tracking server URI on a
port nobody listens on.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import time
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_cli, run_riskwatch, snapshot
from conftest import TEST_DATA

BAD = TEST_DATA / "bad"


def riskwatch(args: list[str], cwd: Path, tracking_uri: str, timeout: float = 120):
    env = {"MLFLOW_TRACKING_URI": tracking_uri, "COLUMNS": "100", "RISKWATCH_DATA_DIR": None}
    return run_riskwatch(args, cwd, env, timeout)


def one_error_line(code: int, err: str, *fragments: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (code, err)
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def fail_with(number: int):
    def raise_it(*args, **kwargs):
        raise OSError(number, os.strerror(number))

    return raise_it


# Where each fault strikes: creating the temporary file (read-only or forbidden folder)
# or writing its bytes (full disk).
DISK_FAULTS = {
    "full": (errno.ENOSPC, "write"),
    "read-only": (errno.EROFS, "create"),
    "forbidden": (errno.EACCES, "create"),
}


@pytest.mark.parametrize("fault", list(DISK_FAULTS))
def test_an_unwritable_output_is_one_line_and_leaves_nothing(fault, tmp_path, monkeypatch, capsys):
    number, where = DISK_FAULTS[fault]
    if where == "create":
        monkeypatch.setattr("riskwatch.atomic.tempfile.mkstemp", fail_with(number))
    else:
        monkeypatch.setattr(pd.DataFrame, "to_csv", fail_with(number))
    out = tmp_path / "out" / "features.csv"
    out.parent.mkdir()
    code, stdout, err = run_cli(
        ["features", "build", "--as-of", "2019-20", "--out", str(out)], monkeypatch, capsys
    )
    one_error_line(code, err, str(out), os.strerror(number), "nothing was written")
    assert list(out.parent.iterdir()) == []  # no temporary file left behind either


def test_ingest_onto_a_full_disk_stores_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_with(errno.ENOSPC))
    data_dir = tmp_path / "user-data"
    code, _, err = run_cli(
        ["data", "ingest", str(BAD / "good.xlsx"), "--data-dir", str(data_dir)],
        monkeypatch,
        capsys,
    )
    one_error_line(code, err, "No space left on device")
    assert snapshot(data_dir) == {}


def test_a_review_pack_into_a_missing_folder_is_refused_before_any_work(tmp_path):
    """Refused before the registry or the data are touched: nothing is created."""
    done = riskwatch(
        ["review", "2026Q3", "--out", str(tmp_path / "missing" / "reviews")],
        tmp_path,
        f"sqlite:///{tmp_path / 'mlflow.db'}",
    )
    one_error_line(done.returncode, done.stderr, str(tmp_path / "missing"), "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_corrupt_registry_is_one_line_and_left_as_it_was(tmp_path):
    database = tmp_path / "mlflow.db"
    database.write_bytes(b"this is not an SQLite database\n" * 200)
    before = snapshot(tmp_path)
    done = riskwatch(["models", "list"], tmp_path, f"sqlite:///{database}")
    line = one_error_line(done.returncode, done.stderr, str(database), "cannot open")
    assert "riskwatch train" in line
    assert snapshot(tmp_path) == before


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("command", [["models", "list"], ["watchlist", "--top", "5"]])
def test_an_unreachable_tracking_server_fails_in_seconds(command, tmp_path):
    uri = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    done = riskwatch(command, tmp_path, uri, timeout=60)
    elapsed = time.monotonic() - started
    one_error_line(done.returncode, done.stderr, uri, "cannot reach")
    assert elapsed < 30, f"took {elapsed:.0f} s"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.fixture
def champion_without_files(tmp_path, monkeypatch, copy_empty_registry) -> tuple[Path, str]:
    """A local registry whose champion's artifact folder was deleted afterwards.

    The model is a small logit fitted on random numbers: what it predicts does not
    matter, only that its files are gone when the watchlist loads it.
    """
    import numpy as np
    from riskwatch.models import HazardLogit

    from riskwatch.tracking import registry, runs

    uri = copy_empty_registry(tmp_path / "mlflow.db")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 2)), columns=["a", "b"])
    y = (rng.random(200) < 0.2).astype(int)
    model = HazardLogit(directions={"a": 1}).fit(X, y, groups=rng.integers(0, 20, size=200))
    run_id = runs.log_training_run(
        model,
        params={"model": "logit"},
        metrics={"training_rows": 200},
        feature_catalogue_version="test",
        panel_fingerprint="test",
        config={},
        X_example=X.head(5),
        run_name="fault-test",
    )
    registry.set_alias("riskwatch", "champion", registry.register(run_id))
    shutil.rmtree(tmp_path / "mlartifacts")
    return tmp_path, uri


@pytest.mark.slow  # an end-to-end watchlist: every feature frame is built before the model loads
def test_a_champion_whose_files_were_deleted_names_the_version(champion_without_files):
    home, uri = champion_without_files
    before = snapshot(home)
    done = riskwatch(["watchlist", "--top", "5"], home, uri)
    one_error_line(
        done.returncode,
        done.stderr,
        "model version 1 ('champion')",
        "cannot be loaded",
        "riskwatch train --register --alias champion",
        "riskwatch models promote",
    )
    assert snapshot(home) == before


@pytest.mark.slow  # two full ingests held open by a slow disk
def test_two_ingests_at_once_get_distinct_releases(tmp_path, monkeypatch):
    """Two revisions of RS 2023-24 ingested into one data directory at the same moment:
    the data directory's lock makes them releases 2 and 3 (the embedded one is 1), each
    with its own publication date, never two 'release 2'. A slow disk (a second per
    write) holds the race window open so the test does not depend on timing luck."""
    from concurrent.futures import ThreadPoolExecutor

    from riskwatch.atomic import write_parquet
    from riskwatch.data.ingest import release as ingest_module
    from riskwatch.data.kit.opening import read_grids
    from riskwatch.data.kit.workbook import describe_sheet
    from riskwatch.data.store.release_store import ingested_panel

    grid = read_grids(BAD / "good.xlsx")["RS_LA_Data_2023-24"]
    header = describe_sheet("RS_LA_Data_2023-24", grid).header_row
    nre = next(c for c in range(grid.shape[1]) if "C1R805" in grid.iloc[:header, c].tolist())
    revisions = []
    for step in (1000, 2000):
        revised = grid.copy()
        revised.iat[header + 1, nre] = float(revised.iat[header + 1, nre]) + step
        path = tmp_path / f"revision_{step}.xlsx"
        revised.to_excel(path, sheet_name="RS_LA_Data_2023-24", header=False, index=False)
        revisions.append(path)

    def slow_write(frame, path):
        time.sleep(1.0)
        write_parquet(frame, path)

    monkeypatch.setattr("riskwatch.data.store.release_store.write_parquet", slow_write)
    data_dir = tmp_path / "user-data"
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda p: ingest_module.ingest([p], data_dir), revisions))
    assert [r.status for (r,) in results] == ["added", "added"]
    stored = ingested_panel(data_dir).drop_duplicates("vintage")
    numbers = sorted(int(v.split(" release ")[1].split()[0]) for v in stored["vintage"])
    assert numbers == [2, 3], stored["vintage"].tolist()
    assert stored["published"].nunique() == 2
