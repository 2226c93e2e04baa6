"""What an office decides for its district on top of the checklist files.

- ``ratings``: a 红黄蓝 rule set replacing a checklist's documented default (three published
  models differ; the colours' meanings are the office's to set).
- ``levels``: an item's level where the file allows it (``office_levels``), e.g. the 30/90-day
  危废 storage periods as hard limits (隐患) instead of the default 预警.
- ``hidden_methods``: check methods hidden per role, e.g. ``{"网格员": ["仪器测量"]}``.
- ``repeat_within_days``: how far back an earlier hazard on the same item counts as "repeated".

A 管理员 sets it on the central endpoint and every device pulls it (a record of its own);
``office_problems`` checks it against the checklists it refers to, there and on each device, so
settings that do not fit are refused with a message naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from .base import _Strict
from .kinds import Level, Method
from .rating import Rating
from .schema import Checklist


class OfficeConfig(_Strict):
    ratings: dict[str, Rating] = Field(default_factory=dict, description="checklist id → 红黄蓝 rules")
    levels: dict[str, dict[str, Level]] = Field(
        default_factory=dict, description="checklist id → item id → level"
    )
    hidden_methods: dict[str, tuple[Method, ...]] = Field(
        default_factory=dict, description="role → check methods hidden from it"
    )
    repeat_within_days: int = Field(365, ge=1, le=3650)

    def rating_for(self, checklist: Checklist) -> Rating | None:
        """The 红黄蓝 rules in force for ``checklist``: the office's, else the file's default."""
        return self.ratings.get(checklist.id, checklist.rating)

    def level_of(self, checklist_id: str, item_id: str, default: str) -> str:
        """The level in force for one item, e.g. ``隐患`` where the office made a limit hard."""
        return self.levels.get(checklist_id, {}).get(item_id, default)

    def methods_hidden_for(self, role: str) -> tuple[str, ...]:
        """Check methods hidden from ``role``, e.g. ``("仪器测量",)`` for ``网格员``."""
        return self.hidden_methods.get(role, ())


def office_problems(office: OfficeConfig, checklists: Mapping[str, Checklist]) -> list[str]:
    """What in ``office`` does not fit the checklists, one sentence each; empty when it fits.

    :param checklists: by id, e.g. ``{"hw_storage": …}``.
    """
    problems: list[str] = []
    for cid, rating in office.ratings.items():
        checklist = checklists.get(cid)
        if checklist is None:
            problems.append(f"ratings: no checklist '{cid}'")
            continue
        missing = sorted(rating.items_named() - {item.id for item in checklist.items})
        if missing:
            problems.append(f"ratings.{cid}: names missing items {missing}")
    for cid, levels in office.levels.items():
        checklist = checklists.get(cid)
        if checklist is None:
            problems.append(f"levels: no checklist '{cid}'")
            continue
        for item_id, level in levels.items():
            try:
                item = checklist.item(item_id)
            except KeyError:
                problems.append(f"levels.{cid}: no item '{item_id}'")
                continue
            if level != item.level and level not in item.office_levels:
                allowed = "、".join((item.level, *item.office_levels))
                problems.append(
                    f"levels.{cid}.{item_id}: level '{level}' is not allowed here (allowed: {allowed})")
    return problems
