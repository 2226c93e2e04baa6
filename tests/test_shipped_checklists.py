"""The four shipped checklists load, are well-formed, and their key rules fire as the brief says.

Real files, no mocks: every test reads checklists/*.yaml through the loader.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.rules import is_hazard, validate_answer, visible_items
from checklists import load_file, load_shipped
from checklists.schema import _RULES_BY_KIND, YES_NO_NA, Checklist

SHIPPED = Path(__file__).resolve().parents[1] / "checklists"
EXPECTED = {
    "lifeline": ("生命通道", {"小区/单位消防车通道", "高层住宅", "高层公共建筑", "人员密集场所", "群租房"}),
    "group_rental": ("群租房", {"群租房"}),
    "highrise": ("高层建筑", {"高层住宅", "高层公共建筑"}),
    "hw_storage": ("危废贮存", {"危废产生单位", "危废经营单位"}),
}
TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def shipped() -> dict[str, Checklist]:
    result = load_shipped()
    assert result.errors == [], [str(e) for e in result.errors]
    return result.checklists


def hazard(checklist: Checklist, item_id: str, raw: object, on: date = TODAY) -> bool:
    item = checklist.item(item_id)
    return is_hazard(item, validate_answer(item, raw), checklist, on=on)


# --- shape ------------------------------------------------------------------------------------


def test_all_four_load_without_errors(shipped):
    assert set(EXPECTED) <= set(shipped)
    for cid, (title, scope) in EXPECTED.items():
        cl = shipped[cid]
        assert cl.title == title
        assert set(cl.scope) == scope
        assert cl.version >= 1 and cl.effective_from is not None


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_enough_checkable_items_in_sections(shipped, cid):
    cl = shipped[cid]
    checkable = [i for i in cl.items if not i.informational]
    assert len(checkable) >= 15
    assert len(cl.sections) >= 2
    assert all(section.items for section in cl.sections)


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_every_item_has_basis_and_status(shipped, cid):
    for item in shipped[cid].items:
        assert item.basis, item.id
        for b in item.basis:
            assert b.doc and b.status, item.id
        assert item.status in ("confirmed", "secondary", "unconfirmed", "seed")
        assert len(item.question) >= 4


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_hazard_rules_fit_kind_and_params_exist(shipped, cid):
    cl = shipped[cid]
    for item in cl.items:
        if item.informational:
            assert item.hazard_when is None, item.id
            continue
        rule = item.hazard_when
        assert rule is not None, item.id
        assert rule.condition in _RULES_BY_KIND[item.kind], item.id
        valid = YES_NO_NA if item.kind == "yes_no_na" else item.options
        assert set(rule.options) <= set(valid), item.id
        if rule.param is not None:
            assert rule.param in cl.parameters, (item.id, rule.param)
        assert item.requirement, item.id
        if item.kind == "number":
            assert item.unit and item.min is not None and item.max is not None, item.id


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_unconfirmed_thresholds_are_parameters(shipped, cid):
    cl = shipped[cid]
    for item in cl.items:
        rule = item.hazard_when
        if item.status != "unconfirmed" or rule is None:
            continue
        if rule.condition in ("lt", "le", "gt", "ge", "older_than_days", *(f"{c}_param" for c in ("lt", "le", "gt", "ge"))):
            assert rule.param is not None, f"{item.id}: unconfirmed threshold must be a parameter"
    for name, param in cl.parameters.items():
        assert param.title and param.note, name
        if param.status == "unconfirmed":
            assert "确认" in param.note, name


@pytest.mark.parametrize("cid", list(EXPECTED))
def test_applies_if_targets_exist_and_come_first(shipped, cid):
    cl = shipped[cid]
    order = {item.id: n for n, item in enumerate(cl.items)}
    for item in cl.items:
        if item.applies_if is not None:
            assert order[item.applies_if.item] < order[item.id]


def test_severity_major_only_where_brief_says(shipped):
    majors = {cid: {i.id for i in cl.items if i.severity == "重大"} for cid, cl in shipped.items()}
    assert {"LC-01b", "LC-11b", "LC-12b", "LC-16b", "LC-21a", "LC-21b"} <= majors["lifeline"]
    assert {"GR-01b", "GR-08", "GR-10", "GR-11a"} == majors["group_rental"]
    assert {"HW-06c", "HW-21", "HW-22a", "HW-24"} <= majors["hw_storage"]
    assert {"HR-17a", "HR-18c", "HR-19e"} <= majors["highrise"]


def test_no_2001_gb18597_or_wrong_fire_law_articles():
    for path in SHIPPED.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "GB 18597-2001" not in text or "代替 GB 18597-2001" in text, path.name
        for bad in ("第五十三条", "第六十二条", "第六十四条"):
            assert bad not in text, (path.name, bad)


# --- lifeline ---------------------------------------------------------------------------------


def test_lifeline_rules(shipped):
    cl = shipped["lifeline"]
    assert hazard(cl, "LC-04", 3.5) and not hazard(cl, "LC-04", 4.5)
    assert hazard(cl, "LC-05a", "3.9") and not hazard(cl, "LC-05a", 4.0)
    assert hazard(cl, "LC-08b", 25) and not hazard(cl, "LC-08b", 20)
    assert hazard(cl, "LC-01a", "是") and not hazard(cl, "LC-01a", "否")
    assert not hazard(cl, "LC-01a", "不适用")
    assert hazard(cl, "LC-02", ["限高杆"]) and not hazard(cl, "LC-02", ["无上述障碍物"])
    assert hazard(cl, "LC-21a", 25) and not hazard(cl, "LC-21a", 20)
    assert hazard(cl, "LC-21b", 51) and not hazard(cl, "LC-21b", 25)
    assert hazard(cl, "LC-22e", 4.0) and not hazard(cl, "LC-22e", 5.0)


def test_lifeline_skip_logic(shipped):
    cl = shipped["lifeline"]
    ids = {i.id for i in visible_items(cl, {"LC-00": "多层/低层建筑或住宅小区（含群租房）"})}
    assert "LC-12a" not in ids and "LC-21b" in ids and "LC-21a" not in ids and "LC-06a" in ids
    ids = {i.id for i in visible_items(cl, {"LC-00": "高层建筑（设有人员密集场所）", "LC-00b": "是"})}
    assert {"LC-12a", "LC-13b", "LC-14", "LC-21a", "LC-25", "LC-06b"} <= ids
    assert "LC-13a" not in ids and "LC-21b" not in ids
    assert "LC-01b" not in ids  # only after LC-01a = 是


# --- highrise ---------------------------------------------------------------------------------


def test_highrise_rules(shipped):
    cl = shipped["highrise"]
    assert hazard(cl, "HR-02", 1) and not hazard(cl, "HR-02", 2)
    assert hazard(cl, "HR-17b", 0.30) and not hazard(cl, "HR-17b", 0.35)
    assert hazard(cl, "HR-18a", 0.04) and not hazard(cl, "HR-18a", 0.05)
    assert hazard(cl, "HR-19d", 61) and not hazard(cl, "HR-19d", 60)
    assert hazard(cl, "HR-07a", TODAY - timedelta(days=32)) and not hazard(cl, "HR-07a", TODAY - timedelta(days=31))
    assert hazard(cl, "HR-07b", TODAY - timedelta(days=16)) and not hazard(cl, "HR-07b", TODAY - timedelta(days=15))
    assert cl.parameters["sprinkler_end_pressure_min"].status == "unconfirmed"
    assert cl.item("HR-18a").hazard_when.param == "sprinkler_end_pressure_min"


def test_highrise_public_only_items(shipped):
    cl = shipped["highrise"]
    residential = {i.id for i in visible_items(cl, {"HR-00": "高层住宅"})}
    public = {i.id for i in visible_items(cl, {"HR-00": "高层公共建筑"})}
    assert "HR-01" in public and "HR-01" not in residential
    assert "HR-07b" in public and "HR-07a" in residential
    assert "HR-25b" in public and "HR-25a" in residential


def test_highrise_hydrant_override(shipped):
    cl = load_file(SHIPPED / "highrise.yaml", overrides={"highrise": {"hydrant_dynamic_pressure_min": 0.25}})
    assert not hazard(cl, "HR-17b", 0.30)


# --- group_rental -----------------------------------------------------------------------------


def test_group_rental_rules(shipped):
    cl = shipped["group_rental"]
    assert cl.item("GR-06").hazard_when.gt_param == "max_per_room"
    assert cl.item("GR-07").hazard_when.lt_param == "min_area_per_person"
    assert cl.parameters["max_per_room"].default == 2
    assert cl.parameters["max_per_room"].status == "unconfirmed"
    assert hazard(cl, "GR-06", 3) and not hazard(cl, "GR-06", 2)
    assert hazard(cl, "GR-07", 3.5) and not hazard(cl, "GR-07", 4)
    assert hazard(cl, "GR-04b", 8) and not hazard(cl, "GR-04b", 10)
    assert hazard(cl, "GR-04a", 2) and not hazard(cl, "GR-04a", 1)
    assert hazard(cl, "GR-11a", "是（易燃易爆危险品场所）") and not hazard(cl, "GR-11a", "是（非易燃易爆场所）")
    assert hazard(cl, "GR-20a", 1) and not hazard(cl, "GR-20a", 0)
    assert hazard(cl, "GR-21a", 0) and not hazard(cl, "GR-21a", 1)


def test_group_rental_override_max_per_room():
    cl = load_file(SHIPPED / "group_rental.yaml", overrides={"group_rental": {"max_per_room": 3}})
    assert not hazard(cl, "GR-06", 3)
    assert hazard(cl, "GR-06", 4)


def test_group_rental_living_room_skip_logic(shipped):
    cl = shipped["group_rental"]
    hidden = {i.id for i in visible_items(cl, {"GR-04": "否"})}
    shown = {i.id for i in visible_items(cl, {"GR-04": "是"})}
    assert not {"GR-04a", "GR-04b", "GR-04c", "GR-04d"} & hidden
    assert {"GR-04a", "GR-04b", "GR-04c", "GR-04d"} <= shown


def test_group_rental_rating(shipped):
    rating = shipped["group_rental"].rating
    assert rating is not None
    colours = [r.colour for r in rating.rules]
    assert {"红", "黄", "蓝"} <= set(colours)
    assert colours[0] == "红" and colours[-1] == "蓝"
    first = rating.rules[0].when
    assert first.severity == "重大"
    assert any(r.colour == "红" and r.when.overdue is True for r in rating.rules)
    assert any(r.colour == "黄" and r.when.any_hazard is True for r in rating.rules)
    last = rating.rules[-1].when
    assert last.severity is None and not last.items and last.overdue is None and last.any_hazard is None
    assert "不是常州官方标准" in rating.note
    for cid in ("lifeline", "highrise", "hw_storage"):
        assert shipped[cid].rating is None


# --- hw_storage -------------------------------------------------------------------------------


def test_hw_storage_days(shipped):
    cl = shipped["hw_storage"]
    assert cl.item("HW-18a").hazard_when.older_than_days_param == "hw_storage_days_flammable"
    assert cl.item("HW-18b").hazard_when.older_than_days_param == "hw_storage_days_other"
    assert cl.parameters["hw_storage_days_flammable"].default == 30
    assert cl.parameters["hw_storage_days_flammable"].status == "seed"
    assert cl.parameters["hw_storage_days_other"].default == 90
    assert hazard(cl, "HW-18a", TODAY - timedelta(days=31))
    assert not hazard(cl, "HW-18a", TODAY - timedelta(days=29))
    assert hazard(cl, "HW-18b", (TODAY - timedelta(days=91)).isoformat())
    assert not hazard(cl, "HW-18b", TODAY - timedelta(days=60))


def test_hw_storage_quantities(shipped):
    cl = shipped["hw_storage"]
    assert hazard(cl, "HW-20a", 3.5) and not hazard(cl, "HW-20a", 3)
    assert cl.parameters["hw_operator_stock_ratio_pct"].default == pytest.approx(16.7)
    assert hazard(cl, "HW-19c", 20) and not hazard(cl, "HW-19c", 15)
    # GB 18597-2023 6.2.2: containment >= max(largest container, 1/10 of total) — never the 2001 1/5.
    assert hazard(cl, "HW-08e", 9) and not hazard(cl, "HW-08e", 10)
    assert hazard(cl, "HW-08d", 99) and not hazard(cl, "HW-08d", 100)
    assert hazard(cl, "HW-03", ["防渗"]) and not hazard(cl, "HW-03", ["措施齐全"])


def test_hw_storage_skip_logic(shipped):
    cl = shipped["hw_storage"]
    producer = {i.id for i in visible_items(cl, {"HW-00": "危废产生单位", "HW-00d": "否", "HW-18": ["其他类"]})}
    assert not {"HW-19a", "HW-19c", "HW-19d", "HW-08d", "HW-18a"} & producer
    assert "HW-18b" in producer
    operator = {
        i.id
        for i in visible_items(
            cl, {"HW-00": "危废经营单位", "HW-00d": "是", "HW-18": ["易爆、易燃或排出有毒气体类", "其他类"]}
        )
    }
    assert {"HW-19c", "HW-19d", "HW-08d", "HW-08e", "HW-18a", "HW-18b"} <= operator
    store_point = {i.id for i in visible_items(cl, {"HW-01a": "是", "HW-01b": "贮存点"})}
    assert {"HW-20a", "HW-20b"} <= store_point
