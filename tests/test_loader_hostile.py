"""Hostile checklist folders: each bad file is one ``ERROR file: …`` line, fast, in bounded memory.

The inputs are generated here (alias bombs, deep nesting, huge numbers, wrong encodings,
oversized files), never stored in the repository. The command-line cases run in a child
process with a memory and time limit, so a regression shows as a failure, not a hung suite.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from checklists.loader import ChecklistError, load_dir, load_file

REPO = Path(__file__).resolve().parents[1]
BASIS = [{"doc": "中华人民共和国消防法（2021修正）", "status": "confirmed"}]


def checklist(cid: str = "lifeline") -> dict[str, Any]:
    """A small valid schema-2 checklist with one number threshold (``min_width``) and a people limit;
    each hazard item carries the finding text a 隐患告知单 prints."""
    return {
        "id": cid,
        "title": "生命通道",
        "version": 1,
        "scope": ["高层住宅", "群租房"],
        "parameters": {
            "min_width": {"title": "最小净宽", "default": 4, "unit": "m", "status": "unconfirmed"},
            "max_per_room": {"title": "每间人数上限", "default": 2, "unit": "人", "status": "unconfirmed"},
        },
        "sections": [{"id": "access", "title": "消防车通道", "items": [
            {"id": "width", "question": "通道净宽是多少", "kind": "number", "unit": "m",
             "hazard_when": {"lt_param": "min_width"}, "finding": "消防车通道净宽 {value}，不足 {param.min_width} m",
             "status": "unconfirmed", "basis": BASIS},
            {"id": "people", "question": "一间住了几人", "kind": "number", "unit": "人",
             "hazard_when": {"gt_param": "max_per_room"}, "finding": "一间居住 {value}，超过 {param.max_per_room} 人",
             "status": "unconfirmed", "basis": BASIS},
        ]}],
    }


def dump(raw: Any) -> str:
    return yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)


def billion_laughs(levels: int = 9, fanout: int = 10) -> str:
    """A flow sequence whose aliases expand to ``fanout ** levels`` strings (a few hundred bytes)."""
    parts = ["&l0 哈"]
    for n in range(1, levels + 1):
        parts.append(f"&l{n} [" + ", ".join([f"*l{n - 1}"] * fanout) + "]")
    return "[" + ", ".join(parts) + "]"


def with_kind(value_yaml: str) -> str:
    """The checklist with the first item's ``kind`` replaced by raw YAML text."""
    raw = checklist()
    raw["sections"][0]["items"][0]["kind"] = "KIND_HERE"
    return dump(raw).replace("KIND_HERE", value_yaml, 1)


def nested(depth: int) -> str:
    """``sections`` as ``depth`` nested flow sequences."""
    return dump({**checklist(), "sections": "SECTIONS"}).replace("SECTIONS", "[" * depth + "]" * depth)


def run_cli(folder: Path) -> subprocess.CompletedProcess[str]:
    """``python -m checklists DIR`` under a 1 GiB address-space cap and a 60 s limit."""

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run([sys.executable, "-m", "checklists", str(folder), "--installed", str(folder)],
                          cwd=REPO, capture_output=True, encoding="utf-8", timeout=60, check=False,
                          preexec_fn=cap_memory, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stdout.splitlines() if line.startswith("ERROR")]


def test_alias_bomb_in_a_kind_field_is_refused_quickly_with_a_short_message(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(with_kind(billion_laughs()), encoding="utf-8")
    (tmp_path / "good.yaml").write_text(dump(checklist("good")), encoding="utf-8")

    proc = run_cli(tmp_path)

    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    [line] = error_lines(proc)
    assert line.startswith("ERROR  bomb.yaml")
    assert "alias" in line and len(line) < 300
    assert "OK  good.yaml" in proc.stdout  # the other files still load


def test_alias_bomb_in_parameters_yaml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "lifeline.yaml").write_text(dump(checklist()), encoding="utf-8")
    bomb = f"lifeline:\n  min_width: {billion_laughs()}\n"
    (tmp_path / "parameters.yaml").write_text(bomb, encoding="utf-8")

    proc = run_cli(tmp_path)

    assert proc.returncode == 1, proc.stderr[-2000:]
    [line] = error_lines(proc)
    assert line.startswith("ERROR  parameters.yaml") and "alias" in line and len(line) < 300


def test_shared_basis_through_anchors_still_loads(tmp_path: Path) -> None:
    # The shipped files cite one regulation from many items with &anchor / *alias: that stays legal.
    text = dump(checklist())
    assert "basis: &id001" in text and "basis: *id001" in text  # both items share one BASIS list
    path = tmp_path / "lifeline.yaml"
    path.write_text(text, encoding="utf-8")
    assert [i.basis[0].doc for i in load_file(path).items] == [BASIS[0]["doc"]] * 2


