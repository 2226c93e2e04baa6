"""What an inspection's answers raise, kept in step with the answers in the answer's transaction.

- each 隐患 finding is a hazard (``source="checklist"``): its finding text is the 隐患描述, its
  requirement the 整改要求; a corrected answer withdraws it;
- 预警 and 记录并报告 findings go to their own table: never a hazard, never on a 告知单;
- when the open hazards of the inspection meet a 综合判定 rule, one more hazard (``source=
  "combination"``, 疑似重大) is raised, linked to the items it was counted from; it follows
  its elements and is withdrawn when they no longer meet the rule.

Answers change only while the inspection is a draft, so all of this happens only then.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from app.domain import lifecycle
from app.domain.combination import CombinedMajor, combined_major, texts_for_items
from app.domain.findings import Finding, evaluate
from app.domain.models import Hazard, Inspection
from app.store import findings as finding_store
from app.store import hazards as hazard_store
from app.store import inspections as inspection_store
from app.store.db import Store
from checklists import Checklist, OfficeConfig

COMBINATION = "combination"


def reconcile_raised(store: Store, inspection: Inspection, checklist: Checklist, today: date, *,
                     office: OfficeConfig | None = None, hide_methods: Collection[str] = ()) -> None:
    """Make the raised hazards and findings match the answers; call inside the answer's ``store.atomic()``.

    :param today: the inspection day (UTC+8), for date rules and default 整改期限.
    :param office: the office's decisions (an item's level where the file allows a choice).
    :param hide_methods: check methods hidden for the inspector's role: their items raise nothing.
    """
    answers = {k: a.value for k, a in inspection_store.answers(store, inspection.id).items()}
    found = evaluate(checklist, answers, on=today, office=office, hide_methods=hide_methods)
    wanted = {f.item_id: f for f in found if f.is_hazard}
    existing = hazard_store.raised_by_answers(store, inspection.id)
    for item_id, hazard_id in existing.items():
        if item_id not in wanted:
            hazard_store.delete_hazard(store, hazard_id)
    for item_id, finding in wanted.items():
        if item_id not in existing:
            _raise(store, inspection, checklist, finding, today)
    finding_store.replace_findings(store, inspection.id, checklist.id, [
        finding_store.WantedFinding(f.item_id, f.level, f.text, f.requirement) for f in found if not f.is_hazard])
    open_items = [h.item_id for h in hazard_store.hazards_of_inspection(store, inspection.id)
                  if h.source == "checklist" and h.status != lifecycle.CLOSED and h.item_id is not None]
    _reconcile_combination(store, inspection, checklist, combined_major(checklist, answers, open_items), today)


def _raise(store: Store, inspection: Inspection, checklist: Checklist, finding: Finding, today: date) -> None:
    hazard_store.insert_hazard(
        store, inspection_id=inspection.id, site_id=inspection.site_id, checklist_id=checklist.id,
        item_id=finding.item_id, source="checklist", description=finding.text, severity=finding.severity,
        status=lifecycle.PENDING, requirement=finding.requirement,
        deadline=lifecycle.default_deadline(finding.severity, today), photo_required=finding.photo_required,
    )


def _reconcile_combination(store: Store, inspection: Inspection, checklist: Checklist,
                           result: CombinedMajor | None, today: date) -> None:
    """One combination hazard while a rule is met, following its elements; none otherwise."""
    current = hazard_store.combination_hazards(store, inspection.id)
    keep = next((h for h in current if result is not None and h.item_id == result.key), None)
    for hazard in current:
        if hazard is not keep:
            hazard_store.delete_hazard(store, hazard.id)
    if result is None:
        return
    if keep is None:
        hazard_store.insert_hazard(
            store, inspection_id=inspection.id, site_id=inspection.site_id, checklist_id=checklist.id,
            item_id=result.key, source=COMBINATION, description=result.text, severity=result.severity,
            status=lifecycle.PENDING, requirement=result.requirement,
            deadline=lifecycle.default_deadline(result.severity, today), element_items=result.item_ids,
        )
        return
    if tuple(keep.element_items) != result.item_ids:
        _follow_elements(store, checklist, keep, result)


def _follow_elements(store: Store, checklist: Checklist, hazard: Hazard, result: CombinedMajor) -> None:
    """New links; the texts follow too, unless the inspector has rewritten them."""
    old_text, old_requirement = texts_for_items(checklist, hazard.element_items)
    hazard_store.update_hazard(
        store, hazard.id, element_items=result.item_ids,
        description=result.text if hazard.description == old_text else None,
        requirement=result.requirement if hazard.requirement == old_requirement else None,
    )
