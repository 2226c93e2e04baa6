"""Answer validation, hazard rules and skip logic, evaluated from checklist data (never ``eval``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Union

from checklists.schema import YES_NO_NA, Checklist, HazardRule, Item

from .errors import InvalidAnswer

#: What an answer holds: 是/否/不适用 or a choice (str), a number (float), several choices
#: (list[str]), free text (str), a date (date) or photo hashes (list[str]).
AnswerValue = Union[str, float, list[str], date]


def validate_answer(item: Item, value: object) -> AnswerValue:
    """Normalise a raw answer for ``item`` or refuse it.

    :param value: e.g. ``"否"``, ``"3.5"`` / ``3.5`` for a number, ``["无防渗"]``, ``"2026-11-01"``.
    :raises InvalidAnswer: with a Chinese message naming what is wrong.
    """
    kind = item.kind
    if kind == "yes_no_na":
        if value not in YES_NO_NA:
            raise InvalidAnswer(item.id, f"请选择 是 / 否 / 不适用（收到 {value!r}）")
        return str(value)
    if kind == "number":
        try:
            number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
        except ValueError:
            raise InvalidAnswer(item.id, f"请输入数字（收到 {value!r}）") from None
        if isinstance(value, bool) or not math.isfinite(number):
            raise InvalidAnswer(item.id, f"请输入数字（收到 {value!r}）")
        if item.min is not None and number < item.min:
            raise InvalidAnswer(item.id, f"数值不能小于 {item.min:g}{item.unit}")
        if item.max is not None and number > item.max:
            raise InvalidAnswer(item.id, f"数值不能大于 {item.max:g}{item.unit}")
        return number
    if kind == "choice":
        if value not in item.options:
            raise InvalidAnswer(item.id, f"请从选项中选择（收到 {value!r}）")
        return str(value)
    if kind == "multi_choice":
        if not isinstance(value, (list, tuple)):
            raise InvalidAnswer(item.id, "多选题的答案应为选项列表")
        unknown = [v for v in value if v not in item.options]
        if unknown:
            raise InvalidAnswer(item.id, f"选项不存在：{'、'.join(map(str, unknown))}")
        # Keep the checklist's option order so the same selection always reads the same.
        return [o for o in item.options if o in value]
    if kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidAnswer(item.id, f"日期格式应为 年-月-日，如 2026-11-01（收到 {value!r}）") from None
    if kind == "text":
        text = str(value).strip()
        if not text:
            raise InvalidAnswer(item.id, "请填写内容")
        return text
    if kind == "photo":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InvalidAnswer(item.id, "照片题的答案应为照片编号列表")
        return list(value)
    raise InvalidAnswer(item.id, f"未知题型 {kind}")


def rule_threshold(rule: HazardRule, checklist: Checklist) -> float:
    """The number a comparison or age rule compares with (literal or parameter)."""
    name = rule.param
    if name is not None:
        return checklist.param_value(name)
    for attr in ("lt", "le", "gt", "ge", "older_than_days"):
        value = getattr(rule, attr)
        if value is not None:
            return float(value)
    raise ValueError(f"rule {rule.condition} has no threshold")


def is_hazard(item: Item, value: AnswerValue | None, checklist: Checklist, *, on: date) -> bool:
    """Whether ``value`` (already validated) makes ``item`` a hazard on the day ``on``."""
    rule = item.hazard_when
    if rule is None or value is None:
        return False
    if value == "不适用":
        return False
    cond = rule.condition
    if cond == "equals":
        return value == rule.equals
    if cond == "in":
        if isinstance(value, list):
            return any(v in rule.options for v in value)
        return value in rule.options
    if cond.startswith("older_than_days"):
        if not isinstance(value, date):
            return False
        return (on - value).days > rule_threshold(rule, checklist)
    if not isinstance(value, (int, float)):
        return False
    threshold = rule_threshold(rule, checklist)
    op = cond.removesuffix("_param")
    return {
        "lt": value < threshold,
        "le": value <= threshold,
        "gt": value > threshold,
        "ge": value >= threshold,
    }[op]


def describe_rule(item: Item, checklist: Checklist) -> str:
    """The hazard rule in words, for the hint panel, e.g. ``小于 4 m 即为隐患``."""
    rule = item.hazard_when
    if rule is None:
        return "仅作记录"
    cond = rule.condition
    if cond in ("equals", "in"):
        joined = "、".join(rule.options)
        return f"选择“{joined}”即为隐患" if item.kind != "multi_choice" else f"选中“{joined}”中任一项即为隐患"
    threshold = rule_threshold(rule, checklist)
    if cond.startswith("older_than_days"):
        return f"距检查日超过 {threshold:g} 天即为隐患"
    words = {"lt": "小于", "le": "不大于", "gt": "大于", "ge": "不小于"}[cond.removesuffix("_param")]
    return f"{words} {threshold:g}{item.unit} 即为隐患"


def is_visible(item: Item, answers: Mapping[str, AnswerValue]) -> bool:
    """Skip logic: an item with ``applies_if`` shows only when its condition holds."""
    cond = item.applies_if
    if cond is None:
        return True
    given = answers.get(cond.item)
    if given is None:
        return False
    if isinstance(given, list):
        return any(v in cond.options for v in given)
    return given in cond.options


def visible_items(checklist: Checklist, answers: Mapping[str, AnswerValue]) -> list[Item]:
    """Items to show, in checklist order, given the answers so far.

    An item whose condition item is itself hidden stays hidden.
    """
    shown: list[Item] = []
    shown_ids: set[str] = set()
    for item in checklist.items:
        cond = item.applies_if
        if cond is not None and cond.item not in shown_ids:
            continue
        if is_visible(item, answers):
            shown.append(item)
            shown_ids.add(item.id)
    return shown
