"""The conflict rule: how one pushed change meets the server's copy of its record.

1. **Per field, the later HLC wins.** Each stored field keeps the HLC of the write that set it.
   An incoming value with a later HLC replaces it; one with an earlier HLC is discarded. An HLC
   more than ``max_clock_ahead_s`` ahead of the server's clock is first lowered to the server's
   clock, so a device whose clock runs hours fast cannot win against later edits.
2. **A hazard's status only moves along the lifecycle, from the server's status**, in the order
   changes arrive (HLCs do not apply): a move that does not follow from it is discarded.
   Closing (合格) or reopening (不合格) also needs a 复查 record with that result.
3. **A completed inspection is sealed**: its fields, answers and signature, and its hazards'
   signed fields, never change again (``locked``). Office decisions are separate records.
4. **Deleting a hazard** (a corrected answer withdrew it) wins; the record stays as a tombstone.

The conflict log receives every value discarded, and every value overwritten by a device that
had not pulled it (two places changed the same field without seeing each other); an edit made
after pulling the value is ordinary history, kept in the push log. A rejected entry changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from app.domain.lifecycle import CLOSED, REVIEW_STEPS, IllegalTransition, check_transition
from app.domain.signing import SIGNED_HAZARD_FIELDS
from sync.hlc import Hlc
from sync.protocol import UPSERT_ENTITIES, ChangeIn

from . import conflict_log, scope
from .accounts import User
from .entities import SPECS, Spec, wire_value
from .errors import EntryRejected
from .feed import Touches
from .sealing import seal
from .storage import as_utc
from .tables import inspections, photo_links, photos, reviews

log = logging.getLogger(__name__)

#: Fields fixed at creation: the record's key and what it hangs on.
FIXED = {
    "site": {"id"}, "inspection": {"id", "site_id", "device_id"}, "answer": {"inspection_id", "item_id"},
    "signature": {"inspection_id"}, "hazard": {"id", "site_id", "inspection_id", "source"},
    "review": {"id", "hazard_id"}, "photo": {"sha256"}, "photo_link": {"photo_sha256", "owner_kind", "owner_id"},
}
#: Fields only a 管理员 may set.
OFFICE_ONLY = {"hazard": {"listed"}}
SEALED_HAZARD_FIELDS = {*SIGNED_HAZARD_FIELDS, "deadline_chosen", "checklist_id", "photo_required", "created_at"}
#: Follow every edit; the conflict rule applies to them, but they are not worth a log entry.
_BOOKKEEPING = {"updated_at", "answered_at"}
_FIELD_NAMES = {"description": "隐患描述", "location": "隐患部位", "severity": "严重程度", "rect_unit": "整改责任单位",
                "requirement": "整改要求", "deadline": "整改期限", "item_id": "检查项"}


@dataclass
class Batch:
    """One push transaction: who writes, from which device, and what it touched."""

    conn: Connection
    user: User
    device_id: str
    now: datetime
    max_ahead: timedelta
    touches: Touches
    #: the feed number up to which this device had pulled before this push
    seen_upto: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    #: the HLC the latest entry was applied with, and the highest so far
    applied_hlc: Hlc | None = None
    _top: Hlc | None = None

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
        """Whether this device had pulled the value a stamp belongs to before it pushed."""
        return Hlc.parse(stamp[0]).node == self.device_id or (
            len(stamp) > 2 and stamp[2] is not None and stamp[2] <= self.seen_upto)


def apply(batch: Batch, change: ChangeIn) -> list[str]:
    """Apply one validated change; returns the fields whose incoming value was discarded.

    :raises EntryRejected: ``invalid``, ``forbidden``, ``missing_parent``, ``unknown_record``,
        ``deleted`` or ``locked``, with a Chinese reason.
    """
    spec = SPECS[change.entity]
    if change.op not in spec.ops:
        raise EntryRejected("invalid", f"{spec.label}不支持“{change.op}”操作")
    key = spec.key(change.entity_id)
    hlc = batch.admit(change.hlc)
    current = spec.load(batch.conn, change.entity_id, lock=True)
    if change.op == "delete":
        return _delete(batch, spec, change, current)
    if current is None:
        if change.op == "update" and spec.name not in UPSERT_ENTITIES:
            raise EntryRejected("unknown_record", f"服务器上没有这条{spec.label}（{change.entity_id}），无法修改")
        return _insert(batch, spec, change, key, hlc)
    if current["sv_deleted_at"] is not None:
        raise EntryRejected("deleted", f"该{spec.label}已被撤销（{change.entity_id}），修改未保存")
    return _update(batch, spec, change, hlc, current)


def _insert(batch: Batch, spec: Spec, change: ChangeIn, key: dict[str, str], hlc: Hlc) -> list[str]:
    fields = spec.validate(change.payload)
    if any(str(fields[k]) != v for k, v in key.items()):
        raise EntryRejected("invalid", f"entity_id 与{spec.label}内容不一致（{change.entity_id}）")
    site_id = scope.site_of_new(batch.conn, batch.user, spec.name, fields)
    _check_new(batch, spec, fields)
    seq = batch.touches.number(spec.name, change.entity_id)
    row = {**fields, **_meta(batch), "sv_id": change.entity_id, "sv_site_id": site_id,
           "sv_created_by": batch.user.name, "sv_received_at": batch.now,
           "sv_versions": {name: batch.stamp(hlc, seq) for name in fields}}
    if spec.name == "photo_link":
        row["sv_inspection_id"] = scope.inspection_of_link(batch.conn, fields)
    batch.conn.execute(insert(spec.table).values(row))
    batch.touches.add(spec.name, change.entity_id, site_id, own=True)
    if spec.name == "photo_link":
        _photo_in_scope(batch, fields["photo_sha256"], site_id)
    if spec.name == "inspection" and fields["status"] == "completed":
        _sealed(batch, fields)
    return []


def _check_new(batch: Batch, spec: Spec, fields: dict[str, Any]) -> None:
    conn = batch.conn
    if spec.name in ("answer", "signature"):
        _refuse_if_completed(conn, fields["inspection_id"], spec)
    elif spec.name == "hazard":
        if fields["inspection_id"] is not None:
            _refuse_if_completed(conn, fields["inspection_id"], spec)
        if fields["listed"] and not batch.user.is_admin:
            raise EntryRejected("forbidden", "只有管理员可以挂牌督办")
    elif spec.name == "photo_link" and fields["owner_kind"] == "answer":
        _refuse_if_completed(conn, fields["owner_id"].partition("/")[0], spec)


def _refuse_if_completed(conn: Connection, inspection_id: str, spec: Spec) -> None:
    status = conn.execute(select(inspections.c.status).where(inspections.c.id == inspection_id)).scalar()
    if status == "completed":
        raise EntryRejected("locked", f"该检查已完成并签名，不能再添加或修改{spec.label}",
                            detail=f"inspection {inspection_id} is completed")


def _update(batch: Batch, spec: Spec, change: ChangeIn, hlc: Hlc, current: dict[str, Any]) -> list[str]:
    full = spec.validate({**spec.wire(current), **change.payload})
    incoming = {name: full[name] for name in change.payload}
    for name in FIXED[spec.name] & incoming.keys():
        if not _same(incoming[name], current[name]):
            raise EntryRejected("invalid", f"{spec.label}的“{name}”创建后不能修改")
    site_id = current["sv_site_id"]
    if spec.name != "photo":  # photo metadata carries no scope of its own (its links do)
        scope.check_grid(batch.user, scope.site_grid(batch.conn, site_id))
    if spec.name == "site" and not _same(incoming.get("grid", current["grid"]), current["grid"]):
        scope.check_grid(batch.user, incoming["grid"])

    changes: dict[str, Any] = {}
    versions = dict(current["sv_versions"])
    discarded: list[str] = []
    seq = batch.touches.number(spec.name, change.entity_id)
    if spec.name == "hazard" and "status" in incoming:
        _merge_status(batch, current, incoming, changes, versions, discarded, hlc, seq, change)
    locked = _locked(batch.conn, spec, current)
    hits = [n for n in incoming if n in locked and not _same(incoming[n], current[n])]
    if hits:
        raise EntryRejected("locked", _locked_message(spec, current, hits), conflicts=[
            conflict_log.entry("locked", spec.name, change.entity_id, "已签名或已销号的记录不能修改", field=n,
                               kept=wire_value(current[n]), discarded=wire_value(incoming[n]),
                               discarded_hlc=str(hlc), discarded_by=batch.user.name) for n in hits])
    for name, new in incoming.items():
        old = current[name]
        if _same(new, old):
            continue
        if name in OFFICE_ONLY.get(spec.name, ()) and not batch.user.is_admin:
            raise EntryRejected("forbidden", "只有管理员可以挂牌督办")
        stamp = versions.get(name)
        held = Hlc.parse(stamp[0]) if stamp else None
        if held is None or hlc > held:
            changes[name] = new
            versions[name] = batch.stamp(hlc, seq)
            if held is not None and name not in _BOOKKEEPING and not batch.had_seen(stamp):
                batch.conflicts.append(conflict_log.entry(
                    "overwritten", spec.name, change.entity_id,
                    "两处同时修改：较新的修改覆盖了另一设备或管理员的值（写入方同步前未见到该值）", field=name,
                    kept=wire_value(new), discarded=wire_value(old), kept_hlc=str(hlc), discarded_hlc=stamp[0],
                    kept_by=batch.user.name, discarded_by=stamp[1]))
        else:
            discarded.append(name)
            if name in _BOOKKEEPING:
                continue
            batch.conflicts.append(conflict_log.entry(
                "discarded", spec.name, change.entity_id, "该修改早于服务器上已有的修改（按混合逻辑时钟），未采用",
                field=name, kept=wire_value(old), discarded=wire_value(new), kept_hlc=stamp[0],
                discarded_hlc=str(hlc), kept_by=stamp[1], discarded_by=batch.user.name))
    if changes:
        batch.conn.execute(update(spec.table).where(spec.table.c.sv_id == change.entity_id)
                           .values(**changes, **_meta(batch), sv_versions=versions))
    if changes or discarded:  # a device whose value lost must pull the server's back
        batch.touches.add(spec.name, change.entity_id, site_id, own=not discarded)
    if spec.name == "inspection" and changes.get("status") == "completed":
        _sealed(batch, {**current, **changes})
    if spec.name == "site" and "grid" in changes:
        batch.touches.site_moved(current["id"])
    return discarded


def _merge_status(batch: Batch, current: dict[str, Any], incoming: dict[str, Any], changes: dict[str, Any],
                  versions: dict[str, Any], discarded: list[str], hlc: Hlc, seq: int, change: ChangeIn) -> None:
    """Rule 2: move along the lifecycle from the server's status, or discard the move."""
    wanted = incoming.pop("status")
    closed_at = incoming.pop("closed_at", None)
    if wanted == current["status"]:
        return
    reason = _refusal(batch.conn, current, wanted)
    if reason is None:
        changes["status"] = wanted
        versions["status"] = batch.stamp(hlc, seq)
        if wanted == CLOSED:
            changes["closed_at"] = closed_at or batch.now
            versions["closed_at"] = batch.stamp(hlc, seq)
        return
    discarded.append("status")
    stamp = versions.get("status") or [None, None, None]
    batch.conflicts.append(conflict_log.entry(
        "lifecycle", "hazard", change.entity_id, reason, field="status", kept=current["status"], discarded=wanted,
        kept_hlc=stamp[0], discarded_hlc=str(hlc), kept_by=stamp[1], discarded_by=batch.user.name))


