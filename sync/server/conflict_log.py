"""The conflict log: every value the conflict rule overwrote or discarded, for the office to read.

Kinds: ``overwritten`` (a later write replaced another device's or the office's value),
``discarded`` (an incoming value lost: older HLC), ``lifecycle`` (a status move that does not
follow from the server's status), ``locked`` (an edit of a signed or closed record),
``deleted`` (a hazard withdrawn while others had worked on it), ``signature`` (a completed
inspection whose records do not match its signature's hash).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from .storage import as_utc
from .tables import conflicts


def entry(kind: str, entity: str, entity_id: str, reason: str, *, field: str | None = None,
          kept: Any = None, discarded: Any = None, kept_hlc: str | None = None, discarded_hlc: str | None = None,
          kept_by: str | None = None, discarded_by: str | None = None) -> dict[str, Any]:
    """One log row (written by ``write``); values must be JSON-able (wire form)."""
    return {"kind": kind, "entity": entity, "entity_id": entity_id, "field": field, "kept": kept,
            "discarded": discarded, "kept_hlc": kept_hlc, "discarded_hlc": discarded_hlc, "kept_by": kept_by,
            "discarded_by": discarded_by, "reason": reason}


def write(conn: Connection, rows: list[dict[str, Any]], *, at: datetime, device_id: str | None,
          seq: int | None) -> None:
    if rows:
        conn.execute(insert(conflicts), [{**row, "at": at, "device_id": device_id, "seq": seq} for row in rows])


def page(conn: Connection, after: int, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(conflicts).where(conflicts.c.id > after).order_by(conflicts.c.id).limit(limit))
    return [{**row, "at": as_utc(row["at"])} for row in rows.mappings()]