@pytest.mark.parametrize("shape", ["sequences", "mappings"])
def test_nesting_900_deep_is_an_error_line_not_a_traceback(tmp_path: Path, shape: str) -> None:
    deep_mapping = "extra: " + "{a: " * 900 + "1" + "}" * 900
    text = nested(900) if shape == "sequences" else dump(checklist()) + deep_mapping
    (tmp_path / "deep.yaml").write_text(text, encoding="utf-8")

    proc = run_cli(tmp_path)

    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    [line] = error_lines(proc)
    deep_line = next(n for n, text in enumerate(text.splitlines(), 1) if "[[[" in text or "{a: {a:" in text)
    assert line.startswith(f"ERROR  deep.yaml:{deep_line}: ") and "nested" in line


def test_deep_nesting_raises_checklist_error_in_process(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(nested(900), encoding="utf-8")
    with pytest.raises(ChecklistError, match="nested more than"):
        load_file(path)


def test_oversized_checklist_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    filler = "# " + "很长的注释" * 100 + "\n"
    with path.open("w", encoding="utf-8") as out:
        out.write(dump(checklist()))
        while out.tell() < 3 * 1024 * 1024:
            out.write(filler)
    with pytest.raises(ChecklistError) as caught:
        load_file(path)
    assert caught.value.file == "huge.yaml" and "larger than" in caught.value.message


def overrides_result(tmp_path: Path, parameters: bytes | str):
    (tmp_path / "lifeline.yaml").write_text(dump(checklist()), encoding="utf-8")
    data = parameters.encode("utf-8") if isinstance(parameters, str) else parameters
    (tmp_path / "parameters.yaml").write_bytes(data)
    return load_dir(tmp_path)


def test_400_digit_integer_in_parameters_is_an_error_naming_the_line(tmp_path: Path) -> None:
    result = overrides_result(tmp_path, "lifeline:\n  max_per_room: " + "9" * 400 + "\n")
    [error] = result.errors
    assert (error.file, error.line) == ("parameters.yaml", 2)
    assert "400 digits" in error.message and len(str(error)) < 300
    # The file is refused as a whole: the checklist keeps its shipped threshold.
    assert result.checklists["lifeline"].param_value("max_per_room") == 2


def test_5000_digit_version_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "lifeline.yaml"
    path.write_text(dump(checklist()).replace("version: 1", "version: " + "7" * 5000), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_file(path)
    assert caught.value.line == 3 and "5000 digits" in caught.value.message


def test_huge_float_parameter_is_refused_as_not_finite(tmp_path: Path) -> None:
    result = overrides_result(tmp_path, "lifeline:\n  min_width: 1.0e+400\n")
    [error] = result.errors
    assert "lifeline" not in result.checklists and "finite" in error.message


def test_self_referencing_alias_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text(with_kind("&loop [*loop]"), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_file(path)
    assert len(str(caught.value)) < 300


def test_parameters_yaml_saved_as_gbk_is_an_error_naming_the_line(tmp_path: Path) -> None:
    text = "# 本区设定（办公室电脑另存为 GBK）\nlifeline:\n  min_width: 3.5\n"
    result = overrides_result(tmp_path, text.encode("gbk"))
    [error] = result.errors
    assert (error.file, error.line) == ("parameters.yaml", 1)
    assert "UTF-8" in error.message


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN", "+.Inf"])
def test_non_finite_parameter_is_refused_and_never_switches_a_rule_off(tmp_path: Path, value: str) -> None:
    result = overrides_result(tmp_path, f"lifeline:\n  max_per_room: {value}\n")
    # A NaN threshold makes every comparison false: 50 people in a room would raise no hazard.
    assert "lifeline" not in result.checklists
    [error] = result.errors
    assert error.file == "parameters.yaml"
    assert "finite" in error.message and "lifeline.max_per_room" in error.message


def test_parameters_naming_an_unknown_checklist_is_an_error(tmp_path: Path) -> None:
    result = overrides_result(tmp_path, "lifeline:\n  min_width: 3.5\nlife_line:\n  min_width: 3\n")
    assert result.checklists["lifeline"].param_value("min_width") == 3.5
    assert [str(e) for e in result.errors] == [
        "parameters.yaml: no checklist with id 'life_line' was loaded from this folder"
    ]


def test_oversized_parameters_yaml_is_refused(tmp_path: Path) -> None:
    result = overrides_result(tmp_path, "lifeline:\n  min_width: 3.5\n" + "# 注释\n" * 200_000)
    [error] = result.errors
    assert error.file == "parameters.yaml" and "larger than" in error.message


def test_long_wrong_value_is_shown_shortened(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(with_kind("[" + ", ".join(["是否"] * 20_000) + "]"), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_file(path)
    assert caught.value.item_id == "width" and len(str(caught.value)) < 300


def test_a_fifo_named_like_a_checklist_does_not_block_the_folder(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "lifeline.yaml").write_text(dump(checklist()), encoding="utf-8")
    results = []
    loader = threading.Thread(target=lambda: results.append(load_dir(tmp_path)), daemon=True)
    loader.start()
    loader.join(timeout=20)
    if loader.is_alive():  # blocked opening the FIFO: release it so the suite goes on
        with open(tmp_path / "pipe.yaml", "wb"):
            pass
        loader.join()
    [result] = results
    assert not loader.is_alive() and list(result.checklists) == ["lifeline"]
    assert [str(e) for e in result.errors] == ["pipe.yaml: not a regular file"]
