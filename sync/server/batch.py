"""One push transaction's working state: who writes from which device, its clock, and its rows.

Rows are read once per batch (the entries' own in one query per kind, parents on first use)
and kept up to date as the batch writes them, so a batch of 500 hazards on one site reads that
site once. Every record write goes through ``insert`` / ``update``, which note that the current
entry has written: the conflict rule refuses an entry only before its first write, so a refused
entry never leaves anything behind and needs no savepoint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from sync.hlc import Hlc

from . import scope
from .accounts import User
from .entities import SPECS, Spec
from .feed import Touches

log = logging.getLogger(__name__)

#: In ``sv_versions``, the stamp of every field not stamped on its own (the record's creation).
ALL_FIELDS = "*"


def version_of(versions: dict[str, Any], name: str) -> list[Any] | None:
    """The ``[hlc, user, feed number]`` of the write that set a field."""
    return versions.get(name) or versions.get(ALL_FIELDS)


@dataclass
class Batch:
    conn: Connection
    user: User
    device_id: str
    now: datetime
    max_ahead: timedelta
    touches: Touches
    #: the feed number up to which this device had pulled before this push
    seen_upto: int = 0
    #: conflict-log rows of the current entry
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    #: the HLC the current entry was applied with
    applied_hlc: Hlc | None = None
    #: whether the current entry has written a record
    wrote: bool = False
    _top: Hlc | None = None
    _grids: dict[str, str | None] = field(default_factory=dict)
    _rows: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)

    def start_entry(self) -> None:
        self.conflicts, self.applied_hlc, self.wrote = [], None, False

    # --- the clock --------------------------------------------------------------------------------

    def admit(self, text: str) -> Hlc:
        """The HLC an entry is applied with: lowered to the server clock when it is ahead, and
        kept increasing within the batch so the device's own order survives the lowering."""
        hlc = Hlc.parse(text)
        ceiling = int((self.now + self.max_ahead).timestamp() * 1000)
        if hlc.ms > ceiling:
            log.warning("device %s: HLC %s is %.0f s ahead of the server; lowered", self.device_id, hlc,
                        (hlc.ms - ceiling) / 1000 + self.max_ahead.total_seconds())
            hlc = Hlc(int(self.now.timestamp() * 1000), hlc.counter, hlc.node)
            if self._top is not None and hlc <= self._top:
                hlc = self._top.successor(hlc.node)
        self._top = hlc if self._top is None or hlc > self._top else self._top
        self.applied_hlc = hlc
        return hlc

    def stamp(self, hlc: Hlc, seq: int) -> list[Any]:
        """A field's version: ``[hlc, user, feed number]``."""
        return [str(hlc), self.user.name, seq]

    def had_seen(self, stamp: list[Any]) -> bool:
        """Whether this device had the value a stamp belongs to: its own, or pulled before it pushed."""
        return Hlc.parse(stamp[0]).node == self.device_id or (
            len(stamp) > 2 and stamp[2] is not None and stamp[2] <= self.seen_upto)

    # --- rows ------------------------------------------------------------------------------------

    def grid_of(self, site_id: str | None) -> str | None:
        if site_id is None:
            return None
        if site_id not in self._grids:
            self._grids[site_id] = scope.site_grid(self.conn, site_id)
        return self._grids[site_id]

    def load(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        """A record as stored now (tombstones included), held until commit where the database can."""
        key = (entity, entity_id)
        if key not in self._rows:
            self._rows[key] = SPECS[entity].load(self.conn, entity_id, lock=True)
        return self._rows[key]

    def prefetch(self, entity: str, entity_ids: set[str]) -> None:
        """Read many records of one kind at once (those a batch's entries name)."""
        spec = SPECS[entity]
        wanted = sorted(i for i in entity_ids if (entity, i) not in self._rows)
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            found = {row["sv_id"]: dict(row) for row in self.conn.execute(
                select(spec.table).where(spec.table.c.sv_id.in_(part)).with_for_update()).mappings()}
            self._rows.update({(entity, i): found.get(i) for i in part})

    def insert(self, spec: Spec, row: dict[str, Any]) -> None:
        self.wrote = True
        spec.insert(self.conn, row)
        self._rows[(spec.name, row["sv_id"])] = row

    def update(self, spec: Spec, entity_id: str, values: dict[str, Any]) -> None:
        self.wrote = True
        spec.update(self.conn, entity_id, values)
        cached = self._rows.get((spec.name, entity_id))
        if cached is not None:
            self._rows[(spec.name, entity_id)] = {**cached, **values}

    def forget(self, entity: str, entity_id: str) -> None:
        """Drop a cached row changed behind the batch's back (e.g. by sealing)."""
        self._rows.pop((entity, entity_id), None)

    def moved(self, site_id: str) -> None:
        self._grids.pop(site_id, None)
