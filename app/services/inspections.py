"""Inspections: start or resume a draft, answer items (signing and completion: ``signoff.py``).

Every answer is saved before the call returns, with its change-log row, and the hazards and
findings the answers raise are kept in step in the same transaction (``raised.py``). An
inspection runs on the checklist version it started on (``Catalog.for_inspection``); a new one
starts on the newest version, with the answers the site record gives already filled in.
"""

from __future__ import annotations

from typing import Any

from app.domain import lifecycle
from app.domain.computed import with_computed
from app.domain.errors import HazardUnderway, InspectionLocked, InvalidAnswer, WithdrawalNeedsConfirm
from app.domain.models import Inspection
from app.domain.prefill import prefill_answers
from app.domain.rules import validate_answer, visible_items
from app.domain.vocab import DRAFT
from app.store import findings as finding_store
from app.store import hazards as hazard_store
from app.store import inspections as inspection_store
from checklists import Checklist

from .base import Service
from .catalog import UnknownChecklist
from .identity import recorded_inspector
from .inspection_state import DraftRow, InspectionState, answerable_items, signature_valid
from .raised import COMBINATION, at_risk, keep_details, reconcile_raised


class Inspections(Service):
    """``device.inspections``."""

    def checklists_for(self, site_kind: str) -> list[Checklist]:
        """The checklists that apply to a 场所 kind, e.g. ``群租房``."""
        return self._device.catalog.for_kind(site_kind)

    def start(self, site_id: str, checklist_id: str) -> Inspection:
        """A new draft, or the open draft for the same site and checklist (resume).

        :raises InvalidAnswer: the checklist does not apply to the site's kind.
        """
        site = self._device.sites.get(site_id)
        checklist = self._device.catalog.get(checklist_id)
        if not checklist.applies_to(site.kind):
            raise InvalidAnswer(checklist_id, f"“{checklist.title}”不适用于{site.kind}")
        draft = inspection_store.find_draft(self._store, site_id, checklist_id)
        if draft is not None:
            return draft
        settings = self._device.settings.current()
        prefilled = prefill_answers(checklist, site)
        hidden = self._device.office.hidden_methods()
        with self._store.atomic():
            inspection = inspection_store.insert_inspection(
                self._store,
                site_id=site_id,
                checklist_id=checklist_id,
                checklist_version=checklist.version,
                inspector_id=recorded_inspector(self._store, settings.inspector_id),
                inspector_name=settings.inspector_name,
                device_id=self._device.device_id,
                current_item_id=checklist.items[0].id,
            )
            if prefilled:
                # The site record's answers, saved like typed ones: shown as answered, changeable.
                for item_id, value in prefilled.items():
                    inspection_store.save_answer(self._store, inspection.id, item_id, value, None)
                self._reconcile(inspection, checklist)
                first_open = next((i.id for i in visible_items(checklist, prefilled, hide_methods=hidden)
                                   if i.id not in prefilled and i.computed is None), checklist.items[0].id)
                inspection_store.set_position(self._store, inspection.id, first_open)
        return self.get(inspection.id)

    def get(self, inspection_id: str) -> Inspection:
        """:raises NotFound: no such inspection."""
        return inspection_store.get_inspection(self._store, inspection_id)

    def drafts(self) -> list[DraftRow]:
        """Inspections not yet completed, most recently touched first."""
        rows = []
        hidden = self._device.office.hidden_methods()
        for r in inspection_store.drafts(self._store):
            try:
                checklist = self._device.catalog.version(r["checklist_id"], r["checklist_version"])
            except UnknownChecklist:
                continue  # its checklist version is nowhere on this device; the draft stays on disk
            answers = {k: a.value for k, a in inspection_store.answers(self._store, r["id"]).items()}
            questions = answerable_items(visible_items(checklist, answers, hide_methods=hidden))
            rows.append(
                DraftRow(
                    inspection_id=r["id"],
                    site_name=r["site_name"],
                    checklist_title=checklist.title,
                    answered=sum(1 for item in questions if item.id in answers),
                    total=len(questions),
                    updated_at=r["updated_at"],
                )
            )
        return rows

    def checklist_of(self, inspection: Inspection) -> Checklist:
        """The checklist version ``inspection`` runs on.

        :raises UnknownChecklist: that version is nowhere on this device.
        """
        return self._device.catalog.for_inspection(inspection)

    def state(self, inspection_id: str) -> InspectionState:
        inspection = self.get(inspection_id)
        checklist = self.checklist_of(inspection)
        answers = inspection_store.answers(self._store, inspection_id)
        values = {k: a.value for k, a in answers.items()}
        visible = visible_items(checklist, values, hide_methods=self._device.office.hidden_methods())
        raised = hazard_store.hazards_of_inspection(self._store, inspection_id)
        computed_ids = {item.id for item in visible if item.computed is not None}
        questions = answerable_items(visible)
        return InspectionState(
            inspection=inspection,
            site=self._device.sites.get(inspection.site_id),
            checklist=checklist,
            answers=answers,
            visible=visible,
            hazards={h.item_id: h for h in raised if h.item_id is not None and h.source != COMBINATION},
            other_hazards=[h for h in raised if h.item_id is None],
            combined=[h for h in raised if h.source == COMBINATION],
            findings={f.item_id: f for f in finding_store.findings_of_inspection(self._store, inspection_id)},
            computed={k: v for k, v in with_computed(checklist, values).items() if k in computed_ids},
            office=self._device.office.config(),
            answered=sum(1 for item in questions if item.id in answers),
            total=len(questions),
            signature_valid=signature_valid(inspection, answers, raised),
        )

    def answer(
        self, inspection_id: str, item_id: str, value: Any, note: str | None = None, *, withdraw: bool = False
    ) -> InspectionState:
        """Record an answer at once; a hazard answer raises a 隐患 (待整改) with the checklist's
        severity and default requirement; a corrected answer withdraws the hazard it had raised.

        A hazard holding what the inspector typed or attached (部位, 责任单位, photos …) is withdrawn
        only when ``withdraw`` confirms it; its details come back when an answer raises it again.

        :param value: as typed or tapped, e.g. ``"否"``, ``"3"``, ``["无防渗"]``, ``"2026-11-01"``.
        :param withdraw: the inspector confirmed withdrawing such hazards.
        :raises InvalidAnswer: the value does not fit the item (Chinese ``message``).
        :raises WithdrawalNeedsConfirm: the answer would withdraw such a hazard; nothing was saved.
        :raises HazardUnderway: it would withdraw a hazard already in 整改 or 复查; nothing was saved.
        :raises InspectionLocked: the inspection is completed.
        """
        self.write_answer(inspection_id, item_id, value, note, withdraw=withdraw)
        return self.state(inspection_id)

    def write_answer(self, inspection_id: str, item_id: str, value: Any, note: str | None, *,
                     withdraw: bool = False) -> None:
        """Persist one answer and reconcile its hazards, without building the screen state."""
        inspection = self.editable(inspection_id)
        checklist = self.checklist_of(inspection)
        try:
            item = checklist.item(item_id)
        except KeyError:
            raise InvalidAnswer(item_id, "检查表中没有这一项") from None
        today = self._device.today()
        normalised = validate_answer(item, value, today=today)
        office = self._device.office
        with self._store.atomic():
            before = {k: a.value for k, a in inspection_store.answers(self._store, inspection_id).items()}
            risky = at_risk(self._store, inspection, checklist, before, {**before, item_id: normalised}, today,
                            office=office.config(), hide_methods=office.hidden_methods())
            underway = [r.hazard.description for r in risky if r.hazard.status != lifecycle.PENDING]
            if underway:
                raise HazardUnderway(item_id, underway)
            kept = [r for r in risky if r.has_details]
            if kept and not withdraw:
                raise WithdrawalNeedsConfirm(item_id, [r.hazard.description for r in kept])
            keep_details(self._store, inspection_id, kept)
            inspection_store.save_answer(self._store, inspection_id, item_id, normalised, note)
            self._reconcile(inspection, checklist)

    def _reconcile(self, inspection: Inspection, checklist: Checklist) -> None:
        office = self._device.office
        reconcile_raised(self._store, inspection, checklist, self._device.today(), office=office.config(),
                         hide_methods=office.hidden_methods())

    def editable(self, inspection_id: str) -> Inspection:
        """The inspection, if it is still a draft.

        :raises InspectionLocked: it is completed.
        """
        inspection = self.get(inspection_id)
        if inspection.status != DRAFT:
            raise InspectionLocked(inspection_id)
        return inspection

    def set_position(self, inspection_id: str, item_id: str) -> None:
        """Remember the item on screen, so a resumed draft opens there."""
        inspection_store.set_position(self._store, inspection_id, item_id)
