"""MLflow records of training runs and the model registry.

The store is ``MLFLOW_TRACKING_URI`` when set (a team server), otherwise a
SQLite database ``mlflow.db`` in the working directory with artifacts in
``mlartifacts/`` beside it; the same URI serves as the registry. Models are
logged as pyfunc models that return the probability and every contribution,
so a registered version explains its scores without riskwatch's model code
being called directly. Versions are promoted with aliases (``champion``,
``challenger``), never the deprecated stages.

MLflow is imported inside the functions: importing it takes seconds, and
``riskwatch --help`` should not.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

# The score columns are the models' contract (riskwatch.models.scores); importable here
# for one release.
from riskwatch.models.scores import CONTRIB_PREFIX as CONTRIB_PREFIX
from riskwatch.models.scores import PROBABILITY as PROBABILITY
from riskwatch.models.scores import score_frame

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion
    from mlflow.pyfunc import PyFuncModel

    from riskwatch.models import RiskModel

EXPERIMENT = "riskwatch"
MODEL_ARTIFACT = "model"
_MODEL_URI_TAG = "riskwatch.model_uri"
_INTERNAL_TAG = "riskwatch."  # tags riskwatch keeps for itself, not shown as a version's tags
# A version registered with an alias is created "pending" and marked "complete" once its
# alias points at it; until then no command lists, promotes or scores with it. The alias
# tag records "alias=version" as it stood before, to put back if the registration is undone.
REGISTRATION_TAG = "riskwatch.registration"
PENDING, _COMPLETE = "pending", "complete"
_ALIAS_BEFORE_TAG = "riskwatch.alias_before"
# A pending version older than this was interrupted; a younger one may be another
# analyst's registration in flight, and is left alone.
INTERRUPTED_AFTER = timedelta(minutes=5)
_RECORD_TAGS = ("model_family", "feature_catalogue_version", "panel_fingerprint")
_REQUIREMENTS = (
    "riskwatch",
    "mlflow",
    "pandas",
    "numpy",
    "scipy",
    "scikit-learn",
    "statsmodels",
    "lightgbm",
)


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else SQLite ``mlflow.db`` in the working directory."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{Path.cwd() / 'mlflow.db'}"


def numeric_inputs(X: pd.DataFrame) -> list[str]:
    """The columns of a model's inputs that hold numbers (a served request must send
    numbers there); the others (a council's class) hold text."""
    return [str(c) for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]


def log_training_run(
    model: RiskModel,
    *,
    params: dict[str, Any],
    metrics: dict[str, float],
    feature_catalogue_version: str,
    panel_fingerprint: str,
    config: dict[str, Any],
    X_example: pd.DataFrame,
    run_name: str,
) -> str:
    """Record a fitted model with params, metrics, data lineage and config; return the run id."""
    with _quiet():
        import mlflow
        from mlflow.models import infer_signature

        client = _client()
        served = _pyfunc_class()(
            model, [str(c) for c in X_example.columns], numeric_inputs(X_example)
        )
        signature = infer_signature(X_example, served.predict(None, X_example))
        with mlflow.start_run(experiment_id=_experiment_id(client), run_name=run_name) as run:
            mlflow.log_params({key: _param_value(value) for key, value in params.items()})
            mlflow.log_metrics({key: float(value) for key, value in metrics.items()})
            mlflow.set_tags(
                {
                    "model_family": type(model).__name__,
                    "feature_catalogue_version": feature_catalogue_version,
                    "panel_fingerprint": panel_fingerprint,
                    "riskwatch_version": _installed("riskwatch") or "unknown",
                }
            )
            mlflow.log_text(
                json.dumps(config, indent=2, sort_keys=True, default=str), "config.json"
            )
            coefficients = model.coefficient_table()
            if coefficients is not None:
                mlflow.log_text(coefficients.to_csv(float_format="%.6g"), "coefficients.csv")
            info = mlflow.pyfunc.log_model(
                name=MODEL_ARTIFACT,
                python_model=served,
                signature=signature,
                pip_requirements=_requirements(),
            )
            mlflow.set_tag(_MODEL_URI_TAG, info.model_uri)
        return run.info.run_id


def log_run(
    *,
    params: dict[str, Any],
    metrics: dict[str, float],
    tags: dict[str, str],
    texts: dict[str, str],
    run_name: str,
) -> str:
    """Record a run that produces no model (a backtest, a review): params, metrics, files."""
    with _quiet():
        import mlflow

        client = _client()
        with mlflow.start_run(experiment_id=_experiment_id(client), run_name=run_name) as run:
            mlflow.log_params({key: _param_value(value) for key, value in params.items()})
            finite = {k: float(v) for k, v in metrics.items() if v == v}  # NaN is not loggable
            mlflow.log_metrics(finite)
            mlflow.set_tags(tags)
            for name, text in texts.items():
                mlflow.log_text(text, name)
        return run.info.run_id


def register(
    run_id: str,
    name: str = "riskwatch",
    description: str | None = None,
    tags: dict[str, str] | None = None,
    registration: dict[str, str] | None = None,
) -> int:
    """Register the model logged by ``run_id`` as a new version of ``name``, with the
    description and tags a reader of the registry sees (and riskwatch's ``registration``
    tags, set in the same call); return the version."""
    with _quiet():
        from mlflow.exceptions import MlflowException
        from mlflow.protos.databricks_pb2 import RESOURCE_ALREADY_EXISTS, ErrorCode

        client = _client()
        model_uri = client.get_run(run_id).data.tags.get(_MODEL_URI_TAG)
        if model_uri is None:
            raise ValueError(f"run {run_id} has no model logged by riskwatch")
        try:
            client.create_registered_model(name)
        except MlflowException as exc:
            if exc.error_code != ErrorCode.Name(RESOURCE_ALREADY_EXISTS):
                raise
        created = client.create_model_version(
            name,
            source=model_uri,
            run_id=run_id,
            model_id=model_uri.removeprefix("models:/"),
            description=description,
            tags=(tags or {}) | (registration or {}),
        )
        return int(created.version)


def register_aliased(
    run_id: str,
    name: str,
    description: str,
    tags: dict[str, str],
    alias: str | None,
    announce: Callable[[str], None] = lambda text: None,
) -> int:
    """Register ``run_id`` as a new version and point ``alias`` at it, all or nothing.

    Interrupted registrations older than ``INTERRUPTED_AFTER`` are removed first. The
    version is created pending, the alias pointed at it, then the version marked complete:
    until then every command treats it as not registered and the alias as where it was.
    When the store fails between (a tracking server that stops), the version is removed
    again; a store too far gone for that leaves it pending, for the next registration or
    ``models list`` to remove. Either way the command ends in one line.
    """
    from riskwatch.errors import RiskwatchError, masked

    where = masked(tracking_uri())
    try:
        remove_interrupted(name, announce)
        before = None if alias is None else get_version_by_alias(name, alias)
        pending = (
            {}
            if alias is None
            else {
                REGISTRATION_TAG: PENDING,
                _ALIAS_BEFORE_TAG: f"{alias}={before['version'] if before else ''}",
            }
        )
        version = register(run_id, name, description, tags, pending)
    except RiskwatchError:
        raise
    except Exception as exc:  # MLflow and its HTTP layer raise their own types
        raise RiskwatchError(
            f"the tracking store at {where} failed while registering the model "
            f"({_first_line(exc)}): nothing was registered; run the command again",
            field="--register",
        ) from None
    if alias is None:
        return version
    try:
        set_alias(name, alias, version)
        tag_version(name, version, REGISTRATION_TAG, _COMPLETE)
    except Exception as exc:  # noqa: BLE001 - any failure undoes the registration
        try:
            with _quiet():
                _withdraw(_client(), name, str(version), pending[_ALIAS_BEFORE_TAG])
            undone = f"version {version} was removed again"
        except Exception:  # noqa: BLE001 - the store is gone: the version stays pending
            undone = (
                f"version {version} is left marked interrupted, is used by no command, and "
                "is removed by the next `riskwatch train --register` or `riskwatch models list`"
            )
        raise RiskwatchError(
            f"the tracking store at {where} failed while pointing '{alias}' at the new "
            f"version ({_first_line(exc)}): {undone}; aliases are unchanged",
            field="--alias",
        ) from None
    return version


def remove_interrupted(name: str, announce: Callable[[str], None]) -> list[int]:
    """Remove the versions of ``name`` whose registration was interrupted (pending for
    longer than ``INTERRUPTED_AFTER``), putting back an alias one of them took; announce
    them in one line and return their numbers."""
    if store_absent():
        return []
    with _quiet():
        from mlflow.exceptions import MlflowException

        client = _client()
        cutoff = datetime.now(UTC) - INTERRUPTED_AFTER
        removed = []
        for item in client.search_model_versions(f"name = '{name}'"):
            created = datetime.fromtimestamp(item.creation_timestamp / 1000, UTC)
            if not _is_pending(item) or created > cutoff:
                continue
            try:
                _withdraw(client, name, item.version, item.tags.get(_ALIAS_BEFORE_TAG, ""))
            except MlflowException:  # another analyst's command removed it first
                continue
            removed.append(int(item.version))
    if removed:
        numbers = ", ".join(map(str, sorted(removed)))
        announce(
            f"removed version{'s' if len(removed) > 1 else ''} {numbers} of '{name}': "
            "registration interrupted (the tracking store failed before it was complete)"
        )
    return removed


def interrupted_versions(name: str) -> list[int]:
    """The versions of ``name`` whose registration is pending: in flight or interrupted."""
    if store_absent():
        return []
    with _quiet():
        found = _client().search_model_versions(f"name = '{name}'")
        return sorted(int(item.version) for item in found if _is_pending(item))


def _is_pending(item: ModelVersion) -> bool:
    """Whether a version's registration is not complete (a version registered before
    registrations were marked has no tag, and is complete)."""
    return (item.tags or {}).get(REGISTRATION_TAG) == PENDING


def _settled(aliases: dict[str, str], versions: list[ModelVersion]) -> dict[str, str]:
    """Alias to version as every command sees them: an alias one of ``versions`` took in
    a registration still pending names the version it named before (or is unset)."""
    settled = dict(aliases)
    for item in versions:
        if not _is_pending(item):
            continue
        for alias, target in aliases.items():
            if str(target) != str(item.version):
                continue
            before = (item.tags or {}).get(_ALIAS_BEFORE_TAG, "").partition("=")[2]
            if before:
                settled[alias] = before
            else:
                del settled[alias]
    return settled


def _withdraw(client: MlflowClient, name: str, version: str, alias_before: str) -> None:
    """Delete a pending version, first putting its alias back where it was (``alias_before``
    as recorded in its tag, ``alias=version``) if the version holds it; an alias whose
    earlier version has since been deleted is removed."""
    from mlflow.exceptions import MlflowException

    alias, _, before = alias_before.partition("=")
    if alias and str((_aliases(client, name) or {}).get(alias)) == str(version):
        restored = False
        if before:
            with contextlib.suppress(MlflowException):
                client.set_registered_model_alias(name, alias, before)
                restored = True
        if not restored:
            client.delete_registered_model_alias(name, alias)
    client.delete_model_version(name, str(version))


def _first_line(error: Exception) -> str:
    """What went wrong, short enough to quote in another line: riskwatch's own message
    up to its advice (an unreachable server), else a library's first line."""
    from riskwatch.errors import RiskwatchError

    if isinstance(error, RiskwatchError):
        return error.message.partition(";")[0]
    text = str(error).strip()
    return text.splitlines()[0][:120] if text else type(error).__name__


def set_alias(name: str, alias: str, version: int | str) -> None:
    """Point ``alias`` (e.g. ``champion``) of registered model ``name`` at ``version``."""
    with _quiet():
        _client().set_registered_model_alias(name, alias, str(version))


def store_absent() -> bool:
    """Whether the tracking store is the local ``mlflow.db`` and it does not exist yet: it
    then holds no run or version, and a query (a refused command's) must not create it."""
    uri = tracking_uri()
    return uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).exists()


