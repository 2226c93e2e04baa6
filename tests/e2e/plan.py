"""What a test inspector answers for an item: the planned hazard answer, or one that raises nothing.

A safe answer is found by trying candidates against the domain's own ``evaluate`` with the answers
given so far (``tests/answers.py``): rules may combine conditions on earlier items, ratios are
computed from the numbers typed, and an exclusive option (无上述情形) is an answer of its own.
Computed items are never typed, and answers the site record prefilled are kept as they are.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from app.domain.findings import finding_text
from app.domain.vocab import GENERAL
from checklists.kinds import HAZARD
from checklists.schema import Checklist, Item
from tests.answers import safe_answer as _safe_answer


def hazard_item(checklist: Checklist) -> Item:
    """The item the test raises its hazard on: the first always-visible yes/no item whose own
    answer makes a 一般 隐患 (not a 综合判定 element, not prefilled) and that needs a photo (so
    completion really depends on the uploaded photo). 一般, so that the same inspector may close
    it after 复查 (a 疑似重大 hazard never is closed by its finder)."""
    candidates = [i for i in checklist.items
                  if i.kind == "yes_no_na" and i.applies_if is None and i.hazard_when is not None
                  and i.hazard_when.equals in ("是", "否") and i.level == HAZARD and i.element is None
                  and i.prefill is None and i.severity == GENERAL]
    with_photo = [i for i in candidates if i.photo_required]
    return (with_photo or candidates)[0]


def hazard_answer(item: Item) -> str:
    assert item.hazard_when is not None and item.hazard_when.equals is not None
    return item.hazard_when.equals


def hazard_description(checklist: Checklist, item: Item) -> str:
    """What the hazard's 隐患描述 reads (its finding text), e.g. ``消防车通道被占用``."""
    return finding_text(item, hazard_answer(item), checklist)


def safe_answer(item: Item, checklist: Checklist, answers: dict[str, Any], today: date) -> object:
    """An answer that raises no new finding: str for buttons, list for multi-choice, number, date, text."""
    return _safe_answer(item, checklist, answers, today=today)


def answered_value(item: Item, value: object) -> Any:
    """The answer as the domain reads it after the screen saved it (numbers as typed with ``:g``)."""
    return json.loads(stored_value(item, value))


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
