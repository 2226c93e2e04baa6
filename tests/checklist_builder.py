"""Small in-memory checklists for domain tests: one item dict at a time, validated like a file."""

from __future__ import annotations

from typing import Any

from checklists.schema import Checklist, check_consistency

BASIS = [{"doc": "中华人民共和国消防法（2021修正）", "article": "第二十八条", "status": "confirmed"}]


def item(item_id: str, kind: str, hazard_when: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A raw item; without ``hazard_when`` it is informational, with one it gets a finding text."""
    raw: dict[str, Any] = {
        "id": item_id, "question": f"检查项目 {item_id}", "kind": kind, "status": "confirmed", "basis": BASIS,
    }
    if hazard_when is None:
        raw["informational"] = True
    else:
        raw["hazard_when"] = hazard_when
        raw["finding"] = f"发现问题 {item_id}"
        raw["requirement"] = f"整改 {item_id}"
    if kind == "number":
        raw["unit"] = "m"
    raw.update(fields)
    return raw


def checklist(*items: dict[str, Any], parameters: dict[str, float] | None = None, **fields: Any) -> Checklist:
    """A one-section checklist, checked as the loader checks a file."""
    raw = {
        "id": "test", "title": "测试清单", "version": 1, "scope": ["其他"],
        "parameters": {
            name: {"title": name, "default": value, "unit": "", "status": "unconfirmed", "note": "待确认"}
            for name, value in (parameters or {}).items()
        },
        "sections": [{"id": "main", "title": "检查", "items": list(items)}],
        **fields,
    }
    result = Checklist.model_validate(raw)
    check_consistency(result)
    return result
