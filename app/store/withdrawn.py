"""What an inspector typed or attached on a hazard that a changed answer withdrew: kept on the
device, so that when the answer comes back the hazard comes back with it (隐患部位, 整改责任单位,
photos, a chosen 整改期限 …). Device-only: the withdrawal itself travels as the hazard's deletion,
and the restored hazard as a new one.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from .ids import to_text, utc_now

if TYPE_CHECKING:  # db imports the migrations, this module among them
    from .db import Store


def m008_withdrawn_hazards(conn: sqlite3.Connection) -> None:
    # Migration 8 (issue 12): the details of withdrawn hazards, by (inspection, item). item_id is
    # the checklist item, or a 综合判定 rule's key; one memo per item, the latest withdrawal wins.
    conn.execute(
        """CREATE TABLE withdrawn_hazards (
               inspection_id TEXT NOT NULL REFERENCES inspections(id),
               item_id TEXT NOT NULL,
               details TEXT NOT NULL CHECK (json_valid(details)),
               photo_shas TEXT NOT NULL CHECK (json_valid(photo_shas)),
               withdrawn_at TEXT NOT NULL,
               PRIMARY KEY (inspection_id, item_id)
           )""")


def keep(store: Store, inspection_id: str, item_id: str, details: dict[str, Any], photo_shas: list[str]) -> None:
    """Remember a withdrawn hazard's details; inside the answer's transaction.

    :param details: the fields the inspector set, e.g. ``{"location": "东门", "deadline": "2026-12-01"}``.
    """
    store.conn.execute(
        """INSERT INTO withdrawn_hazards (inspection_id, item_id, details, photo_shas, withdrawn_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (inspection_id, item_id) DO UPDATE SET details = excluded.details,
               photo_shas = excluded.photo_shas, withdrawn_at = excluded.withdrawn_at""",
        (inspection_id, item_id, json.dumps(details, ensure_ascii=False), json.dumps(photo_shas),
         to_text(utc_now())))


def take(store: Store, inspection_id: str, item_id: str) -> tuple[dict[str, Any], list[str]] | None:
    """The details kept for ``item_id``, removed as they are handed back; None when there are none."""
    row = store.row("SELECT details, photo_shas FROM withdrawn_hazards WHERE inspection_id = ? AND item_id = ?",
                    (inspection_id, item_id))
    if row is None:
        return None
    store.conn.execute("DELETE FROM withdrawn_hazards WHERE inspection_id = ? AND item_id = ?",
                       (inspection_id, item_id))
    return json.loads(row["details"]), json.loads(row["photo_shas"])


def forget(store: Store, inspection_id: str) -> None:
    """Drop an inspection's memos (it is completed: its answers never change again)."""
    store.conn.execute("DELETE FROM withdrawn_hazards WHERE inspection_id = ?", (inspection_id,))
