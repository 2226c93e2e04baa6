"""Hazard lifecycle: each legal step and each illegal one, through the services."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain import lifecycle
from app.domain.lifecycle import (AWAITING_REVIEW, CLOSED, PENDING, RECTIFYING, STATUSES,
                                  IllegalTransition, check_transition, is_overdue)
from app.services import InspectionLocked, InvalidAnswer


@pytest.mark.parametrize("frm,to", list(lifecycle.TRANSITIONS))
def test_every_legal_transition_is_allowed(frm, to):
    assert check_transition("h1", frm, to)


ILLEGAL = [(f, t) for f in STATUSES for t in STATUSES if (f, t) not in lifecycle.TRANSITIONS]


@pytest.mark.parametrize("frm,to", ILLEGAL)
def test_every_illegal_transition_is_refused_with_chinese_message(frm, to):
    with pytest.raises(IllegalTransition) as caught:
        check_transition("h1", frm, to)
    assert f"当前为“{frm}”" in caught.value.message
    assert f"不能直接改为“{to}”" in caught.value.message


def test_closed_hazard_message_says_it_is_final():
    with pytest.raises(IllegalTransition) as caught:
        check_transition("h1", CLOSED, PENDING)
    assert "已销号" in caught.value.message


def test_overdue_is_derived_from_deadline_and_status():
    assert is_overdue(PENDING, date(2026, 11, 1), date(2026, 11, 2))
    assert not is_overdue(PENDING, date(2026, 11, 2), date(2026, 11, 2))
    assert not is_overdue(CLOSED, date(2026, 1, 1), date(2026, 11, 2))


def _hazard(services, site):
    inspection = services.start_inspection(site.id, "sample")
    state = services.answer(inspection.id, "A1", "是")
    return inspection, state.hazards["A1"]


def test_full_lifecycle_through_review(services, site):
    _, hazard = _hazard(services, site)
    assert hazard.status == PENDING
    assert services.transition(hazard.id, RECTIFYING).status == RECTIFYING
    assert services.transition(hazard.id, AWAITING_REVIEW).status == AWAITING_REVIEW
    failed = services.record_review(hazard.id, reviewer="张三", passed=False, note="仍有堆物")
    assert failed.status == RECTIFYING and failed.closed_at is None
    services.transition(hazard.id, AWAITING_REVIEW)
    closed = services.record_review(hazard.id, reviewer="张三", passed=True, note="已清理")
    assert closed.status == CLOSED and closed.closed_at is not None
    reviews = services.reviews(hazard.id)
    assert [r.passed for r in reviews] == [False, True]
    assert reviews[1].reviewer == "张三"


def test_on_the_spot_fix_goes_straight_to_review(services, site):
    _, hazard = _hazard(services, site)
    assert services.transition(hazard.id, AWAITING_REVIEW).status == AWAITING_REVIEW


def test_closing_without_a_review_is_refused(services, site):
    _, hazard = _hazard(services, site)
    services.transition(hazard.id, AWAITING_REVIEW)
    with pytest.raises(IllegalTransition):
        services.transition(hazard.id, CLOSED)
    assert services.hazard(hazard.id).status == AWAITING_REVIEW


def test_review_before_rectification_is_refused(services, site):
    _, hazard = _hazard(services, site)
    with pytest.raises(IllegalTransition) as caught:
        services.record_review(hazard.id, reviewer="张三", passed=True)
    assert "待整改" in caught.value.message
    assert services.reviews(hazard.id) == []


def test_closed_hazard_cannot_move_or_take_photos(services, site):
    _, hazard = _hazard(services, site)
    services.transition(hazard.id, AWAITING_REVIEW)
    services.record_review(hazard.id, reviewer="张三", passed=True)
    for status in (PENDING, RECTIFYING, AWAITING_REVIEW):
        with pytest.raises(IllegalTransition):
            services.transition(hazard.id, status)


def test_overdue_hazards_list_first_in_ledger(services, site):
    inspection, first = _hazard(services, site)
    services.clock["today"] = date(2026, 12, 1)
    state = services.answer(inspection.id, "A2", "是")
    later = state.hazards["A2"]
    services.clock["today"] = date(2026, 12, 10)  # A1 deadline 12-06 passed, A2 (重大, 30 days) not
    rows = services.hazards()
    assert [r.id for r in rows] == [first.id, later.id]
    assert rows[0].overdue and not rows[1].overdue
    assert [r.id for r in services.hazards(overdue=True)] == [first.id]


def test_completed_inspection_hazard_fields_are_fixed_but_lifecycle_moves(services, site):
    from tests.conftest import jpeg_bytes

    inspection = services.start_inspection(site.id, "sample")
    for item, value in [("A1", "是"), ("A2", "否"), ("A3", 2), ("B1", "否"), ("B3", "2026-11-20")]:
        state = services.answer(inspection.id, item, value)
    hazard = state.hazards["A1"]
    services.add_hazard_photo(hazard.id, jpeg_bytes())
    services.sign(inspection.id, signer_name="王建国", png=_png())
    services.complete(inspection.id)
    with pytest.raises(InspectionLocked):
        services.update_hazard(hazard.id, requirement="改")
    assert services.transition(hazard.id, RECTIFYING).status == RECTIFYING


def test_reviewer_is_required(services, site):
    _, hazard = _hazard(services, site)
    services.transition(hazard.id, AWAITING_REVIEW)
    with pytest.raises(InvalidAnswer):
        services.record_review(hazard.id, reviewer=" ", passed=True)
    assert services.hazard(hazard.id).status == AWAITING_REVIEW


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (200, 80), 255).save(out, "PNG")
    return out.getvalue()


def test_offered_actions_leave_review_steps_to_the_review(services, site):
    _, hazard = _hazard(services, site)
    assert services.hazard_actions(hazard.id) == [(RECTIFYING, "开始整改"), (AWAITING_REVIEW, "当场整改，申请复查")]
    services.transition(hazard.id, AWAITING_REVIEW)
    assert services.hazard_actions(hazard.id) == []
    assert lifecycle.awaits_review(services.hazard(hazard.id).status)


def test_untouched_deadline_follows_severity_but_a_chosen_one_stays(services, site):
    _, hazard = _hazard(services, site)
    assert services.update_hazard(hazard.id, severity="重大").deadline == date(2026, 12, 29)
    assert services.update_hazard(hazard.id, severity="一般").deadline == date(2026, 12, 6)
    services.update_hazard(hazard.id, deadline="2026-12-10")
    assert services.update_hazard(hazard.id, severity="重大").deadline == date(2026, 12, 10)


def test_editable_until_completed(services, site):
    inspection, hazard = _hazard(services, site)
    assert services.hazard(hazard.id).editable
    assert not services.inspection_state(inspection.id).locked
