"""Test data shared by the suites: a small checklist covering every answer kind, images, the day.

Tests import these from here (a helper module), never from another test module or a conftest.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PIL import Image

from checklists.loader import SHIPPED_DIR

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


CROWDED, OTHER = "人员密集场所", "其他场所"
_ELEMENT_BASIS = [{"doc": "GB 35181-2025《重大火灾隐患判定规则》", "article": "第6章", "status": "unconfirmed"}]


def _v2_item(item_id: str, question: str, kind: str, rule: dict | None = None, finding: str = "",
             **fields: object) -> dict:
    raw: dict = {"id": item_id, "question": question, "kind": kind, "status": "confirmed", "basis": BASIS}
    if rule is None:
        raw["informational"] = True
    else:
        raw.update(hazard_when=rule, finding=finding, requirement=f"按要求整改：{question.rstrip('？')}")
    raw.update(fields)
    return raw


#: A schema-2 checklist with one item for each thing v2 adds: prefill, finding texts with the
#: answer and a parameter, 综合判定 elements and rules, a computed ratio, a 预警 and a 记录并报告
#: item an office may make hazards, an exclusive option, a rule reading another item, an
#: instrument item, and a 住建部门 item.
V2_SAMPLE = {
    "schema_version": 2,
    "id": "v2",
    "title": "第二版测试检查表",
    "version": 1,
    "scope": ["群租房", "人员密集场所", "其他"],
    "parameters": {
        "storage_days": {"title": "贮存期限", "default": 30, "unit": "天", "status": "unconfirmed"},
    },
    "sections": [{"id": "s", "title": "检查", "items": [
        _v2_item("P0", "场所类型", "choice", options=[CROWDED, OTHER],
                 prefill={"from": "site.kind", "map": {"人员密集场所": CROWDED, "其他": OTHER}}),
        _v2_item("P1", "场所地址", "text", prefill={"from": "site.address"}),
        _v2_item("E1", "安全出口是否上锁？", "yes_no_na", {"equals": "是"}, "安全出口上锁", element="exit",
                 photo_required=True),
        _v2_item("E2", "楼梯间防火门是否损坏？", "yes_no_na", {"equals": "是"}, "楼梯间防火门损坏", element="doors"),
        _v2_item("E3", "疏散指示标志是否损坏？", "yes_no_na", {"equals": "是"}, "疏散指示标志损坏", element="signs"),
        _v2_item("E4", "消防电梯是否无法运行？", "yes_no_na", {"equals": "是"}, "消防电梯无法运行", element="lift"),
        _v2_item("T", "防火门总数", "number", unit="樘", min=0),
        _v2_item("K", "损坏的防火门数", "number", unit="樘", min=0),
        _v2_item("R", "防火门损坏率", "number", {"gt": 30}, "防火门损坏率 {value}", unit="%", element="doors",
                 computed={"numerator": "K", "denominator": "T", "scale": 100}),
        _v2_item("W1", "最早一批危废入库日期", "date", {"older_than_days_param": "storage_days"},
                 "危险废物贮存超过 {param.storage_days} 天", level="预警", office_levels=["隐患"]),
        _v2_item("D1", "消防车道净宽", "number", {"lt": 4}, "消防车道净宽 {value}，低于设计要求 4 m", unit="m",
                 level="记录并报告", office_levels=["隐患"]),
        _v2_item("M1", "贮存设施缺少哪些措施？", "multi_choice", {"in": ["缺防渗", "缺标识"]}, "贮存设施{value}",
                 options=["缺防渗", "缺标识", "无上述情形"], exclusive_options=["无上述情形"]),
        _v2_item("C1", "是否设有消防水泵？", "yes_no_na"),
        _v2_item("C2", "消防水泵是否处于自动状态？", "yes_no_na",
                 {"all_of": [{"item": "C1", "equals": "是"}, {"equals": "否"}]}, "消防水泵未处于自动状态"),
        _v2_item("I1", "疏散走道地面照度", "number", {"lt": 3}, "疏散走道照度 {value}，不足 3 lx", unit="lx",
                 method="仪器测量"),
        _v2_item("H1", "房屋是否被鉴定为危房？", "yes_no_na", {"equals": "是"}, "房屋被鉴定为危房",
                 severity="重大", authority="住建部门", method="查阅记录"),
    ]}],
    "combination": {
        "basis": BASIS,
        "elements": {name: {"title": title, "basis": _ELEMENT_BASIS} for name, title in (
            ("exit", "安全出口被封堵"), ("doors", "楼梯间防火门损坏率超标"), ("signs", "疏散指示标志损坏率超标"),
            ("lift", "消防电梯无法运行"))},
        "rules": [
            {"id": "crowded_evacuation", "title": "人员密集场所安全疏散类要素 3 项以上",
             "applies_if": {"item": "P0", "equals": CROWDED}, "elements": ["exit", "doors", "signs"],
             "min_count": 3},
            {"id": "other_any", "title": "其他场所任意要素 4 项以上",
             "applies_if": {"item": "P0", "equals": OTHER}, "min_count": 4},
        ],
    },
    "rating": {"rules": [
        {"colour": "红", "label": "存在疑似重大隐患", "when": {"severity": "重大"}},
        {"colour": "黄", "label": "存在一般隐患", "when": {"any_hazard": True}},
        {"colour": "蓝", "label": "未发现隐患"},
    ]},
}


def next_edition(checklist_id: str, folder: Path, edit: Callable[[str], str] = lambda text: text) -> Path:
    """A shipped checklist as the office publishes it next: its version number plus one, and
    ``edit`` applied to the YAML text; written to ``folder/<id>.yaml``."""
    text = (SHIPPED_DIR / f"{checklist_id}.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^version: (\d+)$", lambda m: f"version: {int(m[1]) + 1}", text, count=1, flags=re.MULTILINE)
    path = folder / f"{checklist_id}.yaml"
    path.write_text(edit(text), encoding="utf-8")
    return path
