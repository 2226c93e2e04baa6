"""Hazards raised by checklist answers: kept in step with the answers, in the answer's transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.domain import lifecycle
from app.domain.models import Inspection
from app.domain.rules import is_hazard, visible_items
from app.store import hazards as hazard_store
from app.store import inspections as inspection_store
from app.store.db import Store
from checklists import Checklist, Item


def reconcile_raised_hazards(store: Store, inspection: Inspection, checklist: Checklist, today: date) -> None:
    """Make the auto-raised hazards match the answers: one per visible hazard answer.

    Call inside the answer's ``store.atomic()``.
    """
    answers = {k: a.value for k, a in inspection_store.answers(store, inspection.id).items()}
    visible = {item.id for item in visible_items(checklist, answers)}
    existing = hazard_store.raised_by_answers(store, inspection.id)
    for item in checklist.items:
        value = answers.get(item.id)
        if isinstance(value, str) and item.kind == "date":
            value = date.fromisoformat(value)
        wanted = item.id in visible and is_hazard(item, value, checklist, on=today)
        if wanted and item.id not in existing:
            hazard_store.insert_hazard(
                store, inspection_id=inspection.id, site_id=inspection.site_id,
                checklist_id=checklist.id, item_id=item.id, source="checklist",
                description=describe_finding(item, value), severity=item.severity,
                status=lifecycle.PENDING, requirement=item.requirement,
                deadline=lifecycle.default_deadline(item.severity, today),
                photo_required=item.photo_required,
            )
        elif not wanted and item.id in existing:
            hazard_store.delete_hazard(store, existing[item.id])


def describe_finding(item: Item, value: Any) -> str:
    """Prefilled 隐患描述: the question and what was found."""
    if isinstance(value, list):
        shown = "、".join(value)
    elif isinstance(value, float):
        shown = f"{value:g}{item.unit}"
    else:
        shown = str(value)
    return f"{item.question}（检查结果：{shown}）"
