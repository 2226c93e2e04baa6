"""The device's side of a push: the change log read in batches, the server's acknowledgement
applied, and what is left for the worker to see (pending counts, rejected entries).

A change row stays in ``changes`` until the central endpoint acknowledges it; then it is deleted
in the transaction that records the acknowledgement (a rejected one moves to ``sync_rejected``
with the server's reason), so the log only ever holds what is still to send and counting it
stays cheap after months of use. An acknowledged ``photo`` row (or a signature naming its PNG)
puts the image in ``sync_uploads``: the record counts as sent once its image is there too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sync.hlc import Hlc

from .db import Store
from .ids import to_text, utc_now
from .settings import get_setting

PUSHED_SEQ = "sync.pushed_seq"
HLC_KEY = "sync.hlc"


@dataclass(frozen=True)
class Outgoing:
    """One change-log row as the push sends it (``payload`` parsed)."""

    seq: int
    entity: str
    entity_id: str
    op: str
    payload: dict[str, Any]
    at: str
    hlc: str

    def wire(self) -> dict[str, Any]:
        return {"seq": self.seq, "entity": self.entity, "entity_id": self.entity_id, "op": self.op,
                "payload": self.payload, "at": self.at, "hlc": self.hlc}


@dataclass(frozen=True)
class Outcome:
    """The server's verdict on one entry: ``applied``, ``duplicate`` or ``rejected``."""

    seq: int
    status: str
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Upload:
    sha256: str
    kind: str
    attempts: int


@dataclass(frozen=True)
class Pending:
    """What is waiting to be sent, as a person counts it."""

    inspections: int
    hazards: int
    photos: int
    sites: int
    #: change rows plus images still to upload (the command line's figure)
    changes: int
    uploads: int

    @property
    def nothing(self) -> bool:
        return self.changes == 0 and self.uploads == 0


def next_batch(store: Store, *, max_entries: int, max_bytes: int) -> list[Outgoing]:
    """The oldest unsent changes, in seq order, at most ``max_entries`` and about ``max_bytes`` of JSON.

    A single row larger than ``max_bytes`` still goes alone (the server's limit decides).
    """
    pushed = get_setting(store, PUSHED_SEQ, 0)
    rows = store.rows("SELECT seq, entity, entity_id, op, payload, at, hlc FROM changes WHERE seq > ?"
                      " ORDER BY seq LIMIT ?", (pushed, max_entries))
    batch: list[Outgoing] = []
    size = 0
    for row in rows:
        size += len(row["payload"].encode("utf-8")) + 200
        if batch and size > max_bytes:
            break
        batch.append(Outgoing(row["seq"], row["entity"], row["entity_id"], row["op"], json.loads(row["payload"]),
                              row["at"], row["hlc"] or _stamp_late(store, row["seq"])))
    return batch


def _stamp_late(store: Store, seq: int) -> str:
    """An HLC for a row logged without one (written by an older app version after migration 7)."""
    with store.atomic():
        hlc = str(store.clock.now())
        store.conn.execute("UPDATE changes SET hlc = ? WHERE seq = ? AND hlc IS NULL", (hlc, seq))
        return store.scalar("SELECT hlc FROM changes WHERE seq = ?", (seq,))


def acknowledge(store: Store, sent: Sequence[Outgoing], outcomes: Sequence[Outcome], server_hlc: str | None) -> None:
    """Record the server's reply to one push, in one transaction.

    Sent rows leave the log; rejected ones are kept with the reason in ``sync_rejected``;
    acknowledged images are queued for upload; the clock takes in the server's (``server_hlc``,
    None when the device refused an entry itself).

    :raises ValueError: when the outcomes do not answer the entries sent, one by one.
    """
    if [o.seq for o in outcomes] != [e.seq for e in sent]:
        raise ValueError("the reply does not answer the entries sent, in order")
    now = to_text(utc_now())
    with store.atomic():
        conn = store.conn
        for entry, outcome in zip(sent, outcomes, strict=True):
            if outcome.status == "rejected":
                # The device's copy goes back to what the server kept (fetched after the push).
                conn.execute(
                    "INSERT INTO sync_rejected (seq, entity, entity_id, op, payload, at, hlc, user_name, code,"
                    " message, rejected_at, refresh) SELECT seq, entity, entity_id, op, payload, at, hlc, user_name,"
                    " ?, ?, ?, 1 FROM changes WHERE seq = ?",
                    (outcome.code, outcome.message or outcome.code or "", now, entry.seq))
            elif entry.entity == "photo":
                _queue_upload(store, entry.entity_id, "photo", now)
            elif entry.entity == "signature" and entry.payload.get("png_sha256"):
                sha = entry.payload["png_sha256"]
                # A signature redone since has another image; the server expects only the newest.
                if store.conn.execute("SELECT 1 FROM signatures WHERE png_sha256 = ? AND png IS NOT NULL",
                                      (sha,)).fetchone():
                    _queue_upload(store, sha, "signature", now)
            conn.execute("DELETE FROM changes WHERE seq = ?", (entry.seq,))
        top = max(e.seq for e in sent)
        conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                     "SET value = max(CAST(value AS INTEGER), excluded.value)", (PUSHED_SEQ, top))
        if server_hlc is not None:
            observe(store, server_hlc)


def _queue_upload(store: Store, sha: str, kind: str, now: str) -> None:
    store.conn.execute("INSERT OR IGNORE INTO sync_uploads (sha256, kind, queued_at) VALUES (?, ?, ?)",
                       (sha, kind, now))


