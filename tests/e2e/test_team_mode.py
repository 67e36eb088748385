"""Team mode, as a team runs it: one shared MLflow server, several riskwatch processes.

A throwaway PostgreSQL cluster (Debian's `postgresql`, installed by `.ci/run`)
is initialised in a temporary directory and started on a free loopback port;
`mlflow server` runs on 127.0.0.1 backed by it, with its own artifact folder.
Then separate processes talk to it only through `MLFLOW_TRACKING_URI`:
process A trains and registers a champion, process B lists it, promotes it as
challenger too and prints a watchlist, and A sees B's alias. Where PostgreSQL
cannot be had (no binaries, no `postgres` user to run it as root), the server
is backed by SQLite instead and the test says so (a warning in the summary).
Every wait is bounded and both servers are always stopped.

Also: a server that stops in the middle of a registration leaves no half-registered
version and the aliases as they were (its own server on the team's database, stopped and
restarted on the same port); two `riskwatch train --register` at once against the same
local SQLite store both succeed, with distinct versions.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest
from cli_helpers import run_riskwatch
from model_helpers import logged_small_logit

pytestmark = pytest.mark.slow  # starts PostgreSQL and an mlflow server

SERVER_START_TIMEOUT = 180  # mlflow server runs its schema migrations on first start
COMMAND_TIMEOUT = 300


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def riskwatch(args: list[str], cwd: Path, tracking_uri: str | None) -> subprocess.CompletedProcess:
    env = {
        "MLFLOW_TRACKING_URI": tracking_uri or None,
        "RISKWATCH_DATA_DIR": str(cwd / "riskwatch-data"),
    }
    return run_riskwatch(args, cwd, env, COMMAND_TIMEOUT)


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


# --- PostgreSQL ------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: PATH first, then Debian's versioned folders."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(versions[-1]).parent if versions else None


def _as_postgres_user() -> tuple[list[str], int | None, int | None]:
    """Command prefix and uid/gid to run the server as (postgres refuses to run as root)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("running as root and there is no 'postgres' user") from None
    runner = shutil.which("runuser")
    if runner:
        return [runner, "-u", "postgres", "--"], user.pw_uid, user.pw_gid
    return ["su", "postgres", "-s", "/bin/sh", "-c"], user.pw_uid, user.pw_gid


@contextmanager
def postgres_cluster():
    """A started throwaway cluster; yields its SQLAlchemy URI. Raises RuntimeError if none."""
    if os.environ.get("RISKWATCH_TEAM_BACKEND") == "sqlite":  # to exercise the fallback
        raise RuntimeError("RISKWATCH_TEAM_BACKEND=sqlite")
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("no PostgreSQL binaries (initdb) found")
    try:
        import psycopg2  # noqa: F401  (mlflow server's driver for postgresql+psycopg2://)
    except ImportError:
        raise RuntimeError("psycopg2 is not installed (the test extra has it)") from None
    prefix, uid, gid = _as_postgres_user()

    def run(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        argv = [*prefix, shlex.join(argv)] if prefix and prefix[0] == "su" else [*prefix, *argv]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)

    home = Path(tempfile.mkdtemp(prefix="riskwatch-pg-"))  # /tmp: traversable by postgres
    if uid is not None:
        os.chown(home, uid, gid)
    data, port = home / "data", free_port()
    started = False
    try:
        init = run(
            [str(bindir / "initdb"), "-D", str(data), "-U", "riskwatch", "-A", "trust",
             "-E", "UTF8", "--no-sync"]
        )  # fmt: skip
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip()[-300:]}")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {home} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        start = run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(home / "server.log"), "-w",
             "-t", "60", "-o", options, "start"],
            timeout=90,
        )  # fmt: skip
        if start.returncode != 0:
            log = (home / "server.log").read_text() if (home / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {start.stderr.strip()[-300:]} {log[-300:]}")
        started = True
        created = subprocess.run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "riskwatch",
             "mlflow"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if created.returncode != 0:
            raise RuntimeError(f"createdb failed: {created.stderr.strip()[-300:]}")
        yield f"postgresql+psycopg2://riskwatch@127.0.0.1:{port}/mlflow"
    finally:
        if started:
            run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "30",
                 "stop"])  # fmt: skip
        shutil.rmtree(home, ignore_errors=True)


# --- mlflow server ---------------------------------------------------------------------


