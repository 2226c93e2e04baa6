"""Migration 7: what the device needs to sync with the central endpoint (issue 9).

- ``changes`` gains ``hlc`` (the hybrid logical clock value of the change, ``sync/hlc.py``) and
  ``user_name`` (who was signed in when it was made). Rows logged before this version get an HLC
  from their own ``at`` time, in ``seq`` order, so they keep their order on the wire.
- ``signatures`` keeps the PNG's SHA-256 (``png_sha256``): the image travels like a photo. The
  PNG itself may be absent (a signature pulled from another device has only its hash). Pending
  change rows of a signature name the image of the signature as it stands.
- Pending ``photo`` rows carry ``created_at`` (the protocol asks for it).
- ``hazards.listed`` (挂牌督办) and ``decisions``: what office decisions bring down.
- ``sync_rejected`` (entries the server refused, with its reason, for the worker; ``refresh``:
  the record's server state is still to be fetched, so the device shows what the server kept),
  ``sync_uploads`` (images whose record the server acknowledged, still to send),
  ``sync_downloads`` (pulled photos that may need a local copy), ``sync_parked`` (pulled
  records whose parent has not arrived yet) and ``checklist_updates`` (published checklists).
- The plain-text password kept in ``app_settings`` is removed; a server URL and user name typed
  there before move to ``sync.credentials`` (without any token), to fill the sign-in form.

It runs after migration 6 (checklists v2) and touches nothing 6 changed; a folder of the sync
branch may have run it before 6 existed, and 6 then keeps ``hazards.listed``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime

from sync.hlc import HlcClock

from .ids import new_id


def m007_sync(conn: sqlite3.Connection) -> None:
    from .migrations import run_script  # migrations imports this module

    run_script(
        conn,
        """
        ALTER TABLE changes ADD COLUMN hlc TEXT;
        ALTER TABLE changes ADD COLUMN user_name TEXT;
        CREATE INDEX changes_by_record ON changes (entity, entity_id);

        CREATE TABLE signatures_new (
            inspection_id TEXT PRIMARY KEY REFERENCES inspections(id),
            signer_name TEXT NOT NULL,
            png BLOB,
            png_sha256 TEXT,
            record_hash TEXT NOT NULL,
            signed_at TEXT NOT NULL
        );
        INSERT INTO signatures_new (inspection_id, signer_name, png, record_hash, signed_at)
            SELECT inspection_id, signer_name, png, record_hash, signed_at FROM signatures;
        DROP TABLE signatures;
        ALTER TABLE signatures_new RENAME TO signatures;
        CREATE INDEX signatures_by_png ON signatures (png_sha256);

        ALTER TABLE hazards ADD COLUMN listed INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE decisions (
            id TEXT PRIMARY KEY,
            hazard_id TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            deadline TEXT,
            severity TEXT,
            listed INTEGER,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX decisions_by_hazard ON decisions (hazard_id, decided_at);

        CREATE TABLE sync_rejected (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            seq INTEGER,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            op TEXT NOT NULL,
            payload TEXT NOT NULL,
            at TEXT NOT NULL,
            hlc TEXT,
            user_name TEXT,
            code TEXT,
            message TEXT NOT NULL,
            rejected_at TEXT NOT NULL,
            refresh INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE sync_uploads (
            sha256 TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('photo', 'signature')),
            queued_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        );
        CREATE TABLE sync_downloads (
            sha256 TEXT PRIMARY KEY,
            attempts INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE sync_parked (
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            op TEXT NOT NULL,
            fields TEXT NOT NULL,
            parked_at TEXT NOT NULL,
            PRIMARY KEY (entity, entity_id)
        );
        CREATE TABLE checklist_updates (
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            title TEXT NOT NULL,
            yaml TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            published_at TEXT NOT NULL,
            PRIMARY KEY (id, version)
        );
        """,
    )
    for inspection_id, png in conn.execute("SELECT inspection_id, png FROM signatures").fetchall():
        conn.execute("UPDATE signatures SET png_sha256 = ? WHERE inspection_id = ?",
                     (hashlib.sha256(png).hexdigest(), inspection_id))
    _complete_pending_payloads(conn)
    _stamp_old_changes(conn)
    _forget_the_password(conn)


def _setting(conn: sqlite3.Connection, key: str) -> object:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def _put_setting(conn: sqlite3.Connection, key: str, value: object) -> None:
    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (key, json.dumps(value, ensure_ascii=False)))


def _complete_pending_payloads(conn: sqlite3.Connection) -> None:
    """The newest signature row of each inspection names its image; photo rows get created_at."""
    newest = conn.execute("SELECT max(seq), entity_id FROM changes WHERE entity = 'signature' GROUP BY entity_id")
    for seq, inspection_id in newest.fetchall():
        row = conn.execute("SELECT png_sha256, record_hash FROM signatures WHERE inspection_id = ?",
                           (inspection_id,)).fetchone()
        payload = json.loads(conn.execute("SELECT payload FROM changes WHERE seq = ?", (seq,)).fetchone()[0])
        if row is not None and row[1] == payload.get("record_hash"):
            payload["png_sha256"] = row[0]
            conn.execute("UPDATE changes SET payload = ? WHERE seq = ?", (json.dumps(payload, ensure_ascii=False), seq))
    for seq, payload_text, created_at in conn.execute(
            "SELECT c.seq, c.payload, p.created_at FROM changes c JOIN photos p ON p.sha256 = c.entity_id"
            " WHERE c.entity = 'photo'").fetchall():
        payload = json.loads(payload_text)
        payload.setdefault("created_at", created_at)
        conn.execute("UPDATE changes SET payload = ? WHERE seq = ?", (json.dumps(payload, ensure_ascii=False), seq))


def _stamp_old_changes(conn: sqlite3.Connection) -> None:
    """An HLC for every row logged before this version: its ``at`` time, counted up in seq order."""
    rows = conn.execute("SELECT seq, at FROM changes WHERE hlc IS NULL ORDER BY seq").fetchall()
    if not rows:
        return
    device_id = _setting(conn, "device_id")
    if not isinstance(device_id, str):
        device_id = new_id()
        _put_setting(conn, "device_id", device_id)
    moment = {"ms": 0}
    clock = HlcClock(device_id, now_ms=lambda: moment["ms"])
    for seq, at in rows:
        moment["ms"] = int(datetime.fromisoformat(at).timestamp() * 1000)
        conn.execute("UPDATE changes SET hlc = ? WHERE seq = ?", (str(clock.now()), seq))
    _put_setting(conn, "sync.hlc", str(clock.last))


def _forget_the_password(conn: sqlite3.Connection) -> None:
    settings = _setting(conn, "app_settings")
    if not isinstance(settings, dict):
        return
    server = str(settings.pop("endpoint_url", "") or "").strip()
    user = str(settings.pop("username", "") or "").strip()
    settings.pop("password", None)
    _put_setting(conn, "app_settings", settings)
    if (server or user) and _setting(conn, "sync.credentials") is None:
        _put_setting(conn, "sync.credentials", {"server": server, "user": user, "token": None})
