"""Rule 3 of the conflict rule: what a completed (signed) inspection or a closed hazard keeps.

Once an inspection completes, its fields, answers and signature never change, nor do the
signed fields of its hazards; their lifecycle, 复查 and later photos still move on. A closed
(已销号) hazard keeps everything. Office decisions are separate records and go around this.
"""

from __future__ import annotations

from typing import Any

from app.domain.lifecycle import CLOSED
from app.domain.signing import SIGNED_HAZARD_FIELDS

from .batch import Batch
from .entities import Spec
from .errors import EntryRejected

SEALED_HAZARD_FIELDS = frozenset({*SIGNED_HAZARD_FIELDS, "deadline_chosen", "checklist_id", "photo_required",
                                  "created_at"})
_FIELD_NAMES = {"description": "隐患描述", "location": "隐患部位", "severity": "严重程度", "rect_unit": "整改责任单位",
                "requirement": "整改要求", "deadline": "整改期限", "item_id": "检查项"}


def completed(batch: Batch, inspection_id: str | None) -> bool:
    row = batch.load("inspection", inspection_id) if inspection_id else None
    return row is not None and row["status"] == "completed"


def refuse_new(batch: Batch, spec: Spec, fields: dict[str, Any]) -> None:
    """A new record may not join a completed inspection's signed content.

    :raises EntryRejected: ``locked``; ``forbidden`` for 挂牌督办 set by anyone but a 管理员.
    """
    inspection_id = None
    if spec.name in ("answer", "signature"):
        inspection_id = fields["inspection_id"]
    elif spec.name == "hazard":
        inspection_id = fields["inspection_id"]
        if fields["listed"] and not batch.user.is_admin:
            raise EntryRejected("forbidden", "只有管理员可以挂牌督办")
    elif spec.name == "photo_link" and fields["owner_kind"] == "answer":
        inspection_id = fields["owner_id"].partition("/")[0]
    if completed(batch, inspection_id):
        raise EntryRejected("locked", f"该检查已完成并签名，不能再添加或修改{spec.label}",
                            detail=f"inspection {inspection_id} is completed")


def locked_fields(batch: Batch, spec: Spec, current: dict[str, Any]) -> frozenset[str]:
    """The fields of a stored record that no change may alter now."""
    everything = frozenset(spec.fields)
    if spec.name == "inspection":
        return everything if current["status"] == "completed" else frozenset()
    if spec.name in ("answer", "signature"):
        return everything if completed(batch, current["inspection_id"]) else frozenset()
    if spec.name == "review":
        return everything  # a 复查 is a fact once recorded
    if spec.name == "hazard" and (current["status"] == CLOSED or completed(batch, current["inspection_id"])):
        return SEALED_HAZARD_FIELDS  # status and closed_at follow the lifecycle (rule 2)
    return frozenset()


def locked_message(spec: Spec, current: dict[str, Any], fields: list[str]) -> str:
    if spec.name == "hazard":
        names = "、".join(_FIELD_NAMES.get(f, f) for f in fields)
        if current["status"] == CLOSED:
            return f"该隐患已销号，{names}不能再修改"
        return f"该隐患所属检查已由现场负责人签名确认，{names}不能再修改；如需调整请由管理员作出决定"
    if spec.name == "review":
        return "复查记录保存后不能修改"
    return "该检查已完成并签名，记录不能再修改"
