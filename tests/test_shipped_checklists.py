"""The four shipped checklists load, are well-formed, and their key rules fire as the brief says.

Real files, no mocks: every test reads checklists/*.yaml through the loader.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.combination import combined_major
from app.domain.computed import computed_value
from app.domain.findings import evaluate
from app.domain.rules import is_hazard, validate_answer, visible_items
from checklists import load_file, load_shipped
from checklists.schema import _RULES_BY_KIND, YES_NO_NA, Checklist

SHIPPED = Path(__file__).resolve().parents[1] / "checklists"
EXPECTED = {
    "lifeline": ("生命通道", {"小区/单位消防车通道", "高层住宅", "高层公共建筑", "人员密集场所", "群租房"}),
    "group_rental": ("群租房", {"群租房"}),
    "highrise": ("高层建筑", {"高层住宅", "高层公共建筑"}),
    "hw_storage": ("危废贮存", {"危废产生单位", "危废经营单位"}),
}
TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def shipped() -> dict[str, Checklist]:
    result = load_shipped()
    assert result.errors == [], [str(e) for e in result.errors]
    return result.checklists


def hazard(checklist: Checklist, item_id: str, raw: object, on: date = TODAY) -> bool:
    item = checklist.item(item_id)
    return is_hazard(item, validate_answer(item, raw), checklist, on=on)


# --- shape ------------------------------------------------------------------------------------


def test_all_four_load_without_errors(shipped):
    assert set(EXPECTED) <= set(shipped)
    for cid, (title, scope) in EXPECTED.items():
        cl = shipped[cid]
        assert cl.title == title
        assert set(cl.scope) == scope
        assert cl.version >= 1 and cl.effective_from is not None


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_enough_checkable_items_in_sections(shipped, cid):
    cl = shipped[cid]
    checkable = [i for i in cl.items if not i.informational]
    assert len(checkable) >= 15
    assert len(cl.sections) >= 2
    assert all(section.items for section in cl.sections)


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_every_item_has_basis_and_status(shipped, cid):
    for item in shipped[cid].items:
        assert item.basis, item.id
        for b in item.basis:
            assert b.doc and b.status, item.id
        assert item.status in ("confirmed", "secondary", "unconfirmed", "seed")
        assert len(item.question) >= 4


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_hazard_rules_fit_kind_and_params_exist(shipped, cid):
    cl = shipped[cid]
    for item in cl.items:
        if item.informational:
            assert item.hazard_when is None, item.id
            continue
        rule = item.hazard_when
        assert rule is not None, item.id
        for leaf in rule.leaves():
            target = cl.item(leaf.item) if leaf.item else item
            assert leaf.condition in _RULES_BY_KIND[target.kind], item.id
            valid = YES_NO_NA if target.kind == "yes_no_na" else target.options
            assert set(leaf.options) <= set(valid), item.id
        assert rule.params() <= set(cl.parameters), item.id
        assert item.requirement, item.id
        if item.kind == "number" and item.computed is None:
            assert item.unit and item.min is not None and item.max is not None, item.id


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_every_hazard_item_has_a_finding_text_in_plain_words(shipped, cid):
    for item in shipped[cid].items:
        if item.informational:
            continue
        assert item.finding.strip(), item.id
        # The finding is what an owner reads, not the question: no question mark, no item id.
        assert "？" not in item.finding and item.id not in item.finding, item.id


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_no_item_marked_major_is_a_combination_element(shipped, cid):
    for item in shipped[cid].items:
        assert not (item.severity == "重大" and item.element is not None), item.id


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_gb35181_is_cited_as_the_2025_rules_never_the_superseded_2017_text(shipped, cid):
    for item in shipped[cid].items:
        for basis in item.basis:
            if "35181" in basis.doc:
                assert basis.doc.startswith("GB 35181-2025"), item.id
                # The 2025 body text was not read: the clause is unconfirmed, the 2017 clause a note.
                assert basis.status == "unconfirmed" and "2017" in basis.note, item.id


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_unconfirmed_thresholds_are_parameters(shipped, cid):
    cl = shipped[cid]
    for item in cl.items:
        rule = item.hazard_when
        if item.status != "unconfirmed" or rule is None:
            continue
        for leaf in rule.leaves():
            if leaf.condition in ("lt", "le", "gt", "ge", "older_than_days"):
                raise AssertionError(f"{item.id}: unconfirmed threshold must be a parameter")
    for name, param in cl.parameters.items():
        assert param.title and param.note, name
        if param.status == "unconfirmed":
            assert "确认" in param.note, name


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_applies_if_targets_exist_and_come_first(shipped, cid):
    cl = shipped[cid]
    order = {item.id: n for n, item in enumerate(cl.items)}
    for item in cl.items:
        if item.applies_if is not None:
            assert order[item.applies_if.item] < order[item.id]


def test_severity_major_only_for_direct_elements_and_referrals(shipped):
    majors = {cid: {i.id for i in cl.items if i.severity == "重大"} for cid, cl in shipped.items()}
    # GB 35181 direct elements only; combination elements are 一般 (issue 11 §1).
    assert majors["lifeline"] == set()
    assert majors["highrise"] == set()
    assert majors["group_rental"] == {"GR-01b", "GR-08", "GR-11a"}
    # No national 危废 criteria: 疑似重大 by the campaign plan, referred to the authority.
    assert majors["hw_storage"] == {"HW-02b", "HW-06c", "HW-21b", "HW-22a", "HW-24"}
    hw = shipped["hw_storage"]
    for item_id in majors["hw_storage"]:
        item = hw.item(item_id)
        assert hw.authority_of(item) in ("生态环境部门", "公安机关")
        assert any(b.status == "seed" for b in item.basis), item_id
    gr = shipped["group_rental"]
    assert gr.authority_of(gr.item("GR-01b")) == "住建部门"


def test_combination_elements_named_by_the_review_are_elements(shipped):
    elements = {i.id for cl in shipped.values() for i in cl.items if i.element}
    assert {"LC-01b", "LC-11b", "LC-12b", "LC-16c", "LC-21a", "LC-21b", "LC-23b", "LC-23c"} <= elements
    assert {"HR-15b", "HR-17a", "HR-18c", "HR-19e", "HR-04c"} <= elements


def test_no_2001_gb18597_or_wrong_fire_law_articles():
    for path in SHIPPED.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "GB 18597-2001" not in text or "代替 GB 18597-2001" in text, path.name
        for bad in ("第五十三条", "第六十二条", "第六十四条"):
            assert bad not in text, (path.name, bad)


def test_items_a_grid_worker_cannot_do_alone_say_how_they_are_checked(shipped):
    hr, lc, gr = shipped["highrise"], shipped["lifeline"], shipped["group_rental"]
    for item_id in ("HR-19a", "HR-17a", "HR-17b", "HR-18a", "HR-18b", "HR-04a", "HR-04c", "HR-04d"):
        assert hr.item(item_id).method == "见证测试", item_id
    assert hr.item("HR-13b").method == "查阅记录"
    assert gr.item("GR-17b").method == "见证测试"
    assert lc.item("LC-22r").method == "查阅记录"
    assert "断电" not in lc.item("LC-22a").question
    for item_id in ("LC-22g", "LC-22h", "LC-04"):
        assert lc.item(item_id).method == "仪器测量", item_id


def test_design_values_on_old_buildings_are_record_and_report(shipped):
    lc, hr = shipped["lifeline"], shipped["highrise"]
    for cl, item_id in ((lc, "LC-04"), (lc, "LC-06b"), (lc, "LC-13e"), (hr, "HR-17b"), (hr, "HR-19d")):
        item = cl.item(item_id)
        assert item.level == "记录并报告" and "隐患" in item.office_levels, item_id


def test_double_negatives_and_two_questions_in_one_are_gone(shipped):
    hr, gr, lc, hw = (shipped[c] for c in ("highrise", "group_rental", "lifeline", "hw_storage"))
    ids = {cl.id: {i.id for i in cl.items} for cl in shipped.values()}
    assert not {"HR-E3", "HR-E4", "HR-E5", "HR-14b"} & ids["highrise"]
    assert not {"LC-16b", "GR-12", "GR-10"} & (ids["lifeline"] | ids["group_rental"])
    assert "HW-21" not in ids["hw_storage"]
    for cl in (hr, gr, lc, hw):
        for item in cl.items:
            assert "是否未" not in item.question and "不能从内部易于开启" not in item.question, item.id
    assert "不适用" in hr.item("HR-13a").options


# --- lifeline ---------------------------------------------------------------------------------


def test_lifeline_rules(shipped):
    cl = shipped["lifeline"]
    assert hazard(cl, "LC-04", 3.5) and not hazard(cl, "LC-04", 4.5)
    assert hazard(cl, "LC-05a", "3.9") and not hazard(cl, "LC-05a", 4.0)
    assert hazard(cl, "LC-08b", 25) and not hazard(cl, "LC-08b", 20)
    assert hazard(cl, "LC-01a", "是") and not hazard(cl, "LC-01a", "否")
    assert not hazard(cl, "LC-01a", "不适用")
    assert hazard(cl, "LC-02", ["限高杆"]) and not hazard(cl, "LC-02", ["无上述障碍物"])
    # One number, two ends: closer than 5 m or farther than 10 m from the wall.
    assert hazard(cl, "LC-13e", 4.9) and hazard(cl, "LC-13e", 10.5)
    assert not hazard(cl, "LC-13e", 5) and not hazard(cl, "LC-13e", 10)


def test_lifeline_lux_thresholds_follow_gb55037_parameters(shipped):
    cl = shipped["lifeline"]
    assert cl.param_value("lux_stair_min") == 10 and cl.param_value("lux_corridor_min") == 3
    assert hazard(cl, "LC-22h", 9.9) and not hazard(cl, "LC-22h", 10)
    assert hazard(cl, "LC-22g", 2.9) and not hazard(cl, "LC-22g", 3)


def test_lifeline_damage_rates_are_computed_from_counts(shipped):
    cl = shipped["lifeline"]
    answers = {"LC-00": "高层建筑（设有人员密集场所）", "LC-21t": 20, "LC-21k": 5, "LC-23t": 40, "LC-23k": 12}
    rate = cl.item("LC-21a")
    assert computed_value(rate, answers) == 25.0
    assert is_hazard(rate, None, cl, on=TODAY, answers=answers)  # 25% > 20%
    assert computed_value(cl.item("LC-23b"), answers) == 30.0
    assert not is_hazard(cl.item("LC-23b"), None, cl, on=TODAY, answers=answers)  # not above 30%
    answers["LC-21k"] = 4
    assert not is_hazard(rate, None, cl, on=TODAY, answers=answers)  # exactly 20%


def test_lifeline_skip_logic(shipped):
    cl = shipped["lifeline"]
    ids = {i.id for i in visible_items(cl, {"LC-00": "多层/低层建筑或住宅小区（含群租房）"})}
    assert "LC-12a" not in ids and "LC-21b" in ids and "LC-21a" not in ids and "LC-06a" in ids
    assert "LC-26" in ids
    ids = {i.id for i in visible_items(cl, {"LC-00": "高层建筑（设有人员密集场所）", "LC-00b": "是"})}
    assert {"LC-12a", "LC-13b", "LC-14", "LC-21a", "LC-25", "LC-06b"} <= ids
    assert "LC-13a" not in ids and "LC-21b" not in ids
    assert "LC-01b" not in ids  # only after LC-01a = 是
    assert "LC-18a" not in ids  # only where a door must open outwards (LC-18p)
    assert "LC-18a" in {i.id for i in visible_items(cl, {"LC-18p": "是"})}


def test_lifeline_three_evacuation_elements_in_a_crowded_place_are_suspected_major(shipped):
    cl = shipped["lifeline"]
    answers = {"LC-00": "人员密集场所（非高层）", "LC-16a": "是", "LC-16c": "是",
               "LC-21t": 10, "LC-21k": 6, "LC-23t": 20, "LC-23k": 11}
    open_ids = [f.item_id for f in evaluate(cl, answers, on=TODAY) if f.is_hazard]
    result = combined_major(cl, answers, open_ids)
    assert result is not None and result.severity == "重大"
    assert set(result.item_ids) == {"LC-16c", "LC-21b", "LC-23c"}
    # The same three in a 多层 residential block: 6 elements are needed there.
    assert combined_major(cl, {**answers, "LC-00": "多层/低层建筑或住宅小区（含群租房）"}, open_ids) is None


# --- highrise ---------------------------------------------------------------------------------


def test_highrise_rules(shipped):
    cl = shipped["highrise"]
    assert hazard(cl, "HR-02", 1) and not hazard(cl, "HR-02", 2)
    assert hazard(cl, "HR-17b", 0.30) and not hazard(cl, "HR-17b", 0.35)
    assert hazard(cl, "HR-18a", 0.04) and not hazard(cl, "HR-18a", 0.05)
    assert hazard(cl, "HR-19d", 61) and not hazard(cl, "HR-19d", 60)
    assert hazard(cl, "HR-07a", TODAY - timedelta(days=32)) and not hazard(cl, "HR-07a", TODAY - timedelta(days=31))
    assert hazard(cl, "HR-07b", TODAY - timedelta(days=16)) and not hazard(cl, "HR-07b", TODAY - timedelta(days=15))
    assert cl.parameters["sprinkler_end_pressure_min"].status == "unconfirmed"
    assert cl.item("HR-18a").hazard_when.param == "sprinkler_end_pressure_min"


def test_highrise_overpressure_needs_both_high_pressure_and_no_reducer(shipped):
    cl = shipped["highrise"]
    item = cl.item("HR-17d")
    assert is_hazard(item, "否", cl, on=TODAY, answers={"HR-17e": 0.8, "HR-17d": "否"})
    assert not is_hazard(item, "是", cl, on=TODAY, answers={"HR-17e": 0.8, "HR-17d": "是"})
    assert not is_hazard(item, "否", cl, on=TODAY, answers={"HR-17e": 0.6, "HR-17d": "否"})
    assert not is_hazard(item, "否", cl, on=TODAY, answers={"HR-17d": "否"})  # low floors not measured


def test_highrise_public_only_items(shipped):
    cl = shipped["highrise"]
    residential = {i.id for i in visible_items(cl, {"HR-00": "高层住宅"})}
    public = {i.id for i in visible_items(cl, {"HR-00": "高层公共建筑"})}
    assert "HR-01" in public and "HR-01" not in residential
    assert "HR-07b" in public and "HR-07a" in residential
    assert "HR-25b" in public and "HR-25a" in residential
    assert "HR-26d" in residential and "HR-26b" in public


def test_highrise_hydrant_override_moves_threshold_and_text():
    cl = load_file(SHIPPED / "highrise.yaml", overrides={"highrise": {"hydrant_dynamic_pressure_min": 0.25}})
    assert not hazard(cl, "HR-17b", 0.30)
    found = evaluate(cl, {"HR-17a": "是", "HR-17b": 0.2}, on=TODAY)
    assert [f.text for f in found if f.item_id == "HR-17b"] == ["最不利点消火栓栓口动压 0.2MPa，低于 0.25 MPa"]


# --- group_rental -----------------------------------------------------------------------------


def test_group_rental_rules(shipped):
    cl = shipped["group_rental"]
    assert cl.item("GR-06").hazard_when.gt_param == "max_per_room"
    assert cl.item("GR-07c").hazard_when.lt_param == "min_area_per_person"
    assert cl.parameters["max_per_room"].default == 2
    assert cl.parameters["max_per_room"].status == "unconfirmed"
    assert hazard(cl, "GR-06", 3) and not hazard(cl, "GR-06", 2)
    assert hazard(cl, "GR-04b", 8) and not hazard(cl, "GR-04b", 10)
    assert hazard(cl, "GR-04a", 2) and not hazard(cl, "GR-04a", 1)
    assert hazard(cl, "GR-11a", "是（易燃易爆危险品场所）") and not hazard(cl, "GR-11a", "是（非易燃易爆场所）")
    assert hazard(cl, "GR-20a", 1) and not hazard(cl, "GR-20a", 0)
    assert hazard(cl, "GR-21a", 0) and not hazard(cl, "GR-21a", 1)


def test_group_rental_area_per_person_is_computed_per_room(shipped):
    cl = shipped["group_rental"]
    item = cl.item("GR-07c")
    assert computed_value(item, {"GR-07a": 10.5, "GR-07b": 3}) == 3.5
    assert is_hazard(item, None, cl, on=TODAY, answers={"GR-07a": 10.5, "GR-07b": 3})
    assert not is_hazard(item, None, cl, on=TODAY, answers={"GR-07a": 12, "GR-07b": 3})  # exactly 4 m²


def test_group_rental_steel_sandwich_panels_are_major_only_in_a_crowded_place_residence(shipped):
    cl = shipped["group_rental"]
    dorm = {i.id for i in visible_items(cl, {"GR-08p": "是"})}
    family = {i.id for i in visible_items(cl, {"GR-08p": "否"})}
    assert "GR-08" in dorm and "GR-08b" not in dorm
    assert "GR-08b" in family and "GR-08" not in family
    assert cl.item("GR-08").severity == "重大" and cl.item("GR-08b").severity == "一般"


def test_group_rental_emergency_lighting_only_required_in_large_rentals(shipped):
    cl = shipped["group_rental"]
    item = cl.item("GR-24")
    assert is_hazard(item, "否", cl, on=TODAY, answers={"GR-00b": 12, "GR-00c": 8})
    assert is_hazard(item, "否", cl, on=TODAY, answers={"GR-00b": 4, "GR-00c": 15})
    assert not is_hazard(item, "否", cl, on=TODAY, answers={"GR-00b": 4, "GR-00c": 8})
    assert not is_hazard(item, "是", cl, on=TODAY, answers={"GR-00b": 12, "GR-00c": 20})


def test_group_rental_override_max_per_room_changes_rule_and_text():
    cl = load_file(SHIPPED / "group_rental.yaml", overrides={"group_rental": {"max_per_room": 3}})
    assert not hazard(cl, "GR-06", 3)
    assert hazard(cl, "GR-06", 4)
    found = evaluate(cl, {"GR-06": 4}, on=TODAY)
    assert [f.requirement for f in found] == ["减少居住人数，使每间居室居住人数不超过 3 人。"]


def test_group_rental_living_room_skip_logic(shipped):
    cl = shipped["group_rental"]
    hidden = {i.id for i in visible_items(cl, {"GR-04": "否"})}
    shown = {i.id for i in visible_items(cl, {"GR-04": "是"})}
    assert not {"GR-04a", "GR-04b", "GR-04c", "GR-04d"} & hidden
    assert {"GR-04a", "GR-04b", "GR-04c", "GR-04d"} <= shown


def test_group_rental_default_rating_is_documented(shipped):
    rating = shipped["group_rental"].rating
    assert rating is not None
    colours = [r.colour for r in rating.rules]
    assert colours == ["红", "红", "红", "黄", "蓝"]
    assert rating.rules[0].when.severity == "重大"
    # Overdue or repeated turns red only for fire hazards (a missed 备案 is not 彩钢板).
    assert rating.rules[1].when.overdue is True and rating.rules[1].when.authority == ("消防救援机构",)
    assert rating.rules[2].when.repeated is True and rating.rules[2].when.authority == ("消防救援机构",)
    assert rating.rules[3].when.any_hazard is True
    assert rating.rules[-1].when.is_empty
    assert "不是常州官方标准" in rating.note
    for cid in ("lifeline", "highrise", "hw_storage"):
        assert shipped[cid].rating is None


# --- hw_storage -------------------------------------------------------------------------------


def test_hw_storage_days_are_warnings_with_the_parameter_in_the_text(shipped):
    cl = shipped["hw_storage"]
    assert cl.item("HW-18a").hazard_when.older_than_days_param == "hw_storage_days_flammable"
    assert cl.item("HW-18b").hazard_when.older_than_days_param == "hw_storage_days_other"
    assert cl.parameters["hw_storage_days_flammable"].default == 30
    assert cl.parameters["hw_storage_days_flammable"].status == "seed"
    assert cl.parameters["hw_storage_days_other"].default == 90
    assert hazard(cl, "HW-18a", TODAY - timedelta(days=31))
    assert not hazard(cl, "HW-18a", TODAY - timedelta(days=29))
    assert hazard(cl, "HW-18b", (TODAY - timedelta(days=91)).isoformat())
    assert not hazard(cl, "HW-18b", TODAY - timedelta(days=60))
    for item_id in ("HW-18a", "HW-18b"):
        item = cl.item(item_id)
        assert item.level == "预警" and item.office_levels == ("隐患",)
        assert "30" not in item.requirement and "90" not in item.requirement  # the parameter's value


def test_hw_storage_local_storage_period_shows_in_the_finding_text():
    cl = load_file(SHIPPED / "hw_storage.yaml", overrides={"hw_storage": {"hw_storage_days_flammable": 20}})
    answers = {"HW-18": ["易爆、易燃或排出有毒气体类"], "HW-18a": TODAY - timedelta(days=25)}
    (found,) = evaluate(cl, answers, on=TODAY)
    assert found.level == "预警"
    assert "超过 20 天" in found.text and "原则上贮存不超过 20 天" in found.requirement


def test_hw_storage_ratios_are_computed(shipped):
    cl = shipped["hw_storage"]
    liquid = {"HW-00d": "是", "HW-08a": 1000, "HW-08b": 20000, "HW-08c": 1500}
    # GB 18597-2023 6.2.2: containment >= max(largest container, 1/10 of total) — never the 2001 1/5.
    assert computed_value(cl.item("HW-08d"), liquid) == 150.0
    assert computed_value(cl.item("HW-08e"), liquid) == 7.5
    assert not is_hazard(cl.item("HW-08d"), None, cl, on=TODAY, answers=liquid)
    assert is_hazard(cl.item("HW-08e"), None, cl, on=TODAY, answers=liquid)
    operator = {"HW-00": "危废经营单位", "HW-19a": 200, "HW-19b": 1000}
    assert computed_value(cl.item("HW-19c"), operator) == 20.0
    assert is_hazard(cl.item("HW-19c"), None, cl, on=TODAY, answers=operator)
    assert hazard(cl, "HW-20a", 3.5) and not hazard(cl, "HW-20a", 3)
    assert hazard(cl, "HW-03", ["防渗"]) and not hazard(cl, "HW-03", ["措施齐全"])


def test_hw_storage_video_uplink_only_asked_where_there_is_a_control_room(shipped):
    cl = shipped["hw_storage"]
    point = {i.id for i in visible_items(cl, {"HW-01a": "是", "HW-01b": "贮存点", "HW-16p": "否"})}
    assert "HW-16d" not in point and "HW-16c" not in point
    store = {i.id for i in visible_items(cl, {"HW-01a": "是", "HW-01b": "贮存库", "HW-16p": "是"})}
    assert {"HW-16d", "HW-16c"} <= store


def test_hw_storage_skip_logic(shipped):
    cl = shipped["hw_storage"]
    producer = {i.id for i in visible_items(cl, {"HW-00": "危废产生单位", "HW-00d": "否", "HW-18": ["其他类"]})}
    assert not {"HW-19a", "HW-19c", "HW-19d", "HW-08d", "HW-18a", "HW-21a"} & producer
    assert "HW-18b" in producer
    operator = {
        i.id
        for i in visible_items(
            cl, {"HW-00": "危废经营单位", "HW-00d": "是", "HW-18": ["易爆、易燃或排出有毒气体类", "其他类"],
                 "HW-21a": "否"}
        )
    }
    assert {"HW-19c", "HW-19d", "HW-08d", "HW-08e", "HW-18a", "HW-18b", "HW-21b"} <= operator
    store_point = {i.id for i in visible_items(cl, {"HW-01a": "是", "HW-01b": "贮存点"})}
    assert {"HW-20a", "HW-20b"} <= store_point
