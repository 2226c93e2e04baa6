"""Inspections: start or resume a draft, answer items, sign, complete.

Every answer is saved before the call returns, with its change-log row, and the hazards and
findings the answers raise are kept in step in the same transaction (``raised.py``). An
inspection runs on the checklist version it started on (``Catalog.for_inspection``); a new one
starts on the newest version, with the answers the site record gives already filled in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.domain import lifecycle
from app.domain.clock import local_day
from app.domain.completion import completion_problems
from app.domain.computed import with_computed
from app.domain.errors import (
    CompletionRefused,
    HazardUnderway,
    InspectionLocked,
    InvalidAnswer,
    WithdrawalNeedsConfirm,
)
from app.domain.findings import level_of, major_label
from app.domain.models import Answer, FindingRecord, Hazard, Inspection, Site
from app.domain.prefill import prefill_answers
from app.domain.rating import HazardFacts, RatingResult, rate, repeated_item_ids
from app.domain.rules import validate_answer, visible_items
from app.domain.signing import signed_hash, signed_record
from app.domain.vocab import DRAFT, MAJOR, RECORD, WARNING, severity_label
from app.store import findings as finding_store
from app.store import hazards as hazard_store
from app.store import inspections as inspection_store
from app.store import withdrawn
from checklists import Checklist, Item, OfficeConfig

from .base import Service
from .catalog import UnknownChecklist
from .identity import recorded_inspector
from .raised import COMBINATION, at_risk, keep_details, reconcile_raised

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class InspectionState:
    """An inspection as the checklist screen shows it."""

    inspection: Inspection
    site: Site
    checklist: Checklist
    answers: dict[str, Answer]
    visible: list[Item]
    hazards: dict[str, Hazard]
    answered: int
    total: int
    signature_valid: bool
    #: hazards recorded by hand during this inspection (no checklist item)
    other_hazards: list[Hazard] = field(default_factory=list)
    #: 疑似重大 hazards a 综合判定 rule raised (linked to their elements by ``element_items``)
    combined: list[Hazard] = field(default_factory=list)
    #: 预警 / 记录并报告 findings by item id (never hazards)
    findings: dict[str, FindingRecord] = field(default_factory=dict)
    #: computed items' values, e.g. ``{"GR-07c": 3.6}`` (absent until their inputs are answered)
    computed: dict[str, float] = field(default_factory=dict)
    #: the office's decisions in force (an item's level where the file allows a choice)
    office: OfficeConfig = field(default_factory=OfficeConfig)

    @property
    def locked(self) -> bool:
        """A completed inspection is read-only."""
        return self.inspection.status != DRAFT

    @property
    def all_hazards(self) -> list[Hazard]:
        return [*self.combined, *self.hazards.values(), *self.other_hazards]

    def severity_text(self, hazard: Hazard) -> str:
        """How the hazard's severity reads, e.g. ``疑似重大隐患（需住建部门认定）``."""
        return hazard_severity_text(self.checklist, hazard)

    def level_of(self, item: Item) -> str:
        """What the item finds when its rule fires: 隐患, 预警 or 记录并报告 (the office's choice
        where the file allows one)."""
        return level_of(item, self.checklist, self.office)

    def item_severity_text(self, item: Item) -> str:
        """How a hazard on ``item`` reads, e.g. ``一般隐患``, ``疑似重大隐患（需住建部门认定）``."""
        if item.severity == MAJOR:
            return major_label(self.checklist.authority_of(item))
        return severity_label(item.severity)


@dataclass
class DraftRow:
    inspection_id: str
    site_name: str
    checklist_title: str
    answered: int
    total: int
    updated_at: datetime


@dataclass
class Summary:
    answered: int
    total: int
    hazards_by_severity: dict[str, int]
    rating: RatingResult | None
    problems: list[str] = field(default_factory=list)
    #: 预警 and 记录并报告 findings: shown apart, never counted as hazards nor rated
    warnings: list[FindingRecord] = field(default_factory=list)
    records: list[FindingRecord] = field(default_factory=list)


