"""What an inspection finds: levels below a hazard, office levels, finding texts, hidden check methods."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from checklist_builder import checklist, item

from app.domain.completion import completion_problems
from app.domain.findings import evaluate, finding_text, level_of, major_label
from app.domain.rules import describe_rule, visible_items
from checklists.office import OfficeConfig, office_problems

TODAY = date(2026, 11, 29)

STORAGE = checklist(
    item("kind", "multi_choice", options=["易燃类", "其他类"]),
    # A "原则上" storage period: a warning unless the office makes it a hard limit.
    item("oldest", "date", {"older_than_days_param": "days"}, level="预警", office_levels=["隐患"],
         applies_if={"item": "kind", "in": ["易燃类"]}, status="seed",
         finding="易燃类危险废物已贮存超过 {param.days} 天（最早一批 {value}）",
         requirement="原则上贮存不超过 {param.days} 天"),
    # A design value an old building misses: recorded and reported, not ordered.
    item("width", "number", {"lt": 4}, level="记录并报告", office_levels=["隐患"], method="仪器测量",
         finding="通道净宽 {value}，小于 4 m"),
    item("blocked", "yes_no_na", {"equals": "是"}, severity="重大", finding="安全出口被封死"),
    parameters={"days": 30},
)
OLD = TODAY - timedelta(days=40)


def by_item(findings):
    return {f.item_id: f for f in findings}


def test_a_storage_period_passed_in_principle_is_a_warning_not_a_hazard():
    found = by_item(evaluate(STORAGE, {"kind": ["易燃类"], "oldest": OLD}, on=TODAY))
    warning = found["oldest"]
    assert (warning.level, warning.severity, warning.is_hazard) == ("预警", "一般", False)
    assert warning.text == f"易燃类危险废物已贮存超过 30 天（最早一批 {OLD.isoformat()}）"


def test_office_can_make_the_storage_period_a_hard_limit():
    office = OfficeConfig(levels={"test": {"oldest": "隐患"}})
    assert office_problems(office, {"test": STORAGE}) == []
    found = by_item(evaluate(STORAGE, {"kind": ["易燃类"], "oldest": OLD}, on=TODAY, office=office))
    assert found["oldest"].level == "隐患" and found["oldest"].is_hazard


def test_office_cannot_lower_a_hazard_the_file_does_not_allow_it_to():
    office = OfficeConfig(levels={"test": {"blocked": "预警", "ghost": "隐患"}, "nope": {"x": "隐患"}})
    assert office_problems(office, {"test": STORAGE}) == [
        "levels.test.blocked: level '预警' is not allowed here (allowed: 隐患)",
        "levels.test: no item 'ghost'",
        "levels: no checklist 'nope'",
    ]
    assert level_of(STORAGE.item("blocked"), STORAGE, office) == "隐患"


def test_a_design_value_missed_is_recorded_and_reported():
    (finding,) = evaluate(STORAGE, {"width": 3.5}, on=TODAY)
    assert (finding.level, finding.is_hazard, finding.text) == ("记录并报告", False, "通道净宽 3.5m，小于 4 m")


def test_a_major_finding_keeps_its_severity_and_names_who_determines_it():
    (finding,) = evaluate(STORAGE, {"blocked": "是"}, on=TODAY)
    assert (finding.level, finding.severity, finding.authority) == ("隐患", "重大", "消防救援机构")
    assert major_label(finding.authority) == "疑似重大隐患（需消防救援机构认定）"


def test_finding_texts_follow_a_local_parameter():
    local = STORAGE.model_copy(update={"parameters": {
        "days": STORAGE.parameters["days"].model_copy(update={"default": 20.0})}})
    (finding,) = evaluate(local, {"kind": ["易燃类"], "oldest": OLD}, on=TODAY)
    assert "超过 20 天" in finding.text and finding.requirement == "原则上贮存不超过 20 天"


def test_a_v1_item_without_finding_text_reads_as_question_and_answer():
    v1 = checklist(item("q", "yes_no_na", {"equals": "否"}, finding=""), schema_version=1)
    assert finding_text(v1.item("q"), "否", v1) == "检查项目 q（检查结果：否）"


def test_the_answer_of_a_hidden_item_raises_nothing():
    # 'oldest' was answered, then 'kind' changed back: the old date must not raise a warning.
    assert evaluate(STORAGE, {"kind": ["其他类"], "oldest": OLD}, on=TODAY) == []


def test_instrument_items_are_hidden_for_a_role_that_cannot_measure():
    office = OfficeConfig(hidden_methods={"网格员": ["仪器测量"]})
    hidden = office.methods_hidden_for("网格员")
    assert "width" not in {i.id for i in visible_items(STORAGE, {}, hide_methods=hidden)}
    assert evaluate(STORAGE, {"width": 3.5}, on=TODAY, hide_methods=hidden) == []
    answers = {"kind": ["其他类"], "blocked": "否"}
    assert completion_problems(STORAGE, answers, {}, signature_valid=True, hide_methods=hidden) == []
    assert completion_problems(STORAGE, answers, {}, signature_valid=True) == ["还有 1 项未回答：第 2 题"]
    assert office.methods_hidden_for("消防监督员") == ()


@pytest.mark.parametrize(
    ("item_id", "level", "text"),
    [
        ("oldest", None, "距检查日超过 30 天即为预警"),
        ("oldest", "隐患", "距检查日超过 30 天即为隐患"),  # an office made it a hard limit
        ("width", None, "小于 4m 即需记录并报告"),
    ],
)
def test_the_hint_says_what_the_answer_leads_to(item_id: str, level: str | None, text: str):
    assert describe_rule(STORAGE.item(item_id), STORAGE, level=level) == text


def test_a_rule_never_reads_the_answer_of_a_hidden_item():
    checklist_ = checklist(
        item("has_kitchen", "yes_no_na"),
        item("gas", "yes_no_na", applies_if={"item": "has_kitchen", "equals": "是"}),
        item("detector", "yes_no_na", {"all_of": [{"equals": "否"}, {"item": "gas", "equals": "是"}]}),
    )
    # 'gas' was answered while the kitchen question said 是, then the kitchen answer was corrected.
    answers = {"has_kitchen": "否", "gas": "是", "detector": "否"}
    assert evaluate(checklist_, answers, on=TODAY) == []
    assert [f.item_id for f in evaluate(checklist_, {**answers, "has_kitchen": "是"}, on=TODAY)] == ["detector"]