def get_version_by_alias(name: str, alias: str) -> dict[str, Any] | None:
    """The version ``alias`` points at, described as in ``list_versions``; None if unset.
    An alias a pending registration has taken still names the version it named before
    (``_settled``)."""
    if store_absent():
        return None
    with _quiet():
        from mlflow.exceptions import MlflowException

        client = _client()
        try:
            found = client.get_model_version_by_alias(name, alias)
            aliases = _settled(_aliases(client, name) or {}, [found])
            if alias not in aliases:
                return None
            if str(aliases[alias]) != str(found.version):
                found = client.get_model_version(name, aliases[alias])
        except MlflowException:
            return None
        return _describe(client, found, aliases)


def list_versions(name: str = "riskwatch") -> list[dict[str, Any]]:
    """Every registered version of ``name`` (a pending registration is not one), oldest
    first: version, aliases, run, created, its description and tags, the run's tags,
    params and metrics."""
    if store_absent():
        return []
    with _quiet():
        client = _client()
        aliases = _aliases(client, name)
        if aliases is None:
            return []
        found = client.search_model_versions(f"name = '{name}'")
        aliases = _settled(aliases, found)
        described = [_describe(client, item, aliases) for item in found if not _is_pending(item)]
        return sorted(described, key=lambda item: item["version"])


