"""Signing off an inspection: what is still missing, the summary with its 红黄蓝 rating, the
representative's signature, and completion (after which the record is read-only)."""

from __future__ import annotations

from collections import Counter

from app.domain.clock import local_day
from app.domain.completion import completion_problems
from app.domain.errors import CompletionRefused, InspectionLocked, InvalidAnswer
from app.domain.models import Inspection
from app.domain.rating import HazardFacts, RatingResult, rate, repeated_item_ids
from app.domain.vocab import RECORD, WARNING
from app.store import hazards as hazard_store
from app.store import inspections as inspection_store
from app.store import withdrawn

from .base import Service
from .inspection_state import InspectionState, Summary, record_hash
from .raised import COMBINATION

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Signoff(Service):
    """``device.signoff``: for an inspection the ``device.inspections`` ran."""

    def problems(self, inspection_id: str) -> list[str]:
        """Why the inspection cannot be completed yet, in Chinese; empty when it can."""
        return self._problems(self._device.inspections.state(inspection_id))

    def summary(self, inspection_id: str) -> Summary:
        """Answered items, hazards by severity, the 红黄蓝 rating (the office's rules where it set
        some) and the 预警 / 记录并报告 findings, which are listed but never rated."""
        state = self._device.inspections.state(inspection_id)
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
        state = self._device.inspections.state(inspection_id)
        if state.locked:
            raise InspectionLocked(inspection_id)
        digest = record_hash(state.inspection, state.answers, state.all_hazards)
        inspection_store.save_signature(self._store, inspection_id, signer_name, png, digest)

    def signature_png(self, inspection_id: str) -> bytes | None:
        return inspection_store.signature_png(self._store, inspection_id)

    def complete(self, inspection_id: str) -> Inspection:
        """Close the inspection: it becomes read-only; its hazards move on in the ledger.

        :raises CompletionRefused: listing what is missing, in Chinese.
        :raises InspectionLocked: already completed.
        """
        state = self._device.inspections.state(inspection_id)
        if state.locked:
            raise InspectionLocked(inspection_id)
        problems = self._problems(state)
        if problems:
            raise CompletionRefused(inspection_id, problems)
        with self._store.atomic():
            inspection_store.mark_completed(self._store, inspection_id)
            withdrawn.forget(self._store, inspection_id)  # its answers never change again
        return self._device.inspections.get(inspection_id)

    def _problems(self, state: InspectionState) -> list[str]:
        if state.locked:
            return []
        values = {k: a.value for k, a in state.answers.items()}
        photos = {item_id: len(h.photo_shas) for item_id, h in state.hazards.items()}
        return completion_problems(state.checklist, values, photos, signature_valid=state.signature_valid,
                                   hide_methods=self._device.office.hidden_methods(),
                                   hazard_texts={k: h.description for k, h in state.hazards.items()})
