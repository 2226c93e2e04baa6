"""Test data shared by the suites: a small checklist covering every answer kind, images, the day.

Tests import these from here (a helper module), never from another test module or a conftest.
"""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

TODAY = date(2026, 11, 29)

BASIS = [{"doc": "《中华人民共和国消防法》（2021修正）", "article": "第二十八条", "status": "confirmed"}]

SAMPLE = {
    "id": "sample",
    "title": "测试检查表",
    "version": 1,
    "scope": ["群租房"],
    "parameters": {
        "max_per_room": {"title": "每间居住人数上限", "default": 2, "unit": "人", "status": "unconfirmed"},
    },
    "sections": [
        {"id": "s1", "title": "疏散", "items": [
            {"id": "A1", "question": "疏散通道是否堆放物品？", "kind": "yes_no_na",
             "hazard_when": {"equals": "是"}, "photo_required": True, "requirement": "清除堆放物品",
             "status": "confirmed", "basis": BASIS},
            {"id": "A2", "question": "是否使用彩钢夹芯板搭建？", "kind": "yes_no_na",
             "hazard_when": {"equals": "是"}, "severity": "重大", "status": "secondary", "basis": BASIS},
            {"id": "A3", "question": "居住人数最多的一间住了几人？", "kind": "number", "unit": "人",
             "min": 0, "max": 50, "hazard_when": {"gt_param": "max_per_room"}, "status": "unconfirmed",
             "basis": BASIS},
        ]},
        {"id": "s2", "title": "用电", "items": [
            {"id": "B1", "question": "是否有电动车集中充电点？", "kind": "yes_no_na",
             "hazard_when": {"equals": "否"}, "status": "confirmed", "basis": BASIS},
            {"id": "B2", "question": "充电点缺少哪些措施？", "kind": "multi_choice",
             "options": ["实体墙分隔", "乙级防火门", "灭火器"], "hazard_when": {"in": ["实体墙分隔", "乙级防火门", "灭火器"]},
             "applies_if": {"item": "B1", "equals": "是"}, "required": False, "status": "secondary", "basis": BASIS},
            {"id": "B3", "question": "最早一批危废入库日期", "kind": "date",
             "hazard_when": {"older_than_days": 90}, "status": "seed", "basis": BASIS},
        ]},
    ],
    "rating": {"rules": [
        {"colour": "红", "label": "红", "when": {"severity": "重大"}},
        {"colour": "红", "label": "红（逾期）", "when": {"overdue": True}},
        {"colour": "黄", "label": "黄", "when": {"any_hazard": True}},
        {"colour": "蓝", "label": "蓝"},
    ]},
}


def jpeg_bytes(size=(800, 600), colour=(200, 60, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (200, 80)) -> bytes:
    """A white PNG, e.g. a signature pad's export."""
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, "PNG")
    return out.getvalue()
