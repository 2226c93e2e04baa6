"""The conflict rule: how one pushed change meets the server's copy of its record.

1. **Per field, the later HLC wins.** Each stored field keeps the HLC of the write that set it.
   An incoming value with a later HLC replaces it; one with an earlier HLC is discarded. An HLC
   more than ``max_clock_ahead_s`` ahead of the server's clock is first lowered to the server's
   clock, so a device whose clock runs hours fast cannot win against later edits.
2. **A hazard's status only moves along the lifecycle, from the server's status**, in the order
   changes arrive (HLCs do not apply): a move that does not follow from it is discarded.
   Closing (合格) or reopening (不合格) also needs a 复查 record with that result that meets
   the closing rules (``app.domain.closing``): 合格 with a review photo linked before the move
   arrives, 不合格 with a reason, and a 疑似重大 hazard never closed by whoever found it.
3. **A completed inspection is sealed** (``locks``): its fields, answers and signature, and its
   hazards' signed fields, never change again. Office decisions are separate records.
4. **Deleting a hazard** (a corrected answer withdrew it) wins; the record stays as a tombstone.

The conflict log receives every value discarded, and every value overwritten by a device that
had not pulled it (two places changed the same field without seeing each other); an edit made
after pulling the value is ordinary history, kept in the push log.

Every refusal (``EntryRejected``) happens before the entry's first write, so a refused entry
changes nothing; ``ingest`` treats a refusal after a write as a server fault.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from app.domain.closing import identities, review_problems
from app.domain.lifecycle import CLOSED, PENDING, REVIEW_STEPS, IllegalTransition, check_transition
from sync.hlc import Hlc
from sync.protocol import UPSERT_ENTITIES, ChangeIn

from . import conflict_log, locks, scope
from .batch import ALL_FIELDS, Batch, version_of
from .entities import SPECS, Spec, wire_value
from .errors import EntryRejected
from .sealing import seal
from .storage import as_utc
from .tables import photo_links, reviews

log = logging.getLogger(__name__)

#: Fields fixed at creation: the record's key and what it hangs on.
FIXED = {
    "site": {"id"}, "inspection": {"id", "site_id", "device_id"}, "answer": {"inspection_id", "item_id"},
    "signature": {"inspection_id"}, "hazard": {"id", "site_id", "inspection_id", "source"},
    "review": {"id", "hazard_id"}, "photo": {"sha256"}, "photo_link": {"photo_sha256", "owner_kind", "owner_id"},
}
#: Fields only a 管理员 may set.
OFFICE_ONLY = {"hazard": {"listed"}}
#: Follow every edit; the rule applies to them, but a lost one is not worth a log entry.
_BOOKKEEPING = {"updated_at", "answered_at"}


def apply(batch: Batch, change: ChangeIn) -> list[str]:
    """Apply one validated change; returns the fields whose incoming value was discarded.

    :raises EntryRejected: ``invalid``, ``forbidden``, ``missing_parent``, ``unknown_record``,
        ``deleted`` or ``locked``, with a Chinese reason.
    """
    spec = SPECS[change.entity]
    if change.op not in spec.ops:
        raise EntryRejected("invalid", f"{spec.label}不支持“{change.op}”操作")
    key = spec.key(change.entity_id)
    if Hlc.parse(change.hlc).node != batch.device_id:
        raise EntryRejected("invalid", "hlc 的节点应为本设备编号（device_id）",
                            detail=f"hlc {change.hlc} from device {batch.device_id}")
    hlc = batch.admit(change.hlc)
    current = batch.load(spec.name, change.entity_id)
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
    site_id = scope.site_of_new(batch.load, batch.grid_of, batch.user, spec.name, fields)
    locks.refuse_new(batch, spec, fields)
    seq = batch.touches.number(spec.name, change.entity_id)
    row = {**fields, **_meta(batch), "sv_id": change.entity_id, "sv_site_id": site_id,
           "sv_created_by": batch.user.name, "sv_received_at": batch.now, "sv_deleted_at": None,
           "sv_versions": {ALL_FIELDS: batch.stamp(hlc, seq)}}
    if spec.name == "photo_link":
        row["sv_inspection_id"] = scope.inspection_of_link(batch.load, fields)
    batch.insert(spec, row)
    batch.touches.add(spec.name, change.entity_id, site_id, own=True)
    if spec.name == "photo_link":
        _photo_in_scope(batch, fields["photo_sha256"], site_id)
    if spec.name == "inspection" and fields["status"] == "completed":
        _sealed(batch, fields)
    return []


def _update(batch: Batch, spec: Spec, change: ChangeIn, hlc: Hlc, current: dict[str, Any]) -> list[str]:
    full = spec.validate({**spec.wire(current), **change.payload})
    incoming = {name: full[name] for name in change.payload if not _same(full[name], current[name])}
    for name in FIXED[spec.name] & incoming.keys():
        raise EntryRejected("invalid", f"{spec.label}的“{name}”创建后不能修改")
    site_id = current["sv_site_id"]
    if spec.name != "photo":  # photo metadata carries no scope of its own (its links do)
        scope.check_grid(batch.user, batch.grid_of(site_id))
    if spec.name == "site" and "grid" in incoming:
        scope.check_grid(batch.user, incoming["grid"])
    if OFFICE_ONLY.get(spec.name, set()) & incoming.keys() and not batch.user.is_admin:
        raise EntryRejected("forbidden", "只有管理员可以挂牌督办")
    hits = sorted(incoming.keys() & locks.locked_fields(batch, spec, current))
    if hits:
        raise EntryRejected("locked", locks.locked_message(spec, current, hits), conflicts=[
            conflict_log.entry("locked", spec.name, change.entity_id, "已签名或已销号的记录不能修改", field=name,
                               kept=wire_value(current[name]), discarded=wire_value(incoming[name]),
                               discarded_hlc=str(hlc), discarded_by=batch.user.name) for name in hits])

    # From here on nothing is refused: the rule decides field by field.
    seq = batch.touches.number(spec.name, change.entity_id)
    versions = dict(current["sv_versions"])
    changes: dict[str, Any] = {}
    discarded: list[str] = []
    if spec.name == "hazard" and ("status" in incoming or "closed_at" in incoming):
        _merge_status(batch, change, current, incoming, hlc, seq, versions, changes, discarded)
    for name, new in incoming.items():
        stamp = version_of(versions, name)
        if stamp is None or hlc > Hlc.parse(stamp[0]):
            changes[name] = new
            versions[name] = batch.stamp(hlc, seq)
            if stamp is not None and name not in _BOOKKEEPING and not batch.had_seen(stamp):
                batch.conflicts.append(conflict_log.entry(
                    "overwritten", spec.name, change.entity_id,
                    "两处同时修改：较新的修改覆盖了另一设备或管理员的值（写入方同步前未见到该值）", field=name,
                    kept=wire_value(new), discarded=wire_value(current[name]), kept_hlc=str(hlc),
                    discarded_hlc=stamp[0], kept_by=batch.user.name, discarded_by=stamp[1]))
        else:
            discarded.append(name)
            if name not in _BOOKKEEPING:
                batch.conflicts.append(conflict_log.entry(
                    "discarded", spec.name, change.entity_id, "该修改早于服务器上已有的修改（按混合逻辑时钟），未采用",
                    field=name, kept=wire_value(current[name]), discarded=wire_value(new), kept_hlc=stamp[0],
                    discarded_hlc=str(hlc), kept_by=stamp[1], discarded_by=batch.user.name))
    if changes:
        batch.update(spec, change.entity_id, {**changes, **_meta(batch), "sv_versions": versions})
    if changes or discarded:  # a device whose value lost must pull the server's back
        batch.touches.add(spec.name, change.entity_id, site_id, own=not discarded)
    if spec.name == "inspection" and changes.get("status") == "completed":
        _sealed(batch, {**current, **changes})
    if spec.name == "site" and "grid" in changes:
        batch.moved(current["id"])
        batch.touches.site_moved(current["id"])
    return discarded


def _merge_status(batch: Batch, change: ChangeIn, current: dict[str, Any], incoming: dict[str, Any], hlc: Hlc,
                  seq: int, versions: dict[str, Any], changes: dict[str, Any], discarded: list[str]) -> None:
    """Rule 2: move along the lifecycle from the server's status, or discard the move.

    ``closed_at`` goes with the status: it is set when the hazard closes and never on its own.
    """
    wanted = incoming.pop("status", current["status"])
    closed_at = incoming.pop("closed_at", None)
    if wanted == current["status"]:
        if closed_at is not None:
            discarded.append("closed_at")
        return
    reason = _refusal(batch, current, wanted)
    if reason is None:
        changes["status"] = wanted
        versions["status"] = batch.stamp(hlc, seq)
        if wanted == CLOSED:
            changes["closed_at"] = closed_at or batch.now
            versions["closed_at"] = batch.stamp(hlc, seq)
        return
    discarded.extend(["status", "closed_at"] if closed_at is not None else ["status"])
    stamp = version_of(versions, "status") or [None, None, None]
    batch.conflicts.append(conflict_log.entry(
        "lifecycle", "hazard", change.entity_id, reason, field="status", kept=current["status"], discarded=wanted,
        kept_hlc=stamp[0], discarded_hlc=str(hlc), kept_by=stamp[1], discarded_by=batch.user.name))


def _refusal(batch: Batch, hazard: dict[str, Any], wanted: str) -> str | None:
    """Why the server's hazard may not move to ``wanted`` now; None when it may."""
    try:
        check_transition(hazard["id"], hazard["status"], wanted)
    except IllegalTransition as exc:
        return exc.message
    if (hazard["status"], wanted) in REVIEW_STEPS:
        passed = wanted == CLOSED
        found = batch.conn.execute(select(reviews.c.id, reviews.c.note, reviews.c.sv_created_by).where(
            reviews.c.hazard_id == hazard["id"], reviews.c.passed.is_(passed), reviews.c.sv_deleted_at.is_(None)
        ).order_by(reviews.c.sv_received_at.desc())).all()
        if not found:
            return f"“{wanted}”需要一条{'合格' if passed else '不合格'}的复查记录"
        return _closing_refusal(batch, hazard, passed, found)
    return None


