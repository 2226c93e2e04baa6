"""Push: a batch of change-log entries applied exactly once, in one transaction.

Each entry is keyed by (device id, seq) in ``push_log`` with a unique constraint, written in
the same transaction as the change it applies. A replay finds its row and is answered
``duplicate`` (or the same rejection again); the same key with other content is
``key_conflict``. A rejected entry leaves nothing behind (the rule refuses before it writes),
the others still apply, and the whole batch commits at once (or not at all on a server fault).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from sync.protocol import ChangeIn, EntryResult

from . import conflict_log, merge
from .accounts import User
from .batch import Batch
from .entities import SPECS
from .errors import EntryRejected
from .feed import Touches, note_pulled, seen_upto
from .messages import describe_all
from .storage import Storage, current_number, utc_now
from .tables import push_log

log = logging.getLogger(__name__)

_RETRIES = 3


def push(storage: Storage, user: User, device_id: str, entries: list[dict[str, Any]],
         cursor: int | None = None) -> list[EntryResult]:
    """Apply a batch; one result per entry, in order.

    :param cursor: the device's last applied pull cursor (what it had seen), e.g. ``1042``.

    A concurrent push of the same keys (a client retrying while its first request still runs)
    loses the race on the unique key; it is simply run again and then finds the keys taken.
    """
    for attempt in range(1, _RETRIES + 1):
        try:
            with storage.write() as conn:
                return _push_once(conn, storage, user, device_id, entries, cursor)
        except IntegrityError:
            if attempt == _RETRIES:
                raise
            log.warning("push from device %s raced another on the same keys; retrying", device_id)
    raise AssertionError("unreachable")


def _push_once(conn: Connection, storage: Storage, user: User, device_id: str,
               entries: list[dict[str, Any]], cursor: int | None) -> list[EntryResult]:
    now = utc_now()
    if cursor:
        note_pulled(conn, device_id, user.name, min(cursor, current_number(conn)))
    batch = Batch(conn, user, device_id, now, timedelta(seconds=storage.settings.max_clock_ahead_s),
                  Touches(conn, device_id, expected=2 * len(entries) + 8), seen_upto=seen_upto(conn, device_id))
    seqs = [raw["seq"] for raw in entries if isinstance(raw, dict) and _usable_seq(raw.get("seq"))]
    taken = _taken(conn, device_id, seqs)
    named: dict[str, set[str]] = {}
    for raw in entries:
        if isinstance(raw, dict) and raw.get("entity") in SPECS and isinstance(raw.get("entity_id"), str):
            named.setdefault(raw["entity"], set()).add(raw["entity_id"])
    for entity, entity_ids in named.items():
        batch.prefetch(entity, entity_ids)
    log_rows: list[dict[str, Any]] = []
    results = []
    for index, raw in enumerate(entries):
        result = _one(batch, index, raw, taken, log_rows)
        results.append(result)
    if log_rows:
        conn.execute(push_log.insert(), log_rows)
    batch.touches.write()
    counts = {status: sum(r.status == status for r in results) for status in ("applied", "duplicate", "rejected")}
    log.info("push from %s on device %s: %d entries, %s", user.name, device_id, len(entries), counts)
    return results


def _taken(conn: Connection, device_id: str, seqs: list[int]) -> dict[int, dict[str, Any]]:
    """The push-log rows already holding any of these keys."""
    found = {}
    for start in range(0, len(seqs), 500):
        for row in conn.execute(select(push_log.c.seq, push_log.c.digest, push_log.c.status, push_log.c.code,
                                       push_log.c.message, push_log.c.discarded).where(
                push_log.c.device_id == device_id, push_log.c.seq.in_(seqs[start:start + 500]))).mappings():
            found[row["seq"]] = dict(row)
    return found


def _usable_seq(seq: Any) -> bool:
    return isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1


def _one(batch: Batch, index: int, raw: dict[str, Any], taken: dict[int, dict[str, Any]],
         log_rows: list[dict[str, Any]]) -> EntryResult:
    conn = batch.conn
    seq = raw.get("seq") if isinstance(raw, dict) else None
    if not _usable_seq(seq):
        return EntryResult(seq=None, status="rejected", code="invalid",
                           message=f"第 {index + 1} 条缺少有效的序号 seq（正整数）")
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                       default=str).encode("utf-8")).hexdigest()
    if seq in taken:
        return _replayed(taken[seq], digest, seq, batch.device_id)

    batch.start_entry()
    try:
        try:
            change = ChangeIn.model_validate(raw)
        except ValidationError as exc:
            raise EntryRejected("invalid", describe_all(exc.errors(), drop=()), detail=str(exc)) from None
        discarded = merge.apply(batch, change)
        conflict_log.write(conn, batch.conflicts, at=batch.now, device_id=batch.device_id, seq=seq)
        result = EntryResult(seq=seq, status="applied", discarded=discarded)
    except EntryRejected as rejected:
        if batch.wrote:  # the rule refuses only before writing; anything else is a bug: roll all back
            raise RuntimeError(f"device {batch.device_id} seq {seq} refused after writing") from rejected
        conflict_log.write(conn, rejected.conflicts, at=batch.now, device_id=batch.device_id, seq=seq)
        log.info("device %s seq %d rejected: %s", batch.device_id, seq, rejected)
        result = EntryResult(seq=seq, status="rejected", code=rejected.code, message=rejected.message)
    row = {
        "device_id": batch.device_id, "seq": seq, "digest": digest, "entity": _text(raw.get("entity")),
        "entity_id": _text(raw.get("entity_id")), "op": _text(raw.get("op")),
        "payload": raw.get("payload") if isinstance(raw.get("payload"), dict) else None,
        "at": _text(raw.get("at")), "hlc": _text(raw.get("hlc")), "applied_hlc": _text(batch.applied_hlc),
        "user_name": batch.user.name, "received_at": batch.now, "status": result.status, "code": result.code,
        "message": result.message, "discarded": result.discarded or None,
    }
    log_rows.append(row)
    taken[seq] = row  # the same key twice in one batch is a replay too
    return result


def _replayed(prior: Any, digest: str, seq: int, device_id: str) -> EntryResult:
    if prior["digest"] != digest:
        return EntryResult(seq=seq, status="rejected", code="key_conflict",
                           message=f"序号 {seq} 已用于本设备另一条内容不同的修改，未保存（设备 {device_id}）")
    if prior["status"] == "applied":
        return EntryResult(seq=seq, status="duplicate", discarded=prior["discarded"] or [])
    return EntryResult(seq=seq, status="rejected", code=prior["code"], message=prior["message"])


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:300]
