"""The model registry: versions of a registered model, their aliases, descriptions and
tags, each version described with its run's tags, params and metrics.

A version registered with an alias is created pending and marked complete once its alias
points at it (riskwatch.tracking.registration); until then no command lists, promotes or
scores with it, and the alias reads as where it was before.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from riskwatch.tracking.runs import MODEL_URI_TAG
from riskwatch.tracking.store import open_client, quiet, store_absent

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

INTERNAL_TAG = "riskwatch."  # tags riskwatch keeps for itself, not shown as a version's tags
# A pending version's registration tag; the alias tag records "alias=version" as it stood
# before, to put back if the registration is undone.
REGISTRATION_TAG = "riskwatch.registration"
PENDING, COMPLETE = "pending", "complete"
ALIAS_BEFORE_TAG = "riskwatch.alias_before"
_RECORD_TAGS = ("model_family", "feature_catalogue_version", "panel_fingerprint")


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
    with quiet():
        from mlflow.exceptions import MlflowException
        from mlflow.protos.databricks_pb2 import RESOURCE_ALREADY_EXISTS, ErrorCode

        client = open_client()
        model_uri = client.get_run(run_id).data.tags.get(MODEL_URI_TAG)
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


def is_pending(item: ModelVersion) -> bool:
    """Whether a version's registration is not complete (a version registered before
    registrations were marked has no tag, and is complete)."""
    return (item.tags or {}).get(REGISTRATION_TAG) == PENDING


def _settled(aliases: dict[str, str], versions: list[ModelVersion]) -> dict[str, str]:
    """Alias to version as every command sees them: an alias one of ``versions`` took in
    a registration still pending names the version it named before (or is unset)."""
    settled = dict(aliases)
    for item in versions:
        if not is_pending(item):
            continue
        for alias, target in aliases.items():
            if str(target) != str(item.version):
                continue
            before = (item.tags or {}).get(ALIAS_BEFORE_TAG, "").partition("=")[2]
            if before:
                settled[alias] = before
            else:
                del settled[alias]
    return settled


def set_alias(name: str, alias: str, version: int | str) -> None:
    """Point ``alias`` (e.g. ``champion``) of registered model ``name`` at ``version``."""
    with quiet():
        open_client().set_registered_model_alias(name, alias, str(version))


def get_version_by_alias(name: str, alias: str) -> dict[str, Any] | None:
    """The version ``alias`` points at, described as in ``list_versions``; None if unset.
    An alias a pending registration has taken still names the version it named before
    (``_settled``)."""
    if store_absent():
        return None
    with quiet():
        from mlflow.exceptions import MlflowException

        client = open_client()
        try:
            found = client.get_model_version_by_alias(name, alias)
            aliases = _settled(alias_map(client, name) or {}, [found])
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
    with quiet():
        client = open_client()
        aliases = alias_map(client, name)
        if aliases is None:
            return []
        found = client.search_model_versions(f"name = '{name}'")
        aliases = _settled(aliases, found)
        described = [_describe(client, item, aliases) for item in found if not is_pending(item)]
        return sorted(described, key=lambda item: item["version"])


def describe_version(name: str, version: int, description: str, tags: dict[str, str]) -> None:
    """Replace a registered version's description and set (or overwrite) its tags."""
    with quiet():
        client = open_client()
        client.update_model_version(name, str(version), description=description)
        for key, value in tags.items():
            client.set_model_version_tag(name, str(version), key, value)


def tag_version(name: str, version: int, key: str, value: str) -> None:
    """Set one tag of a registered version, leaving its description as it is."""
    with quiet():
        open_client().set_model_version_tag(name, str(version), key, value)


def alias_map(client: MlflowClient, name: str) -> dict[str, str] | None:
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
            k: v for k, v in (item.tags or {}).items() if not k.startswith(INTERNAL_TAG)
        },
        **{tag: tags.get(tag) for tag in _RECORD_TAGS},
        "params": dict(run.data.params) if run else {},
        "metrics": dict(run.data.metrics) if run else {},
    }
