"""Issue 12's rules below the screens, on a real device store: findings are never lost or faked
(withdrawing a written-up hazard needs a yes and gives its details back; a hand-recorded hazard
exists once saved and can be deleted while the inspection is a draft), the closing rules, dates
that do not exist or lie ahead, phone numbers, the ledger's order and the site search."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.services import (
    HazardEdit,
    HazardUnderway,
    IllegalTransition,
    InvalidAnswer,
    LedgerFilter,
    ReviewRefused,
    WithdrawalNeedsConfirm,
)
from app.store.settings import put_setting
from tests.factories import TODAY, jpeg_bytes


def a_hazard(device, site, *, severity: str = "一般"):
    inspection = device.inspections.start(site.id, "sample")
    item = "A2" if severity == "重大" else "A1"
    return inspection, device.inspections.answer(inspection.id, item, "是").hazards[item]


# --- 1. a written-up hazard is not withdrawn silently, and comes back with its details ---------

def test_changing_an_answer_asks_before_withdrawing_a_written_up_hazard(device, site):
    inspection, hazard = a_hazard(device, site)
    device.hazards.edit(hazard.id, HazardEdit(location="东门入口处", rect_unit="荷花池物业"))
    sha = device.evidence.add_to_hazard(hazard.id, jpeg_bytes())
    with pytest.raises(WithdrawalNeedsConfirm) as caught:
        device.inspections.answer(inspection.id, "A1", "否")
    assert hazard.description in caught.value.message
    state = device.inspections.state(inspection.id)
    assert state.answers["A1"].value == "是" and state.hazards["A1"].id == hazard.id  # nothing changed

    assert "A1" not in device.inspections.answer(inspection.id, "A1", "否", withdraw=True).hazards
    back = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    assert (back.location, back.rect_unit, back.photo_shas) == ("东门入口处", "荷花池物业", [sha])


def test_a_hazard_nobody_wrote_up_follows_its_answer_without_a_question(device, site):
    inspection, _ = a_hazard(device, site)
    assert "A1" not in device.inspections.answer(inspection.id, "A1", "否").hazards


def test_a_chosen_deadline_and_a_rewritten_description_come_back_too(device, site):
    inspection, hazard = a_hazard(device, site)
    deadline = TODAY + timedelta(days=3)
    device.hazards.edit(hazard.id, HazardEdit(description="一楼楼梯间堆放纸箱", deadline=deadline.isoformat()))
    device.inspections.answer(inspection.id, "A1", "否", withdraw=True)
    back = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    assert (back.description, back.deadline, back.deadline_chosen) == ("一楼楼梯间堆放纸箱", deadline, True)


def test_an_answer_cannot_withdraw_a_hazard_already_in_rectification_or_reviewed(device, site):
    inspection, hazard = a_hazard(device, site)
    device.hazards.transition(hazard.id, "待复查")  # 当场整改
    device.reviews.record(hazard.id, reviewer="李四", passed=False, note="仍有杂物堆放")
    for withdraw in (False, True):
        with pytest.raises(HazardUnderway) as caught:
            device.inspections.answer(inspection.id, "A1", "否", withdraw=withdraw)
        assert hazard.description in caught.value.message and "整改" in caught.value.message
    state = device.inspections.state(inspection.id)
    assert state.answers["A1"].value == "是" and state.hazards["A1"].status == "整改中"
    assert len(device.reviews.of(hazard.id)) == 1


# --- 2. a hand-recorded hazard: created on save, deletable in a draft --------------------------

def test_a_hand_recorded_hazard_is_created_with_its_photo_and_can_be_deleted_in_a_draft(device, site):
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.hazards.create(site_id=site.id, inspection_id=inspection.id, description="配电箱门缺失",
                                   photos=[jpeg_bytes()])
    assert len(hazard.photo_shas) == 1
    assert [h.id for h in device.inspections.state(inspection.id).other_hazards] == [hazard.id]
    device.hazards.delete(hazard.id)
    assert device.inspections.state(inspection.id).other_hazards == []
    assert device.hazards.ledger() == []


def test_an_answers_hazard_is_not_deleted_by_hand(device, site):
    _, hazard = a_hazard(device, site)
    with pytest.raises(IllegalTransition):
        device.hazards.delete(hazard.id)


# --- 3. closing rules -----------------------------------------------------------------------------

def to_review(device, hazard_id: str) -> None:
    device.hazards.transition(hazard_id, "待复查")


def test_a_pass_needs_a_photo_and_a_fail_needs_a_reason(device, site):
    _, hazard = a_hazard(device, site)
    to_review(device, hazard.id)
    with pytest.raises(ReviewRefused, match="复查合格需要至少一张复查照片"):
        device.reviews.record(hazard.id, reviewer="张三", passed=True)
    with pytest.raises(ReviewRefused, match="复查不合格请填写复查意见"):
        device.reviews.record(hazard.id, reviewer="张三", passed=False, note="  ")
    assert device.reviews.of(hazard.id) == []
    assert device.reviews.record(hazard.id, reviewer="张三", passed=False, note="仍有纸箱").status == "整改中"


def test_the_finder_of_a_suspected_major_hazard_cannot_close_it_whatever_name_is_typed(device, site):
    device.settings.update(inspector_name="张三", inspector_id="WG-0007")
    _, hazard = a_hazard(device, site, severity="重大")
    to_review(device, hazard.id)
    with pytest.raises(ReviewRefused, match="不能由发现人本人复查销号"):
        device.reviews.record(hazard.id, reviewer="李四", passed=True, photos=[jpeg_bytes()])
    # signed in under another account, the number in 设置 still says who holds the device
    put_setting(device.store, "sync.credentials", {"server": "https://x", "user": "lisi", "token": "t"})
    with pytest.raises(ReviewRefused):
        device.reviews.record(hazard.id, reviewer="李四", passed=True, photos=[jpeg_bytes()])
    device.settings.update(inspector_id="WG-0008")
    closed = device.reviews.record(hazard.id, reviewer="李四", passed=True, photos=[jpeg_bytes()])
    assert closed.status == "已销号"


def test_an_inspection_records_the_signed_in_user_when_no_number_is_set(device, site):
    put_setting(device.store, "sync.credentials", {"server": "https://x", "user": "wangfang", "token": "t"})
    assert device.inspections.start(site.id, "sample").inspector_id == "wangfang"


def test_a_deadline_in_the_past_or_on_a_day_that_does_not_exist_is_refused(device, site):
    _, hazard = a_hazard(device, site)
    with pytest.raises(InvalidAnswer, match="整改期限不能早于今天"):
        device.hazards.edit(hazard.id, HazardEdit(deadline=(TODAY - timedelta(days=1)).isoformat()))
    with pytest.raises(InvalidAnswer, match="日期不存在：2027年2月30日"):
        device.hazards.edit(hazard.id, HazardEdit(deadline="2027-02-30"))
    assert device.hazards.edit(hazard.id, HazardEdit(deadline=TODAY.isoformat())).deadline == TODAY


def test_past_records_are_recorded_on_their_own_day(device, site):
    """Demo data and paper records are seeded as past records: "today" is their day."""
    past = device.as_of(TODAY - timedelta(days=40))
    inspection = past.inspections.start(site.id, "sample")
    hazard = past.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    past.hazards.edit(hazard.id, HazardEdit(deadline=(TODAY - timedelta(days=35)).isoformat()))
    assert device.hazards.get(hazard.id).overdue


def test_a_future_date_answer_is_refused(device, site):
    inspection = device.inspections.start(site.id, "sample")
    with pytest.raises(InvalidAnswer, match="日期不能晚于今天"):
        device.inspections.answer(inspection.id, "B3", (TODAY + timedelta(days=1)).isoformat())


# --- 21. phone numbers ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("13812345678", "13812345678"), ("138 1234 5678", "13812345678"), ("+86 13812345678", "13812345678"),
    ("0519-86681234", "0519-86681234"), ("051986681234", "051986681234"), ("010-62345678", "010-62345678"),
    ("0519-86681234-802", "0519-86681234-802"), ("１３８１２３４５６７８", "13812345678"), ("", ""),
])
def test_a_phone_number_is_a_mobile_or_a_landline_with_its_area_code(device, typed, stored):
    site = device.sites.create(name="荷花池 3 号", kind="群租房", contact_phone=typed)
    assert site.contact_phone == stored


@pytest.mark.parametrize("typed", ["1381234567", "23812345678", "86681234", "0519-123", "电话", "12345678901"])
def test_a_number_that_is_neither_is_refused(device, typed):
    with pytest.raises(InvalidAnswer, match="11 位手机号"):
        device.sites.create(name="荷花池 3 号", kind="群租房", contact_phone=typed)


# --- 17. the ledger's order -------------------------------------------------------------------

def test_the_ledger_lists_overdue_then_suspected_major_then_by_deadline_and_closed_last(device, site, calendar):
    def hazard(description: str, *, severity: str = "一般", days: int = 7):
        return device.hazards.create(site_id=site.id, description=description, severity=severity,
                                     deadline=(TODAY + timedelta(days=days)).isoformat()).id

    closed = hazard("已销号的", days=1)
    device.hazards.transition(closed, "待复查")
    device.reviews.record(closed, reviewer="张三", passed=True, photos=[jpeg_bytes()])
    soon = hazard("一般，三天后到期", days=3)
    overdue = hazard("一般，明天到期", days=1)
    major = hazard("疑似重大，二十天后到期", severity="重大", days=20)
    later = hazard("一般，十天后到期", days=10)
    calendar.today = TODAY + timedelta(days=2)  # the first one is overdue now
    assert [h.id for h in device.hazards.ledger()] == [overdue, major, soon, later, closed]
    assert [h.id for h in device.hazards.ledger(LedgerFilter(overdue=False))] == [major, soon, later, closed]


# --- 19. site search ------------------------------------------------------------------------------

def test_a_site_is_found_by_its_kind_and_by_two_words(device):
    waste = device.sites.create(name="某环保科技有限公司", address="钟楼区邹区镇工业集中区 5 号", kind="危废经营单位")
    device.sites.create(name="邹区镇 8 号出租屋", address="钟楼区邹区镇", kind="群租房")
    device.sites.create(name="五星街道危废间", address="钟楼区五星街道", kind="危废产生单位")
    assert [s.id for s in device.sites.search("邹区镇 危废")] == [waste.id]
    assert [s.id for s in device.sites.search("邹区镇\u3000危废")] == [waste.id]  # a full-width space
    assert {s.kind for s in device.sites.search("危废")} == {"危废经营单位", "危废产生单位"}
    assert [s.name for s in device.sites.search("群租")] == ["邹区镇 8 号出租屋"]

