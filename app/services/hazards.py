"""隐患 hazards: the ledger, hand-recorded hazards, edits, the lifecycle and 复查 reviews."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.domain import lifecycle
from app.domain.errors import InspectionLocked, InvalidAnswer
from app.domain.lifecycle import IllegalTransition
from app.domain.models import FindingRow, Hazard, HazardEdit, HazardRow, LedgerFilter, Review
from app.domain.vocab import CLOSED, GENERAL, SEVERITIES
from app.store import findings as finding_store
from app.store import hazards as hazard_store
from app.store.ids import utc_now

from .base import Service
from .inspections import hazard_severity_text


class Hazards(Service):
    """``device.hazards``."""

    def ledger(
        self, filters: LedgerFilter = LedgerFilter(), *, limit: int = 200, offset: int = 0
    ) -> list[HazardRow]:
        """The 隐患台账: overdue first, then by deadline."""
        return hazard_store.query_hazards(
            self._store, today=self._device.today(), status=filters.status, severity=filters.severity,
            checklist_id=filters.checklist_id, site_id=filters.site_id, grid=filters.grid,
            overdue=filters.overdue, text=filters.text, limit=limit, offset=offset)

    def findings(self, filters: LedgerFilter, *, limit: int = 200, offset: int = 0) -> list[FindingRow]:
        """预警 or 记录并报告 findings (``filters.level``), newest first: listed apart from hazards."""
        return finding_store.query_findings(
            self._store, level=filters.level, checklist_id=filters.checklist_id, site_id=filters.site_id,
            grid=filters.grid, text=filters.text, limit=limit, offset=offset)

    def severity_text(self, hazard: Hazard) -> str:
        """How a hazard's severity reads; a 疑似重大 one names who determines it, e.g.
        ``疑似重大隐患（需住建部门认定）``."""
        catalog = self._device.catalog
        checklist = catalog.get(hazard.checklist_id) if hazard.checklist_id and catalog.has(hazard.checklist_id) \
            else None
        return hazard_severity_text(checklist, hazard)

    def get(self, hazard_id: str) -> HazardRow:
        """:raises NotFound: no such hazard."""
        return hazard_store.get_hazard(self._store, hazard_id, self._device.today())

    def reviews(self, hazard_id: str) -> list[Review]:
        return hazard_store.reviews(self._store, hazard_id)

    def create(
        self,
        *,
        site_id: str,
        description: str,
        severity: str = GENERAL,
        inspection_id: str | None = None,
        location: str = "",
        rect_unit: str = "",
        requirement: str = "",
        deadline: date | None = None,
    ) -> HazardRow:
        """A hazard raised by hand (现场发现, no checklist item).

        :raises InvalidAnswer: no description.
        :raises InspectionLocked: ``inspection_id`` is completed.
        """
        if not description.strip():
            raise InvalidAnswer("description", "请填写隐患描述")
        _check_severity(severity)
        self._device.sites.get(site_id)
        if inspection_id is not None:
            self._device.inspections.editable(inspection_id)
        today = self._device.today()
        with self._store.atomic():
            hazard_id = hazard_store.insert_hazard(
                self._store,
                inspection_id=inspection_id,
                site_id=site_id,
                source="manual",
                description=description.strip(),
                location=location,
                severity=severity,
                status=lifecycle.PENDING,
                rect_unit=rect_unit,
                requirement=requirement,
                deadline=deadline or lifecycle.default_deadline(severity, today),
            )
        return self.get(hazard_id)

    def edit(self, hazard_id: str, edit: HazardEdit) -> HazardRow:
        """Change 描述/部位/严重度/整改责任单位/整改要求/整改期限; persists at once.

        A default 整改期限 follows a severity change; one the inspector chose stays.

        :raises InvalidAnswer: an empty description, an unknown severity, a deadline that is not a date.
        :raises InspectionLocked: the hazard's inspection is signed and completed.
        :raises IllegalTransition: the hazard is closed (已销号).
        """
        current = self.get(hazard_id)
        self._check_editable(current)
        if edit.description is not None and not edit.description.strip():
            raise InvalidAnswer("description", "隐患描述不能为空")
        if edit.severity is not None:
            _check_severity(edit.severity)
        deadline, chosen = None, None
        if edit.deadline is not None:
            deadline, chosen = parse_deadline(edit.deadline), True
        elif edit.severity is not None and edit.severity != current.severity:
            deadline = lifecycle.deadline_after_severity_change(
                current.deadline, current.deadline_chosen, current.severity, edit.severity
            )
        hazard_store.update_hazard(
            self._store, hazard_id, description=edit.description, location=edit.location,
            severity=edit.severity, rect_unit=edit.rect_unit, requirement=edit.requirement,
            deadline=deadline, deadline_chosen=chosen)
        return self.get(hazard_id)

    def _check_editable(self, hazard: HazardRow) -> None:
        if hazard.status == CLOSED:
            raise IllegalTransition(hazard.id, hazard.status, hazard.status)
        if not hazard.editable:
            # The signed record is fixed; after completion only the lifecycle moves on.
            raise InspectionLocked(hazard.inspection_id or hazard.id)

    def actions(self, hazard_id: str) -> list[tuple[str, str]]:
        """Status changes to offer for a hazard: (target status, label such as 开始整改)."""
        return lifecycle.status_actions(self.get(hazard_id).status)

    def transition(self, hazard_id: str, to_status: str) -> HazardRow:
        """Move a hazard along its lifecycle; 已销号 only through a passing 复查 (``review``).

        :raises IllegalTransition: with a Chinese ``message`` listing what is allowed.
        """
        hazard = self.get(hazard_id)
        lifecycle.check_transition(hazard_id, hazard.status, to_status)
        if (hazard.status, to_status) in lifecycle.REVIEW_STEPS:
            # Closing or reopening is what a 复查 decides; it must leave a review record.
            raise IllegalTransition(hazard_id, hazard.status, to_status)
        hazard_store.update_hazard(self._store, hazard_id, status=to_status)
        return self.get(hazard_id)

    def review(
        self,
        hazard_id: str,
        *,
        reviewer: str,
        passed: bool,
        note: str = "",
        photos: list[bytes] | None = None,
    ) -> HazardRow:
        """复查: 合格 closes the hazard (已销号), 不合格 sends it back to 整改中.

        :raises IllegalTransition: the hazard is not 待复查.
        :raises InvalidAnswer: no reviewer.
        :raises PhotoError: a review photo is refused (nothing is recorded then).
        """
        hazard = self.get(hazard_id)
        target = lifecycle.CLOSED if passed else lifecycle.RECTIFYING
        lifecycle.check_transition(hazard_id, hazard.status, target)
        if not reviewer.strip():
            raise InvalidAnswer("reviewer", "请填写复查人")
        evidence = self._device.evidence
        # Process photos first: a refused photo must not leave a half-recorded review.
        prepared = [
            evidence.prepare(data, site_name=hazard.site_name, item_id=hazard.item_id or "")
            for data in (photos or [])
        ]
        with self._store.atomic():
            review_id = hazard_store.insert_review(
                self._store, hazard_id=hazard_id, reviewer=reviewer.strip(), passed=passed, note=note
            )
            hazard_store.update_hazard(
                self._store, hazard_id, status=target, closed_at=utc_now() if passed else None
            )
            for photo in prepared:
                evidence.attach(photo, "review", review_id)
        return self.get(hazard_id)


def _check_severity(severity: str) -> None:
    if severity not in SEVERITIES:
        raise InvalidAnswer("severity", "严重程度只能是 一般 或 重大")


def parse_deadline(value: date | str) -> date:
    """A 整改期限 as a date; a typed ``"2026-12-20"`` is accepted.

    :raises InvalidAnswer: not a date.
    """
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidAnswer("deadline", "整改期限格式应为 年-月-日，如 2026-12-20") from None
