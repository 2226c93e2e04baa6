"""Office decisions: a 管理员 sets a hazard's deadline, severity or 挂牌督办.

A decision is a record of its own (who, when, what it replaced) that devices in scope pull; it
also updates the hazard so every device shows the deadline in force. It never touches the
signature or the record frozen when the inspection was signed (``sealing``), so the site
representative's signature stays valid. Its HLC is taken after every value it replaces: the
office decides on what it sees, and a device edit made before that cannot undo it (such an
edit arriving later is discarded and logged). What it replaced is kept in the decision itself.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import insert, update

from app.domain.lifecycle import CLOSED
from sync.hlc import SERVER_NODE, Hlc
from sync.protocol import DecisionIn

from .accounts import User
from .batch import version_of
from .entities import DECISION, SPECS, wire_value
from .errors import Conflict, Forbidden, NotFound
from .feed import Touches
from .storage import Storage, utc_now
from .tables import decisions, hazards

log = logging.getLogger(__name__)


def decide(storage: Storage, user: User, hazard_id: str, decision: DecisionIn) -> dict[str, Any]:
    """Record a decision and apply it to the hazard; returns the decision's fields.

    :param decision: e.g. ``DecisionIn(deadline=date(2026, 12, 31), listed=True, note="区安委办挂牌")``.
    :raises Forbidden: the user is not a 管理员.
    :raises NotFound: no such hazard (or it was withdrawn).
    :raises Conflict: a closed hazard's deadline or severity.
    """
    if not user.is_admin:
        raise Forbidden("只有管理员可以作出管理决定", detail=f"{user.name} is {user.role}")
    spec = SPECS["hazard"]
    now = utc_now()
    with storage.write() as conn:
        hazard = spec.load(conn, hazard_id, lock=True)
        if hazard is None or hazard["sv_deleted_at"] is not None:
            raise NotFound("找不到该隐患，可能已被撤销", detail=f"hazard {hazard_id}")
        wanted = {k: v for k, v in decision.model_dump(include={"deadline", "severity", "listed"}).items()
                  if v is not None}
        if hazard["status"] == CLOSED and wanted.keys() & {"deadline", "severity"}:
            raise Conflict("该隐患已销号，不能再改整改期限或严重程度", code="closed", detail=f"hazard {hazard_id}")
        versions = dict(hazard["sv_versions"])
        touched = [*wanted, "updated_at"] + (["deadline_chosen"] if "deadline" in wanted else [])
        hlc = Hlc(int(now.timestamp() * 1000), 0, SERVER_NODE)
        for name in touched:
            stamp = version_of(versions, name)
            if stamp is not None and Hlc.parse(stamp[0]) >= hlc:
                hlc = Hlc.parse(stamp[0]).successor(SERVER_NODE)
        changes = {**wanted, "updated_at": now}
        if "deadline" in wanted:
            changes["deadline_chosen"] = True
        record = {
            "id": str(uuid.uuid4()), "hazard_id": hazard_id, "decided_by": user.name, "decided_at": now,
            "deadline": wanted.get("deadline"), "severity": wanted.get("severity"), "listed": wanted.get("listed"),
            "note": decision.note, "sv_before": {k: wire_value(hazard[k]) for k in wanted},
            "sv_site_id": hazard["sv_site_id"],
        }
        touches = Touches(conn, None)
        seq = touches.number("hazard", hazard_id)
        for name in touched:
            versions[name] = [str(hlc), user.name, seq]
        conn.execute(update(hazards).where(hazards.c.id == hazard_id).values(
            **changes, sv_versions=versions, sv_updated_by=user.name, sv_device_id=user.device_id,
            sv_changed_at=now))
        conn.execute(insert(decisions).values(record))
        touches.add("hazard", hazard_id, hazard["sv_site_id"], own=False)
        touches.add("decision", record["id"], hazard["sv_site_id"], own=False)
        touches.write()
    log.info("decision %s on hazard %s by %s: %s", record["id"], hazard_id, user.name, wanted)
    return DECISION.wire(record)
