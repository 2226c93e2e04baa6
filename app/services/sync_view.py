"""What the screens show of sync: the strip's status, the entries the server refused (named as a
person names them, never by internal codes), and the office's decisions on a hazard."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.store.db import Store
from app.store.outbox import Pending as Waiting

#: How each kind of record is named to the worker.
KIND_NAMES = {
    "site": "场所", "inspection": "检查", "answer": "检查答案", "signature": "现场签名", "hazard": "隐患",
    "review": "复查", "photo": "照片", "photo_link": "照片", "decision": "管理决定",
}


@dataclass(frozen=True)
class SyncStatus:
    """The device's side of synchronisation as a person sees it."""

    #: change rows and images still to send (the raw figure; ``waiting`` counts as a person does)
    pending: int
    waiting: Waiting
    last_sync_at: datetime | None
    last_attempt_at: datetime | None
    #: whether the last sync reached the server (None: never tried)
    online: bool | None
    last_error: str | None
    rejected: int
    signed_in: bool
    user: str | None
    #: e.g. 网格员 (None while signed out)
    role: str | None
    server: str | None


@dataclass(frozen=True)
class Decision:
    """An office decision on a hazard (pulled): a new 整改期限, 严重程度 or 挂牌督办, and why."""

    decided_by: str
    decided_at: datetime
    deadline: date | None
    severity: str | None
    listed: bool | None
    note: str


@dataclass(frozen=True)
class RejectedEntry:
    """A change the server refused: what it was, why, and when."""

    what: str
    reason: str
    rejected_at: datetime
    code: str | None


def rejected_entry(store: Store, row: dict[str, Any]) -> RejectedEntry:
    """A refused change-log row (``outbox.rejected``) as the sync screen lists it."""
    return RejectedEntry(_what(store, row), row["message"], datetime.fromisoformat(row["rejected_at"]),
                         row["code"])


def decision(row: dict[str, Any]) -> Decision:
    """A pulled decision row (``inbox.decisions_of``)."""
    deadline = date.fromisoformat(row["deadline"]) if row["deadline"] else None
    return Decision(row["decided_by"], datetime.fromisoformat(row["decided_at"]), deadline, row["severity"],
                    row["listed"], row["note"])


def _what(store: Store, row: dict[str, Any]) -> str:
    """e.g. ``场所“星港大厦”``, ``隐患“楼梯间堆放杂物”``, ``幸福里3栋的检查答案``, ``照片文件``."""
    entity = row["entity"]
    kind = KIND_NAMES.get(entity, entity)
    if row["op"] == "upload":
        return "现场签名图像" if entity == "signature" else "照片文件"
    payload = json.loads(row["payload"]) if row["payload"] else {}
    if entity == "site":
        name = payload.get("name") or store.scalar("SELECT name FROM sites WHERE id = ?", (row["entity_id"],))
        return f"{kind}“{name}”" if name else kind
    if entity == "hazard":
        text = payload.get("description") or store.scalar(
            "SELECT description FROM hazards WHERE id = ?", (row["entity_id"],))
        return f"{kind}“{text}”" if text else kind
    inspection_id = payload.get("inspection_id") or (row["entity_id"] if entity == "inspection" else None)
    if inspection_id:
        site = store.scalar(
            "SELECT s.name FROM inspections i JOIN sites s ON s.id = i.site_id WHERE i.id = ?", (inspection_id,))
        if site:
            return f"{site}的{kind}"
    return kind
