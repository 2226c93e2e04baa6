"""Checklists v2 on the device: finding texts, prefill, computed ratios, combined rules, exclusive
options, 预警 / 记录并报告 kept apart from hazards, 综合判定 hazards, hidden methods, the office's
decisions and rating — through the services, on a real store."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from app.services import (
    CompletionRefused,
    HazardEdit,
    InspectionLocked,
    InvalidAnswer,
    LedgerFilter,
    toggle_option,
)
from checklists import Checklist
from checklists.schema import check_consistency
from tests.answers import finish_safely
from tests.factories import CROWDED, OTHER, TODAY, V2_SAMPLE, jpeg_bytes

COMBINED = "combination:crowded_evacuation"


def v2_checklist(**changes) -> Checklist:
    checklist = Checklist.model_validate({**V2_SAMPLE, **changes})
    check_consistency(checklist)
    return checklist


@pytest.fixture
def device(tmp_path: Path, calendar):
    from app.services import open_device

    opened = open_device(tmp_path / "data", checklists={"v2": v2_checklist()}, today=calendar)
    yield opened
    opened.close()


@pytest.fixture
def crowded(device):
    return device.sites.create(name="南大街商业步行街", address="钟楼区南大街 1 号", kind="人员密集场所",
                                grid="南大街-06")


def answer(device, inspection_id: str, **values) -> object:
    state = None
    for item_id, value in values.items():
        state = device.inspections.answer(inspection_id, item_id, value)
    return state


def changes_of(device, entity: str) -> list[tuple[str, dict]]:
    return [(r["op"], json.loads(r["payload"])) for r in device.store.rows(
        "SELECT op, payload FROM changes WHERE entity = ? ORDER BY seq", (entity,))]



# --- finding texts, prefill --------------------------------------------------------------------

def test_the_finding_text_is_the_hazards_description_and_its_requirement_the_default(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    hazard = answer(device, inspection.id, M1=["缺防渗", "缺标识"]).hazards["M1"]
    assert hazard.description == "贮存设施缺防渗、缺标识"  # the owner's words, not the question
    assert hazard.requirement == "按要求整改：贮存设施缺少哪些措施"
    assert hazard.source == "checklist"


def test_answers_from_the_site_record_are_saved_as_answers_and_the_inspection_opens_after_them(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    state = device.inspections.state(inspection.id)
    assert {k: a.value for k, a in state.answers.items()} == {"P0": CROWDED, "P1": "钟楼区南大街 1 号"}
    assert inspection.current_item_id == "E1"  # the first item the inspector still has to answer
    assert state.answered == 2
    # they travel like typed answers, and the inspector can change them
    assert {p["item_id"] for op, p in changes_of(device, "answer")} == {"P0", "P1"}
    assert device.inspections.answer(inspection.id, "P0", OTHER).answers["P0"].value == OTHER


def test_a_site_value_the_checklist_does_not_map_leaves_the_item_to_the_inspector(device):
    site = device.sites.create(name="荷花池街道 12 号群租房", kind="群租房")  # no address, kind not mapped
    inspection = device.inspections.start(site.id, "v2")
    assert device.inspections.state(inspection.id).answers == {}
    assert inspection.current_item_id == "P0"


# --- computed answers, combined conditions, exclusive options -------------------------------------

def test_a_computed_ratio_is_shown_raises_its_hazard_and_is_never_asked(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    state = answer(device, inspection.id, T=10, K=4)
    assert state.computed == {"R": 40.0}
    assert state.hazards["R"].description == "防火门损坏率 40%"
    with pytest.raises(InvalidAnswer, match="自动计算"):
        device.inspections.answer(inspection.id, "R", 5)
    assert "R" not in "".join(device.signoff.problems(inspection.id))  # never missing
    assert "R" not in answer(device, inspection.id, K=2).hazards  # 20 %: withdrawn


def test_a_rule_on_two_answers_raises_only_when_both_hold(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    assert "C2" not in answer(device, inspection.id, C1="否", C2="否").hazards  # no pump: nothing to be off
    state = answer(device, inspection.id, C1="是")
    assert state.hazards["C2"].description == "消防水泵未处于自动状态"
    assert "C2" not in answer(device, inspection.id, C2="是").hazards


def test_an_exclusive_option_clears_the_others_and_cannot_be_saved_with_them(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    item = device.inspections.state(inspection.id).checklist.item("M1")
    assert toggle_option(item, ["缺防渗", "缺标识"], "无上述情形") == ["无上述情形"]
    assert toggle_option(item, ["无上述情形"], "缺标识") == ["缺标识"]
    with pytest.raises(InvalidAnswer, match="不能与其他选项同时选择"):
        device.inspections.answer(inspection.id, "M1", ["缺防渗", "无上述情形"])
    with pytest.raises(InvalidAnswer, match="无上述情形"):
        device.inspections.answer(inspection.id, "M1", [])  # "none of these" is an answer to tick
    assert "M1" not in answer(device, inspection.id, M1=["无上述情形"]).hazards


# --- levels below a hazard ----------------------------------------------------------------------

def test_a_warning_is_stored_and_shown_apart_never_a_hazard_nor_rated(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    state = answer(device, inspection.id, W1=(TODAY - timedelta(days=31)).isoformat())
    assert "W1" not in state.hazards and state.all_hazards == []
    assert state.findings["W1"].level == "预警"
    assert state.findings["W1"].text == "危险废物贮存超过 30 天"  # the parameter's value, not a fixed 30/90
    summary = device.signoff.summary(inspection.id)
    assert [f.item_id for f in summary.warnings] == ["W1"] and summary.records == []
    assert summary.hazards_by_severity == {} and summary.rating.colour == "蓝"
    assert device.hazards.ledger() == []  # never on the 隐患台账 nor a 告知单
    listed = device.hazards.findings(LedgerFilter(level="预警"))
    assert [(f.item_id, f.site_name) for f in listed] == [("W1", "南大街商业步行街")]
    assert len(device.hazards.findings(LedgerFilter(level="预警", text="贮存"))) == 1  # its text
    assert len(device.hazards.findings(LedgerFilter(level="预警", text="南大街"))) == 1  # its site
    assert device.hazards.findings(LedgerFilter(level="预警", text="楼梯")) == []
    # a corrected date withdraws it
    assert answer(device, inspection.id, W1=TODAY.isoformat()).findings == {}


def test_a_record_and_report_finding_is_stored_and_shown_apart_never_a_hazard_nor_rated(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    state = answer(device, inspection.id, D1=3.5)
    assert "D1" not in state.hazards
    assert (state.findings["D1"].level, state.findings["D1"].text) == ("记录并报告", "消防车道净宽 3.5m，低于设计要求 4 m")
    summary = device.signoff.summary(inspection.id)
    assert [f.item_id for f in summary.records] == ["D1"] and summary.warnings == []
    assert summary.rating.colour == "蓝" and device.hazards.ledger() == []
    assert [f.item_id for f in device.hazards.findings(LedgerFilter(level="记录并报告"))] == ["D1"]
    assert device.hazards.findings(LedgerFilter(level="预警")) == []


def test_an_office_can_make_a_warning_a_hazard_where_the_file_allows_it(device, crowded):
    device.office.update({"levels": {"v2": {"W1": "隐患"}}})
    inspection = device.inspections.start(crowded.id, "v2")
    state = answer(device, inspection.id, W1=(TODAY - timedelta(days=31)).isoformat())
    assert state.hazards["W1"].description == "危险废物贮存超过 30 天" and state.findings == {}


def test_an_office_decision_that_does_not_fit_the_checklist_is_refused_and_changes_nothing(device):
    with pytest.raises(InvalidAnswer, match="E1"):
        device.office.update({"levels": {"v2": {"E1": "预警"}}})  # E1 allows no other level
    with pytest.raises(InvalidAnswer, match="nowhere"):
        device.office.update({"ratings": {"nowhere": {"rules": [{"colour": "红", "label": "x"},
                                                                  {"colour": "蓝", "label": "y"}]}}})
    assert device.office.config().levels == {} and device.office.config().ratings == {}


# --- 综合判定 ------------------------------------------------------------------------------------

def test_enough_elements_raise_a_suspected_major_hazard_of_its_own_linked_to_them(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    assert answer(device, inspection.id, E1="是", E3="是").combined == []  # two of three
    state = answer(device, inspection.id, E2="是")
    (combined,) = state.combined
    assert (combined.item_id, combined.source, combined.severity) == (COMBINED, "combination", "重大")
    assert combined.element_items == ["E1", "E2", "E3"]
    assert combined.description == ("存在 3 项重大火灾隐患综合判定要素（安全出口被封堵；楼梯间防火门损坏率超标；"
                                    "疏散指示标志损坏率超标），疑似构成重大火灾隐患")
    assert {h.severity for h in state.hazards.values()} == {"一般"}  # each element alone is 一般
    # the summary, the ledger and the change log carry it like any other hazard
    summary = device.signoff.summary(inspection.id)
    assert summary.hazards_by_severity == {"疑似重大隐患（需消防救援机构认定）": 1, "一般隐患": 3}
    assert summary.rating.colour == "红"
    assert COMBINED in [h.item_id for h in device.hazards.ledger(LedgerFilter(severity="重大"))]
    inserted = [p for op, p in changes_of(device, "hazard") if op == "insert" and p["source"] == "combination"]
    assert [(p["item_id"], p["element_items"]) for p in inserted] == [(COMBINED, ["E1", "E2", "E3"])]


def test_the_combination_hazard_is_withdrawn_when_its_elements_no_longer_meet_the_rule(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    combined_id = answer(device, inspection.id, E1="是", E2="是", E3="是").combined[0].id
    assert answer(device, inspection.id, E2="否").combined == []
    assert COMBINED not in [h.item_id for h in device.hazards.ledger()]
    assert ("delete", {"id": combined_id}) in changes_of(device, "hazard")


def test_the_rule_depends_on_the_place(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    answer(device, inspection.id, E1="是", E2="是", E3="是")
    # elsewhere it takes four elements of any kind
    assert answer(device, inspection.id, P0=OTHER).combined == []
    (combined,) = answer(device, inspection.id, E4="是").combined
    assert combined.item_id == "combination:other_any" and combined.element_items == ["E1", "E2", "E3", "E4"]


def test_the_combination_hazard_follows_its_elements_and_keeps_what_the_inspector_wrote(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    first = answer(device, inspection.id, E1="是", E2="是", E3="是").combined[0]
    # a second item evidencing the same element: the same hazard, one more link, the same text
    (again,) = answer(device, inspection.id, T=10, K=5).combined
    assert (again.id, again.element_items, again.description) == (first.id, ["E1", "E2", "R", "E3"],
                                                                  first.description)
    device.hazards.edit(first.id, HazardEdit(description="三项疏散要素同时存在", location="一层"))
    (after,) = answer(device, inspection.id, E2="否").combined  # doors still evidenced by R
    assert after.id == first.id and after.element_items == ["E1", "R", "E3"]
    assert (after.description, after.location) == ("三项疏散要素同时存在", "一层")


def test_a_closed_element_no_longer_counts(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    state = answer(device, inspection.id, E1="是", E2="是", E3="是")
    fixed = state.hazards["E3"]
    device.hazards.transition(fixed.id, "待复查")
    device.reviews.record(fixed.id, reviewer="张三", passed=True, photos=[jpeg_bytes()])
    assert answer(device, inspection.id, E4="否").combined == []  # the next answer recounts


def test_a_completed_inspection_keeps_its_combination_hazard(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    combined = answer(device, inspection.id, E1="是", E2="是", E3="是").combined[0]
    finish_safely(device, inspection.id)
    with pytest.raises(InspectionLocked):
        device.inspections.answer(inspection.id, "E2", "否")
    assert device.hazards.get(combined.id).status == "待整改"
    assert device.hazards.transition(combined.id, "整改中").status == "整改中"


# --- who checks what, who determines what -------------------------------------------------------

def test_items_of_a_method_hidden_for_the_inspectors_role_are_not_shown_required_or_raised(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    assert "I1" in answer(device, inspection.id, I1=1).hazards  # before the office hid it
    device.office.update({"hidden_methods": {"网格员": ["仪器测量"]}})
    device.office.set_role("网格员")
    state = answer(device, inspection.id, E1="否")
    assert "I1" not in [i.id for i in state.visible] and "I1" not in state.hazards
    with pytest.raises(CompletionRefused) as refused:
        device.signoff.complete(inspection.id)
    assert "I1" not in refused.value.problems[0]
    device.office.set_role("消防员")  # not hidden from a firefighter
    assert "I1" in [i.id for i in device.inspections.state(inspection.id).visible]


def test_a_major_hazard_names_the_authority_that_determines_it(device, crowded):
    inspection = device.inspections.start(crowded.id, "v2")
    state = answer(device, inspection.id, H1="是")
    assert state.severity_text(state.hazards["H1"]) == "疑似重大隐患（需住建部门认定）"
    (row,) = device.hazards.ledger()
    assert device.hazards.severity_text(row) == "疑似重大隐患（需住建部门认定）"
    assert device.signoff.summary(inspection.id).hazards_by_severity == {"疑似重大隐患（需住建部门认定）": 1}


def test_the_offices_rating_rules_replace_the_files_and_a_repeated_hazard_counts(device, crowded, calendar):
    device.office.update({"ratings": {"v2": {"rules": [
        {"colour": "红", "label": "重复出现的隐患", "when": {"repeated": True}},
        {"colour": "黄", "label": "有隐患", "when": {"any_hazard": True}},
        {"colour": "蓝", "label": "无隐患"}]}}})
    first = device.inspections.start(crowded.id, "v2")
    answer(device, first.id, E4="是")
    assert device.signoff.summary(first.id).rating.label == "有隐患"
    finish_safely(device, first.id)
    calendar.today = TODAY + timedelta(days=40)
    second = device.inspections.start(crowded.id, "v2")
    answer(device, second.id, E4="是")
    assert device.signoff.summary(second.id).rating.label == "重复出现的隐患"
    assert device.signoff.summary(second.id).rating.colour == "红"
