"""复查 reviews of a hazard that is 待复查: 合格 closes it (已销号), 不合格 sends it back to 整改中."""

from __future__ import annotations

from app.domain import lifecycle
from app.domain.closing import check_review, identities
from app.domain.errors import InvalidAnswer
from app.domain.models import HazardRow, Review
from app.store import hazards as hazard_store
from app.store.ids import utc_now

from .base import Service
from .identity import current_identities


class Reviews(Service):
    """``device.reviews``."""

    def of(self, hazard_id: str) -> list[Review]:
        """The hazard's reviews, oldest first."""
        return hazard_store.reviews(self._store, hazard_id)

    def record(
        self,
        hazard_id: str,
        *,
        reviewer: str,
        passed: bool,
        note: str = "",
        photos: list[bytes] | None = None,
    ) -> HazardRow:
        """复查: 合格 closes the hazard (已销号), 不合格 sends it back to 整改中, by the closing rules
        (``app.domain.closing``): 合格 with a photo, 不合格 with a reason, and a 疑似重大 hazard
        never closed by whoever found it (compared by identity: the signed-in user and the
        inspector number in 设置, against the inspection's inspector).

        :raises IllegalTransition: the hazard is not 待复查.
        :raises InvalidAnswer: no reviewer.
        :raises ReviewRefused: the closing rules refuse it (nothing is recorded).
        :raises PhotoError: a review photo is refused (nothing is recorded then).
        """
        hazard = self._device.hazards.get(hazard_id)
        target = lifecycle.CLOSED if passed else lifecycle.RECTIFYING
        lifecycle.check_transition(hazard_id, hazard.status, target)
        if not reviewer.strip():
            raise InvalidAnswer("reviewer", "请填写复查人")
        finder = identities(self._device.inspections.get(hazard.inspection_id).inspector_id) \
            if hazard.inspection_id else frozenset()
        check_review(hazard_id, severity=hazard.severity, passed=passed, photos=len(photos or []), note=note,
                     finder=finder, reviewer=self.reviewer_identities())
        evidence = self._device.evidence
        # Process photos first: a refused photo must not leave a half-recorded review.
        prepared = [
            evidence.prepare(data, site_name=hazard.site_name, item_id=hazard.item_id or "")
            for data in (photos or [])
        ]
        with self._store.atomic():
            # The photos are logged before the status: the central endpoint checks the closing
            # rules when the status change arrives, and must see the review's photos by then.
            review_id = hazard_store.insert_review(
                self._store, hazard_id=hazard_id, reviewer=reviewer.strip(), passed=passed, note=note.strip()
            )
            for photo in prepared:
                evidence.attach(photo, "review", review_id)
            hazard_store.update_hazard(
                self._store, hazard_id, status=target, closed_at=utc_now() if passed else None
            )
        return self._device.hazards.get(hazard_id)

    def reviewer_identities(self) -> frozenset[str]:
        """Who would record a 复查 on this device now, e.g. ``{"wangfang", "WG-0007"}``."""
        return current_identities(self._store, self._device.settings.current().inspector_id)