def _refusal(conn: Connection, hazard: dict[str, Any], wanted: str) -> str | None:
    """Why the server's hazard may not move to ``wanted`` now; None when it may."""
    try:
        check_transition(hazard["id"], hazard["status"], wanted)
    except IllegalTransition as exc:
        return exc.message
    if (hazard["status"], wanted) in REVIEW_STEPS:
        passed = wanted == CLOSED
        found = conn.execute(select(reviews.c.id).where(
            reviews.c.hazard_id == hazard["id"], reviews.c.passed.is_(passed), reviews.c.sv_deleted_at.is_(None)
        ).limit(1)).first()
        if found is None:
            return f"“{wanted}”需要一条{'合格' if passed else '不合格'}的复查记录"
    return None


def _locked(conn: Connection, spec: Spec, current: dict[str, Any]) -> set[str]:
    """Rule 3: the fields of this record no change may alter."""
    everything = set(spec.fields)
    if spec.name == "inspection":
        return everything if current["status"] == "completed" else set()
    if spec.name in ("answer", "signature"):
        return everything if _completed(conn, current["inspection_id"]) else set()
    if spec.name == "review":
        return everything  # a 复查 is a fact once recorded
    if spec.name == "hazard":
        if current["status"] == CLOSED:
            return SEALED_HAZARD_FIELDS | {"closed_at"}
        if current["inspection_id"] and _completed(conn, current["inspection_id"]):
            return set(SEALED_HAZARD_FIELDS)
    return set()


