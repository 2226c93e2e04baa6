"""Answers worked out from other answers (ratios such as 人均面积 or 损坏率), never typed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from checklists.schema import Checklist, Item


def computed_value(item: Item, answers: Mapping[str, Any]) -> float | None:
    """``numerator ÷ denominator × scale`` from the answers, rounded; None until both are known.

    A zero denominator gives None: there is nothing to take a share of (no stair doors, no one
    living there), so the ratio is not a hazard either.

    :param answers: item id → answer, e.g. ``{"GR-07a": 18.0, "GR-00c": 5.0}``.
    """
    spec = item.computed
    if spec is None:
        return None
    numerator = _number(answers.get(spec.numerator))
    denominator = _number(answers.get(spec.denominator))
    if numerator is None or denominator is None or denominator == 0:
        return None
    return round(numerator / denominator * spec.scale, spec.digits)


def with_computed(checklist: Checklist, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers plus every computed item's value (in checklist order, so one computed value
    can feed the next); a computed item that cannot be worked out yet is left out."""
    computed = {item.id for item in checklist.items if item.computed is not None}
    result = {k: v for k, v in answers.items() if k not in computed}
    for item in checklist.items:
        if item.computed is not None:
            value = computed_value(item, result)
            if value is not None:
                result[item.id] = value
    return result


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None
