"""Answer validation, hazard rules and skip logic, evaluated from checklist data (never ``eval``)."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any, Union

from checklists.kinds import HAZARD, RECORD, WARNING
from checklists.schema import YES_NO_NA, AppliesIf, Checklist, HazardRule, Item

from .clock import parse_day
from .computed import with_computed
from .errors import InvalidAnswer

#: What an answer holds: 是/否/不适用 or a choice (str), a number (float), several choices
#: (list[str]), free text (str), a date (date) or photo hashes (list[str]).
AnswerValue = Union[str, float, list[str], date]

__all__ = [
    "AnswerValue", "InvalidAnswer", "applies", "describe_rule", "finding_options", "is_hazard", "is_visible",
    "rule_fires",
    "rule_threshold", "toggle_option", "validate_answer", "visible_items",
]


def validate_answer(item: Item, value: object, *, today: date | None = None) -> AnswerValue:
    """Normalise a raw answer for ``item`` or refuse it.

    :param value: e.g. ``"否"``, ``"3.5"`` / ``3.5`` for a number, ``["无防渗"]``, ``"2026-11-01"``.
    :param today: the inspection day (UTC+8); given, a date later than it is refused (every date
        a checklist asks for — 最早入库日期, 最近一次检查 — has already happened).
    :raises InvalidAnswer: with a Chinese message naming what is wrong (a computed item is never
        typed; an exclusive option such as 无上述情形 cannot be ticked with another); the message
        never echoes the raw value.
    """
    if item.computed is not None:
        raise InvalidAnswer(item.id, "该项由已填数据自动计算，无需填写")
    kind = item.kind
    if kind == "yes_no_na":
        if value not in YES_NO_NA:
            raise InvalidAnswer(item.id, "请选择 是 / 否 / 不适用")
        return str(value)
    if kind == "number":
        return _number(item, value)
    if kind == "choice":
        if value not in item.options:
            raise InvalidAnswer(item.id, "请从选项中选择")
        return str(value)
    if kind == "multi_choice":
        return _selection(item, value)
    if kind == "date":
        day = parse_day(value, item.id)
        if today is not None and day > today:
            raise InvalidAnswer(item.id, f"日期不能晚于今天（{today.isoformat()}）")
        return day
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


def _number(item: Item, value: object) -> float:
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise InvalidAnswer(item.id, "请输入数字") from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise InvalidAnswer(item.id, "请输入数字")
    if item.min is not None and number < item.min:
        raise InvalidAnswer(item.id, f"数值不能小于 {item.min:g}{item.unit}")
    if item.max is not None and number > item.max:
        raise InvalidAnswer(item.id, f"数值不能大于 {item.max:g}{item.unit}")
    return number


def _selection(item: Item, value: object) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise InvalidAnswer(item.id, "多选题的答案应为选项列表")
    unknown = [v for v in value if v not in item.options]
    if unknown:
        raise InvalidAnswer(item.id, f"选项不存在：{'、'.join(map(str, unknown))}")
    chosen = [o for o in item.options if o in value]  # checklist order: the same selection reads the same
    exclusive = [o for o in chosen if o in item.exclusive_options]
    if exclusive and len(chosen) > 1:
        raise InvalidAnswer(item.id, f"“{exclusive[0]}”不能与其他选项同时选择")
    if not chosen and item.exclusive_options:
        raise InvalidAnswer(item.id, f"请至少选择一项；没有问题请选“{item.exclusive_options[0]}”")
    return chosen


def toggle_option(item: Item, selected: Collection[str], option: str) -> list[str]:
    """The selection after tapping ``option``: ticking an exclusive option (无上述情形) clears the
    others, ticking another option clears the exclusive ones; tapping a ticked option unticks it.

    :param selected: the options ticked now, e.g. ``["防渗"]``.
    """
    if option not in item.options:
        raise InvalidAnswer(item.id, f"选项不存在：{option}")
    if option in selected:
        keep = set(selected) - {option}
    elif option in item.exclusive_options:
        keep = {option}
    else:
        keep = (set(selected) - set(item.exclusive_options)) | {option}
    return [o for o in item.options if o in keep]


def finding_options(item: Item) -> tuple[str, ...]:
    """The item's own options that can make its rule fire, e.g. ``("否",)`` for "是否畅通？" and
    ``("是",)`` for "是否堆放杂物？": the screen marks them before anything is tapped."""
    rule = item.hazard_when
    if rule is None:
        return ()
    leaves = rule.leaves() if rule.is_combined else iter((rule,))
    found = {o for leaf in leaves if leaf.item is None for o in leaf.options}
    return tuple(o for o in (*YES_NO_NA, *item.options) if o in found)


def rule_threshold(rule: HazardRule, checklist: Checklist) -> float:
    """The number a single comparison or age condition compares with (literal or parameter)."""
    name = rule.param
    if name is not None:
        return checklist.param_value(name)
    for attr in ("lt", "le", "gt", "ge", "older_than_days"):
        value = getattr(rule, attr)
        if value is not None:
            return float(value)
    raise ValueError(f"rule {rule.condition} has no threshold")


def is_hazard(
    item: Item, value: AnswerValue | None, checklist: Checklist, *, on: date,
    answers: Mapping[str, Any] | None = None,
) -> bool:
    """Whether the item's rule fires for ``value`` (already validated) on the day ``on``.

    The rule firing makes a finding; its level (隐患 / 预警 / 记录并报告) is ``findings.level_of``.

    :param answers: all answers of the inspection, e.g. ``{"HR-17b": 0.8}``: needed when the rule
        reads other items (``item:``) or the item is computed; without them such conditions do
        not hold.
    """
    others = with_computed(checklist, answers) if answers is not None else {}
    return rule_fires(item, value, checklist, on=on, values=others)


def rule_fires(item: Item, value: AnswerValue | None, checklist: Checklist, *, on: date,
               values: Mapping[str, Any]) -> bool:
    """``is_hazard`` for answers that already hold every computed value (``with_computed``), so a
    whole checklist is evaluated without working the ratios out again for each item.

    :param values: e.g. ``with_computed(checklist, {"GR-07a": 18.0, "GR-07b": 5.0})``.
    """
    rule = item.hazard_when
    if rule is None:
        return False
    if item.computed is not None and value is None:
        value = values.get(item.id)
    return _holds(rule, item, value, checklist, on, values)


def _holds(rule: HazardRule, item: Item, value: Any, checklist: Checklist, on: date,
           answers: Mapping[str, Any]) -> bool:
    if rule.all_of is not None:
        return all(_holds(part, item, value, checklist, on, answers) for part in rule.all_of)
    if rule.any_of is not None:
        return any(_holds(part, item, value, checklist, on, answers) for part in rule.any_of)
    if rule.item is None:
        return _leaf_holds(rule, item, value, checklist, on)
    target = checklist.item(rule.item)
    return _leaf_holds(rule, target, answers.get(rule.item), checklist, on)


def _leaf_holds(rule: HazardRule, item: Item, value: Any, checklist: Checklist, on: date) -> bool:
    if value is None or value == "不适用":
        return False
    cond = rule.condition
    if cond == "equals":
        return value == rule.equals
    if cond == "in":
        if isinstance(value, list):
            return any(v in rule.options for v in value)
        return value in rule.options
    if cond.startswith("older_than_days"):
        if isinstance(value, str) and item.kind == "date":
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return False
        if not isinstance(value, date):
            return False
        return (on - value).days > rule_threshold(rule, checklist)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    threshold = rule_threshold(rule, checklist)
    op = cond.removesuffix("_param")
    return {
        "lt": value < threshold,
        "le": value <= threshold,
        "gt": value > threshold,
        "ge": value >= threshold,
    }[op]


_OUTCOME = {HAZARD: "即为隐患", WARNING: "即为预警", RECORD: "即需记录并报告"}
_COMPARE = {"lt": "小于", "le": "不大于", "gt": "大于", "ge": "不小于"}


def describe_rule(item: Item, checklist: Checklist, *, level: str | None = None) -> str:
    """The rule in words, for the hint panel, e.g. ``小于 4 m 即为隐患``.

    :param level: the level in force when an office changed it, e.g. ``隐患``; default the item's.
    """
    rule = item.hazard_when
    if rule is None:
        return "仅作记录"
    return f"{_describe(rule, item, checklist)}{_OUTCOME[level or item.level]}"


def _describe(rule: HazardRule, item: Item, checklist: Checklist) -> str:
    if rule.is_combined:
        joiner = "且" if rule.all_of is not None else "或"
        return joiner.join(_describe(part, item, checklist) for part in rule.parts)
    if rule.item is not None:
        target = checklist.item(rule.item)
        return f"“{target.question.rstrip('？?')}”{_describe_leaf(rule, target, checklist)}"
    return _describe_leaf(rule, item, checklist)


def _describe_leaf(rule: HazardRule, item: Item, checklist: Checklist) -> str:
    cond = rule.condition
    if cond in ("equals", "in"):
        joined = "、".join(rule.options)
        return f"选择“{joined}”" if item.kind != "multi_choice" else f"选中“{joined}”中任一项"
    threshold = rule_threshold(rule, checklist)
    if cond.startswith("older_than_days"):
        return f"距检查日超过 {threshold:g} 天"
    return f"{_COMPARE[cond.removesuffix('_param')]} {threshold:g}{item.unit} "


def is_visible(item: Item, answers: Mapping[str, AnswerValue]) -> bool:
    """Skip logic: an item with ``applies_if`` shows only when its condition holds."""
    return item.applies_if is None or applies(item.applies_if, answers)


def applies(cond: AppliesIf, answers: Mapping[str, Any]) -> bool:
    """Whether an ``applies_if`` condition holds for the answers so far."""
    given = answers.get(cond.item)
    if given is None:
        return False
    if isinstance(given, list):
        return any(v in cond.options for v in given)
    return given in cond.options


def visible_items(
    checklist: Checklist, answers: Mapping[str, AnswerValue], *, hide_methods: Collection[str] = ()
) -> list[Item]:
    """Items to show, in checklist order, given the answers so far.

    An item whose condition item is itself hidden stays hidden.

    :param hide_methods: check methods hidden for this inspector's role, e.g. ``("仪器测量",)``.
    """
    shown: list[Item] = []
    shown_ids: set[str] = set()
    for item in checklist.items:
        if item.method in hide_methods:
            continue
        cond = item.applies_if
        if cond is not None and cond.item not in shown_ids:
            continue
        if is_visible(item, answers):
            shown.append(item)
            shown_ids.add(item.id)
    return shown