@contextmanager
def mlflow_server(backend_uri: str, artifacts: Path, log: Path):
    """`mlflow server` on a free loopback port; yields its URL once /health answers."""
    port = free_port()
    server = start_mlflow_server(backend_uri, artifacts, log, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop_group(server)


def start_mlflow_server(backend_uri: str, artifacts: Path, log: Path, port: int):
    """`mlflow server` on `port`, returned once /health answers (the caller stops it with
    `_stop_group`; starting it again on the same port and backend is a restart)."""
    mlflow = Path(sys.executable).with_name("mlflow")
    command = [str(mlflow)] if mlflow.exists() else [sys.executable, "-m", "mlflow"]
    with open(log, "a") as out:
        server = subprocess.Popen(
            [*command, "server", "--backend-store-uri", backend_uri, "--host", "127.0.0.1",
             "--port", str(port), "--artifacts-destination", str(artifacts), "--workers", "1"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if server.poll() is not None:
            raise AssertionError(f"mlflow server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            _stop_group(server)
            raise AssertionError(f"mlflow server not healthy in {SERVER_START_TIMEOUT} s")
        time.sleep(0.5)


def _stop_group(process: subprocess.Popen) -> None:
    """Stop a process we started and its children (its own session), bounded."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def team_backend(tmp_path_factory):
    """The team's registry database: (backend URI, "postgresql" or "sqlite", a folder for
    servers' artifacts and logs). PostgreSQL, or SQLite where PostgreSQL cannot be had."""
    home = tmp_path_factory.mktemp("team")
    try:
        with postgres_cluster() as database:
            yield database, "postgresql", home
            return
    except RuntimeError as why:
        reason = str(why)
    message = f"team mode: PostgreSQL unavailable ({reason}); falling back to a SQLite backend"
    print(message)
    warnings.warn(message, stacklevel=1)
    yield f"sqlite:///{home / 'mlflow.db'}", "sqlite", home


@pytest.fixture(scope="module")
def team_server(team_backend):
    """A shared MLflow server on the team's database: (its URL, the backend's kind)."""
    database, backend, home = team_backend
    with mlflow_server(database, home / "artifacts", home / "server.log") as url:
        print(f"team mode: mlflow server at {url} on {backend}")
        yield url, backend


def test_train_promote_and_watchlist_from_two_processes(
    team_server, tmp_path, seeded_feature_cache
):
    url, backend = team_server
    a, b = tmp_path / "analyst-a", tmp_path / "analyst-b"
    a.mkdir()
    b.mkdir()

    trained = ok(riskwatch(["train", "--register", "--alias", "champion"], a, url))
    assert "registered as version 1 with alias 'champion'" in trained

    listed = ok(riskwatch(["models", "list"], b, url))
    assert "version   1" in listed and "champion" in listed, listed
    ok(riskwatch(["models", "promote", "1", "--alias", "challenger"], b, url))
    watchlist = ok(riskwatch(["watchlist", "--top", "5", "--format", "csv"], b, url))
    rows = [line for line in watchlist.splitlines() if line.strip()]
    assert len(rows) == 1 + 5, watchlist  # header and five councils
    assert "no champion registered yet" not in watchlist

    seen_by_a = ok(riskwatch(["models", "list", "--json"], a, url))
    assert "challenger" in seen_by_a and "champion" in seen_by_a
    for folder in (a, b):  # nothing was written locally: the server holds the records
        assert not (folder / "mlflow.db").exists() and not (folder / "mlartifacts").exists()
    print(f"team mode passed on {backend}")


def test_two_promotions_at_once_leave_one_champion(team_server, tmp_path, seeded_feature_cache):
    """Two analysts point 'champion' at different versions at the same moment: the
    registry ends with exactly one champion, one of the two, and both commands answer."""
    import json

    url, _ = team_server
    ok(riskwatch(["train", "--register"], tmp_path, url))
    listed = json.loads(ok(riskwatch(["models", "list", "--json"], tmp_path, url)))
    if len(listed) < 2:  # run on its own: the server holds no earlier version
        ok(riskwatch(["train", "--register"], tmp_path, url))
        listed = json.loads(ok(riskwatch(["models", "list", "--json"], tmp_path, url)))
    first, second = (v["version"] for v in listed[-2:])
    env = {**os.environ, "MLFLOW_TRACKING_URI": url}
    promotions = [
        subprocess.Popen(
            [sys.executable, "-m", "riskwatch.cli", "models", "promote", str(version)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for version in (first, second)
    ]
    for process in promotions:
        out, err = process.communicate(timeout=COMMAND_TIMEOUT)
        assert process.returncode == 0, err
        assert "'champion' now points at version" in out
    listed = json.loads(ok(riskwatch(["models", "list", "--json"], tmp_path, url)))
    champions = [v["version"] for v in listed if "champion" in v["aliases"]]
    assert len(champions) == 1 and champions[0] in (first, second), listed


def test_a_server_that_stops_mid_registration_leaves_no_half_registered_version(
    team_backend, tmp_path, monkeypatch
):
    """The team server stops right after the new version is created, before its alias
    is set: the registration ends in one line; once the server is back no complete version
    was added, 'champion' names the version it named, `models list` does not show the
    interrupted version and `models promote` refuses it in one line; a later registration
    removes it."""
    from datetime import timedelta

    from riskwatch.errors import RiskwatchError
    from riskwatch.tracking import registration, registry, store

    database, _, home = team_backend
    port, artifacts, log = free_port(), home / "artifacts", tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
    for variable, value in store._HTTP_LIMITS.items():  # set by the client; undone here
        monkeypatch.setenv(variable, value)
    server = start_mlflow_server(database, artifacts, log, port)
    try:
        registration.register_aliased(
            logged_small_logit("interrupted"), "riskwatch", "", {}, "champion"
        )
        before = [v["version"] for v in registry.list_versions("riskwatch")]
        champion = registry.get_version_by_alias("riskwatch", "champion")["version"]
        run_id = logged_small_logit("interrupted")

        real_set_alias = registry.set_alias

        def stop_then_set_alias(*args):
            _stop_group(server)
            real_set_alias(*args)

        monkeypatch.setattr(registry, "set_alias", stop_then_set_alias)
        with pytest.raises(RiskwatchError) as stopped:
            registration.register_aliased(run_id, "riskwatch", "", {}, "champion")
        monkeypatch.setattr(registry, "set_alias", real_set_alias)
        said = str(stopped.value)
        print(f"server stopped mid-registration: {said}")
        assert "\n" not in said and said.startswith("field '--alias': ")
        assert f"(cannot reach the MLflow tracking server at {url} (Connection refused))" in said
        assert "is left marked interrupted" in said and said.endswith("aliases are unchanged")

        server = start_mlflow_server(database, artifacts, log, port)  # the server is back
        assert [v["version"] for v in registry.list_versions("riskwatch")] == before
        assert registry.get_version_by_alias("riskwatch", "champion")["version"] == champion
        (interrupted,) = registration.interrupted_versions("riskwatch")

        listed = ok(riskwatch(["models", "list"], tmp_path, url))
        assert f"version {interrupted:>3}" not in listed and "champion" in listed, listed
        refused = riskwatch(["models", "promote", str(interrupted)], tmp_path, url)
        print(f"models promote {interrupted}: exit {refused.returncode}: {refused.stderr}")
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
        assert "its registration was interrupted" in refused.stderr, refused.stderr
        assert registry.get_version_by_alias("riskwatch", "champion")["version"] == champion

        monkeypatch.setattr(registration, "INTERRUPTED_AFTER", timedelta(0))
        announced: list[str] = []
        later = registration.register_aliased(
            logged_small_logit("interrupted"), "riskwatch", "", {}, None, announced.append
        )
        print(f"next registration: {announced}")
        assert announced == [
            f"removed version {interrupted} of 'riskwatch': registration interrupted (the "
            "tracking store failed before it was complete)"
        ]
        assert registration.interrupted_versions("riskwatch") == []
        assert [v["version"] for v in registry.list_versions("riskwatch")] == [*before, later]
        assert registry.get_version_by_alias("riskwatch", "champion")["version"] == champion
    finally:
        _stop_group(server)


# --- concurrency on one local store -----------------------------------------------------


def _train_twice_at_once(cwd: Path) -> list[subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    argv = [sys.executable, "-m", "riskwatch.cli", "train", "--register"]
    runs = [
        subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for _ in range(2)
    ]  # fmt: skip
    done = []
    for process in runs:
        try:
            out, err = process.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        done.append(subprocess.CompletedProcess(argv, process.returncode, out, err))
    return done


def _versions(outputs: list[str]) -> list[int]:
    import re

    return sorted(
        int(m) for out in outputs for m in re.findall(r"registered as version (\d+)", out)
    )


def test_two_trainings_at_once_on_an_existing_local_store(tmp_path, seeded_feature_cache):
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    subprocess.run(  # the store exists, as after a first training
        [
            sys.executable,
            "-c",
            "from riskwatch.tracking import registration, registry, store; store.connect()",
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert (tmp_path / "mlflow.db").exists()
    done = _train_twice_at_once(tmp_path)
    outputs = [ok(d) for d in done]
    assert _versions(outputs) == [1, 2]
    listed = ok(riskwatch(["models", "list"], tmp_path, None))
    assert "version   1" in listed and "version   2" in listed


def test_two_trainings_at_once_on_a_fresh_local_store(tmp_path, seeded_feature_cache):
    done = _train_twice_at_once(tmp_path)
    outputs = [ok(d) for d in done]
    assert _versions(outputs) == [1, 2]
