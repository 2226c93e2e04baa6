"""The device's side of a pull: records from the central endpoint applied to the store.

A page applies in one transaction together with its cursor, so a pull interrupted anywhere
resumes from the last page applied. Pulled records write no change-log rows: they are the
server's state, not edits of this device. Two things keep local work safe:

- a field this device changed and has not sent yet keeps its local value (the pending change
  goes up next time; the server's conflict rule then decides, and a later pull brings the result);
- a record whose parent has not arrived (the feed orders by last change, so a hazard can come
  before a site that changed later) waits in ``sync_parked`` and is applied as soon as it can be.

Every pulled photo is noted in ``sync_downloads``: the engine fetches a thumbnail of any photo
this device has no file for (another device's hazard photos, so a 复查 can be done on them).
Published checklists (``checklist_updates``) and the office's settings (the ``PULLED_OFFICE``
setting) are only kept here: the services check them against the app before they take effect.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sync.protocol import KEYS, RECORD_FIELDS

from .db import Store
from .ids import to_text, utc_now
from .settings import put_setting

log = logging.getLogger(__name__)

CURSOR = "sync.cursor"
#: The office's settings as last pulled (``OfficeSettingsFields``: version, config, set_by, set_at).
PULLED_OFFICE = "sync.office_settings"


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]


def _table(name: str, entity: str, *, key: tuple[str, ...] | None = None,
           without: tuple[str, ...] = ()) -> Table:
    """The device's table of a pulled entity: a column for each field of its wire model (``without``
    those it keeps none for)."""
    fields = RECORD_FIELDS[entity].model_fields
    if not set(without) <= set(fields):
        raise ValueError(f"{name}: {sorted(set(without) - set(fields))} not in the {entity} wire model")
    return Table(name, key or KEYS[entity], tuple(field for field in fields if field not in without))


#: Where each kind of pulled record is stored.
PULLED_TABLES: dict[str, Table] = {
    "site": _table("sites", "site"),
    "inspection": _table("inspections", "inspection"),
    "answer": _table("answers", "answer"),
    # The device keeps the image itself, not its size.
    "signature": _table("signatures", "signature", without=("png_bytes",)),
    "hazard": _table("hazards", "hazard"),
    "review": _table("reviews", "review"),
    "photo": _table("photos", "photo"),
    "photo_link": _table("photo_links", "photo_link"),
    "decision": _table("decisions", "decision"),
    # Every version pulled is kept until the services install it.
    "checklist": _table("checklist_updates", "checklist", key=("id", "version")),
}
_BOOLEANS = {"deadline_chosen", "photo_required", "listed", "passed"}
#: Lists on the wire, JSON text in the device's table (an older server sends none: the empty list).
_JSON_LISTS = {"element_items"}


@dataclass
class Applied:
    """What one page did: counts, for the log and the tests."""

    upserted: int = 0
    deleted: int = 0
    parked: int = 0
    unparked: int = 0
    skipped: int = 0


def apply_page(store: Store, records: Iterable[dict[str, Any]], cursor: str) -> Applied:
    """Apply one pulled page and keep its cursor, all in one transaction.

    :param records: ``RecordOut`` dicts, e.g. ``{"entity": "hazard", "id": "01a2…", "op": "upsert",
        "fields": {…}}``.
    :param cursor: the page's cursor, e.g. ``"1042"``; the next pull starts after it.
    """
    done = Applied()
    with store.atomic():
        apply_records(store, records, done)
        store.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                           "SET value = excluded.value", (CURSOR, json.dumps(cursor)))
    if done.parked or done.skipped:
        log.info("pulled page to cursor %s: %s", cursor, done)
    return done


def apply_records(store: Store, records: Iterable[dict[str, Any]], done: Applied | None = None) -> Applied:
    """Apply server records (a page, or one record fetched again) in one transaction, no cursor."""
    done = done or Applied()
    with store.atomic():
        for record in records:
            _apply_one(store, record, done, from_park=False)
        _retry_parked(store, done)
    return done


def _apply_one(store: Store, record: dict[str, Any], done: Applied, *, from_park: bool) -> bool:
    """Apply a record; False when it had to wait for its parent (parked)."""
    entity, entity_id, op, fields = record["entity"], record["id"], record["op"], dict(record["fields"])
    if entity == "office":
        put_setting(store, PULLED_OFFICE, fields)
        done.upserted += 1
        return True
    table = PULLED_TABLES.get(entity)
    if table is None:
        log.warning("pulled record of unknown kind %r (%s) ignored", entity, entity_id)
        done.skipped += 1
        return True
    try:
        if op == "delete":
            _delete(store, entity, table, fields)
            done.deleted += 1
        else:
            _upsert(store, entity, entity_id, table, fields)
            done.upserted += 1
    except sqlite3.IntegrityError as exc:
        if "FOREIGN KEY" not in str(exc):
            log.error("pulled %s %s does not fit the device store: %s", entity, entity_id, exc)
            done.skipped += 1
            return True
        if not from_park:
            store.conn.execute(
                "INSERT INTO sync_parked (entity, entity_id, op, fields, parked_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (entity, entity_id) DO UPDATE SET op = excluded.op, fields = excluded.fields",
                (entity, entity_id, op, json.dumps(fields, ensure_ascii=False), to_text(utc_now())))
            done.parked += 1
        return False
    if not from_park:  # a newer state replaces a parked older one
        store.conn.execute("DELETE FROM sync_parked WHERE entity = ? AND entity_id = ?", (entity, entity_id))
    return True


def _retry_parked(store: Store, done: Applied) -> None:
    """Apply parked records whose parents have arrived, until nothing more moves."""
    while True:
        parked = store.conn.execute("SELECT entity, entity_id, op, fields FROM sync_parked").fetchall()
        moved = 0
        for entity, entity_id, op, fields in parked:
            if _apply_one(store, {"entity": entity, "id": entity_id, "op": op, "fields": json.loads(fields)},
                          done, from_park=True):
                store.conn.execute("DELETE FROM sync_parked WHERE entity = ? AND entity_id = ?", (entity, entity_id))
                done.unparked += 1
                moved += 1
        if not moved:
            return


def _pending_fields(store: Store, entity: str, entity_id: str) -> set[str]:
    """Fields of a record this device changed and has not sent yet (they keep the local value)."""
    fields: set[str] = set()
    for (payload,) in store.conn.execute(
            "SELECT payload FROM changes WHERE entity = ? AND entity_id = ?", (entity, entity_id)):
        fields.update(json.loads(payload))
    return fields


def _upsert(store: Store, entity: str, entity_id: str, table: Table, fields: dict[str, Any]) -> None:
    row = {c: _column_value(c, fields.get(c)) for c in table.columns}
    if entity == "photo" and row["created_at"] is None:
        row["created_at"] = to_text(utc_now())
    keep = _pending_fields(store, entity, entity_id) - set(table.key)
    names = ", ".join(table.columns)
    marks = ", ".join(f":{c}" for c in table.columns)
    updates = [f"{c} = excluded.{c}" for c in table.columns if c not in table.key and c not in keep]
    if entity == "signature":
        # The image stays only while it is the one the record names (another device re-signed).
        updates.append("png = CASE WHEN signatures.png_sha256 IS excluded.png_sha256 THEN signatures.png END")
    conflict = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    store.conn.execute(f"INSERT INTO {table.name} ({names}) VALUES ({marks}) "
                       f"ON CONFLICT ({', '.join(table.key)}) {conflict}", row)
    if entity == "photo":
        store.conn.execute("INSERT OR IGNORE INTO sync_downloads (sha256) VALUES (?)", (row["sha256"],))


def _delete(store: Store, entity: str, table: Table, fields: dict[str, Any]) -> None:
    """A tombstone: a withdrawn hazard goes with its reviews and photo links (as on the server)."""
    conn = store.conn
    if entity == "hazard":
        hazard_id = fields["id"]
        review_ids = [r[0] for r in conn.execute("SELECT id FROM reviews WHERE hazard_id = ?", (hazard_id,))]
        for review_id in review_ids:
            conn.execute("DELETE FROM photo_links WHERE owner_kind = 'review' AND owner_id = ?", (review_id,))
        conn.execute("DELETE FROM reviews WHERE hazard_id = ?", (hazard_id,))
        conn.execute("DELETE FROM photo_links WHERE owner_kind = 'hazard' AND owner_id = ?", (hazard_id,))
    where = " AND ".join(f"{k} = ?" for k in table.key)
    conn.execute(f"DELETE FROM {table.name} WHERE {where}", tuple(str(fields[k]) for k in table.key))


def _column_value(column: str, value: Any) -> Any:
    if column in _BOOLEANS and isinstance(value, bool):
        return int(value)
    if column in _JSON_LISTS:
        return json.dumps(value or [], ensure_ascii=False)
    return value


def cursor(store: Store) -> str:
    """The cursor of the last page applied (``"0"``: nothing pulled yet)."""
    found = store.scalar("SELECT value FROM settings WHERE key = ?", (CURSOR,))
    return json.loads(found) if found else "0"


def reset_cursor(store: Store) -> None:
    """Pull everything again next time (another server, or this one's data was replaced)."""
    with store.atomic():
        store.conn.execute("DELETE FROM settings WHERE key = ?", (CURSOR,))


def downloads(store: Store, limit: int = 500) -> list[str]:
    """Pulled photos that may still need a local file, oldest first."""
    return [r["sha256"] for r in store.rows("SELECT sha256 FROM sync_downloads ORDER BY rowid LIMIT ?", (limit,))]


def download_done(store: Store, sha256s: Iterable[str]) -> None:
    with store.atomic():
        store.conn.executemany("DELETE FROM sync_downloads WHERE sha256 = ?", [(s,) for s in sha256s])


def download_tried(store: Store, sha256s: Iterable[str], *, give_up_after: int) -> None:
    """Count a failed fetch; a photo that failed ``give_up_after`` times is not asked for again."""
    with store.atomic():
        store.conn.executemany("UPDATE sync_downloads SET attempts = attempts + 1 WHERE sha256 = ?",
                               [(s,) for s in sha256s])
        store.conn.execute("DELETE FROM sync_downloads WHERE attempts >= ?", (give_up_after,))


def decisions_of(store: Store, hazard_id: str) -> list[dict[str, Any]]:
    """Office decisions on a hazard, oldest first (pulled records)."""
    rows = store.rows("SELECT * FROM decisions WHERE hazard_id = ? ORDER BY decided_at, id", (hazard_id,))
    for row in rows:
        if row["listed"] is not None:
            row["listed"] = bool(row["listed"])
    return rows
