"""Answers a test inspector gives: one that raises nothing, whatever the rule's shape.

Rules may read earlier items (``all_of`` / ``any_of`` with ``item:``) and computed ratios follow
from the numbers typed, so a "safe" answer is found by trying candidates against the domain's own
``evaluate`` with the answers given so far, not by reading one condition.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from app.domain.errors import InvalidAnswer
from app.domain.findings import evaluate
from app.domain.rules import rule_threshold, validate_answer
from checklists.schema import Checklist, Item

SAFE_TEXT = "现场已核实，无异常"


def safe_answer(item: Item, checklist: Checklist, answers: Mapping[str, Any], *, today: date) -> Any:
    """An answer to ``item`` that raises no finding the ``answers`` do not raise already.

    :param answers: item id → answer given so far, e.g. ``{"LC-00": "地下建筑"}`` (dates as ISO text).
    :returns: as a screen takes it: str for buttons and fields, float for numbers, list for
        multi-choice, ``[]`` for a photo item; None for a computed item (nothing to answer).
    :raises AssertionError: no candidate is safe (the test's checklist needs a look).
    """
    if item.computed is not None:
        return None
    before = {f.item_id for f in evaluate(checklist, answers, on=today)}
    for candidate in _candidates(item, checklist, today):
        try:
            value = validate_answer(item, candidate)
        except InvalidAnswer:
            continue
        trial = {**answers, item.id: value.isoformat() if isinstance(value, date) else value}
        if {f.item_id for f in evaluate(checklist, trial, on=today)} <= before:
            return candidate
    raise AssertionError(f"no answer to {item.id} keeps the inspection free of new findings")


def finish_safely(device: Any, inspection_id: str) -> None:
    """Answer every open item without raising anything new, photograph each hazard that needs a
    photo, sign and complete, through the services as the run screen would."""
    from tests.factories import jpeg_bytes, png_bytes

    for _ in range(300):
        state = device.inspections.state(inspection_id)
        values = {k: a.value.isoformat() if isinstance(a.value, date) else a.value for k, a in state.answers.items()}
        open_items = [i for i in state.visible if i.id not in state.answers and i.computed is None]
        if not open_items:
            break
        item = open_items[0]
        device.inspections.answer(inspection_id, item.id,
                                  safe_answer(item, state.checklist, values, today=device.today()))
    for hazard in device.inspections.state(inspection_id).hazards.values():
        if hazard.photo_required and not hazard.photo_shas:
            device.evidence.add_to_hazard(hazard.id, jpeg_bytes())
    device.signoff.sign(inspection_id, signer_name="王建国", png=png_bytes())
    device.signoff.complete(inspection_id)


def _candidates(item: Item, checklist: Checklist, today: date) -> Iterator[Any]:
    kind = item.kind
    if kind == "yes_no_na":
        yield from ("否", "是", "不适用")
    elif kind == "choice":
        yield from item.options
    elif kind == "multi_choice":
        yield from ([o] for o in item.exclusive_options)
        yield from ([o] for o in item.options if o not in item.exclusive_options)
        yield []
    elif kind == "number":
        yield from _numbers(item, checklist)
    elif kind == "date":
        yield from (today.isoformat(), (today - timedelta(days=1)).isoformat())
    elif kind == "text":
        yield SAFE_TEXT
    elif kind == "photo":
        yield []


def _numbers(item: Item, checklist: Checklist) -> Iterator[float]:
    lo = item.min if item.min is not None else 0.0
    hi = item.max if item.max is not None else lo + 1000
    near: list[float] = []
    rule = item.hazard_when
    for leaf in rule.leaves() if rule is not None else ():
        if leaf.item is None and leaf.condition not in ("equals", "in"):
            t = rule_threshold(leaf, checklist)
            near += [t, t + 1, t - 1, t * 2, t / 2]
    for value in [*near, 10.0, 1.0, lo, hi, 100.0]:
        if lo <= value <= hi:
            yield float(value)
