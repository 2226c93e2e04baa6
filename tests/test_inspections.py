"""Inspection flow through the device: answers persist at once, skip logic, hazards, completion."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from app.services import CompletionRefused, HazardEdit, InspectionLocked, InvalidAnswer
from app.store import DB_FILE
from tests.factories import TODAY, jpeg_bytes, png_bytes


def _db(device) -> sqlite3.Connection:
    return sqlite3.connect(device.data_dir / DB_FILE)


def test_answer_is_on_disk_with_its_change_row_before_returning(device, site):
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "A3", "3", note="主卧")
    with _db(device) as other:  # a second connection sees the commit
        value, note = other.execute("SELECT value, note FROM answers WHERE item_id = 'A3'").fetchone()
        changes = other.execute("SELECT op FROM changes WHERE entity = 'answer'").fetchall()
    assert (value, note) == ("3.0", "主卧")
    assert changes == [("update",)]


def test_resume_returns_the_same_draft_and_position(device, site):
    first = device.inspections.start(site.id, "sample")
    device.inspections.answer(first.id, "A1", "否")
    device.inspections.set_position(first.id, "A3")
    again = device.inspections.start(site.id, "sample")
    assert again.id == first.id
    assert again.current_item_id == "A3"
    assert [d.inspection_id for d in device.inspections.drafts()] == [first.id]
    assert device.inspections.drafts()[0].answered == 1


def test_invalid_answer_is_refused_and_keeps_the_previous_one(device, site):
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "A3", 2)
    with pytest.raises(InvalidAnswer) as caught:
        device.inspections.answer(inspection.id, "A3", "两个")
    assert "请输入数字" in caught.value.message
    with pytest.raises(InvalidAnswer) as caught:
        device.inspections.answer(inspection.id, "A3", 51)
    assert "不能大于 50人" in caught.value.message
    assert device.inspections.state(inspection.id).answers["A3"].value == 2.0


def test_hazard_answer_raises_hazard_with_checklist_defaults(device, site):
    inspection = device.inspections.start(site.id, "sample")
    state = device.inspections.answer(inspection.id, "A2", "是")
    hazard = state.hazards["A2"]
    assert hazard.severity == "重大" and hazard.status == "待整改"
    assert hazard.deadline == date(2026, 12, 29)  # 重大: 30 days by default
    assert "彩钢夹芯板" in hazard.description
    state = device.inspections.answer(inspection.id, "A1", "是")
    assert state.hazards["A1"].requirement == "清除堆放物品"
    assert state.hazards["A1"].deadline == date(2026, 12, 6)


def test_parameter_threshold_decides_hazard(device, site):
    inspection = device.inspections.start(site.id, "sample")
    assert "A3" not in device.inspections.answer(inspection.id, "A3", 2).hazards
    assert "A3" in device.inspections.answer(inspection.id, "A3", 3).hazards


def test_corrected_answer_withdraws_its_hazard_without_duplicates(device, site):
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "A1", "是")
    device.inspections.answer(inspection.id, "A1", "是")
    assert len(device.hazards.ledger()) == 1
    state = device.inspections.answer(inspection.id, "A1", "否")
    assert state.hazards == {} and device.hazards.ledger() == []


def test_skip_logic_shows_follow_up_only_when_condition_holds(device, site):
    inspection = device.inspections.start(site.id, "sample")
    state = device.inspections.state(inspection.id)
    assert "B2" not in [i.id for i in state.visible]
    state = device.inspections.answer(inspection.id, "B1", "是")
    assert "B2" in [i.id for i in state.visible]
    state = device.inspections.answer(inspection.id, "B2", ["灭火器"])
    assert "B2" in state.hazards
    # Changing the condition hides B2 and withdraws the hazard it raised.
    state = device.inspections.answer(inspection.id, "B1", "否")
    assert "B2" not in [i.id for i in state.visible]
    assert "B2" not in state.hazards and "B1" in state.hazards


def test_date_rule_uses_the_inspection_day(device, site):
    inspection = device.inspections.start(site.id, "sample")
    assert "B3" not in device.inspections.answer(inspection.id, "B3", "2026-09-01").hazards  # 89 days
    assert "B3" in device.inspections.answer(inspection.id, "B3", "2026-08-30").hazards  # 91 days


def _answer_all(device, inspection_id, a1="是"):
    for item, value in [("A1", a1), ("A2", "否"), ("A3", 2), ("B1", "否"), ("B3", "2026-11-20")]:
        state = device.inspections.answer(inspection_id, item, value)
    return state


def test_completion_refused_until_answers_photo_and_signature(device, site):
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "A1", "是")
    with pytest.raises(CompletionRefused) as caught:
        device.signoff.complete(inspection.id)
    problems = caught.value.problems
    # items by their number on screen, the hazard by its description: no checklist ids
    assert problems[0].startswith("还有 4 项未回答：第 2、3、4、5 题")
    hazard_text = device.inspections.state(inspection.id).hazards["A1"].description
    assert f"隐患“{hazard_text}”需要至少一张照片" in problems
    assert any("签名" in p for p in problems)
    state = _answer_all(device, inspection.id)
    device.evidence.add_to_hazard(state.hazards["A1"].id, jpeg_bytes())
    assert device.signoff.problems(inspection.id) == ["需要现场负责人签名（签名后如有修改需重新签名）"]
    device.signoff.sign(inspection.id, signer_name="王建国", png=png_bytes())
    done = device.signoff.complete(inspection.id)
    assert done.status == "completed" and done.finished_at is not None
    assert done.signer_name == "王建国"


def test_signature_is_void_after_a_change(device, site):
    inspection = device.inspections.start(site.id, "sample")
    _answer_all(device, inspection.id, a1="否")
    device.signoff.sign(inspection.id, signer_name="王建国", png=png_bytes())
    assert device.signoff.problems(inspection.id) == []
    device.inspections.answer(inspection.id, "A3", 1)
    assert device.signoff.problems(inspection.id) == ["需要现场负责人签名（签名后如有修改需重新签名）"]
    with pytest.raises(CompletionRefused):
        device.signoff.complete(inspection.id)


def test_completed_inspection_is_read_only(device, site):
    inspection = device.inspections.start(site.id, "sample")
    _answer_all(device, inspection.id, a1="否")
    device.signoff.sign(inspection.id, signer_name="王建国", png=png_bytes())
    device.signoff.complete(inspection.id)
    with pytest.raises(InspectionLocked):
        device.inspections.answer(inspection.id, "A1", "是")
    with pytest.raises(InspectionLocked):
        device.signoff.sign(inspection.id, signer_name="别人", png=png_bytes())
    assert device.inspections.state(inspection.id).answers["A1"].value == "否"
    # A new inspection of the same site starts fresh.
    assert device.inspections.start(site.id, "sample").id != inspection.id


def test_signature_needs_name_and_png(device, site):
    inspection = device.inspections.start(site.id, "sample")
    with pytest.raises(InvalidAnswer):
        device.signoff.sign(inspection.id, signer_name=" ", png=png_bytes())
    with pytest.raises(InvalidAnswer):
        device.signoff.sign(inspection.id, signer_name="王建国", png=b"GIF89a")


@pytest.mark.parametrize("answers,colour", [
    ({"A1": "否", "A2": "否"}, "蓝"),   # no hazard
    ({"A1": "是", "A2": "否"}, "黄"),   # 一般 hazard under rectification
    ({"A1": "是", "A2": "是"}, "红"),   # a 疑似重大 hazard
])
def test_red_yellow_blue_rating(device, site, answers, colour):
    inspection = device.inspections.start(site.id, "sample")
    for item, value in answers.items():
        device.inspections.answer(inspection.id, item, value)
    assert device.signoff.summary(inspection.id).rating.colour == colour


def test_rating_turns_red_when_overdue_and_blue_once_closed(device, site, calendar):
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    calendar.today = date(2026, 12, 7)
    assert device.signoff.summary(inspection.id).rating.label == "红（逾期）"
    device.hazards.transition(hazard.id, "待复查")
    device.reviews.record(hazard.id, reviewer="张三", passed=True, photos=[jpeg_bytes()])
    assert device.signoff.summary(inspection.id).rating.colour == "蓝"


def test_summary_counts_by_severity_label_naming_who_determines_a_major_one(device, site):
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "A1", "是")
    device.inspections.answer(inspection.id, "A2", "是")
    summary = device.signoff.summary(inspection.id)
    # the sample checklist's hazards are determined by the fire service (its default authority)
    assert summary.hazards_by_severity == {"一般隐患": 1, "疑似重大隐患（需消防救援机构认定）": 1}
    assert (summary.answered, summary.total) == (2, 5)


def test_checklist_must_fit_site_kind(device):
    other = device.sites.create(name="星港大厦", kind="高层公共建筑")
    with pytest.raises(InvalidAnswer):
        device.inspections.start(other.id, "sample")
    assert device.inspections.checklists_for("高层公共建筑") == []


def test_hazard_fields_persist_each_edit(device, site):
    inspection = device.inspections.start(site.id, "sample")
    hazard = device.inspections.answer(inspection.id, "A1", "是").hazards["A1"]
    device.hazards.edit(hazard.id, HazardEdit(location="3 号楼 2 单元一层楼梯间"))
    device.hazards.edit(hazard.id, HazardEdit(rect_unit="物业公司", deadline="2026-12-20"))
    row = device.hazards.get(hazard.id)
    assert (row.location, row.rect_unit, row.deadline) == ("3 号楼 2 单元一层楼梯间", "物业公司", date(2026, 12, 20))
    with pytest.raises(InvalidAnswer):
        device.hazards.edit(hazard.id, HazardEdit(deadline="下周"))
    with pytest.raises(InvalidAnswer):
        device.hazards.edit(hazard.id, HazardEdit(severity="特大"))
    assert device.hazards.get(hazard.id).deadline == date(2026, 12, 20)


def test_manual_hazard(device, site):
    row = device.hazards.create(site_id=site.id, description="楼道内飞线充电", location="2 楼")
    assert row.source == "manual" and row.status == "待整改" and row.deadline == date(2026, 12, 6)


def test_settings_persist_and_reject_bad_values(device):
    device.settings.update(inspector_name="李四", photo_quality=70)
    assert device.settings.current().inspector_name == "李四"
    with pytest.raises(InvalidAnswer):
        device.settings.update(photo_quality=5)
    assert device.settings.current().photo_quality == 70
    assert device.settings.current().text_scale == 1.0


def test_sync_status_counts_every_change(device, site):
    before = device.sync.status().pending
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "A1", "是")  # answer + auto hazard
    status = device.sync.status()
    assert status.pending == before + 3
    assert status.last_sync_at is None


def test_ids_are_time_ordered_uuids(device):
    from app.store.ids import new_id

    ids = [new_id() for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == 2000
    assert all(i[14] == "7" for i in ids)


def test_today_is_fixed_for_tests(device):
    assert device.today() == TODAY


def test_shipped_checklists_load_and_versions_never_go_down(tmp_path):
    from app.services import open_device
    from app.store.settings import put_setting

    device = open_device(tmp_path / "d")
    assert {c.id for c in device.catalog.all()} == {"lifeline", "group_rental", "highrise", "hw_storage"}
    assert device.catalog.errors == []
    put_setting(device.store, "checklist_versions", {"lifeline": 99})  # as if a newer app had run
    device.close()
    device = open_device(tmp_path / "d")
    assert not device.catalog.has("lifeline")
    assert "version went down" in str(device.catalog.errors[0])
    assert {c.id for c in device.inspections.checklists_for("群租房")} == {"group_rental"}
    device.close()


def test_hand_recorded_hazard_counts_in_summary_rating_and_signature(device, site):
    inspection = device.inspections.start(site.id, "sample")
    _answer_all(device, inspection.id, a1="否")
    device.signoff.sign(inspection.id, signer_name="王建国", png=png_bytes())
    assert device.signoff.summary(inspection.id).rating.colour == "黄"  # B1 否 is a 一般 hazard
    device.hazards.create(site_id=site.id, inspection_id=inspection.id, description="楼道飞线充电",
                           severity="重大")
    state = device.inspections.state(inspection.id)
    assert [h.description for h in state.other_hazards] == ["楼道飞线充电"]
    summary = device.signoff.summary(inspection.id)
    assert summary.rating.colour == "红"
    # a hand-recorded hazard names no authority: the app cannot know who determines it
    assert summary.hazards_by_severity == {"一般隐患": 1, "疑似重大隐患（需主管部门认定）": 1}
    # The record changed after signing: the signature no longer covers it.
    assert not state.signature_valid


def test_photo_item_answer_holds_its_photos(tmp_path):
    import copy

    from app.services import open_device
    from checklists import Checklist
    from tests.factories import SAMPLE

    raw = copy.deepcopy(SAMPLE)
    raw["sections"][1]["items"].append({
        "id": "P1", "question": "拍摄逃生器材配置情况", "kind": "photo", "informational": True,
        "status": "seed", "basis": raw["sections"][0]["items"][0]["basis"]})
    device = open_device(tmp_path / "p", checklists={"sample": Checklist.model_validate(raw)})
    site = device.sites.create(name="某群租房", kind="群租房")
    inspection = device.inspections.start(site.id, "sample")
    first = device.evidence.add_to_answer(inspection.id, "P1", jpeg_bytes(colour=(1, 2, 3)))
    second = device.evidence.add_to_answer(inspection.id, "P1", jpeg_bytes(colour=(200, 2, 3)))
    assert device.inspections.state(inspection.id).answers["P1"].value == [first, second]
    assert device.evidence.add_to_answer(inspection.id, "P1", jpeg_bytes(colour=(1, 2, 3))) == first  # no duplicate
    assert device.inspections.state(inspection.id).answers["P1"].value == [first, second]
    with pytest.raises(InvalidAnswer):
        device.evidence.add_to_answer(inspection.id, "A1", jpeg_bytes())
    device.close()


def test_draft_progress_counts_visible_items(device, site):
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "B1", "否")
    (draft,) = device.inspections.drafts()
    assert (draft.answered, draft.total) == (1, 5)  # B2 hidden while B1 is 否
    device.inspections.answer(inspection.id, "B1", "是")
    assert device.inspections.drafts()[0].total == 6


def test_changing_an_answer_keeps_its_note_unless_a_new_one_is_given(device, site):
    inspection = device.inspections.start(site.id, "sample")
    device.inspections.answer(inspection.id, "A3", 1, note="主卧 1 人")
    assert device.inspections.answer(inspection.id, "A3", 2).answers["A3"].note == "主卧 1 人"
    assert device.inspections.answer(inspection.id, "A3", 2, note="").answers["A3"].note == ""
