"""Schema versions: a file says the oldest schema that can read it; this app refuses what it cannot
read (naming the file and why), reads v1 files for drafts started on them, and new inspections use v2."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.domain.completion import completion_problems
from app.domain.findings import evaluate
from app.domain.rating import HazardFacts, rate
from app.domain.rules import visible_items
from checklists import SCHEMA_VERSION, load_file, load_shipped
from checklists.loader import ChecklistError
from checklists.schema import OLDEST_SCHEMA_VERSION

#: The four checklists as shipped in version 1 (schema 1), kept byte for byte in the app's archive.
V1_FILES = sorted((Path(__file__).resolve().parents[1] / "checklists" / "archive").glob("*.v1.yaml"))
TODAY = date(2026, 11, 29)
BASIS = [{"doc": "中华人民共和国消防法（2021修正）", "status": "confirmed"}]
FILE: dict[str, Any] = {
    "schema_version": 2,
    "id": "mini",
    "title": "小清单",
    "version": 1,
    "scope": ["其他"],
    "sections": [{"id": "s", "title": "检查", "items": [
        {"id": "a", "question": "疏散通道是否堆物", "kind": "yes_no_na", "hazard_when": {"equals": "是"},
         "finding": "疏散通道堆放杂物", "status": "confirmed", "basis": BASIS},
    ]}],
}


def write(path: Path, raw: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_this_app_reads_schema_1_and_2():
    assert (OLDEST_SCHEMA_VERSION, SCHEMA_VERSION) == (1, 2)


def test_a_file_that_needs_a_newer_app_is_refused_naming_file_and_why(tmp_path: Path):
    raw = {**copy.deepcopy(FILE), "schema_version": 3, "min_schema_version": 3}
    path = write(tmp_path / "mini.yaml", raw)
    with pytest.raises(ChecklistError) as caught:
        load_file(path)
    line = path.read_text(encoding="utf-8").splitlines().index("min_schema_version: 3") + 1
    assert str(caught.value) == (
        f"mini.yaml:{line}: cannot be read by this app: written for schema version 3 and readable only by apps "
        "reading schema 3 or newer; this app reads schema versions 1–2: update the app first"
    )


def test_a_newer_file_that_an_older_app_may_read_loads_without_its_new_fields(tmp_path: Path):
    raw = copy.deepcopy(FILE)
    raw.update(schema_version=3, min_schema_version=2, colour_hint="#f00")
    raw["sections"][0]["items"][0]["voice_prompt"] = "请看走道"  # a schema-3 field this app does not know
    checklist = load_file(write(tmp_path / "mini.yaml", raw))
    assert checklist.schema_version == 3 and checklist.item("a").finding == "疏散通道堆放杂物"


def test_a_field_unknown_to_the_schema_it_claims_is_still_refused(tmp_path: Path):
    raw = copy.deepcopy(FILE)
    raw["sections"][0]["items"][0]["voice_prompt"] = "请看走道"
    with pytest.raises(ChecklistError, match="unknown field 'voice_prompt'"):
        load_file(write(tmp_path / "mini.yaml", raw))


def test_a_schema_2_hazard_item_without_finding_text_is_refused(tmp_path: Path):
    raw = copy.deepcopy(FILE)
    del raw["sections"][0]["items"][0]["finding"]
    with pytest.raises(ChecklistError) as caught:
        load_file(write(tmp_path / "mini.yaml", raw))
    assert caught.value.message == "a hazard item needs a finding text (what the 隐患告知单 prints)"
    assert caught.value.item_id == "a"


def test_the_validator_prints_an_error_line_for_a_file_it_cannot_read(tmp_path: Path):
    write(tmp_path / "mini.yaml", {**copy.deepcopy(FILE), "schema_version": 4, "min_schema_version": 3})
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": ""}
    done = subprocess.run([sys.executable, "-m", "checklists", str(tmp_path)], capture_output=True,
                          encoding="utf-8", env=env, timeout=60, check=False)
    assert done.returncode == 1
    errors = [line for line in done.stdout.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1
    assert errors[0].startswith("ERROR  mini.yaml:") and "cannot be read by this app" in errors[0]
    assert "this app reads schema versions 1–2" in errors[0]


def test_the_shipped_files_say_only_this_schema_can_read_them():
    for checklist in load_shipped().checklists.values():
        assert (checklist.schema_version, checklist.reader_version, checklist.version) == (2, 2, 2), checklist.id


@pytest.fixture(scope="module")
def v1() -> dict[str, Any]:
    loaded = [load_file(path) for path in V1_FILES]
    return {checklist.id: checklist for checklist in loaded}


def test_v1_files_still_load(v1):
    assert {cid: c.schema_version for cid, c in v1.items()} == {
        "lifeline": 1, "group_rental": 1, "highrise": 1, "hw_storage": 1}


def test_a_draft_started_on_v1_renders_rates_and_completes_with_v1(v1):
    checklist = v1["group_rental"]
    # A v1 draft: the items it used are still there, under their v1 ids (GR-07 typed, GR-10 whole).
    answers = {item.id: "否" for item in visible_items(checklist, {}) if item.kind == "yes_no_na"}
    answers.update({"GR-07": 3.0, "GR-10": "是"})
    found = {f.item_id: f for f in evaluate(checklist, answers, on=TODAY)}
    assert found["GR-07"].text.startswith("人均居住面积是多少？（检查结果：3m²）")  # v1 has no finding texts
    assert found["GR-10"].severity == "重大"
    facts = [HazardFacts(item_id, f.severity, "待整改", TODAY) for item_id, f in found.items()]
    assert rate(checklist.rating, facts, TODAY).colour == "红"
    problems = completion_problems(checklist, answers, {}, signature_valid=True)
    assert problems and problems[0].startswith("还有")  # choice/number items still unanswered, as in v1


def test_new_inspections_use_v2_where_v1_items_were_replaced(v1):
    v2 = load_shipped().checklists["group_rental"]
    assert "GR-07" in {i.id for i in v1["group_rental"].items}
    assert "GR-07" not in {i.id for i in v2.items} and v2.item("GR-07c").computed is not None


def test_a_checklist_stored_as_json_reads_back_the_same(v1):
    # The device keeps every version it has used; JSON in its database is one way to keep them.
    for checklist in [*v1.values(), *load_shipped().checklists.values()]:
        stored = checklist.model_dump(by_alias=True, exclude_defaults=True, mode="json")
        assert type(checklist).model_validate(stored) == checklist, checklist.id