def _closing_refusal(batch: Batch, hazard: dict[str, Any], passed: bool, found: list[Any]) -> str | None:
    """The closing rules (``app.domain.closing``) over the 复查 records that decide the move: None
    when one of them satisfies them. The finder is the account that sent the hazard and the
    inspection's inspector; the reviewer is the account that sent the 复查."""
    inspection = batch.load("inspection", hazard["inspection_id"]) if hazard["inspection_id"] else None
    finder = identities(hazard["sv_created_by"], inspection["inspector_id"] if inspection else None)
    problems: list[str] = []
    for review in found:
        photos = batch.conn.execute(select(func.count()).select_from(photo_links).where(
            photo_links.c.owner_kind == "review", photo_links.c.owner_id == review.id,
            photo_links.c.sv_deleted_at.is_(None))).scalar_one()
        problems = review_problems(severity=hazard["severity"], passed=passed, photos=photos, note=review.note,
                                   finder=finder, reviewer=identities(review.sv_created_by))
        if not problems:
            return None
    return "；".join(problems)


def _delete(batch: Batch, spec: Spec, change: ChangeIn, current: dict[str, Any] | None) -> list[str]:
    """Rule 4 (hazards only: a corrected answer withdrew the hazard it had raised). Its 复查 and
    all their photo links go with it, as on the device; each lost 复查 goes to the conflict log."""
    if current is None:
        raise EntryRejected("unknown_record", f"服务器上没有这条{spec.label}（{change.entity_id}），无法删除")
    if current["sv_deleted_at"] is not None:
        return []
    scope.check_grid(batch.user, batch.grid_of(current["sv_site_id"]))
    if locks.completed(batch, current["inspection_id"]):
        raise EntryRejected("locked", "该隐患所属检查已完成并签名，不能删除")
    lost = batch.conn.execute(select(reviews.c.id, reviews.c.passed, reviews.c.sv_created_by).where(
        reviews.c.hazard_id == current["id"], reviews.c.sv_deleted_at.is_(None))).all()
    if current["status"] != PENDING or lost:
        batch.conflicts.append(conflict_log.entry(
            "deleted", "hazard", change.entity_id, "检查答案更正后隐患被撤销，此前的整改或复查随之作废",
            field="status", kept=None, discarded=current["status"], discarded_by=current["sv_updated_by"],
            kept_by=batch.user.name))
    for review_id, passed, reviewer in lost:
        batch.conflicts.append(conflict_log.entry(
            "deleted", "review", review_id, "所属隐患因检查答案更正被撤销，该复查随之作废",
            field="passed", kept=None, discarded=passed, discarded_by=reviewer, kept_by=batch.user.name))
    _tombstone(batch, spec, change.entity_id, current["sv_site_id"])
    for review_id, _, _ in lost:
        _tombstone(batch, SPECS["review"], review_id, current["sv_site_id"])
    return []


