"""隐患 hazards: the ledger, hand-recorded hazards, edits and the lifecycle (复查: ``reviews.py``)."""

from __future__ import annotations

from datetime import date

from app.domain import lifecycle
from app.domain.clock import parse_day
from app.domain.closing import check_deadline
from app.domain.errors import InspectionLocked, InvalidAnswer
from app.domain.lifecycle import IllegalTransition
from app.domain.models import FindingRow, Hazard, HazardEdit, HazardRow, LedgerFilter
from app.domain.vocab import CLOSED, GENERAL, HAZARD_FIELDS, SEVERITIES
from app.store import findings as finding_store
from app.store import hazards as hazard_store

from .base import Service
from .inspection_state import hazard_severity_text


class Hazards(Service):
    """``device.hazards``."""

    def ledger(
        self, filters: LedgerFilter = LedgerFilter(), *, limit: int = 200, offset: int = 0
    ) -> list[HazardRow]:
        """The 隐患台账: overdue, then open 疑似重大, then other open hazards, each by deadline; 已销号 last."""
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

    def item_question(self, hazard: Hazard) -> str | None:
        """The checklist question a hazard was raised on, e.g. ``疏散楼梯、走道、安全出口是否畅通？``;
        None for a hazard found by hand, a 综合判定 one, or one whose checklist this device lacks."""
        if hazard.source != "checklist" or not hazard.checklist_id or not hazard.item_id:
            return None
        catalog = self._device.catalog
        if not catalog.has(hazard.checklist_id):
            return None
        try:
            return catalog.get(hazard.checklist_id).item(hazard.item_id).question
        except KeyError:
            return None

    def get(self, hazard_id: str) -> HazardRow:
        """:raises NotFound: no such hazard."""
        return hazard_store.get_hazard(self._store, hazard_id, self._device.today())

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
        deadline: date | str | None = None,
        photos: list[bytes] | None = None,
    ) -> HazardRow:
        """A hazard raised by hand (现场发现, no checklist item), created only now that the
        inspector saves it, with the photos taken for it.

        :param deadline: a chosen 整改期限 (not before today); None = the severity's default.
        :raises InvalidAnswer: no description, or a deadline that is no date or already past.
        :raises InspectionLocked: ``inspection_id`` is completed.
        :raises PhotoError: a photo is refused (nothing is recorded then).
        """
        if not description.strip():
            raise InvalidAnswer("description", "请填写隐患描述")
        _check_severity(severity)
        site = self._device.sites.get(site_id)
        if inspection_id is not None:
            self._device.inspections.editable(inspection_id)
        today = self._device.today()
        chosen = check_deadline(parse_deadline(deadline), today) if deadline not in (None, "") else None
        evidence = self._device.evidence
        prepared = [evidence.prepare(data, site_name=site.name, item_id="") for data in (photos or [])]
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
                deadline=chosen or lifecycle.default_deadline(severity, today),
            )
            if chosen is not None:
                hazard_store.update_hazard(self._store, hazard_id, deadline_chosen=True)
            for photo in prepared:
                evidence.attach(photo, "hazard", hazard_id)
        return self.get(hazard_id)

    def delete(self, hazard_id: str) -> None:
        """Delete a hazard recorded by hand (现场发现) while its inspection is a draft, with its photo links.

        :raises IllegalTransition: not a hand-recorded hazard (an answer's hazard goes with its answer),
            or not 待整改 any more.
        :raises InspectionLocked: its inspection is completed.
        """
        hazard = self.get(hazard_id)
        if hazard.source != "manual" or hazard.status != lifecycle.PENDING:
            raise IllegalTransition(hazard_id, hazard.status, hazard.status)
        self._check_editable(hazard)
        with self._store.atomic():
            hazard_store.delete_hazard(self._store, hazard_id)

    def edit(self, hazard_id: str, edit: HazardEdit) -> HazardRow:
        """Change 描述/部位/严重度/整改责任单位/整改要求/整改期限; persists at once.

        A default 整改期限 follows a severity change; one the inspector chose stays.

        :raises InvalidAnswer: an empty description, an unknown severity, a deadline that is not a
            date (``日期不存在`` for 2025-02-30) or is before today.
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
            deadline, chosen = check_deadline(parse_deadline(edit.deadline), self._device.today()), True
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


def _check_severity(severity: str) -> None:
    if severity not in SEVERITIES:
        raise InvalidAnswer("severity", "严重程度只能是 一般 或 重大")


def parse_deadline(value: date | str | None) -> date:
    """A 整改期限 as a date; a typed ``"2026-12-20"`` is accepted.

    :raises InvalidAnswer: not a date, or a day no calendar has (``日期不存在``).
    """
    return parse_day(value, "deadline", HAZARD_FIELDS["deadline"])
