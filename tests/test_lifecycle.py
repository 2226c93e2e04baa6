"""Hazard lifecycle: each legal step and each illegal one, through the device."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain import lifecycle
from app.domain.lifecycle import (
    AWAITING_REVIEW,
    CLOSED,
    PENDING,
    RECTIFYING,
    STATUSES,
    IllegalTransition,
    check_transition,
    is_overdue,
)
from app.services import HazardEdit, InspectionLocked, InvalidAnswer, LedgerFilter
from tests.factories import jpeg_bytes, png_bytes

#: The lifecycle as the campaign plan describes it (整改 → 复查 → 销号), written out here on its
#: own so the test does not check the table against itself.
LIFECYCLE = {
    ("待整改", "整改中"),   # 开始整改
    ("待整改", "待复查"),   # 当场整改 (立查立改), still needs a 复查
    ("整改中", "待复查"),   # 整改完成, 申请复查
    ("待复查", "已销号"),   # 复查合格 → 销号
    ("待复查", "整改中"),   # 复查不合格 → 继续整改
}
ALL_PAIRS = [(f, t) for f in ("待整改", "整改中", "待复查", "已销号") for t in ("待整改", "整改中", "待复查", "已销号")]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LIFECYCLE]


def test_the_lifecycle_knows_exactly_these_statuses():
    assert set(STATUSES) == {"待整改", "整改中", "待复查", "已销号"}


@pytest.mark.parametrize("frm,to", sorted(LIFECYCLE))
def test_every_legal_transition_is_allowed(frm, to):
    assert check_transition("h1", frm, to)


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


def _hazard(device, site):
    inspection = device.inspections.start(site.id, "sample")
    state = device.inspections.answer(inspection.id, "A1", "是")
    return inspection, state.hazards["A1"]


def test_full_lifecycle_through_review(device, site):
    _, hazard = _hazard(device, site)
    assert hazard.status == PENDING
    assert device.hazards.transition(hazard.id, RECTIFYING).status == RECTIFYING
    assert device.hazards.transition(hazard.id, AWAITING_REVIEW).status == AWAITING_REVIEW
    failed = device.reviews.record(hazard.id, reviewer="张三", passed=False, note="仍有堆物")
    assert failed.status == RECTIFYING and failed.closed_at is None
    device.hazards.transition(hazard.id, AWAITING_REVIEW)
    closed = device.reviews.record(hazard.id, reviewer="张三", passed=True, note="已清理", photos=[jpeg_bytes()])
    assert closed.status == CLOSED and closed.closed_at is not None
    reviews = device.reviews.of(hazard.id)
    assert [r.passed for r in reviews] == [False, True]
    assert reviews[1].reviewer == "张三"


def test_on_the_spot_fix_goes_straight_to_review(device, site):
    _, hazard = _hazard(device, site)
    assert device.hazards.transition(hazard.id, AWAITING_REVIEW).status == AWAITING_REVIEW


def test_closing_without_a_review_is_refused(device, site):
    _, hazard = _hazard(device, site)
    device.hazards.transition(hazard.id, AWAITING_REVIEW)
    with pytest.raises(IllegalTransition):
        device.hazards.transition(hazard.id, CLOSED)
    assert device.hazards.get(hazard.id).status == AWAITING_REVIEW


def test_review_before_rectification_is_refused(device, site):
    _, hazard = _hazard(device, site)
    with pytest.raises(IllegalTransition) as caught:
        device.reviews.record(hazard.id, reviewer="张三", passed=True)
    assert "待整改" in caught.value.message
    assert device.reviews.of(hazard.id) == []


def test_closed_hazard_cannot_move_or_take_photos(device, site):
    _, hazard = _hazard(device, site)
    device.hazards.transition(hazard.id, AWAITING_REVIEW)
    device.reviews.record(hazard.id, reviewer="张三", passed=True, photos=[jpeg_bytes()])
    for status in (PENDING, RECTIFYING, AWAITING_REVIEW):
        with pytest.raises(IllegalTransition):
            device.hazards.transition(hazard.id, status)
    with pytest.raises(IllegalTransition):
        device.evidence.add_to_hazard(hazard.id, jpeg_bytes())
    assert device.hazards.get(hazard.id).photo_shas == []
    assert device.store.scalar("SELECT count(*) FROM photos") == 1  # the review's photo only


def test_overdue_hazards_list_first_in_ledger(device, site, calendar):
    inspection, first = _hazard(device, site)
    calendar.today = date(2026, 12, 1)
    state = device.inspections.answer(inspection.id, "A2", "是")
    later = state.hazards["A2"]
    calendar.today = date(2026, 12, 10)  # A1 deadline 12-06 passed, A2 (重大, 30 days) not
    rows = device.hazards.ledger()
    assert [r.id for r in rows] == [first.id, later.id]
    assert rows[0].overdue and not rows[1].overdue
    assert [r.id for r in device.hazards.ledger(LedgerFilter(overdue=True))] == [first.id]


def test_completed_inspection_hazard_fields_are_fixed_but_lifecycle_moves(device, site):
    inspection = device.inspections.start(site.id, "sample")
    for item, value in [("A1", "是"), ("A2", "否"), ("A3", 2), ("B1", "否"), ("B3", "2026-11-20")]:
        state = device.inspections.answer(inspection.id, item, value)
    hazard = state.hazards["A1"]
    device.evidence.add_to_hazard(hazard.id, jpeg_bytes())
    device.signoff.sign(inspection.id, signer_name="王建国", png=png_bytes())
    device.signoff.complete(inspection.id)
    with pytest.raises(InspectionLocked):
        device.hazards.edit(hazard.id, HazardEdit(requirement="改"))
    assert device.hazards.transition(hazard.id, RECTIFYING).status == RECTIFYING


def test_reviewer_is_required(device, site):
    _, hazard = _hazard(device, site)
    device.hazards.transition(hazard.id, AWAITING_REVIEW)
    with pytest.raises(InvalidAnswer):
        device.reviews.record(hazard.id, reviewer=" ", passed=True)
    assert device.hazards.get(hazard.id).status == AWAITING_REVIEW


def test_offered_actions_leave_review_steps_to_the_review(device, site):
    _, hazard = _hazard(device, site)
    assert device.hazards.actions(hazard.id) == [(RECTIFYING, "开始整改"), (AWAITING_REVIEW, "当场整改，申请复查")]
    device.hazards.transition(hazard.id, AWAITING_REVIEW)
    assert device.hazards.actions(hazard.id) == []
    assert lifecycle.awaits_review(device.hazards.get(hazard.id).status)


def test_untouched_deadline_follows_severity_but_a_chosen_one_stays(device, site):
    _, hazard = _hazard(device, site)
    assert device.hazards.edit(hazard.id, HazardEdit(severity="重大")).deadline == date(2026, 12, 29)
    assert device.hazards.edit(hazard.id, HazardEdit(severity="一般")).deadline == date(2026, 12, 6)
    device.hazards.edit(hazard.id, HazardEdit(deadline="2026-12-10"))
    assert device.hazards.edit(hazard.id, HazardEdit(severity="重大")).deadline == date(2026, 12, 10)


def test_hazard_fields_are_editable_until_the_inspection_completes(device, site):
    inspection = device.inspections.start(site.id, "sample")
    for item, value in [("A1", "是"), ("A2", "否"), ("A3", 2), ("B1", "否"), ("B3", "2026-11-20")]:
        state = device.inspections.answer(inspection.id, item, value)
    hazard = state.hazards["A1"]
    device.evidence.add_to_hazard(hazard.id, jpeg_bytes())
    assert device.hazards.get(hazard.id).editable
    assert not device.inspections.state(inspection.id).locked
    device.signoff.sign(inspection.id, signer_name="王建国", png=png_bytes())
    device.signoff.complete(inspection.id)
    assert not device.hazards.get(hazard.id).editable
    assert device.inspections.state(inspection.id).locked
