"""What an inspection found, item by item: level, severity, the text a 隐患告知单 prints.

``evaluate`` is the one place that turns answers into findings; services store the 隐患 ones as
hazard records (with ``text`` as 隐患描述 and ``requirement`` as 整改要求) and the 预警 /
记录并报告 ones as what their level says.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from checklists.kinds import HAZARD
from checklists.office import OfficeConfig
from checklists.schema import Checklist, Item
from checklists.templates import fill

from .computed import with_computed
from .rules import rule_fires, visible_items

__all__ = [
    "Finding", "evaluate", "finding_text", "format_value", "level_of", "major_label", "requirement_text",
]


@dataclass(frozen=True)
class Finding:
    """One item whose rule fired."""

    item_id: str
    level: str  #: 隐患 / 预警 / 记录并报告
    severity: str  #: 一般 / 重大 (a 预警 or 记录并报告 is always 一般)
    text: str  #: what the 告知单 prints, e.g. 疏散楼梯堆放杂物
    requirement: str  #: the default 整改要求
    authority: str  #: who determines it, e.g. 消防救援机构
    element: str | None  #: the 综合判定要素 it evidences, if any
    photo_required: bool

    @property
    def is_hazard(self) -> bool:
        """Whether it goes on the 隐患台账 with a 整改期限."""
        return self.level == HAZARD


def level_of(item: Item, checklist: Checklist, office: OfficeConfig | None = None) -> str:
    """The item's level in force: the office's choice where the file allows one, else the file's."""
    if office is None:
        return item.level
    chosen = office.level_of(checklist.id, item.id, item.level)
    return chosen if chosen == item.level or chosen in item.office_levels else item.level


def format_value(item: Item, value: Any) -> str:
    """An answer as a person reads it, e.g. ``3.5m``, ``防渗、防腐``, ``2026-11-01``."""
    if isinstance(value, list):
        return "、".join(map(str, value))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:g}{item.unit}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def finding_text(item: Item, value: Any, checklist: Checklist) -> str:
    """The finding in plain Chinese, the answer and parameters filled in.

    A v1 item has no finding text; it reads as the question with what was found.
    """
    if not item.finding:
        return f"{item.question}（检查结果：{format_value(item, value)}）"
    return fill(item.finding, value=format_value(item, value), params=checklist.param_values())


def requirement_text(item: Item, checklist: Checklist) -> str:
    """The default 整改要求, parameters filled in (a local limit shows the local number)."""
    return fill(item.requirement, params=checklist.param_values())


def major_label(authority: str) -> str:
    """How a 重大 finding reads: the app never determines one itself, e.g.
    ``疑似重大隐患（需住建部门认定）``."""
    return f"疑似重大隐患（需{authority}认定）"


def evaluate(
    checklist: Checklist, answers: Mapping[str, Any], *, on: date, office: OfficeConfig | None = None,
    hide_methods: Collection[str] = (),
) -> list[Finding]:
    """Every visible item whose rule fires, in checklist order.

    :param answers: item id → validated answer (dates as ``date`` or ISO text), e.g. ``{"LC-04": 3.5}``.
    :param on: the inspection day (UTC+8), for date rules.
    :param office: the office's decisions (levels), if any.
    :param hide_methods: methods hidden for this inspector's role; their items never fire.
    """
    shown = visible_items(checklist, answers, hide_methods=hide_methods)
    shown_ids = {item.id for item in shown}
    # A hidden item's old answer (its parent was changed back) must not feed another rule.
    values = with_computed(checklist, {k: v for k, v in answers.items() if k in shown_ids})
    found: list[Finding] = []
    for item in shown:
        value = values.get(item.id)
        if not rule_fires(item, value, checklist, on=on, values=values):
            continue
        level = level_of(item, checklist, office)
        found.append(Finding(
            item_id=item.id,
            level=level,
            severity=item.severity if level == HAZARD else "一般",
            text=finding_text(item, value, checklist),
            requirement=requirement_text(item, checklist),
            authority=checklist.authority_of(item),
            element=item.element if level == HAZARD else None,
            photo_required=item.photo_required,
        ))
    return found

