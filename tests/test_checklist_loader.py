"""Broken checklist files are refused with a message naming the file, the item and the fault."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from checklists.loader import ChecklistError, load_dir, load_file
from checklists.schema import SITE_KINDS

BASIS = [{"doc": "中华人民共和国消防法（2021修正）", "article": "第二十八条", "status": "confirmed"}]

#: A small valid checklist; each case below breaks one thing in a deep copy of it.
BASE: dict[str, Any] = {
    "id": "lifeline",
    "title": "生命通道",
    "version": 2,
    "scope": ["高层住宅", "小区/单位消防车通道"],
    "parameters": {
        "min_width": {"title": "消防车通道最小净宽", "default": 4, "unit": "m", "status": "unconfirmed"},
    },
    "sections": [
        {
            "id": "access",
            "title": "消防车通道",
            "items": [
                {
                    "id": "blocked",
                    "question": "消防车通道是否被占用",
                    "kind": "yes_no_na",
                    "hazard_when": {"equals": "是"},
                    "finding": "消防车通道被占用",
                    "severity": "重大",
                    "status": "confirmed",
                    "basis": BASIS,
                },
                {
                    "id": "width",
                    "question": "通道净宽是多少",
                    "kind": "number",
                    "unit": "m",
                    "min": 0,
                    "max": 50,
                    "hazard_when": {"lt_param": "min_width"},
                    "finding": "消防车通道净宽只有 {value}",
                    "status": "unconfirmed",
                    "basis": BASIS,
                    "applies_if": {"item": "blocked", "equals": "否"},
                },
            ],
        },
        {
            "id": "stairs",
            "title": "疏散楼梯",
            "items": [
                {
                    "id": "stair_state",
                    "question": "楼梯间状况如何",
                    "kind": "choice",
                    "options": ["畅通", "堆物", "锁闭"],
                    "hazard_when": {"in": ["堆物", "锁闭"]},
                    "finding": "楼梯间{value}",
                    "status": "secondary",
                    "basis": BASIS,
                },
            ],
        },
    ],
    "rating": {
        "rules": [
            {"colour": "红", "label": "存在疑似重大隐患", "when": {"severity": "重大"}},
            {"colour": "蓝", "label": "未发现重大隐患"},
        ]
    },
}


def item(raw: dict[str, Any], item_id: str) -> dict[str, Any]:
    """The item dict with ``item_id`` inside a raw checklist dict."""
    return next(i for s in raw["sections"] for i in s["items"] if i["id"] == item_id)


def write(path: Path, raw: Any) -> Path:
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def mutated(change: Callable[[dict[str, Any]], Any]) -> Any:
    """Apply ``change`` to a copy of BASE; a change returning something else replaces the whole file."""
    raw = copy.deepcopy(BASE)
    result = change(raw)
    return raw if result is None else result


def _drop(d: dict[str, Any], key: str) -> None:
    del d[key]


def _rename(d: dict[str, Any], old: str, new: str) -> None:
    d[new] = d.pop(old)


def test_base_fixture_loads(tmp_path: Path) -> None:
    checklist = load_file(write(tmp_path / "lifeline.yaml", BASE))
    assert checklist.id == "lifeline"
    assert [i.id for i in checklist.items] == ["blocked", "width", "stair_state"]


BROKEN = [
    # The file is a YAML list of checklists, not one checklist mapping.
    pytest.param(lambda d: [d], None,
                 "the file must be a mapping with id, title, version, sections, got a list", id="list_not_mapping"),
    # An empty file.
    pytest.param(lambda d: "", None,
                 "the file must be a mapping with id, title, version, sections, got an empty file",
                 id="empty_file"),
    # Answer kind misspelt: names the item and lists the kinds that exist.
    pytest.param(lambda d: item(d, "blocked").update(kind="yesno"), "blocked",
                 "kind: Input should be 'yes_no_na', 'number', 'choice', 'multi_choice', 'text', 'photo' "
                 "or 'date', got 'yesno'",
                 id="unknown_answer_kind"),
    # Two items share an id (across sections): the second one is named.
    pytest.param(lambda d: item(d, "stair_state").update(id="blocked"), "blocked",
                 "duplicate item id 'blocked'", id="duplicate_item_id"),
    # Skip logic points at an item that does not exist.
    pytest.param(lambda d: item(d, "width")["applies_if"].update(item="blocked_x"), "width",
                 "applies_if points at missing item 'blocked_x'", id="applies_if_missing_item"),
    # Skip logic points at a later item (answers are given in order).
    pytest.param(lambda d: item(d, "blocked").update(applies_if={"item": "stair_state", "equals": "畅通"}),
                 "blocked", "applies_if item 'stair_state' must come before this item",
                 id="applies_if_later_item"),
    # Skip logic names an answer its target item cannot have.
    pytest.param(lambda d: item(d, "width").update(applies_if={"item": "blocked", "equals": "没有"}), "width",
                 "applies_if names ['没有'], not options of 'blocked'", id="applies_if_unknown_option"),
    # A numeric comparison on a 是/否/不适用 question.
    pytest.param(lambda d: item(d, "blocked").update(hazard_when={"gt": 1}), "blocked",
                 "hazard rule 'gt' does not fit answer kind 'yes_no_na' (fits: equals, in)",
                 id="gt_on_yes_no_na"),
    # An option match on a number question.
    pytest.param(lambda d: item(d, "width").update(hazard_when={"equals": "4"}), "width",
                 "hazard rule 'equals' does not fit answer kind 'number' "
                 "(fits: ge, ge_param, gt, gt_param, le, le_param, lt, lt_param)", id="equals_on_number"),
    # The hazard rule names an option the choice item does not offer.
    pytest.param(lambda d: item(d, "stair_state").update(hazard_when={"in": ["堆物", "封堵"]}), "stair_state",
                 "hazard rule names ['封堵'] which is not an option of this item",
                 id="rule_names_unknown_option"),
    # Two conditions in one hazard rule.
    pytest.param(lambda d: item(d, "blocked").update(hazard_when={"equals": "是", "in": ["否"]}), "blocked",
                 "hazard_when: needs exactly one condition, got equals, in", id="two_conditions"),
    # The rule compares with a parameter the checklist does not define.
    pytest.param(lambda d: item(d, "width").update(hazard_when={"gt_param": "max_width"}), "width",
                 "hazard rule uses unknown parameter 'max_width'", id="unknown_gt_param"),
    # An unconfirmed threshold written as a literal: offices could not set their local value.
    pytest.param(lambda d: item(d, "width").update(hazard_when={"lt": 4}), "width",
                 "an unconfirmed threshold must be a named parameter (use lt_param), not a literal",
                 id="unconfirmed_literal_threshold"),
    # Every item must cite its legal basis.
    pytest.param(lambda d: _drop(item(d, "blocked"), "basis"), "blocked", "missing field 'basis'",
                 id="missing_basis"),
    # A basis entry without its status.
    pytest.param(lambda d: item(d, "blocked").update(basis=[{"doc": "中华人民共和国消防法"}]), "blocked",
                 "missing field 'basis.status'", id="basis_missing_status"),
    # A typo in a field name is refused, not silently ignored.
    pytest.param(lambda d: _rename(item(d, "blocked"), "hazard_when", "hazzard_when"), "blocked",
                 "unknown field 'hazzard_when'", id="typo_hazzard_when"),
    # A number without a unit cannot be read by the inspector.
    pytest.param(lambda d: _drop(item(d, "width"), "unit"), "width", "a number item needs a unit",
                 id="number_without_unit"),
    # min not below max.
    pytest.param(lambda d: item(d, "width").update(min=50, max=5), "width", "min 50 is not below max 5",
                 id="min_not_below_max"),
    # A choice with a single option is not a choice.
    pytest.param(lambda d: item(d, "stair_state").update(options=["畅通"], hazard_when={"equals": "畅通"}),
                 "stair_state", "answer kind 'choice' needs at least two options",
                 id="choice_with_one_option"),
    # An item that can never raise a hazard must say it is informational.
    pytest.param(lambda d: _drop(item(d, "blocked"), "hazard_when"), "blocked",
                 "item has no hazard_when (mark context-only items informational: true)",
                 id="no_hazard_rule"),
    # A status outside confirmed/secondary/unconfirmed/seed.
    pytest.param(lambda d: item(d, "blocked").update(status="maybe"), "blocked",
                 "status: Input should be 'confirmed', 'secondary', 'unconfirmed' or 'seed', got 'maybe'",
                 id="bad_status"),
    # An item without an id is named by its position in its section.
    pytest.param(lambda d: _drop(item(d, "width"), "id"), None,
                 "item 2 of section 'access': missing field 'id'", id="item_without_id"),
    # A section-level fault names the section.
    pytest.param(lambda d: _drop(d["sections"][1], "items"), None,
                 "section 'stairs': missing field 'items'", id="section_without_items"),
    # A site kind the app does not know.
    pytest.param(lambda d: d.update(scope=["高层住宅", "仓库"]), None,
                 f"scope: unknown site kinds ['仓库']; known: {list(SITE_KINDS)}", id="bad_scope_site_kind"),
    # The rating's last rule must be the unconditional default colour.
    pytest.param(lambda d: d["rating"]["rules"].reverse(), None,
                 "rating: the last rating rule must have an empty 'when' (the default colour)",
                 id="rating_last_rule_not_default"),
    # A rating rule naming an item that does not exist.
    pytest.param(lambda d: d["rating"]["rules"][0].update(when={"items": ["exit_sign"]}), None,
                 "rating rule '红' names missing items ['exit_sign']", id="rating_names_missing_item"),
    # A parameter without its status.
    pytest.param(lambda d: _drop(d["parameters"]["min_width"], "status"), None,
                 "missing field 'parameters.min_width.status'", id="parameter_missing_status"),
    # Version numbers start at 1.
    pytest.param(lambda d: d.update(version=0), None, "version: Input should be greater than or equal to 1",
                 id="version_zero"),
]


@pytest.mark.parametrize(("change", "item_id", "message"), BROKEN)
def test_broken_file_is_refused_with_precise_message(
    tmp_path: Path, request: pytest.FixtureRequest, change: Callable[[dict[str, Any]], Any],
    item_id: str | None, message: str,
) -> None:
    name = f"{request.node.callspec.id}.yaml"
    raw = mutated(change)
    path = tmp_path / name
    if isinstance(raw, str):
        path.write_text(raw, encoding="utf-8")
    else:
        write(path, raw)

    with pytest.raises(ChecklistError) as caught:
        load_file(path)

    err = caught.value
    assert (err.file, err.item_id, err.message) == (name, item_id, message)
    if item_id is not None:
        # The line is the one an editor jumps to: the (last) `id: <item>` of the item at fault.
        text = path.read_text(encoding="utf-8").splitlines()
        id_lines = [n for n, line in enumerate(text, 1) if re.search(rf"\bid: {re.escape(item_id)}$", line)]
        assert err.line == id_lines[-1]
    where = name if err.line is None else f"{name}:{err.line}"
    where += "" if item_id is None else f": item {item_id}"
    assert str(err) == f"{where}: {message}"


def test_checklist_level_error_names_the_line(tmp_path: Path) -> None:
    raw = mutated(lambda d: d.update(version=0))
    path = tmp_path / "v0.yaml"
    write(path, raw)
    with pytest.raises(ChecklistError) as caught:
        load_file(path)
    line = path.read_text(encoding="utf-8").splitlines()[caught.value.line - 1]
    assert line == "version: 0"
    assert str(caught.value) == f"v0.yaml:{caught.value.line}: version: Input should be greater than or equal to 1"


def test_bad_yaml_syntax_names_the_line(tmp_path: Path) -> None:
    text = yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False)
    assert text.splitlines()[1] == "title: 生命通道"
    path = tmp_path / "syntax.yaml"
    # A second colon on line 2 makes the value a nested mapping, which YAML forbids here.
    path.write_text(text.replace("title: 生命通道", "title: 生命通道: 旧版", 1), encoding="utf-8")

    with pytest.raises(ChecklistError) as caught:
        load_file(path)

    assert caught.value.line == 2
    assert str(caught.value) == "syntax.yaml:2: invalid YAML: mapping values are not allowed here"


def test_version_that_went_down_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "lifeline.yaml", BASE)  # version 2

    with pytest.raises(ChecklistError) as caught:
        load_file(path, previous_versions={"lifeline": 3})

    assert str(caught.value) == "lifeline.yaml: version went down: 2 is older than installed version 3"


@pytest.mark.parametrize(
    "installed",
    [
        {"lifeline": 2},  # same version: a re-install is fine
        {"lifeline": 1},  # an upgrade
        {"group_rental": 9},  # other checklists do not matter
    ],
)
def test_same_or_newer_version_loads(tmp_path: Path, installed: dict[str, int]) -> None:
    assert load_file(write(tmp_path / "lifeline.yaml", BASE), previous_versions=installed).version == 2


def test_folder_with_one_broken_file_still_loads_the_good_one(tmp_path: Path) -> None:
    write(tmp_path / "lifeline.yaml", BASE)
    broken = mutated(lambda d: _rename(item(d, "blocked"), "hazard_when", "hazzard_when"))
    broken["id"] = "lifeline_draft"
    write(tmp_path / "draft.yaml", broken)

    result = load_dir(tmp_path)

    assert list(result.checklists) == ["lifeline"]
    assert result.paths["lifeline"] == tmp_path / "lifeline.yaml"
    line = next(n for n, text in enumerate((tmp_path / "draft.yaml").read_text(encoding="utf-8").splitlines(), 1)
                if text.endswith("id: blocked"))
    assert [str(e) for e in result.errors] == [f"draft.yaml:{line}: item blocked: unknown field 'hazzard_when'"]
    assert not result.ok


def test_two_files_with_the_same_checklist_id_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", BASE)
    write(tmp_path / "b.yaml", BASE)

    result = load_dir(tmp_path)

    assert list(result.checklists) == ["lifeline"]
    assert [str(e) for e in result.errors] == ["b.yaml: checklist id 'lifeline' is used by another file"]


def test_parameters_yaml_overrides_a_threshold(tmp_path: Path) -> None:
    write(tmp_path / "lifeline.yaml", BASE)
    (tmp_path / "parameters.yaml").write_text("lifeline:\n  min_width: 3.5\n", encoding="utf-8")

    result = load_dir(tmp_path)

    assert result.ok, result.errors
    param = result.checklists["lifeline"].parameters["min_width"]
    assert param.default == 3.5
    assert "本地设定 3.5m，原默认 4m" in param.note


def test_override_passed_to_load_file_changes_the_threshold(tmp_path: Path) -> None:
    checklist = load_file(write(tmp_path / "lifeline.yaml", BASE), overrides={"lifeline": {"min_width": 6}})
    assert checklist.param_value("min_width") == 6


def test_override_naming_an_unknown_parameter_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "lifeline.yaml", BASE)
    (tmp_path / "parameters.yaml").write_text("lifeline:\n  max_width: 3.5\n", encoding="utf-8")

    result = load_dir(tmp_path)

    assert [str(e) for e in result.errors] == [
        "parameters.yaml: checklist 'lifeline' has no parameter 'max_width'"
    ]


def test_override_that_is_not_a_number_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ChecklistError) as caught:
        load_file(write(tmp_path / "lifeline.yaml", BASE), overrides={"lifeline": {"min_width": "四米"}})
    assert str(caught.value) == "parameters.yaml: parameter 'lifeline.min_width' must be a number, got '四米'"
