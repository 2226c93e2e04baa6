"""How the device keeps each checklist version it has used, and finds one again.

A version is kept in the device database as JSON (``checklist_body``) with its SHA-256, so a
version in use can never silently change; a draft from an app that kept none (before schema 2)
finds its version in the archive the app ships (``checklists/archive/<id>.v<version>.yaml``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from pydantic import ValidationError

from app.store import checklists as version_store
from app.store.db import Store
from app.store.settings import get_setting
from checklists import Checklist, ChecklistError, load_dir, load_file
from checklists.loader import SHIPPED_DIR
from checklists.schema import SchemaTooNew, check_consistency, check_readable

log = logging.getLogger(__name__)

#: Earlier shipped versions, ``<id>.v<version>.yaml``.
ARCHIVE_DIR = SHIPPED_DIR / "archive"
#: checklist id → the newest version this device has made current (a version never goes down).
VERSIONS_KEY = "checklist_versions"


def checklist_body(checklist: Checklist) -> str:
    """The JSON text a version is kept as; reads back equal (``tests/test_checklist_versions.py``).

    ``schema_version`` is written even where it is the default: a later app with a newer default
    must still read this body as the schema it was written for.
    """
    body = checklist.model_dump(by_alias=True, exclude_defaults=True, mode="json")
    body["schema_version"] = checklist.schema_version
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def read_body(body: str, name: str) -> Checklist:
    """A kept version, validated again as a file would be.

    :param name: what to call it in an error, e.g. ``lifeline v2 (device database)``.
    :raises ChecklistError: this app cannot read it, or it is not a valid checklist.
    """
    try:
        raw: Any = json.loads(body)
        newer = check_readable(raw)
        checklist = Checklist.model_validate(raw, context={"ignore_unknown": newer})
        check_consistency(checklist)
    except SchemaTooNew as exc:
        raise ChecklistError(name, f"cannot be read by this app: {exc.message}") from exc
    except (ValueError, ValidationError) as exc:  # ItemProblem and JSON errors are ValueErrors
        raise ChecklistError(name, f"kept version is not valid: {exc}") from exc
    return checklist


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def kept_version(store: Store, checklist_id: str, version: int) -> Checklist | None:
    """The version as the device database keeps it; None when it keeps none.

    :raises ChecklistError: the kept body cannot be read back.
    """
    body = version_store.version_body(store, checklist_id, version)
    if body is None:
        return None
    return read_body(body, f"{checklist_id} v{version} (device database)")


def archived_version(checklist_id: str, version: int) -> Checklist | None:
    """The version from the app's archive; None when the archive has no such file, or the file
    holds another version (logged: the app was packaged wrongly).

    :raises ChecklistError: the archived file is not a valid checklist.
    """
    path = ARCHIVE_DIR / f"{checklist_id}.v{version}.yaml"
    if not path.is_file():
        return None
    checklist = load_file(path)
    if (checklist.id, checklist.version) != (checklist_id, version):
        log.error("archived file %s holds %s v%s", path.name, checklist.id, checklist.version)
        return None
    return checklist


def versions_in_force(store: Store) -> tuple[dict[str, Checklist], list[ChecklistError]]:
    """The version of each checklist a device opens on: the shipped file's, or a newer one
    installed on this device; never one older than a version the device already used (such a
    file is among the errors, which are logged).

    :returns: checklist id → version in force, and the files or kept versions not loaded.
    """
    used: dict[str, int] = get_setting(store, VERSIONS_KEY, {})
    kept = version_store.newest_versions(store)
    # Only a version the device cannot read back from its database guards the shipped files.
    guard = {cid: v for cid, v in used.items() if kept.get(cid, 0) < v}
    loaded = load_dir(SHIPPED_DIR, previous_versions=guard)
    current = dict(loaded.checklists)
    errors = list(loaded.errors)
    for cid, version in kept.items():
        shipped = current.get(cid)
        if version < used.get(cid, 0) or (shipped is not None and shipped.version >= version):
            continue
        try:  # installed after the app shipped: newer than the shipped file
            current[cid] = read_body(version_store.version_body(store, cid, version) or "", f"{cid} v{version}")
        except ChecklistError as exc:
            errors.append(exc)
    for cid, checklist in list(current.items()):
        if checklist.version < used.get(cid, 0):  # the newer kept version could not be read back
            del current[cid]
            errors.append(ChecklistError(f"{cid} v{checklist.version}", "version went down: older than "
                                         f"version {used[cid]} this device already used"))
    for error in errors:
        log.error("checklist not loaded: %s", error)
    return current, errors
