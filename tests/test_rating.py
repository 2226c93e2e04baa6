"""红黄蓝 under the documented default and under an office's own scheme; only open 隐患 count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.rating import HazardFacts, rate, repeated_item_ids
from checklists import load_shipped
from checklists.office import OfficeConfig, office_problems
from checklists.rating import Rating

TODAY = date(2026, 11, 29)
LATER = TODAY + timedelta(days=7)
PAST = TODAY - timedelta(days=1)
GROUP_RENTAL = load_shipped().checklists["group_rental"]

#: An office that follows a published 自建房 scheme: red 禁止使用, yellow 暂停使用, blue
#: 一般隐患整改使用, and no plate at all when nothing is open.
SELF_BUILT = Rating.model_validate({
    "title": "自建房挂牌",
    "note": "某地自建房分类整治：红 禁止使用 / 黄 暂停使用 / 蓝 一般隐患整改使用 / 无隐患不挂牌",
    "rules": [
        {"colour": "红", "label": "红牌：禁止使用", "when": {"severity": "重大"}},
        {"colour": "黄", "label": "黄牌：暂停使用", "when": {"overdue": True}},
        {"colour": "蓝", "label": "蓝牌：一般隐患整改使用", "when": {"any_hazard": True}},
        {"colour": "无", "label": "不挂牌"},
    ],
})
OFFICE = OfficeConfig(ratings={"group_rental": SELF_BUILT})


def fact(item_id: str | None, *, severity: str = "一般", status: str = "待整改", deadline: date = LATER,
         **more: object) -> HazardFacts:
    return HazardFacts(item_id, severity, status, deadline, **more)  # type: ignore[arg-type]


CASES = [
    # (open hazards, default colour, 自建房 colour)
    ([], "蓝", "无"),  # nothing open
    ([fact("GR-13", status="已销号")], "蓝", "无"),  # closed hazards do not count
    ([fact("GR-13")], "黄", "蓝"),  # one open 一般 hazard
    ([fact("GR-08", severity="重大")], "红", "红"),
    ([fact(None, severity="重大")], "红", "红"),  # a 疑似重大 by combination has no item
    ([fact("GR-13", deadline=PAST)], "红", "黄"),  # an overdue fire hazard
    ([fact("GR-23a", deadline=PAST)], "黄", "黄"),  # an overdue 备案 is not a fire hazard: not red by default
    ([fact("GR-13", repeated=True)], "红", "蓝"),  # the same fire hazard again
    ([fact("GR-23a", repeated=True)], "黄", "蓝"),
    ([fact("GR-13", level="预警")], "蓝", "无"),  # a warning is not a hazard
]


@pytest.mark.parametrize(("hazards", "default", "self_built"), CASES)
def test_rating_under_the_default_and_an_office_scheme(hazards, default, self_built):
    default_rating = OfficeConfig().rating_for(GROUP_RENTAL)
    assert default_rating is GROUP_RENTAL.rating
    assert rate(default_rating, hazards, TODAY, checklist=GROUP_RENTAL).colour == default
    office_rating = OFFICE.rating_for(GROUP_RENTAL)
    assert rate(office_rating, hazards, TODAY, checklist=GROUP_RENTAL).colour == self_built


def test_the_office_scheme_fits_the_checklist():
    assert office_problems(OFFICE, {"group_rental": GROUP_RENTAL}) == []
    bad = OfficeConfig(ratings={"group_rental": Rating.model_validate({"rules": [
        {"colour": "红", "label": "红", "when": {"items": ["GR-99"]}}, {"colour": "蓝", "label": "蓝"}]})})
    assert office_problems(bad, {"group_rental": GROUP_RENTAL}) == ["ratings.group_rental: names missing items ['GR-99']"]


def test_any_hazard_false_matches_only_when_nothing_is_open():
    # v1 ignored any_hazard: a rule meant for "nothing open" matched whenever a hazard existed.
    rating = Rating.model_validate({"rules": [
        {"colour": "蓝", "label": "无隐患", "when": {"any_hazard": False}},
        {"colour": "黄", "label": "有隐患"},
    ]})
    assert rate(rating, [], TODAY).colour == "蓝"
    assert rate(rating, [fact("GR-13")], TODAY).colour == "黄"


def test_a_rule_can_combine_an_inspection_and_a_hazard_condition():
    rating = Rating.model_validate({"rules": [
        {"colour": "红", "label": "逾期", "when": {"any_hazard": True, "overdue": True}},
        {"colour": "蓝", "label": "其他"},
    ]})
    assert rate(rating, [fact("GR-13", deadline=PAST)], TODAY).colour == "红"
    assert rate(rating, [fact("GR-13")], TODAY).colour == "蓝"


def test_without_a_checklist_an_unknown_authority_counts_as_a_fire_hazard():
    # A caller that does not pass the checklist keeps v1's behaviour: overdue turns red.
    assert rate(GROUP_RENTAL.rating, [fact("GR-23a", deadline=PAST)], TODAY).colour == "红"
    assert rate(GROUP_RENTAL.rating, [fact("GR-23a", deadline=PAST, authority="住建部门")], TODAY).colour == "黄"


def test_repeated_means_found_at_the_site_before_within_the_office_window():
    earlier = [("GR-13", TODAY - timedelta(days=100)), ("GR-15a", TODAY - timedelta(days=400)),
               ("GR-16", TODAY)]  # today's own findings are not "before"
    assert repeated_item_ids(["GR-13", "GR-15a", "GR-16"], earlier, TODAY, within_days=365) == {"GR-13"}
    assert repeated_item_ids(["GR-15a"], earlier, TODAY, within_days=500) == {"GR-15a"}
