"""Answers taken from the site record: shown as answered, still the inspector's to change."""

from __future__ import annotations

from datetime import datetime

import pytest
from checklist_builder import checklist, item

from app.domain.models import Site
from app.domain.prefill import prefill_answers
from app.domain.rules import validate_answer
from checklists import load_shipped

PLACE = checklist(
    item("address", "text", prefill={"from": "site.address"}, required=False),
    item("kind", "choice", options=["产生单位", "经营单位", "贮存点"],
         prefill={"from": "site.kind", "map": {"危废产生单位": "产生单位", "危废经营单位": "经营单位"}}),
    item("licence", "yes_no_na", {"equals": "否"}, applies_if={"item": "kind", "equals": "经营单位"}),
    # Shown only for a 贮存点, which no site kind maps to: never prefilled.
    item("point_name", "text", prefill={"from": "site.name"}, applies_if={"item": "kind", "equals": "贮存点"}),
)
NOW = datetime(2026, 11, 29, 9, 0)


def site(kind: str, address: str = "邹区镇工业路 8 号") -> Site:
    return Site(id="s1", name="恒达电镀厂", address=address, kind=kind, created_at=NOW, updated_at=NOW)


def test_site_kind_and_address_prefill_their_items():
    assert prefill_answers(PLACE, site("危废经营单位")) == {"address": "邹区镇工业路 8 号", "kind": "经营单位"}


def test_a_site_kind_the_item_cannot_map_leaves_it_to_the_inspector():
    assert prefill_answers(PLACE, {"kind": "其他", "address": "  "}) == {}


def test_an_item_hidden_by_the_prefilled_answers_is_not_prefilled():
    assert "point_name" not in prefill_answers(PLACE, site("危废产生单位"))


def test_a_prefilled_answer_can_be_changed_like_any_other():
    answers = prefill_answers(PLACE, site("危废产生单位"))
    answers["kind"] = validate_answer(PLACE.item("kind"), "贮存点")
    assert answers["kind"] == "贮存点"


@pytest.mark.parametrize(
    ("cid", "kind", "expected"),
    [
        ("hw_storage", "危废经营单位", {"HW-00": "危废经营单位"}),
        ("highrise", "高层公共建筑", {"HR-00": "高层公共建筑"}),
        ("lifeline", "群租房", {"LC-00": "多层/低层建筑或住宅小区（含群租房）"}),
        ("lifeline", "人员密集场所", {}),  # may or may not be high-rise: the inspector says
    ],
)
def test_shipped_checklists_prefill_the_site_type(cid: str, kind: str, expected: dict[str, str]):
    checklist_ = load_shipped().checklists[cid]
    answers = prefill_answers(checklist_, site(kind))
    address_items = [i.id for i in checklist_.items if i.prefill is not None and i.prefill.source == "site.address"]
    assert answers == {**expected, address_items[0]: "邹区镇工业路 8 号"}


def test_prefill_that_maps_to_no_option_is_refused_at_load():
    with pytest.raises(ValueError, match=r"prefill maps to \['仓库'\], not options of this item"):
        checklist(item("kind", "choice", options=["a", "b"], prefill={"from": "site.kind", "map": {"其他": "仓库"}}))