def _tombstone(batch: Batch, spec: Spec, record_id: str, site_id: str) -> None:
    """Mark a record deleted, with the photo links that hang on it (devices pull the deletes)."""
    batch.touches.number(spec.name, record_id)
    batch.update(spec, record_id, {"sv_deleted_at": batch.now, **_meta(batch)})
    batch.touches.add(spec.name, record_id, site_id, deleted=True, own=True)
    links = batch.conn.execute(select(photo_links.c.sv_id).where(
        photo_links.c.owner_kind == spec.name, photo_links.c.owner_id == record_id,
        photo_links.c.sv_deleted_at.is_(None))).scalars().all()
    for link_id in links:
        batch.update(SPECS["photo_link"], link_id, {"sv_deleted_at": batch.now, **_meta(batch)})
        batch.touches.add("photo_link", link_id, site_id, deleted=True, own=True)


def _photo_in_scope(batch: Batch, sha256: str, site_id: str | None) -> None:
    """A linked photo's metadata goes to the devices of the site it is now linked to."""
    photo = batch.load("photo", sha256)
    if photo is not None and photo["sv_site_id"] != site_id:
        batch.update(SPECS["photo"], sha256, {"sv_site_id": site_id})
        batch.touches.add("photo", sha256, site_id)


def _sealed(batch: Batch, inspection: dict[str, Any]) -> None:
    verified = seal(batch.conn, inspection)
    batch.forget("signature", inspection["id"])
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