def backtest_records(limit: int = 20) -> list[dict[str, Any]]:
    """The newest backtest runs of the riskwatch experiment, newest first: run id, start
    date, params, metrics and tags."""
    if store_absent():
        return []
    with _quiet():
        client = _client()
        runs = client.search_runs(
            [_experiment_id(client)],
            filter_string="tags.kind = 'backtest'",
            order_by=["attributes.start_time DESC"],
            max_results=limit,
        )
        return [
            {
                "run_id": run.info.run_id,
                "started": datetime.fromtimestamp(run.info.start_time / 1000, UTC)
                .date()
                .isoformat(),
                "params": dict(run.data.params),
                "metrics": dict(run.data.metrics),
                "tags": dict(run.data.tags),
            }
            for run in runs
        ]


def describe_version(name: str, version: int, description: str, tags: dict[str, str]) -> None:
    """Replace a registered version's description and set (or overwrite) its tags."""
    with _quiet():
        client = _client()
        client.update_model_version(name, str(version), description=description)
        for key, value in tags.items():
            client.set_model_version_tag(name, str(version), key, value)


def tag_version(name: str, version: int, key: str, value: str) -> None:
    """Set one tag of a registered version, leaving its description as it is."""
    with _quiet():
        _client().set_model_version_tag(name, str(version), key, value)


