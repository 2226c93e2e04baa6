"""What a test inspector answers for an item: a safe (non-hazard) answer, or the hazard answer."""

from __future__ import annotations

import json
from datetime import date

from app.domain.rules import rule_threshold
from checklists.schema import Checklist, Item


def hazard_item(checklist: Checklist) -> Item:
    """The item the test raises its hazard on: the first always-visible yes/no item with an
    ``equals`` rule that needs a photo (so completion really depends on the uploaded photo)."""
    candidates = [i for i in checklist.items
                  if i.kind == "yes_no_na" and i.applies_if is None and i.hazard_when is not None
                  and i.hazard_when.equals in ("是", "否")]
    with_photo = [i for i in candidates if i.photo_required]
    return (with_photo or candidates)[0]


def hazard_answer(item: Item) -> str:
    assert item.hazard_when is not None and item.hazard_when.equals is not None
    return item.hazard_when.equals


def safe_answer(item: Item, checklist: Checklist) -> object:
    """An answer that is not a hazard: str for buttons, list for multi-choice, number, date, text."""
    rule = item.hazard_when
    bad = set(rule.options) if rule is not None else set()
    if item.kind == "yes_no_na":
        for opt in ("否", "是", "不适用"):
            if opt not in bad:
                return opt
    if item.kind == "choice":
        return next(o for o in item.options if o not in bad)
    if item.kind == "multi_choice":
        ok = [o for o in item.options if o not in bad]
        return ok[:1]
    if item.kind == "number":
        lo = item.min if item.min is not None else 0.0
        hi = item.max if item.max is not None else lo + 1000
        if rule is None:
            return lo
        t = rule_threshold(rule, checklist)
        op = rule.condition.removesuffix("_param")
        if op in ("lt", "le"):
            value = t + 1 if op == "le" else t
            return min(max(value, lo), hi)
        value = t - 1 if op == "ge" else t
        return max(min(value, hi), lo)
    if item.kind == "date":
        return date.today().isoformat()
    if item.kind == "text":
        return "现场已核实，无异常"
    if item.kind == "photo":
        return []
    raise AssertionError(f"unknown kind {item.kind}")


def stored_value(item: Item, value: object) -> str:
    """``answers.value`` as the store keeps what the test entered: JSON text, e.g. ``'"是"'``,
    ``'4.5'`` (numbers as float, as typed with ``:g``), ``'["a", "b"]'`` (checklist option order),
    ``'"2026-11-01"'``, ``'[]'`` for a photo item skipped without photos."""
    kind = item.kind
    if kind in ("yes_no_na", "choice", "text", "date"):
        return json.dumps(str(value).strip(), ensure_ascii=False)
    if kind == "number":
        return json.dumps(float(f"{value:g}") if isinstance(value, float) else float(value))
    if kind == "multi_choice":
        assert isinstance(value, list)
        return json.dumps([o for o in item.options if o in value], ensure_ascii=False)
    if kind == "photo":
        return json.dumps(list(value), ensure_ascii=False)  # type: ignore[call-overload]
    raise AssertionError(f"unknown kind {kind}")
