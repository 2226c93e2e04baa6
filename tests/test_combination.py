"""综合判定: elements alone are 一般; enough of them open at one 场所 make a 疑似重大 finding."""

from __future__ import annotations

from typing import Any

import pytest
from checklist_builder import BASIS, checklist, item

from app.domain.combination import combined_major
from checklists.consistency import ItemProblem

CROWDED, OTHER = "人员密集场所", "其他场所"
ELEMENT_BASIS = [{"doc": "GB 35181-2025《重大火灾隐患判定规则》", "article": "第6章（条号未读到）",
                  "status": "unconfirmed", "note": "2017 版 7.3.x"}]


def combination_block(**changes: Any) -> dict[str, Any]:
    block = {
        "basis": BASIS,
        "elements": {name: {"title": title, "basis": ELEMENT_BASIS} for name, title in (
            ("exit", "安全出口被封堵"), ("doors", "楼梯间门损坏率超标"), ("signs", "疏散指示损坏率超标"),
            ("lift", "消防电梯无法运行"))},
        "rules": [
            {"id": "crowded_evacuation", "title": "人员密集场所安全疏散类要素 3 项以上",
             "applies_if": {"item": "place", "equals": CROWDED}, "elements": ["exit", "doors", "signs"],
             "min_count_param": "crowded_min"},
            {"id": "other_any", "title": "其他场所任意要素 4 项以上",
             "applies_if": {"item": "place", "equals": OTHER}, "min_count": 4},
        ],
    }
    block.update(changes)
    return block


def building(**block_changes: Any) -> Any:
    return checklist(
        item("place", "choice", options=[CROWDED, OTHER]),
        item("exit_sealed", "yes_no_na", {"equals": "是"}, element="exit"),
        item("doors_high", "number", {"gt": 20}, element="doors", unit="%"),
        item("doors_low", "number", {"gt": 50}, element="doors", unit="%"),
        item("signs_bad", "yes_no_na", {"equals": "是"}, element="signs"),
        item("lift_dead", "yes_no_na", {"equals": "是"}, element="lift"),
        item("plain", "yes_no_na", {"equals": "是"}),
        parameters={"crowded_min": 3},
        combination=combination_block(**block_changes),
    )


BUILDING = building()


def test_three_evacuation_elements_in_a_crowded_place_raise_a_suspected_major_hazard():
    result = combined_major(BUILDING, {"place": CROWDED}, ["exit_sealed", "doors_high", "signs_bad", "plain"])
    assert result is not None
    assert (result.key, result.severity, result.authority) == ("combination:crowded_evacuation", "重大", "消防救援机构")
    assert result.elements == ("exit", "doors", "signs")
    assert result.item_ids == ("exit_sealed", "doors_high", "signs_bad")  # the hazards it links to
    assert result.text == ("存在 3 项重大火灾隐患综合判定要素（安全出口被封堵；楼梯间门损坏率超标；疏散指示损坏率超标），"
                           "疑似构成重大火灾隐患")


def test_two_elements_are_below_the_threshold():
    assert combined_major(BUILDING, {"place": CROWDED}, ["exit_sealed", "signs_bad", "plain"]) is None


def test_an_element_evidenced_by_two_items_counts_once():
    open_ids = ["exit_sealed", "doors_high", "doors_low"]
    assert combined_major(BUILDING, {"place": CROWDED}, open_ids) is None


def test_closed_hazards_do_not_count():
    # The caller passes only open hazards: once 'signs_bad' is closed (已销号) the rule no longer holds.
    assert combined_major(BUILDING, {"place": CROWDED}, ["exit_sealed", "doors_high"]) is None


def test_elements_outside_the_rules_list_do_not_count_for_it():
    assert combined_major(BUILDING, {"place": CROWDED}, ["exit_sealed", "doors_high", "lift_dead"]) is None


def test_other_places_need_more_elements():
    open_ids = ["exit_sealed", "doors_high", "signs_bad"]
    assert combined_major(BUILDING, {"place": OTHER}, open_ids) is None
    result = combined_major(BUILDING, {"place": OTHER}, [*open_ids, "lift_dead"])
    assert result is not None and result.rule_id == "other_any" and len(result.elements) == 4


def test_no_place_type_answered_applies_no_rule():
    assert combined_major(BUILDING, {}, ["exit_sealed", "doors_high", "signs_bad", "lift_dead"]) is None


def test_the_count_follows_an_office_parameter():
    local = BUILDING.model_copy(update={"parameters": {
        "crowded_min": BUILDING.parameters["crowded_min"].model_copy(update={"default": 2.0})}})
    assert combined_major(local, {"place": CROWDED}, ["exit_sealed", "signs_bad"]) is not None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # An element marked 重大 would make one element a major hazard on its own.
        ({"severity": "重大"}, "a 综合判定要素 is not 重大 on its own: give it severity 一般"),
        ({"element": "smoke"}, "unknown combination element 'smoke'"),
    ],
)
def test_a_bad_element_is_refused(changes: dict[str, Any], message: str):
    with pytest.raises(ValueError, match=message):
        checklist(
            item("place", "choice", options=[CROWDED, OTHER]),
            item("x", "yes_no_na", {"equals": "是"}, **{"element": "exit", **changes}),
            combination={"basis": BASIS, "elements": {"exit": {"title": "安全出口被封堵", "basis": ELEMENT_BASIS}},
                         "rules": [{"id": "r", "title": "任意要素 2 项以上", "min_count": 2}]},
        )


def test_an_element_no_item_evidences_is_refused():
    with pytest.raises(ItemProblem, match=r"combination elements \['lift'\] are evidenced by no item"):
        checklist(
            item("x", "yes_no_na", {"equals": "是"}, element="exit"),
            combination={"basis": BASIS, "rules": [{"id": "r", "title": "任意要素 2 项以上", "min_count": 2}],
                         "elements": {"exit": {"title": "安全出口被封堵", "basis": ELEMENT_BASIS},
                                      "lift": {"title": "消防电梯无法运行", "basis": ELEMENT_BASIS}}},
        )