def load_model(name: str, version_or_alias: int | str) -> PyFuncModel:
    """Load a registered version (a number) or alias (e.g. ``champion``) as a pyfunc model."""
    ref = str(version_or_alias)
    uri = f"models:/{name}/{ref}" if ref.isdigit() else f"models:/{name}@{ref}"
    with _quiet():
        import mlflow.pyfunc

        _client()
        # The requirement check only warns, and _quiet hides MLflow's warnings anyway: skip
        # it, it scans every installed distribution (over a second per load).
        return mlflow.pyfunc.load_model(uri, suppress_warnings=True)


@functools.cache
def _pyfunc_class() -> type:
    """The pyfunc wrapper, built on first use so importing this module stays cheap."""
    from mlflow.pyfunc import PythonModel

    class RiskwatchPyfunc(PythonModel):
        """A fitted riskwatch model answering with probability plus contributions, and
        why a row has no probability (its inputs all missing); a bad request is refused
        in one line (MLflow's server answers HTTP 400 with it)."""

        def __init__(self, model: RiskModel, inputs: list[str], numeric: list[str]) -> None:
            self.model = model
            self.inputs = inputs
            self.numeric_inputs = numeric

        def predict(
            self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
        ) -> pd.DataFrame:
            from mlflow.exceptions import MlflowException
            from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

            from riskwatch.errors import RiskwatchError
            from riskwatch.model_input import (
                ALL_MISSING,
                UNSCORED_BECAUSE,
                all_missing,
                checked_inputs,
            )

            # a model logged before its inputs were recorded is scored on what it is sent
            expected = getattr(self, "inputs", None) or list(model_input.columns)
            numeric = getattr(self, "numeric_inputs", None)
            try:
                inputs = checked_inputs(model_input, expected, numeric)
            except RiskwatchError as error:
                raise MlflowException(str(error), error_code=INVALID_PARAMETER_VALUE) from None
            scored = score_frame(inputs, self.model)
            unscored = all_missing(inputs, numeric)
            scored.loc[unscored, :] = float("nan")
            scored[UNSCORED_BECAUSE] = [ALL_MISSING if row else None for row in unscored]
            return scored

    return RiskwatchPyfunc


# A server that stops answering mid-run fails in seconds, not after MLflow's default
# minutes of retries (the user's own settings of these variables win).
_HTTP_LIMITS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "20"}
PROBE_SECONDS = 3.0


def _client() -> MlflowClient:
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
    with _quiet():
        _client()


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


def _experiment_id(client: MlflowClient) -> str:
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


def _aliases(client: MlflowClient, name: str) -> dict[str, str] | None:
    """Alias to version of a registered model; None when the model does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return dict(client.get_registered_model(name).aliases)
    except MlflowException:
        return None


def _describe(
    client: MlflowClient, item: ModelVersion, aliases: dict[str, str] | None
) -> dict[str, Any]:
    run = client.get_run(item.run_id) if item.run_id else None
    tags = run.data.tags if run else {}
    return {
        "version": int(item.version),
        "aliases": sorted(a for a, v in (aliases or {}).items() if str(v) == str(item.version)),
        "run_id": item.run_id,
        "run_name": tags.get("mlflow.runName"),
        "created": datetime.fromtimestamp(item.creation_timestamp / 1000, UTC).isoformat(),
        "description": item.description or "",
        "version_tags": {
            k: v for k, v in (item.tags or {}).items() if not k.startswith(_INTERNAL_TAG)
        },
        **{tag: tags.get(tag) for tag in _RECORD_TAGS},
        "params": dict(run.data.params) if run else {},
        "metrics": dict(run.data.metrics) if run else {},
    }


def _param_value(value: Any) -> str:
    """Parameters as MLflow stores them: text, with mappings and lists as JSON."""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _installed(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _requirements() -> list[str]:
    """Pinned requirements of the logged model (inferring them would reload the model)."""
    pins = ((name, _installed(name)) for name in _REQUIREMENTS)
    return [f"{name}=={found}" for name, found in pins if found]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
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
