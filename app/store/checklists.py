"""Every checklist version the device has used, kept as JSON so a draft finishes on its own version;
and the checklist files the office published, as sync pulled them (``checklist_updates``).

The body is the checklist as ``Checklist.model_dump(by_alias=True, exclude_defaults=True,
mode="json")`` writes it; ``app.services.catalog`` validates it again when it reads it back.
"""

from __future__ import annotations

from typing import Any

from .db import Store
from .ids import to_text, utc_now


def stored_hashes(store: Store) -> dict[tuple[str, int], str]:
    """(checklist id, version) → SHA-256 of the stored body, for every version kept."""
    return {(r["checklist_id"], r["version"]): r["sha256"]
            for r in store.rows("SELECT checklist_id, version, sha256 FROM checklist_versions")}


def put_version(store: Store, *, checklist_id: str, version: int, schema_version: int, body: str,
                sha256: str) -> None:
    """Keep (or replace) one version's body.

    :param body: JSON text, e.g. ``'{"id": "lifeline", "version": 2, …}'``.
    """
    with store.atomic():
        store.conn.execute(
            """INSERT INTO checklist_versions (checklist_id, version, schema_version, body, sha256, stored_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (checklist_id, version) DO UPDATE SET schema_version = excluded.schema_version,
                   body = excluded.body, sha256 = excluded.sha256, stored_at = excluded.stored_at""",
            (checklist_id, version, schema_version, body, sha256, to_text(utc_now())))


def version_body(store: Store, checklist_id: str, version: int) -> str | None:
    """The stored JSON body of one version, or None when the device never kept it."""
    return store.scalar("SELECT body FROM checklist_versions WHERE checklist_id = ? AND version = ?",
                        (checklist_id, version))


def newest_versions(store: Store) -> dict[str, int]:
    """checklist id → the newest version kept, e.g. ``{"lifeline": 2}``."""
    return {r["checklist_id"]: r["version"] for r in store.rows(
        "SELECT checklist_id, max(version) AS version FROM checklist_versions GROUP BY checklist_id")}


def pulled_files(store: Store) -> list[dict[str, Any]]:
    """The newest file the office published of each checklist, as pulled: ``id``, ``version``, ``yaml``."""
    return store.rows("""SELECT id, version, yaml FROM checklist_updates AS u
                         WHERE version = (SELECT max(version) FROM checklist_updates WHERE id = u.id)
                         ORDER BY id""")