def observe(store: Store, server_hlc: str) -> None:
    """Take in the server's clock and keep the result, so later edits sort after it (also after a restart).

    :raises ValueError: ``server_hlc`` is not an HLC value.
    """
    with store.atomic():
        hlc = store.clock.observe(Hlc.parse(server_hlc))
        store.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                           "SET value = excluded.value", (HLC_KEY, json.dumps(str(hlc))))


def uploads(store: Store, limit: int = 10_000) -> list[Upload]:
    return [Upload(r["sha256"], r["kind"], r["attempts"]) for r in store.rows(
        "SELECT sha256, kind, attempts FROM sync_uploads ORDER BY queued_at, sha256 LIMIT ?", (limit,))]


def upload_done(store: Store, sha256s: Sequence[str]) -> None:
    """Images the server now holds leave the queue (one transaction: a commit is an fsync)."""
    with store.atomic():
        store.conn.executemany("DELETE FROM sync_uploads WHERE sha256 = ?", [(s,) for s in sha256s])


def upload_failed(store: Store, sha256: str, error: str) -> None:
    """Count a failed attempt (a transient failure: it is tried again next time)."""
    with store.atomic():
        store.conn.execute("UPDATE sync_uploads SET attempts = attempts + 1, last_error = ? WHERE sha256 = ?",
                           (error, sha256))


def upload_refused(store: Store, sha256: str, code: str, message: str) -> None:
    """The server refused the image for good: it leaves the queue and is listed for the worker."""
    now = to_text(utc_now())
    with store.atomic():
        row = store.conn.execute("SELECT kind FROM sync_uploads WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            return
        store.conn.execute(
            "INSERT INTO sync_rejected (seq, entity, entity_id, op, payload, at, code, message, rejected_at)"
            " VALUES (NULL, ?, ?, 'upload', '{}', ?, ?, ?, ?)", (row[0], sha256, now, code, message, now))
        store.conn.execute("DELETE FROM sync_uploads WHERE sha256 = ?", (sha256,))


def rejected(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    """Entries the server refused, newest first: what was sent, its code and the Chinese reason."""
    return store.rows("SELECT id, seq, entity, entity_id, op, payload, at, code, message, rejected_at"
                      " FROM sync_rejected ORDER BY id DESC LIMIT ?", (limit,))


def to_refresh(store: Store) -> list[tuple[int, str, str]]:
    """(row id, entity, entity id) of rejected entries whose record is to be fetched from the server again."""
    return [(r["id"], r["entity"], r["entity_id"]) for r in store.rows(
        "SELECT id, entity, entity_id FROM sync_rejected WHERE refresh = 1 ORDER BY id")]


def refreshed(store: Store, row_id: int) -> None:
    with store.atomic():
        store.conn.execute("UPDATE sync_rejected SET refresh = 0 WHERE id = ?", (row_id,))


def rejected_count(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM sync_rejected") or 0


#: Which inspection, hazard, site or photo each kind of change belongs to (as the worker counts).
_OWNERS = """
    SELECT
      CASE c.entity
        WHEN 'inspection' THEN c.entity_id
        WHEN 'signature' THEN c.entity_id
        WHEN 'answer' THEN json_extract(c.payload, '$.inspection_id')
        WHEN 'photo_link' THEN CASE WHEN json_extract(c.payload, '$.owner_kind') = 'answer'
             THEN substr(json_extract(c.payload, '$.owner_id'), 1,
                         instr(json_extract(c.payload, '$.owner_id'), '/') - 1) END
      END AS inspection,
      CASE c.entity
        WHEN 'hazard' THEN c.entity_id
        WHEN 'review' THEN json_extract(c.payload, '$.hazard_id')
        WHEN 'photo_link' THEN CASE json_extract(c.payload, '$.owner_kind')
             WHEN 'hazard' THEN json_extract(c.payload, '$.owner_id')
             WHEN 'review' THEN (SELECT r.hazard_id FROM reviews r WHERE r.id = json_extract(c.payload, '$.owner_id'))
             END
      END AS hazard,
      CASE c.entity WHEN 'site' THEN c.entity_id END AS site,
      CASE c.entity WHEN 'photo' THEN c.entity_id END AS photo
    FROM changes c WHERE c.seq > ?
"""


def pending(store: Store) -> Pending:
    """What is still to send: inspections, hazards, sites and photos with unsent changes.

    A signature image still to upload counts for its inspection, a photo for itself.
    """
    pushed = get_setting(store, PUSHED_SEQ, 0)
    with store.lock:
        row = store.conn.execute(
            f"""WITH o AS ({_OWNERS})
                SELECT
                  (SELECT count(*) FROM (SELECT inspection FROM o WHERE inspection IS NOT NULL
                                         UNION SELECT s.inspection_id FROM sync_uploads u
                                         JOIN signatures s ON s.png_sha256 = u.sha256 WHERE u.kind = 'signature')),
                  (SELECT count(DISTINCT hazard) FROM o),
                  (SELECT count(*) FROM (SELECT photo FROM o WHERE photo IS NOT NULL
                                         UNION SELECT sha256 FROM sync_uploads WHERE kind = 'photo')),
                  (SELECT count(DISTINCT site) FROM o),
                  (SELECT count(*) FROM changes WHERE seq > ?),
                  (SELECT count(*) FROM sync_uploads)""", (pushed, pushed)).fetchone()
    return Pending(*row)
