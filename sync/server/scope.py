"""Which site a record belongs to, and whether a user may touch it.

A 网格员 or 消防员 reads and writes the records of sites in their grids; a 管理员 all of them.
A record reaches its site through its owner: an answer or signature through its inspection,
a review through its hazard, a photo link through what it is attached to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, bindparam, select

from .accounts import User
from .entities import NAMES
from .errors import EntryRejected
from .tables import sites

Load = Callable[[str, str], "dict[str, Any] | None"]


def live_parent(load: Load, entity: str, entity_id: str) -> dict[str, Any]:
    """The stored, not deleted record a new record hangs on.

    :param load: (entity, id) → the stored row or None (a batch's cached reader).
    :raises EntryRejected: ``missing_parent`` when the server does not have it.
    """
    row = load(entity, entity_id)
    if row is None or row["sv_deleted_at"] is not None:
        gone = "已被删除" if row is not None else "服务器上没有"
        raise EntryRejected("missing_parent", f"所属{NAMES[entity]}{gone}（{entity_id}），请先同步它",
                            detail=f"{entity} {entity_id} {'deleted' if row else 'missing'}")
    return row


_GRID = select(sites.c.grid).where(sites.c.id == bindparam("site_id"))


def site_grid(conn: Connection, site_id: str | None) -> str | None:
    if site_id is None:
        return None
    return conn.execute(_GRID, {"site_id": site_id}).scalar()


def check_grid(user: User, grid: str | None) -> None:
    """:raises EntryRejected: ``forbidden`` when ``grid`` is outside the user's scope."""
    if not user.may_see(grid):
        where = f"网格“{grid}”" if grid else "未填写网格的场所"
        mine = "、".join(user.grids) or "无"
        raise EntryRejected("forbidden", f"无权操作{where}的记录（你的网格：{mine}）",
                            detail=f"user {user.name} ({user.role}) outside grid {grid!r}")


def site_of_new(load: Load, grid_of: Callable[[str | None], str | None], user: User, entity: str,
                fields: dict[str, Any]) -> str | None:
    """The site of a record about to be created, checking its owner exists and is in scope.

    :param grid_of: site id → grid (a batch caches them).

    :raises EntryRejected: ``missing_parent``, ``forbidden`` or ``invalid``.
    """
    if entity == "site":
        check_grid(user, fields["grid"])
        return fields["id"]
    if entity == "photo":
        return None  # metadata only: its links carry the scope
    if entity == "inspection":
        site_id = live_parent(load, "site", fields["site_id"])["id"]
    elif entity in ("answer", "signature"):
        site_id = live_parent(load, "inspection", fields["inspection_id"])["sv_site_id"]
    elif entity == "hazard":
        site_id = live_parent(load, "site", fields["site_id"])["id"]
        if fields["inspection_id"] is not None:
            inspection = live_parent(load, "inspection", fields["inspection_id"])
            if inspection["site_id"] != site_id:
                raise EntryRejected("invalid", "隐患的场所与其所属检查的场所不一致",
                                    detail=f"hazard site {site_id} != inspection site {inspection['site_id']}")
    elif entity == "review":
        site_id = live_parent(load, "hazard", fields["hazard_id"])["sv_site_id"]
    elif entity == "photo_link":
        live_parent(load, "photo", fields["photo_sha256"])
        site_id = owner_of_link(load, fields)["sv_site_id"]
    else:  # pragma: no cover - ENTITIES is closed
        raise AssertionError(entity)
    check_grid(user, grid_of(site_id))
    return site_id


def owner_of_link(load: Load, fields: dict[str, Any]) -> dict[str, Any]:
    """The record a photo link attaches to; for an answer, its inspection.

    The device links an answer's photo before it saves the answer, so the answer itself may
    not have arrived yet: its inspection must have.
    """
    kind, owner_id = fields["owner_kind"], fields["owner_id"]
    if kind == "answer":
        inspection_id, _, item_id = owner_id.partition("/")
        if not item_id:
            raise EntryRejected("invalid", f"答案照片的 owner_id 应为 <检查编号>/<检查项>（收到 {owner_id}）")
        return live_parent(load, "inspection", inspection_id)
    return live_parent(load, kind, owner_id)


def inspection_of_link(load: Load, fields: dict[str, Any]) -> str | None:
    """The inspection whose signed record a linked photo belongs to (hazard and answer photos)."""
    if fields["owner_kind"] == "answer":
        return fields["owner_id"].partition("/")[0]
    if fields["owner_kind"] == "hazard":
        return owner_of_link(load, fields)["inspection_id"]
    return None
