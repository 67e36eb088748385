"""Registering a version with an alias all or nothing: created pending, the alias pointed
at it, then marked complete; a registration the tracking store interrupted is undone, now
or by the next registration or `models list`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from riskwatch.tracking import registry
from riskwatch.tracking.registry import (
    ALIAS_BEFORE_TAG,
    COMPLETE,
    PENDING,
    REGISTRATION_TAG,
    alias_map,
    is_pending,
)
from riskwatch.tracking.store import open_client, quiet, store_absent, tracking_uri

if TYPE_CHECKING:
    from mlflow import MlflowClient

# A pending version older than this was interrupted; a younger one may be another
# analyst's registration in flight, and is left alone.
INTERRUPTED_AFTER = timedelta(minutes=5)


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
        before = None if alias is None else registry.get_version_by_alias(name, alias)
        pending = (
            {}
            if alias is None
            else {
                REGISTRATION_TAG: PENDING,
                ALIAS_BEFORE_TAG: f"{alias}={before['version'] if before else ''}",
            }
        )
        version = registry.register(run_id, name, description, tags, pending)
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
        registry.set_alias(name, alias, version)
        registry.tag_version(name, version, REGISTRATION_TAG, COMPLETE)
    except Exception as exc:  # noqa: BLE001 - any failure undoes the registration
        try:
            with quiet():
                withdraw(open_client(), name, str(version), pending[ALIAS_BEFORE_TAG])
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
    with quiet():
        from mlflow.exceptions import MlflowException

        client = open_client()
        cutoff = datetime.now(UTC) - INTERRUPTED_AFTER
        removed = []
        for item in client.search_model_versions(f"name = '{name}'"):
            created = datetime.fromtimestamp(item.creation_timestamp / 1000, UTC)
            if not is_pending(item) or created > cutoff:
                continue
            try:
                withdraw(client, name, item.version, item.tags.get(ALIAS_BEFORE_TAG, ""))
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
    with quiet():
        found = open_client().search_model_versions(f"name = '{name}'")
        return sorted(int(item.version) for item in found if is_pending(item))


def withdraw(client: MlflowClient, name: str, version: str, alias_before: str) -> None:
    """Delete a pending version, first putting its alias back where it was (``alias_before``
    as recorded in its tag, ``alias=version``) if the version holds it; an alias whose
    earlier version has since been deleted is removed."""
    from mlflow.exceptions import MlflowException

    alias, _, before = alias_before.partition("=")
    if alias and str((alias_map(client, name) or {}).get(alias)) == str(version):
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
