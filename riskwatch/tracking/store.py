"""The tracking store: its URI, a client checked to answer (an unreachable server or a
damaged local database is one line naming it), and MLflow kept quiet on the terminal."""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlflow import MlflowClient

EXPERIMENT = "riskwatch"


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else SQLite ``mlflow.db`` in the working directory."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{Path.cwd() / 'mlflow.db'}"


def store_absent() -> bool:
    """Whether the tracking store is the local ``mlflow.db`` and it does not exist yet: it
    then holds no run or version, and a query (a refused command's) must not create it."""
    uri = tracking_uri()
    return uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).exists()


# A server that stops answering mid-run fails in seconds, not after MLflow's default
# minutes of retries (the user's own settings of these variables win).
_HTTP_LIMITS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "20"}
PROBE_SECONDS = 3.0


def open_client() -> MlflowClient:
    """Client on the riskwatch store, checked to answer; also points MLflow's fluent API at it.

    An unreachable server, or a local database that is not one, is one line naming it
    (an unreachable store must never look like an empty registry).
    """
    import mlflow

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    if uri.startswith(("http://", "https://")):
        for variable, value in _HTTP_LIMITS.items():
            os.environ.setdefault(variable, value)
        _probe_server(uri)
    if not uri.startswith("sqlite:///"):
        return _connect(uri)
    database = Path(uri.removeprefix("sqlite:///"))
    with _sqlite_store_lock(database):
        return _connect(uri, database)


def connect() -> None:
    """Import MLflow and open the tracking store now (checked to answer), so later calls
    in this process start at once."""
    with quiet():
        open_client()


def check_reachable() -> None:
    """Before a long run: a tracking server that does not accept connections is one line now,
    not after the work is done (a local store needs no check)."""
    uri = tracking_uri()
    if uri.startswith(("http://", "https://")):
        _probe_server(uri)


def _probe_server(uri: str) -> None:
    """Connect to the tracking server's port before MLflow's retrying client is used."""
    import socket
    from urllib.parse import urlsplit

    from riskwatch.errors import RiskwatchError

    parts = urlsplit(uri)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=PROBE_SECONDS):
            pass
    except OSError as exc:
        raise RiskwatchError(
            f"cannot reach the MLflow tracking server at {uri} "
            f"({exc.strerror or exc}); start it, or unset MLFLOW_TRACKING_URI to use the "
            "local mlflow.db",
            field="MLFLOW_TRACKING_URI",
        ) from None


def _connect(uri: str, database: Path | None = None) -> MlflowClient:
    """A client that has answered one cheap query each of the tracking store and registry."""
    import mlflow

    from riskwatch.errors import RiskwatchError

    try:
        client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
        client.search_experiments(max_results=1)
        client.search_registered_models(max_results=1)
        return client
    except Exception as exc:  # MLflow, SQLAlchemy and requests each raise their own types
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        if database is not None:
            raise RiskwatchError(
                f"cannot open the model registry ({reason}); move the damaged file aside "
                "to start an empty registry, then retrain: riskwatch train --register "
                "--alias champion",
                file=database,
            ) from None
        raise RiskwatchError(
            f"the MLflow tracking server at {uri} does not answer as a registry ({reason})",
            field="MLFLOW_TRACKING_URI",
        ) from None


@contextlib.contextmanager
def _sqlite_store_lock(database: Path) -> Iterator[None]:
    """Hold a file lock while the local store's schema is created or checked: two first
    runs at once would otherwise both migrate it and one would fail."""
    from riskwatch.locks import exclusive_lock

    database.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(database, "mlflow"):
        yield


def experiment_id(client: MlflowClient) -> str:
    """The riskwatch experiment; a local store keeps its artifacts beside the database."""
    found = client.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        return found.experiment_id
    uri = tracking_uri()
    location = None
    if uri.startswith("sqlite:///"):
        database = Path(uri.removeprefix("sqlite:///")).resolve()
        location = (database.parent / "mlartifacts").as_uri()
    return client.create_experiment(EXPERIMENT, artifact_location=location)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Keep MLflow's and its database layer's chatter off the user's terminal."""
    import mlflow  # noqa: F401  (its import configures its loggers; quieten them after)

    loggers = [logging.getLogger(name) for name in ("mlflow", "alembic", "sqlalchemy")]
    levels = [logger.level for logger in loggers]
    progress = os.environ.get("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR")
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        if progress is None:
            os.environ.pop("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", None)
        else:
            os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = progress
