"""`python -m checklists DIR` as office staff run it: one line per checklist, exit status for scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

BASIS = [{"doc": "中华人民共和国消防法（2021修正）", "status": "confirmed"}]


def checklist(cid: str, title: str, version: int = 1, **item_changes: Any) -> dict[str, Any]:
    """A minimal valid checklist with one section of two items; ``item_changes`` edit the first item."""
    first = {
        "id": "blocked",
        "question": "消防车通道是否被占用",
        "kind": "yes_no_na",
        "hazard_when": {"equals": "是"},
        "finding": "消防车通道被占用",
        "status": "confirmed",
        "basis": BASIS,
    }
    first.update(item_changes)
    second = {
        "id": "width",
        "question": "通道净宽是多少",
        "kind": "number",
        "unit": "m",
        "hazard_when": {"lt_param": "min_width"},
        "finding": "消防车通道净宽只有 {value}",
        "status": "unconfirmed",
        "basis": BASIS,
    }
    return {
        "id": cid,
        "title": title,
        "version": version,
        "scope": ["高层住宅"],
        "parameters": {"min_width": {"title": "最小净宽", "default": 4, "unit": "m", "status": "unconfirmed"}},
        "sections": [{"id": "access", "title": "消防车通道", "items": [first, second]}],
    }


def write(path: Path, raw: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    # A C locale: the command must still print Chinese titles as UTF-8.
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": ""}
    return subprocess.run(
        [sys.executable, "-m", "checklists", *map(str, args)],
        capture_output=True, encoding="utf-8", env=env, timeout=60, check=False,
    )


def test_good_folder_prints_one_ok_line_per_checklist_and_exits_0(tmp_path: Path) -> None:
    write(tmp_path / "lifeline.yaml", checklist("lifeline", "生命通道", version=3))
    write(tmp_path / "group_rental.yaml", checklist("group_rental", "群租房"))
    empty = tmp_path / "installed"
    empty.mkdir()

    proc = run_cli(tmp_path, "--installed", empty)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:2] == [
        "OK  group_rental.yaml  group_rental v1 群租房: 2 项 / 1 部分 / 1 参数",
        "OK  lifeline.yaml  lifeline v3 生命通道: 2 项 / 1 部分 / 1 参数",
    ]
    assert len(lines) == 3
    assert "2 个清单通过, 0 个错误" in lines[2]
    assert "Traceback" not in proc.stderr


def test_folder_with_a_broken_file_names_file_and_item_and_exits_1(tmp_path: Path) -> None:
    write(tmp_path / "lifeline.yaml", checklist("lifeline", "生命通道"))
    write(tmp_path / "draft.yaml", checklist("draft", "草稿", hazard_when={"gt": 1}))

    proc = run_cli(tmp_path, "--installed", tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "OK  lifeline.yaml  lifeline v1 生命通道: 2 项 / 1 部分 / 1 参数",
        f"ERROR  draft.yaml:{line_of(tmp_path / 'draft.yaml', 'id: blocked')}: item blocked: "
        "hazard rule 'gt' does not fit answer kind 'yes_no_na' (fits: equals, in)",
        f"{tmp_path}: 1 个清单通过, 1 个错误 (1 ok, 1 error(s))",
    ]
    assert "Traceback" not in proc.stderr


def test_version_below_the_installed_one_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "installed" / "lifeline.yaml", checklist("lifeline", "生命通道", version=2))
    write(tmp_path / "new" / "lifeline.yaml", checklist("lifeline", "生命通道", version=1))

    proc = run_cli(tmp_path / "new", "--installed", tmp_path / "installed")

    assert proc.returncode == 1
    assert "ERROR  lifeline.yaml: version went down: 1 is older than installed version 2" in proc.stdout


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli(tmp_path / "nope")

    assert proc.returncode == 2
    assert "not a folder" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_folder_without_checklists_is_an_error(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "--installed", tmp_path)

    assert proc.returncode == 1
    assert "no checklist files" in proc.stdout


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line of ``path`` ending with ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.endswith(text))


def test_ok_line_counts_findings_below_a_hazard(tmp_path: Path) -> None:
    write(tmp_path / "hw.yaml", checklist("hw", "危废", level="预警", office_levels=["隐患"]))

    proc = run_cli(tmp_path, "--installed", tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == "OK  hw.yaml  hw v1 危废: 2 项 / 1 部分 / 1 参数 / 1 项预警"
