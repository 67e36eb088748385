"""Faults made real, where tests/e2e/test_faults.py simulates them: a process killed with
SIGKILL at the moment it renames a finished file into place, and a disk that is really
full or really read-only (a small tmpfs, mounted where the machine allows it: tests run
as root in CI; elsewhere the disk tests skip and say so, the simulated ones still run).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from cli_helpers import run_cli, snapshot
from conftest import TEST_DATA

from riskwatch.data.store.release_store import ingested_panel

GOOD = TEST_DATA / "bad" / "good.xlsx"

# Run `riskwatch ARGS` with os.replace wrapped: when the rename into a release file is
# due (or, with "after", just done), print RENAMING and wait to be killed.
KILLABLE = textwrap.dedent(
    """
    import os, sys, time
    when, argv = sys.argv[1], sys.argv[2:]
    real_replace = os.replace

    def replace(source, target):
        if when == "after":
            real_replace(source, target)
        if str(target).endswith(".parquet"):
            print("RENAMING", target, flush=True)
            time.sleep(120)
        if when == "before":
            real_replace(source, target)

    os.replace = replace
    sys.argv = ["riskwatch", *argv]
    from riskwatch.cli import main
    main()
    """
)


def kill_at_rename(when: str, argv: list[str], cwd: Path) -> str:
    """Start `riskwatch ARGV`, SIGKILL it at the rename; the target it was renaming."""
    process = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, when, *argv],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in process.stdout:
            if line.startswith("RENAMING"):
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                return line.split(maxsplit=1)[1].strip()
        raise AssertionError(f"never reached the rename: {process.stderr.read()[-2000:]}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow  # a subprocess or a mounted disk per test
def test_ingest_killed_just_before_the_rename_leaves_no_release(tmp_path, monkeypatch, capsys):
    """The finished file is still under its temporary name: the data directory holds no
    release (a hidden .tmp file is all that is left, never read as one), the lock died
    with the process, and the same ingest then succeeds and removes the leftover."""
    data_dir = tmp_path / "user-data"
    target = kill_at_rename(
        "before", ["data", "ingest", str(GOOD), "--data-dir", str(data_dir)], tmp_path
    )
    assert not Path(target).exists()
    leftovers = list((data_dir / "releases").iterdir())
    assert leftovers and all(p.name.startswith(".") and p.suffix == ".tmp" for p in leftovers)
    assert ingested_panel(data_dir).empty

    code, out, err = run_cli(
        ["data", "ingest", str(GOOD), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    assert code == 0, err
    assert "added" in out
    assert ingested_panel(data_dir)["vintage"].str.contains("release 2").all()
    assert [p.suffix for p in (data_dir / "releases").iterdir()] == [".parquet"]  # tidied


@pytest.mark.slow  # a subprocess or a mounted disk per test
def test_ingest_killed_just_after_the_rename_leaves_a_whole_release(tmp_path, monkeypatch, capsys):
    """Once renamed the release is complete: it reads back whole, and ingesting the same
    file again is a no-op."""
    data_dir = tmp_path / "user-data"
    target = kill_at_rename(
        "after", ["data", "ingest", str(GOOD), "--data-dir", str(data_dir)], tmp_path
    )
    assert Path(target).exists()
    stored = ingested_panel(data_dir)
    assert len(stored) > 0 and stored["vintage"].nunique() == 1

    code, out, err = run_cli(
        ["data", "ingest", str(GOOD), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    assert code == 0, err
    assert "already ingested" in out
    assert ingested_panel(data_dir).equals(stored)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs mounted in the test's folder (root only); unmounted after."""
    mount_point = tmp_path / f"disk-{uuid.uuid4().hex[:8]}"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(
            "cannot mount a tmpfs here (needs root): the simulated full and read-only disks "
            f"in tests/e2e/test_faults.py still run ({mounted.stderr.strip()[:120]})"
        )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> None:
    """Write until the disk has no byte left."""
    with open(disk / "filler", "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass


def one_error_line(code: int, err: str, *fragments: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (code, err)
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.slow  # a subprocess or a mounted disk per test
def test_ingest_onto_a_really_full_disk_is_one_line_and_stores_nothing(
    small_disk, monkeypatch, capsys
):
    data_dir = small_disk / "user-data"
    (data_dir / "releases").mkdir(parents=True)
    fill(small_disk)
    code, _, err = run_cli(
        ["data", "ingest", str(GOOD), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    one_error_line(code, err, os.strerror(28), "nothing was written")
    assert snapshot(data_dir) == {}
    assert ingested_panel(data_dir).empty


@pytest.mark.slow  # a subprocess or a mounted disk per test
def test_outputs_onto_a_really_read_only_disk_are_one_line_and_write_nothing(
    small_disk, monkeypatch, capsys
):
    data_dir = small_disk / "user-data"
    data_dir.mkdir()
    remounted = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True)
    if remounted.returncode != 0:
        pytest.skip("cannot remount the tmpfs read-only here")
    code, _, err = run_cli(
        ["data", "ingest", str(GOOD), "--data-dir", str(data_dir)], monkeypatch, capsys
    )
    one_error_line(code, err, os.strerror(30))
    out = small_disk / "features.csv"
    code, _, err = run_cli(
        ["features", "build", "--as-of", "2019-20", "--out", str(out)], monkeypatch, capsys
    )
    one_error_line(code, err, str(out), os.strerror(30), "nothing was written")
    assert snapshot(small_disk) == {}
