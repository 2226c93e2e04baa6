"""Hazard rules, answer validation and skip logic, evaluated from checklist data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from app.domain.rules import (
    InvalidAnswer,
    describe_rule,
    is_hazard,
    toggle_option,
    validate_answer,
    visible_items,
)
from checklists.schema import Checklist

BASIS = [{"doc": "中华人民共和国消防法（2021修正）", "status": "confirmed"}]
INSPECTED_ON = date(2026, 6, 1)


def make_item(
    item_id: str, kind: str, hazard_when: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": item_id,
        "question": f"检查项目 {item_id}",
        "kind": kind,
        "status": "confirmed",
        "basis": BASIS,
        **fields,
    }
    if hazard_when is None:
        raw["informational"] = True
    else:
        raw["hazard_when"] = hazard_when
    if kind == "number":
        raw.setdefault("unit", "m")
    return raw


def make_checklist(*items: dict[str, Any], parameters: dict[str, float] | None = None) -> Checklist:
    return Checklist.model_validate(
        {
            "id": "test",
            "title": "测试清单",
            "version": 1,
            "scope": ["其他"],
            "parameters": {
                name: {"title": name, "default": value, "unit": "m", "status": "unconfirmed"}
                for name, value in (parameters or {}).items()
            },
            "sections": [{"id": "main", "title": "检查", "items": list(items)}],
        }
    )


def hazard(kind: str, rule: dict[str, Any], value: Any, *, params: dict[str, float] | None = None,
           **fields: Any) -> bool:
    """Whether ``value`` is a hazard for a one-item checklist with ``rule``."""
    checklist = make_checklist(make_item("q", kind, rule, **fields), parameters=params)
    return is_hazard(checklist.item("q"), value, checklist, on=INSPECTED_ON)


COLOURS = {"options": ["红", "黄", "蓝"]}
WASTE = {"options": ["无防渗", "无标识", "无台账"]}
DAYS = timedelta(days=1)


@pytest.mark.parametrize(
    ("kind", "rule", "value", "fields", "expected"),
    [
        # equals on 是/否/不适用
        ("yes_no_na", {"equals": "否"}, "否", {}, True),
        ("yes_no_na", {"equals": "否"}, "是", {}, False),
        # 不适用 is never a hazard, even when the rule names it
        ("yes_no_na", {"equals": "否"}, "不适用", {}, False),
        ("yes_no_na", {"in": ["否", "不适用"]}, "不适用", {}, False),
        ("yes_no_na", {"in": ["否", "不适用"]}, "否", {}, True),
        # equals / in on a choice
        ("choice", {"equals": "红"}, "红", COLOURS, True),
        ("choice", {"equals": "红"}, "黄", COLOURS, False),
        ("choice", {"in": ["红", "黄"]}, "黄", COLOURS, True),
        ("choice", {"in": ["红", "黄"]}, "蓝", COLOURS, False),
        # in on a multi_choice: any selected option named by the rule
        ("multi_choice", {"in": ["无防渗", "无标识"]}, ["无台账", "无标识"], WASTE, True),
        ("multi_choice", {"in": ["无防渗", "无标识"]}, ["无台账"], WASTE, False),
        ("multi_choice", {"in": ["无防渗", "无标识"]}, [], WASTE, False),
        # literal comparisons, with the value exactly at the threshold
        ("number", {"lt": 4}, 3.9, {}, True),
        ("number", {"lt": 4}, 4.0, {}, False),
        ("number", {"le": 4}, 4.0, {}, True),
        ("number", {"le": 4}, 4.1, {}, False),
        ("number", {"gt": 2}, 2.5, {}, True),
        ("number", {"gt": 2}, 2.0, {}, False),
        ("number", {"ge": 2}, 2.0, {}, True),
        ("number", {"ge": 2}, 1.9, {}, False),
        # an int answer compares like a float
        ("number", {"gt": 2}, 3, {}, True),
        # older_than_days: strictly more than N days before the inspection
        ("date", {"older_than_days": 365}, INSPECTED_ON - 366 * DAYS, {}, True),
        ("date", {"older_than_days": 365}, INSPECTED_ON - 365 * DAYS, {}, False),
        ("date", {"older_than_days": 365}, INSPECTED_ON, {}, False),
        # a future date (typed wrongly) is not "old"
        ("date", {"older_than_days": 0}, INSPECTED_ON + DAYS, {}, False),
        ("date", {"older_than_days": 0}, INSPECTED_ON - DAYS, {}, True),
        # no answer yet
        ("yes_no_na", {"equals": "否"}, None, {}, False),
        ("number", {"lt": 4}, None, {}, False),
    ],
)
def test_literal_rule(
    kind: str, rule: dict[str, Any], value: Any, fields: dict[str, Any], expected: bool
) -> None:
    assert hazard(kind, rule, value, **fields) is expected


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ({"lt_param": "limit"}, 2.9, True),
        ({"lt_param": "limit"}, 3.0, False),  # at the threshold
        ({"le_param": "limit"}, 3.0, True),
        ({"le_param": "limit"}, 3.1, False),
        ({"gt_param": "limit"}, 3.1, True),
        ({"gt_param": "limit"}, 3.0, False),
        ({"ge_param": "limit"}, 3.0, True),
        ({"ge_param": "limit"}, 2.9, False),
    ],
)
def test_number_rule_with_parameter(rule: dict[str, Any], value: float, expected: bool) -> None:
    assert hazard("number", rule, value, params={"limit": 3}, status="unconfirmed") is expected


@pytest.mark.parametrize(
    ("age_days", "expected"),
    [
        (30, False),  # exactly at the threshold
        (31, True),
        (0, False),
    ],
)
def test_older_than_days_with_parameter(age_days: int, expected: bool) -> None:
    value = INSPECTED_ON - age_days * DAYS
    rule = {"older_than_days_param": "max_age"}
    assert hazard("date", rule, value, params={"max_age": 30}, status="unconfirmed") is expected


def test_changing_a_parameter_moves_the_threshold() -> None:
    rule = {"lt_param": "min_width"}
    assert hazard("number", rule, 3.8, params={"min_width": 4}, status="unconfirmed") is True
    assert hazard("number", rule, 3.8, params={"min_width": 3.5}, status="unconfirmed") is False


def test_informational_item_is_never_a_hazard() -> None:
    checklist = make_checklist(make_item("category", "choice", None, options=["一类", "二类"]))
    assert is_hazard(checklist.item("category"), "一类", checklist, on=INSPECTED_ON) is False


# --- validate_answer ---------------------------------------------------------------------------

NUMBER = make_checklist(make_item("width", "number", {"lt": 4}, min=0, max=50)).item("width")
CHOICE = make_checklist(make_item("colour", "choice", {"equals": "红"}, **COLOURS)).item("colour")
MULTI = make_checklist(make_item("waste", "multi_choice", {"in": ["无防渗"]}, **WASTE)).item("waste")
DATE = make_checklist(make_item("checked", "date", {"older_than_days": 365})).item("checked")
YES_NO = make_checklist(make_item("blocked", "yes_no_na", {"equals": "是"})).item("blocked")
TEXT = make_checklist(make_item("note", "text")).item("note")
PHOTO = make_checklist(make_item("pic", "photo")).item("pic")


@pytest.mark.parametrize(
    ("item", "raw", "expected"),
    [
        (NUMBER, "3.5", 3.5),  # typed text
        (NUMBER, " 4 ", 4.0),  # stray spaces
        (NUMBER, 7, 7.0),
        (NUMBER, 0, 0.0),  # the bounds themselves are allowed
        (NUMBER, 50, 50.0),
        (CHOICE, "黄", "黄"),
        (YES_NO, "不适用", "不适用"),
        (DATE, "2026-11-01", date(2026, 11, 1)),
        (DATE, date(2025, 1, 2), date(2025, 1, 2)),
        (TEXT, "  门卫称钥匙在物业  ", "门卫称钥匙在物业"),
        (PHOTO, ["ab12", "cd34"], ["ab12", "cd34"]),
        # multi_choice keeps the checklist's option order, whatever order was tapped
        (MULTI, ["无台账", "无防渗"], ["无防渗", "无台账"]),
        (MULTI, [], []),
    ],
)
def test_valid_answer_is_normalised(item: Any, raw: Any, expected: Any) -> None:
    assert validate_answer(item, raw) == expected


@pytest.mark.parametrize(
    ("item", "raw", "message"),
    [
        (NUMBER, -1, "数值不能小于 0m"),
        (NUMBER, "50.5", "数值不能大于 50m"),
        # the message says what to do and never echoes the input back as a Python repr
        (NUMBER, "四米", "请输入数字"),
        (NUMBER, "", "请输入数字"),
        (NUMBER, True, "请输入数字"),
        (NUMBER, "nan", "请输入数字"),
        # a day no calendar has is "日期不存在", not a format error
        (DATE, "2025-02-30", "日期不存在：2025年2月30日"),
        (DATE, "2026-13-01", "日期不存在：2026年13月1日"),
        (DATE, "下周", "日期格式应为 年-月-日，如 2026-11-01"),
        (CHOICE, "紫", "请从选项中选择"),
        (MULTI, ["无防渗", "无围堰"], "选项不存在：无围堰"),
        (MULTI, "无防渗", "多选题的答案应为选项列表"),
        (YES_NO, "有", "请选择 是 / 否 / 不适用"),
        (TEXT, "   ", "请填写内容"),
        (PHOTO, "ab12", "照片题的答案应为照片编号列表"),
    ],
)
def test_invalid_answer_is_refused_in_chinese(item: Any, raw: Any, message: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(item, raw)
    assert (caught.value.item_id, caught.value.message) == (item.id, message)
    assert str(caught.value) == f"{item.id}: {message}"


def test_a_date_later_than_the_inspection_day_is_refused() -> None:
    """最早入库日期 and the like have happened already: tomorrow is a typing slip."""
    today = date(2026, 11, 20)
    assert validate_answer(DATE, "2026-11-20", today=today) == today
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(DATE, "2026-11-21", today=today)
    assert caught.value.message == "日期不能晚于今天（2026-11-20）"


# --- skip logic --------------------------------------------------------------------------------

SKIP = make_checklist(
    make_item("has_storage", "yes_no_na", {"equals": "否"}),
    # shown only for sites that store waste
    make_item("store_kind", "choice", {"equals": "露天"}, options=["库房", "露天"],
              applies_if={"item": "has_storage", "equals": "是"}),
    # chained: shown only for a 库房, which itself needs has_storage = 是
    make_item("room_sign", "yes_no_na", {"equals": "否"}, applies_if={"item": "store_kind", "equals": "库房"}),
    make_item("defects", "multi_choice", {"in": ["无防渗"]}, options=["无防渗", "无标识"]),
    # shown when any selected defect matches
    make_item("photo_note", "text", None, applies_if={"item": "defects", "in": ["无防渗"]}),
)


def visible(answers: dict[str, Any]) -> list[str]:
    return [item.id for item in visible_items(SKIP, answers)]


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        # nothing answered: only unconditional items
        ({}, ["has_storage", "defects"]),
        # condition not met
        ({"has_storage": "否"}, ["has_storage", "defects"]),
        ({"has_storage": "不适用"}, ["has_storage", "defects"]),
        # condition met: the dependent item appears, its own dependent waits for an answer
        ({"has_storage": "是"}, ["has_storage", "store_kind", "defects"]),
        ({"has_storage": "是", "store_kind": "露天"}, ["has_storage", "store_kind", "defects"]),
        ({"has_storage": "是", "store_kind": "库房"}, ["has_storage", "store_kind", "room_sign", "defects"]),
        # the parent was changed back: the chained item hides although its own condition still holds
        ({"has_storage": "否", "store_kind": "库房"}, ["has_storage", "defects"]),
        # multi_choice parent: any selected option from `in`
        ({"defects": ["无标识"]}, ["has_storage", "defects"]),
        ({"defects": ["无标识", "无防渗"]}, ["has_storage", "defects", "photo_note"]),
    ],
)
def test_visible_items_follow_applies_if(answers: dict[str, Any], shown: list[str]) -> None:
    assert visible(answers) == shown


# --- describe_rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "rule", "fields", "params", "text"),
    [
        ("yes_no_na", {"equals": "否"}, {}, None, "选择“否”即为隐患"),
        ("choice", {"in": ["红", "黄"]}, COLOURS, None, "选择“红、黄”即为隐患"),
        ("multi_choice", {"in": ["无防渗", "无标识"]}, WASTE, None, "选中“无防渗、无标识”中任一项即为隐患"),
        ("number", {"lt": 4}, {}, None, "小于 4m 即为隐患"),
        ("number", {"le": 2.5}, {"unit": "MPa"}, None, "不大于 2.5MPa 即为隐患"),
        ("number", {"gt": 2}, {"unit": "人"}, None, "大于 2人 即为隐患"),
        ("number", {"ge": 10}, {}, None, "不小于 10m 即为隐患"),
        # a parameter reads as its current value
        ("number", {"lt_param": "min_width"}, {"status": "unconfirmed"}, {"min_width": 3.5}, "小于 3.5m 即为隐患"),
        ("date", {"older_than_days": 365}, {}, None, "距检查日超过 365 天即为隐患"),
        ("date", {"older_than_days_param": "age"}, {"status": "unconfirmed"}, {"age": 30}, "距检查日超过 30 天即为隐患"),
        ("text", None, {}, None, "仅作记录"),
    ],
)
def test_describe_rule(kind: str, rule: dict[str, Any] | None, fields: dict[str, Any],
                       params: dict[str, float] | None, text: str) -> None:
    checklist = make_checklist(make_item("q", kind, rule, **fields), parameters=params)
    assert describe_rule(checklist.item("q"), checklist) == text


# --- combined conditions (all_of / any_of, other items) ----------------------------------------

COMBINED = make_checklist(
    make_item("low_pressure", "number", None, unit="MPa"),
    make_item("stairs", "choice", None, options=["一部", "两部及以上"]),
    # Hazard only when both hold: over 0.70 MPa (another item) and no pressure reducer (this item).
    make_item("reducer", "yes_no_na", {"all_of": [{"equals": "否"}, {"item": "low_pressure", "gt": 0.7}]}),
    # One measurement, two ends.
    make_item("distance", "number", {"any_of": [{"lt": 5}, {"gt": 10}]}),
    # Nested: no escape ladder matters only with one stair, or in a large rental.
    make_item("rooms", "number", None, unit="间"),
    make_item("ladder", "yes_no_na", {"all_of": [
        {"equals": "否"},
        {"any_of": [{"item": "stairs", "equals": "一部"}, {"item": "rooms", "ge_param": "large"}]},
    ]}, status="unconfirmed"),
    parameters={"large": 10},
)


@pytest.mark.parametrize(
    ("item_id", "value", "answers", "expected"),
    [
        ("reducer", "否", {"low_pressure": 0.8}, True),
        ("reducer", "是", {"low_pressure": 0.8}, False),  # reducer fitted
        ("reducer", "否", {"low_pressure": 0.7}, False),  # pressure at the limit
        ("reducer", "否", {}, False),  # pressure not measured: a condition on it does not hold
        ("reducer", "否", {"low_pressure": "不适用"}, False),
        ("distance", 4.9, {}, True),
        ("distance", 10.1, {}, True),
        ("distance", 7.0, {}, False),
        ("ladder", "否", {"stairs": "一部", "rooms": 3}, True),
        ("ladder", "否", {"stairs": "两部及以上", "rooms": 12}, True),
        ("ladder", "否", {"stairs": "两部及以上", "rooms": 3}, False),
        ("ladder", "是", {"stairs": "一部", "rooms": 12}, False),
    ],
)
def test_combined_conditions(item_id: str, value: Any, answers: dict[str, Any], expected: bool) -> None:
    item = COMBINED.item(item_id)
    assert is_hazard(item, value, COMBINED, on=INSPECTED_ON, answers={**answers, item_id: value}) is expected


def test_a_rule_on_another_item_without_the_answers_does_not_fire() -> None:
    # Callers that pass no answers (v1 services) never see a half-evaluated combined rule fire.
    assert is_hazard(COMBINED.item("reducer"), "否", COMBINED, on=INSPECTED_ON) is False


def test_describe_combined_rule() -> None:
    assert describe_rule(COMBINED.item("distance"), COMBINED) == "小于 5m 或大于 10m 即为隐患"
    assert describe_rule(COMBINED.item("reducer"), COMBINED) == "选择“否”且“检查项目 low_pressure”大于 0.7MPa 即为隐患"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"all_of": [{"equals": "否"}, {"item": "later", "gt": 1}]}, "hazard rule item 'later' must come before this item"),
        ({"all_of": [{"equals": "否"}, {"item": "nowhere", "gt": 1}]}, "hazard rule points at missing item 'nowhere'"),
        ({"all_of": [{"equals": "否"}, {"item": "first", "equals": "4"}]},
         "hazard rule 'equals' on 'first' does not fit its kind 'number'"),
        ({"all_of": [{"equals": "否"}]}, "should have at least 2 items"),
        ({"item": "first", "all_of": [{"equals": "否"}, {"equals": "是"}]}, "'item' belongs on each condition"),
    ],
)
def test_a_bad_combined_rule_is_refused(rule: dict[str, Any], message: str) -> None:
    from checklists.schema import check_consistency

    with pytest.raises(ValueError, match=re.escape(message)):
        check_consistency(make_checklist(
            make_item("first", "number", None), make_item("q", "yes_no_na", rule), make_item("later", "number", None)))


# --- computed answers --------------------------------------------------------------------------

AREA = make_checklist(
    make_item("area", "number", None, unit="m²", min=0, max=500),
    make_item("people", "number", None, unit="人", min=0, max=50),
    make_item("per_person", "number", {"lt_param": "min_area"}, unit="m²", status="unconfirmed",
              computed={"numerator": "area", "denominator": "people", "digits": 1}),
    make_item("share", "number", {"gt": 50}, unit="%",
              computed={"numerator": "people", "denominator": "area", "scale": 100, "digits": 0}),
    parameters={"min_area": 4},
)


@pytest.mark.parametrize(
    ("answers", "value"),
    [
        ({"area": 10.0, "people": 3.0}, 3.3),
        ({"area": 12.0, "people": 3.0}, 4.0),
        ({"area": 12.0}, None),  # not worked out until both are known
        ({"area": 12.0, "people": 0.0}, None),  # nobody lives there: no ratio, no hazard
    ],
)
def test_computed_value_follows_the_answers_it_depends_on(answers: dict[str, Any], value: float | None) -> None:
    from app.domain.computed import computed_value

    assert computed_value(AREA.item("per_person"), answers) == value


def test_computed_item_raises_its_hazard_from_the_answers() -> None:
    item = AREA.item("per_person")
    assert is_hazard(item, None, AREA, on=INSPECTED_ON, answers={"area": 10.0, "people": 3.0}) is True
    assert is_hazard(item, None, AREA, on=INSPECTED_ON, answers={"area": 12.0, "people": 3.0}) is False
    # A value typed into it in the past is ignored: the answers decide.
    assert is_hazard(item, None, AREA, on=INSPECTED_ON,
                     answers={"area": 12.0, "people": 3.0, "per_person": 1.0}) is False


def test_computed_item_is_shown_not_typed() -> None:
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(AREA.item("per_person"), "3.5")
    assert caught.value.message == "该项由已填数据自动计算，无需填写"


def test_computed_item_is_never_missing_at_completion() -> None:
    from app.domain.completion import completion_problems

    answers = {"area": 12.0, "people": 3.0}
    assert completion_problems(AREA, answers, {}, signature_valid=True) == []


# --- exclusive options -------------------------------------------------------------------------

DEFECTS = make_checklist(make_item(
    "defects", "multi_choice", {"in": ["无防渗", "无标识"]},
    options=["无防渗", "无标识", "无上述情形"], exclusive_options=["无上述情形"],
)).item("defects")


@pytest.mark.parametrize(
    ("selected", "tapped", "after"),
    [
        (["无防渗"], "无上述情形", ["无上述情形"]),  # the exclusive option clears the others
        (["无上述情形"], "无标识", ["无标识"]),  # and another option clears it
        (["无防渗"], "无标识", ["无防渗", "无标识"]),
        (["无防渗", "无标识"], "无防渗", ["无标识"]),  # tapping a ticked option unticks it
        ([], "无上述情形", ["无上述情形"]),
    ],
)
def test_toggling_an_exclusive_option(selected: list[str], tapped: str, after: list[str]) -> None:
    assert toggle_option(DEFECTS, selected, tapped) == after


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["无防渗", "无上述情形"], "“无上述情形”不能与其他选项同时选择"),
        ([], "请至少选择一项；没有问题请选“无上述情形”"),
    ],
)
def test_exclusive_option_with_another_is_refused(raw: list[str], message: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(DEFECTS, raw)
    assert caught.value.message == message


def test_exclusive_option_alone_is_no_hazard() -> None:
    checklist = make_checklist(DEFECTS.model_dump(by_alias=True, exclude_none=True))
    assert validate_answer(DEFECTS, ["无上述情形"]) == ["无上述情形"]
    assert is_hazard(DEFECTS, ["无上述情形"], checklist, on=INSPECTED_ON) is False


def test_an_exclusive_option_cannot_also_make_a_hazard() -> None:
    with pytest.raises(ValueError, match="exclusive option"):
        make_checklist(make_item("d", "multi_choice", {"in": ["无上述情形"]},
                                 options=["a", "无上述情形"], exclusive_options=["无上述情形"]))


def test_a_value_once_typed_into_a_computed_item_feeds_no_other_rule() -> None:
    checklist = make_checklist(
        make_item("damaged", "number", None, unit="樘"),
        make_item("total", "number", None, unit="樘"),
        make_item("rate", "number", None, unit="%", computed={"numerator": "damaged", "denominator": "total",
                                                               "scale": 100}),
        make_item("reported", "yes_no_na", {"all_of": [{"equals": "否"}, {"item": "rate", "gt": 50}]}),
    )
    item = checklist.item("reported")
    # An old draft stored 80 for 'rate' by hand; the counts it depends on are not known yet.
    assert is_hazard(item, "否", checklist, on=INSPECTED_ON, answers={"rate": 80.0, "reported": "否"}) is False
    assert is_hazard(item, "否", checklist, on=INSPECTED_ON,
                     answers={"rate": 10.0, "damaged": 6.0, "total": 10.0, "reported": "否"}) is True