def hazard_severity_text(checklist: Checklist | None, hazard: Hazard) -> str:
    """How a hazard's severity reads; a 疑似重大 one names who determines it.

    :param checklist: the checklist the hazard was raised on (None for a hand-recorded one).
    """
    if hazard.severity != MAJOR or checklist is None or hazard.item_id is None:
        return severity_label(hazard.severity)
    if hazard.source == COMBINATION and checklist.combination is not None:
        return major_label(checklist.combination.authority)
    try:
        return major_label(checklist.authority_of(checklist.item(hazard.item_id)))
    except KeyError:
        return severity_label(hazard.severity)


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
            questions = _questions(visible_items(checklist, answers, hide_methods=hidden))
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
        questions = _questions(visible)
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
            signature_valid=_signature_valid(inspection, answers, raised),
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

    def problems(self, inspection_id: str) -> list[str]:
        """Why the inspection cannot be completed yet, in Chinese; empty when it can."""
        return self._problems(self.state(inspection_id))

    def summary(self, inspection_id: str) -> Summary:
        """Answered items, hazards by severity, the 红黄蓝 rating (the office's rules where it set
        some) and the 预警 / 记录并报告 findings, which are listed but never rated."""
        state = self.state(inspection_id)
        by_severity = Counter(state.severity_text(h) for h in state.all_hazards)
        return Summary(
            answered=state.answered,
            total=state.total,
            hazards_by_severity=dict(by_severity),
            rating=self._rating(state),
            problems=self._problems(state),
            warnings=[f for f in state.findings.values() if f.level == WARNING],
            records=[f for f in state.findings.values() if f.level == RECORD],
        )

    def _rating(self, state: InspectionState) -> RatingResult | None:
        office = self._device.office.config()
        rules = office.rating_for(state.checklist)
        if rules is None:
            return None
        today = self._device.today()
        inspection = state.inspection
        earlier = [(item_id, local_day(at)) for item_id, at in
                   hazard_store.earlier_item_hazards(self._store, inspection.site_id, inspection.id)]
        repeated = repeated_item_ids([h.item_id for h in state.hazards.values() if h.item_id], earlier, today,
                                     office.repeat_within_days)
        combination = state.checklist.combination
        facts = [HazardFacts(h.item_id, h.severity, h.status, h.deadline,
                             authority=combination.authority if h.source == COMBINATION and combination else None,
                             repeated=h.item_id in repeated) for h in state.all_hazards]
        return rate(rules, facts, today, checklist=state.checklist)

    def sign(self, inspection_id: str, *, signer_name: str, png: bytes) -> None:
        """The representative signs the record as it is now; a later change voids the signature.

        :raises InvalidAnswer: no signer name, or the image is not a PNG.
        :raises InspectionLocked: the inspection is completed.
        """
        signer_name = signer_name.strip()
        if not signer_name:
            raise InvalidAnswer("signer_name", "请填写签名人姓名")
        if not png.startswith(_PNG_MAGIC):
            raise InvalidAnswer("signature", "签名图像无效，请重新签名")
        state = self.state(inspection_id)
        if state.locked:
            raise InspectionLocked(inspection_id)
        digest = _record_hash(state.inspection, state.answers, state.all_hazards)
        inspection_store.save_signature(self._store, inspection_id, signer_name, png, digest)

    def signature_png(self, inspection_id: str) -> bytes | None:
        return inspection_store.signature_png(self._store, inspection_id)

    def complete(self, inspection_id: str) -> Inspection:
        """Close the inspection: it becomes read-only; its hazards move on in the ledger.

        :raises CompletionRefused: listing what is missing, in Chinese.
        :raises InspectionLocked: already completed.
        """
        state = self.state(inspection_id)
        if state.locked:
            raise InspectionLocked(inspection_id)
        problems = self._problems(state)
        if problems:
            raise CompletionRefused(inspection_id, problems)
        with self._store.atomic():
            inspection_store.mark_completed(self._store, inspection_id)
            withdrawn.forget(self._store, inspection_id)  # its answers never change again
        return self.get(inspection_id)


    def _problems(self, state: InspectionState) -> list[str]:
        if state.locked:
            return []
        values = {k: a.value for k, a in state.answers.items()}
        photos = {item_id: len(h.photo_shas) for item_id, h in state.hazards.items()}
        return completion_problems(state.checklist, values, photos, signature_valid=state.signature_valid,
                                   hide_methods=self._device.office.hidden_methods(),
                                   hazard_texts={k: h.description for k, h in state.hazards.items()})


def _questions(visible: list[Item]) -> list[Item]:
    """The visible items an inspector answers (a computed item is worked out, not answered)."""
    return [item for item in visible if item.computed is None]


def _record_hash(inspection: Inspection, answers: dict[str, Answer], hazards: list[Hazard]) -> str:
    """The hash the representative's signature is bound to (the server rebuilds the same)."""
    return signed_hash(signed_record(
        inspection.model_dump(), [a.model_dump() for a in answers.values()], [h.model_dump() for h in hazards]))


def _signature_valid(inspection: Inspection, answers: dict[str, Answer], hazards: list[Hazard]) -> bool:
    if inspection.signed_hash is None:
        return False
    return inspection.signed_hash == _record_hash(inspection, answers, hazards)
