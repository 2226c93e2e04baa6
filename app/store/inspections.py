"""Inspections, their answers and the representative's signature."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from app.domain.models import Answer, Inspection
from app.domain.vocab import COMPLETED, DRAFT

from .db import NotFound, Store
from .ids import new_id, to_text, utc_now

_SELECT = """
    SELECT i.*, s.signer_name AS signer_name, s.signed_at AS signed_at, s.record_hash AS signed_hash
    FROM inspections i LEFT JOIN signatures s ON s.inspection_id = i.id
"""


def _to_json(value: Any) -> str:
    if isinstance(value, date):
        value = value.isoformat()
    return json.dumps(value, ensure_ascii=False)


def insert_inspection(store: Store, *, site_id: str, checklist_id: str, checklist_version: int,
                      inspector_id: str, inspector_name: str, device_id: str,
                      current_item_id: str | None) -> Inspection:
    """A new draft inspection with its change-log row."""
    now = to_text(utc_now())
    row = {"id": new_id(), "site_id": site_id, "checklist_id": checklist_id,
           "checklist_version": checklist_version, "inspector_id": inspector_id,
           "inspector_name": inspector_name, "device_id": device_id, "status": DRAFT,
           "current_item_id": current_item_id, "started_at": now, "updated_at": now}
    with store.atomic():
        store.db["inspections"].insert(row)
        store.log_change("inspection", row["id"], "insert", row)
    return get_inspection(store, row["id"])


def get_inspection(store: Store, inspection_id: str) -> Inspection:
    row = store.row(_SELECT + " WHERE i.id = ?", (inspection_id,))
    if row is None:
        raise NotFound("inspection", inspection_id)
    return Inspection.model_validate(row)


def find_draft(store: Store, site_id: str, checklist_id: str) -> Inspection | None:
    """This device's open draft for the site and checklist (another device's pulled draft is theirs)."""
    row = store.row(
        _SELECT + " WHERE i.site_id = ? AND i.checklist_id = ? AND i.status = ? AND i.device_id = ?"
        " ORDER BY i.started_at DESC LIMIT 1",
        (site_id, checklist_id, DRAFT, store.device_id),
    )
    return Inspection.model_validate(row) if row else None


def drafts(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """This device's unfinished inspections, most recently touched first."""
    return store.rows(
        """SELECT i.id, i.checklist_id, i.checklist_version, i.updated_at, s.name AS site_name,
                  (SELECT count(*) FROM answers a WHERE a.inspection_id = i.id) AS answered
           FROM inspections i JOIN sites s ON s.id = i.site_id
           WHERE i.status = ? AND i.device_id = ? ORDER BY i.updated_at DESC LIMIT ?""",
        (DRAFT, store.device_id, limit),
    )


def save_answer(store: Store, inspection_id: str, item_id: str, value: Any, note: str | None) -> None:
    """Upsert one answer (``note=None`` keeps the note already there), move the inspection's
    position to it, and log the change; call inside ``store.atomic()``."""
    now = to_text(utc_now())
    params = {"inspection_id": inspection_id, "item_id": item_id, "value": _to_json(value),
              "note": note, "answered_at": now}
    store.conn.execute(
        """INSERT INTO answers (inspection_id, item_id, value, note, answered_at)
           VALUES (:inspection_id, :item_id, :value, coalesce(:note, ''), :answered_at)
           ON CONFLICT (inspection_id, item_id) DO UPDATE
           SET value = excluded.value, note = coalesce(:note, answers.note), answered_at = excluded.answered_at""",
        params,
    )
    store.conn.execute("UPDATE inspections SET updated_at = ?, current_item_id = ? WHERE id = ?",
                       (now, item_id, inspection_id))
    saved = store.conn.execute("SELECT note FROM answers WHERE inspection_id = ? AND item_id = ?",
                               (inspection_id, item_id)).fetchone()
    store.log_change("answer", f"{inspection_id}/{item_id}", "update", {**params, "note": saved["note"]})


def answers(store: Store, inspection_id: str) -> dict[str, Answer]:
    rows = store.rows(
        "SELECT item_id, value, note, answered_at FROM answers WHERE inspection_id = ?", (inspection_id,)
    )
    return {r["item_id"]: Answer(item_id=r["item_id"], value=json.loads(r["value"]), note=r["note"],
                                 answered_at=r["answered_at"]) for r in rows}


def set_position(store: Store, inspection_id: str, item_id: str) -> None:
    with store.atomic():
        store.conn.execute("UPDATE inspections SET current_item_id = ? WHERE id = ?", (item_id, inspection_id))


def save_signature(store: Store, inspection_id: str, signer_name: str, png: bytes, record_hash: str) -> None:
    """Keep the signature; its PNG is logged by its SHA-256 and uploaded like a photo."""
    now = to_text(utc_now())
    png_sha256 = hashlib.sha256(png).hexdigest()
    with store.atomic():
        store.conn.execute(
            """INSERT INTO signatures (inspection_id, signer_name, png, png_sha256, record_hash, signed_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (inspection_id) DO UPDATE SET signer_name = excluded.signer_name,
               png = excluded.png, png_sha256 = excluded.png_sha256, record_hash = excluded.record_hash,
               signed_at = excluded.signed_at""",
            (inspection_id, signer_name, png, png_sha256, record_hash, now),
        )
        store.log_change("signature", inspection_id, "update",
                         {"inspection_id": inspection_id, "signer_name": signer_name,
                          "record_hash": record_hash, "signed_at": now, "png_sha256": png_sha256,
                          "png_bytes": len(png)})


def signature_png(store: Store, inspection_id: str) -> bytes | None:
    return store.scalar("SELECT png FROM signatures WHERE inspection_id = ?", (inspection_id,))


def mark_completed(store: Store, inspection_id: str) -> None:
    now = to_text(utc_now())
    with store.atomic():
        store.conn.execute(
            "UPDATE inspections SET status = ?, finished_at = ?, updated_at = ? WHERE id = ?",
            (COMPLETED, now, now, inspection_id),
        )
        store.log_change("inspection", inspection_id, "update",
                         {"id": inspection_id, "status": COMPLETED, "finished_at": now})