def _locked_message(spec: Spec, current: dict[str, Any], fields: list[str]) -> str:
    if spec.name == "hazard":
        names = "、".join(_FIELD_NAMES.get(f, f) for f in fields)
        if current["status"] == CLOSED:
            return f"该隐患已销号，{names}不能再修改"
        return f"该隐患所属检查已由现场负责人签名确认，{names}不能再修改；如需调整请由管理员作出决定"
    if spec.name == "review":
        return "复查记录保存后不能修改"
    return "该检查已完成并签名，记录不能再修改"


def _completed(conn: Connection, inspection_id: str) -> bool:
    return conn.execute(select(inspections.c.status).where(inspections.c.id == inspection_id)).scalar() == "completed"


def _delete(batch: Batch, spec: Spec, change: ChangeIn, current: dict[str, Any] | None) -> list[str]:
    """Rule 4 (hazards only: a corrected answer withdrew the hazard it had raised)."""
    if current is None:
        raise EntryRejected("unknown_record", f"服务器上没有这条{spec.label}（{change.entity_id}），无法删除")
    if current["sv_deleted_at"] is not None:
        return []
    scope.check_grid(batch.user, scope.site_grid(batch.conn, current["sv_site_id"]))
    if current["inspection_id"] and _completed(batch.conn, current["inspection_id"]):
        raise EntryRejected("locked", "该隐患所属检查已完成并签名，不能删除")
    worked_on = current["status"] != "待整改" or batch.conn.execute(
        select(reviews.c.id).where(reviews.c.hazard_id == current["id"]).limit(1)).first() is not None
    if worked_on:
        batch.conflicts.append(conflict_log.entry(
            "deleted", "hazard", change.entity_id, "检查答案更正后隐患被撤销，此前的整改或复查随之作废",
            field="status", kept=None, discarded=current["status"], discarded_by=current["sv_updated_by"],
            kept_by=batch.user.name))
    batch.conn.execute(update(spec.table).where(spec.table.c.sv_id == change.entity_id)
                       .values(sv_deleted_at=batch.now, **_meta(batch)))
    # The hazard's photo links go with it.
    for (link_id,) in batch.conn.execute(select(photo_links.c.sv_id).where(
            photo_links.c.owner_kind == "hazard", photo_links.c.owner_id == current["id"],
            photo_links.c.sv_deleted_at.is_(None))).all():
        batch.conn.execute(update(photo_links).where(photo_links.c.sv_id == link_id)
                           .values(sv_deleted_at=batch.now, **_meta(batch)))
        batch.touches.add("photo_link", link_id, current["sv_site_id"], deleted=True, own=True)
    batch.touches.add(spec.name, change.entity_id, current["sv_site_id"], deleted=True, own=True)
    return []


def _photo_in_scope(batch: Batch, sha256: str, site_id: str | None) -> None:
    """A linked photo's metadata goes to the devices of the site it is now linked to."""
    held = batch.conn.execute(select(photos.c.sv_site_id).where(photos.c.sha256 == sha256)).scalar()
    if held != site_id:
        batch.conn.execute(update(photos).where(photos.c.sha256 == sha256).values(sv_site_id=site_id))
        batch.touches.add("photo", sha256, site_id)


def _sealed(batch: Batch, inspection: dict[str, Any]) -> None:
    verified = seal(batch.conn, inspection)
    if not verified:
        reason = ("检查完成时服务器上没有现场负责人签名" if verified is None
                  else "收到的检查记录与现场负责人签名时的记录不一致（签名哈希不符）")
        batch.conflicts.append(conflict_log.entry("signature", "inspection", inspection["id"], reason))


def _meta(batch: Batch) -> dict[str, Any]:
    return {"sv_updated_by": batch.user.name, "sv_device_id": batch.device_id, "sv_changed_at": batch.now}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return as_utc(a) == as_utc(b)
    return a == b
