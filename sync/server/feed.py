"""The pull feed: what changed after a cursor, within a user's scope, page by page.

Each record has one feed row; every write renumbers it from the ``feed`` counter in the
writing transaction (``storage.next_numbers``). A reader first reads the counter, then only
rows at or below it: every number at or below a committed counter value is committed, so a
cursor never passes a row that commits later with a lower number (anchors §8).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update

from .accounts import User
from .entities import DECISION, SPECS, wire_value
from .errors import Conflict
from .storage import current_number, next_numbers, utc_now
from .tables import checklists, decisions, devices, feed, office_settings, sites

GLOBAL = "*"
#: Records every device pulls, whatever its grids: published checklists and the office's settings.
GLOBAL_ENTITIES = frozenset({"checklist", "office"})


@dataclass(frozen=True)
class Touch:
    entity: str
    entity_id: str
    seq: int
    site_id: str | None = None
    deleted: bool = False
    #: True: the record now is exactly the pushing device's own write; False: it is not;
    #: None: a server-side change that leaves that question as it was.
    own: bool | None = None
    changed: bool = False


class Touches:
    """The records one transaction changes, each with the feed number it gets.

    A record's number is handed out the first time the transaction touches it (``number``), so
    its writes can be stamped with it; numbers are taken from the ``feed`` counter a block at a
    time. ``write`` records the feed rows last. A number taken for a change that is refused or
    changes nothing is simply never used: readers do not mind gaps.

    :param expected: how many records the transaction will likely touch (the first block's size).
    """

    def __init__(self, conn: Connection, device_id: str | None, expected: int = 1):
        self.conn = conn
        self.device_id = device_id
        self.items: dict[tuple[str, str], Touch] = {}
        self._next, self._end, self._block = 1, 0, max(1, expected)

    def number(self, entity: str, entity_id: str) -> int:
        """The feed number this transaction gives the record."""
        touch = self.items.get((entity, entity_id))
        if touch is None:
            if self._next > self._end:
                block = next_numbers(self.conn, self._block)
                self._next, self._end, self._block = block.start, block.stop - 1, max(self._block, 16)
            touch = Touch(entity, entity_id, self._next)
            self._next += 1
            self.items[(entity, entity_id)] = touch
        return touch.seq

    def add(self, entity: str, entity_id: str, site_id: str | None, *, deleted: bool = False,
            own: bool | None = None) -> None:
        """Mark the record changed: it goes into the feed when the transaction commits."""
        self.number(entity, entity_id)
        touch = self.items[(entity, entity_id)]
        if touch.changed and own is not False:
            own = touch.own if own is None else (touch.own is not False and own)
        self.items[(entity, entity_id)] = replace(touch, site_id=site_id, deleted=deleted, own=own, changed=True)

    def write(self) -> None:
        """Record the feed rows of every changed record; call last in the transaction."""
        changed = [t for t in self.items.values() if t.changed]
        self.items.clear()
        if not changed:
            return
        grids: dict[str, str] = {}
        origins: dict[tuple[str, str], str | None] = {}
        site_ids = sorted({t.site_id for t in changed if t.site_id})
        for part in _chunks(site_ids):
            grids.update(self.conn.execute(select(sites.c.id, sites.c.grid).where(sites.c.id.in_(part))).all())
        wanted = {(t.entity, t.entity_id) for t in changed}
        for part in _chunks(sorted({t.entity_id for t in changed})):
            for entity, entity_id, origin in self.conn.execute(
                    select(feed.c.entity, feed.c.entity_id, feed.c.origin_device).where(feed.c.entity_id.in_(part))):
                if (entity, entity_id) in wanted:
                    origins[(entity, entity_id)] = origin
        inserts, updates = [], []
        for touch in changed:
            key = (touch.entity, touch.entity_id)
            known = key in origins
            if touch.own is None:
                origin = origins.get(key)
            elif touch.own and (not known or origins[key] == self.device_id):
                origin = self.device_id
            else:
                origin = None
            scope = GLOBAL if touch.entity in GLOBAL_ENTITIES else grids.get(touch.site_id, "")
            row = {"seq": touch.seq, "scope": scope, "site_id": touch.site_id, "deleted": touch.deleted,
                   "origin_device": origin}
            if known:
                updates.append({**row, "k_entity": touch.entity, "k_entity_id": touch.entity_id})
            else:
                inserts.append({**row, "entity": touch.entity, "entity_id": touch.entity_id})
        if inserts:
            self.conn.execute(feed.insert(), inserts)
        if updates:
            self.conn.execute(_FEED_UPDATE, updates)

    def site_moved(self, site_id: str) -> None:
        """A site changed grid: every record of it goes to the new grid's devices."""
        for entity, entity_id, deleted in self.conn.execute(
            select(feed.c.entity, feed.c.entity_id, feed.c.deleted).where(feed.c.site_id == site_id)
        ).all():
            touch = self.items.get((entity, entity_id))
            if touch is None or not touch.changed:
                self.add(entity, entity_id, site_id, deleted=deleted)


_FEED_UPDATE = feed.update().where(feed.c.entity == bindparam("k_entity"), feed.c.entity_id == bindparam("k_entity_id"))


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    """Bounded IN lists (SQLite limits bound parameters per statement)."""
    return [values[i:i + size] for i in range(0, len(values), size)]


def seen_upto(conn: Connection, device_id: str) -> int:
    """The feed number up to which a device has pulled (0 if it never did)."""
    return conn.execute(select(devices.c.pulled_upto).where(devices.c.device_id == device_id)).scalar() or 0


def note_pulled(conn: Connection, device_id: str, user_name: str, cursor: int) -> None:
    """Remember that a device applied the feed up to ``cursor`` (it asks for what comes after)."""
    if cursor <= seen_upto(conn, device_id):
        return
    values = {"user_name": user_name, "pulled_upto": cursor, "pulled_at": utc_now()}
    if conn.execute(update(devices).where(devices.c.device_id == device_id).values(**values)).rowcount == 0:
        conn.execute(insert(devices).values(device_id=device_id, **values))


def pull_page(conn: Connection, user: User, cursor: int, limit: int, *, include_own: bool) -> dict[str, Any]:
    """One page of records after ``cursor`` in ``user``'s scope, oldest change first.

    :param include_own: also send the records whose state is this device's own last write
        (a device restored from a backup pulls everything again with this).
    :raises Conflict: the cursor is ahead of this server (its data was replaced): start from 0.
    """
    top = current_number(conn)
    if cursor > top:
        raise Conflict("同步位置超出服务器记录（服务器数据可能已重建），请从头重新同步", code="cursor_ahead",
                       detail=f"cursor {cursor} > feed top {top}")
    query = select(feed).where(feed.c.seq > cursor, feed.c.seq <= top)
    if not user.is_admin:
        query = query.where(or_(feed.c.scope.in_(user.grids), feed.c.scope == GLOBAL))
    if not include_own:
        query = query.where(or_(feed.c.origin_device.is_(None), feed.c.origin_device != user.device_id))
    rows = conn.execute(query.order_by(feed.c.seq).limit(limit)).mappings().all()
    more = len(rows) == limit
    next_cursor = rows[-1]["seq"] if more else top
    return {"cursor": next_cursor, "more": more, "records": _records(conn, rows)}


def _records(conn: Connection, rows: list) -> list[dict[str, Any]]:
    wanted: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        wanted[row["entity"]].append(row["entity_id"])
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for entity, ids in wanted.items():
        if entity in SPECS:
            spec = SPECS[entity]
            for record in conn.execute(select(spec.table).where(spec.table.c.sv_id.in_(ids))).mappings():
                found[(entity, record["sv_id"])] = spec.wire(record)
        elif entity == "decision":
            for record in conn.execute(select(decisions).where(decisions.c.id.in_(ids))).mappings():
                found[(entity, record["id"])] = DECISION.wire(record)
        elif entity == "checklist":
            found.update({("checklist", r["id"]): r for r in latest_checklists(conn, ids)})
        elif entity == "office":
            settings = office_settings_in_force(conn)
            if settings is not None:
                found[("office", "settings")] = settings
    out = []
    for row in rows:
        key = (row["entity"], row["entity_id"])
        if row["deleted"]:
            spec = SPECS[row["entity"]]
            out.append({"entity": row["entity"], "id": row["entity_id"], "op": "delete",
                        "fields": spec.key(row["entity_id"])})
        elif key in found:
            out.append({"entity": row["entity"], "id": row["entity_id"], "op": "upsert", "fields": found[key]})
    return out


def latest_checklists(conn: Connection, ids: list[str] | None = None) -> list[dict[str, Any]]:
    """The newest published version of each checklist (of ``ids``, or all)."""
    newest = select(checklists.c.id, func.max(checklists.c.version).label("version")).group_by(checklists.c.id)
    if ids is not None:
        newest = newest.where(checklists.c.id.in_(ids))
    newest = newest.subquery()
    query = select(checklists).join(newest, (checklists.c.id == newest.c.id)
                                    & (checklists.c.version == newest.c.version))
    return [{k: wire_value(v) for k, v in row.items()} for row in conn.execute(query).mappings()]


def office_settings_in_force(conn: Connection) -> dict[str, Any] | None:
    """The office's newest settings (``OfficeSettingsFields``), or None when it never set any."""
    row = conn.execute(select(office_settings).order_by(office_settings.c.version.desc()).limit(1)).mappings().first()
    return None if row is None else {name: wire_value(value) for name, value in row.items()}
