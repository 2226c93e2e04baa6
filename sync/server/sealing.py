"""Freezing what was signed when an inspection completes, and checking it against the hash.

From then on the inspection, its answers, its signature and its hazards' signed fields are
locked; only the hazard lifecycle, reviews, photos added later and office decisions (separate
records) move on. The frozen copy is what a later audit compares the signature with.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import Connection, select, update

from app.domain.signing import signed_hash, signed_record

from .tables import answers, hazards, photo_links, signatures

log = logging.getLogger(__name__)


def seal(conn: Connection, inspection: dict[str, Any]) -> bool | None:
    """Freeze the signed record of a just-completed inspection.

    :returns: whether the records match the signature's hash; None when there is no signature.
    """
    inspection_id = inspection["id"]
    signature = conn.execute(select(signatures).where(
        signatures.c.inspection_id == inspection_id, signatures.c.sv_deleted_at.is_(None))).mappings().first()
    if signature is None:
        log.warning("inspection %s completed without a signature on the server", inspection_id)
        return None
    record = signed_record(inspection, _answers(conn, inspection_id), _hazards(conn, inspection_id))
    verified = signed_hash(record) == signature["record_hash"]
    if not verified:
        log.warning("inspection %s: records received do not match the signature's hash", inspection_id)
    conn.execute(update(signatures).where(signatures.c.inspection_id == inspection_id)
                 .values(sv_signed_record=record, sv_verified=verified))
    return verified


def _answers(conn: Connection, inspection_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(answers.c.item_id, answers.c.value, answers.c.note).where(
        answers.c.inspection_id == inspection_id, answers.c.sv_deleted_at.is_(None))).mappings()
    return [{"item_id": r["item_id"], "value": json.loads(r["value"]), "note": r["note"]} for r in rows]


def _hazards(conn: Connection, inspection_id: str) -> list[dict[str, Any]]:
    rows = [dict(r) for r in conn.execute(select(hazards).where(
        hazards.c.inspection_id == inspection_id, hazards.c.sv_deleted_at.is_(None))).mappings()]
    shas: dict[str, list[str]] = {r["id"]: [] for r in rows}
    for owner_id, sha in conn.execute(
        select(photo_links.c.owner_id, photo_links.c.photo_sha256)
        .where(photo_links.c.owner_kind == "hazard", photo_links.c.owner_id.in_(list(shas)),
               photo_links.c.sv_deleted_at.is_(None))
        .order_by(photo_links.c.created_at, photo_links.c.sv_received_at)
    ):
        shas[owner_id].append(sha)
    return [{**r, "photo_shas": shas[r["id"]]} for r in rows]
