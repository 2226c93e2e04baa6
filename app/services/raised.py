"""What an inspection's answers raise, kept in step with the answers in the answer's transaction.

- each 隐患 finding is a hazard (``source="checklist"``): its finding text is the 隐患描述, its
  requirement the 整改要求; a corrected answer withdraws it;
- 预警 and 记录并报告 findings go to their own table: never a hazard, never on a 告知单;
- when the open hazards of the inspection meet a 综合判定 rule, one more hazard (``source=
  "combination"``, 疑似重大) is raised, linked to the items it was counted from; it follows
  its elements and is withdrawn when they no longer meet the rule;
- a withdrawn hazard that held what the inspector typed or attached (``details``) is withdrawn
  only once the inspector confirmed it (``at_risk`` finds them first); its details are kept
  (``app.store.withdrawn``) and come back with the hazard when an answer raises it again.

Answers change only while the inspection is a draft, so all of this happens only then.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain import lifecycle
from app.domain.combination import CombinedMajor, combined_major, texts_for_items
from app.domain.findings import Finding, evaluate
from app.domain.models import Hazard, Inspection
from app.store import findings as finding_store
from app.store import hazards as hazard_store
from app.store import inspections as inspection_store
from app.store import withdrawn
from app.store.db import Store
from app.store.photos import link_photo
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


@dataclass(frozen=True)
class AtRisk:
    """A hazard an answer would withdraw, and what the inspector put on it."""

    hazard: Hazard
    #: the fields the inspector set, e.g. ``{"location": "东门入口处"}`` (``description`` only if rewritten)
    details: dict[str, Any]

    @property
    def has_details(self) -> bool:
        return bool(self.details or self.hazard.photo_shas)


def at_risk(store: Store, inspection: Inspection, checklist: Checklist, before: Mapping[str, Any],
            after: Mapping[str, Any], today: date, *, office: OfficeConfig | None = None,
            hide_methods: Collection[str] = ()) -> list[AtRisk]:
    """The hazards that going from answers ``before`` to ``after`` would withdraw, each with the
    details the inspector set on it (compared with what the answers had raised).

    :param before: the answers saved now, item id → value.
    :param after: the same with the new answer, e.g. ``{**before, "GR-13": "是"}``.
    """
    # What the hazards were raised with: methods hidden since then still raised theirs.
    found_before = {f.item_id: f for f in evaluate(checklist, before, on=today, office=office) if f.is_hazard}
    wanted = {f.item_id for f in evaluate(checklist, after, on=today, office=office, hide_methods=hide_methods)
              if f.is_hazard}
    combined = combined_major(checklist, after, wanted)
    risky: list[AtRisk] = []
    for hazard in hazard_store.hazards_of_inspection(store, inspection.id):
        if hazard.source == "checklist" and hazard.item_id not in wanted:
            finding = found_before.get(hazard.item_id or "")
            raised = (finding.text, finding.requirement, finding.severity) if finding else None
        elif hazard.source == COMBINATION and (combined is None or combined.key != hazard.item_id):
            raised = (*texts_for_items(checklist, hazard.element_items), hazard.severity)
        else:
            continue
        risky.append(AtRisk(hazard, _details(hazard, raised)))
    return risky


def _details(hazard: Hazard, raised: tuple[str, str, str] | None) -> dict[str, Any]:
    """What the inspector set on ``hazard``, beyond what its answers raised (text, requirement, severity)."""
    details: dict[str, Any] = {}
    for name in ("location", "rect_unit"):
        if getattr(hazard, name).strip():
            details[name] = getattr(hazard, name)
    if hazard.deadline_chosen:
        details["deadline"] = hazard.deadline.isoformat()
    if hazard.updated_at == hazard.created_at:
        return details  # never edited: its texts are the answers' (an earlier answer's, maybe)
    text, requirement, severity = raised if raised is not None else ("", "", hazard.severity)
    if hazard.description != text:
        details["description"] = hazard.description
    if hazard.requirement != requirement:
        details["requirement"] = hazard.requirement
    if hazard.severity != severity:
        details["severity"] = hazard.severity
    return details


def keep_details(store: Store, inspection_id: str, risky: list[AtRisk]) -> None:
    """Remember the details of hazards about to be withdrawn; inside the answer's transaction."""
    for r in risky:
        if r.has_details and r.hazard.item_id is not None:
            withdrawn.keep(store, inspection_id, r.hazard.item_id, r.details, list(r.hazard.photo_shas))


def _raise(store: Store, inspection: Inspection, checklist: Checklist, finding: Finding, today: date) -> None:
    hazard_id = hazard_store.insert_hazard(
        store, inspection_id=inspection.id, site_id=inspection.site_id, checklist_id=checklist.id,
        item_id=finding.item_id, source="checklist", description=finding.text, severity=finding.severity,
        status=lifecycle.PENDING, requirement=finding.requirement,
        deadline=lifecycle.default_deadline(finding.severity, today), photo_required=finding.photo_required,
    )
    _restore(store, inspection.id, finding.item_id, hazard_id)


def _restore(store: Store, inspection_id: str, item_id: str, hazard_id: str) -> None:
    """Give a raised hazard back the details it had when an earlier answer withdrew it."""
    kept = withdrawn.take(store, inspection_id, item_id)
    if kept is None:
        return
    details, photo_shas = kept
    deadline = date.fromisoformat(details["deadline"]) if "deadline" in details else None
    hazard_store.update_hazard(
        store, hazard_id, description=details.get("description"), location=details.get("location"),
        severity=details.get("severity"), rect_unit=details.get("rect_unit"),
        requirement=details.get("requirement"), deadline=deadline, deadline_chosen=True if deadline else None)
    for sha in photo_shas:
        if store.scalar("SELECT 1 FROM photos WHERE sha256 = ?", (sha,)):
            link_photo(store, sha, "hazard", hazard_id)


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
        hazard_id = hazard_store.insert_hazard(
            store, inspection_id=inspection.id, site_id=inspection.site_id, checklist_id=checklist.id,
            item_id=result.key, source=COMBINATION, description=result.text, severity=result.severity,
            status=lifecycle.PENDING, requirement=result.requirement,
            deadline=lifecycle.default_deadline(result.severity, today), element_items=result.item_ids,
        )
        _restore(store, inspection.id, result.key, hazard_id)
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
