"""When an inspection may be completed, and the hash a signature is bound to."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from checklists.schema import Checklist

from .rules import visible_items


def completion_problems(
    checklist: Checklist,
    answers: Mapping[str, Any],
    hazard_photos: Mapping[str, int],
    *,
    signature_valid: bool,
    hide_methods: Collection[str] = (),
    hazard_texts: Mapping[str, str] | None = None,
) -> list[str]:
    """Why an inspection cannot be completed yet, in Chinese; empty when it can.

    Computed items are never missing (they follow from other answers), nor are items whose
    check method is hidden for this inspector.

    :param answers: item id → answer value.
    :param hazard_photos: for each hazard raised from an item whose checklist requires a
        photo: item id → number of photos attached.
    :param hide_methods: methods hidden for the inspector's role, e.g. ``("仪器测量",)``.
    :param hazard_texts: item id → the hazard's 隐患描述, to name a hazard that lacks its photo.

    Problems name items by their number on screen (第 12 题) and hazards by their description:
    item ids are the checklist's, not the inspector's.
    """
    problems: list[str] = []
    visible = visible_items(checklist, answers, hide_methods=hide_methods)
    questions = [item for item in visible if item.computed is None]
    missing = [n for n, item in enumerate(questions, 1) if item.required and item.id not in answers]
    if missing:
        listed = "、".join(map(str, missing[:5])) + ("等" if len(missing) > 5 else "")
        problems.append(f"还有 {len(missing)} 项未回答：第 {listed} 题")
    texts = hazard_texts or {}
    for item in visible:
        if item.id in hazard_photos and item.photo_required and hazard_photos[item.id] == 0:
            problems.append(f"隐患“{texts.get(item.id, item.question)}”需要至少一张照片")
    if not signature_valid:
        problems.append("需要现场负责人签名（签名后如有修改需重新签名）")
    return problems


def record_hash(inspection: Mapping[str, Any], answers: Sequence[Mapping[str, Any]],
                hazards: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 of the record as the representative sees it when signing.

    Any later change to an answer or a hazard changes the hash, so the signature no longer
    matches and a new one is needed.
    """
    canonical = json.dumps(
        {"inspection": inspection, "answers": list(answers), "hazards": list(hazards)},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
