"""Lists and forms through the real UI in Chromium: filters folded behind one button leave the
list most of a phone's screen (the ones in force shown as chips), a site is found by its kind and
by two words and the search empties with one tap, every button's label fits at the largest text
size, and a phone number is checked as one."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from app.demo_records import seed_demo_records
from app.services import SITE_FIELDS, YES_NO_NA
from app.ui import strings as S
from app.ui.widgets import label_width

from .harness import OUT, poll, step

pytestmark = pytest.mark.browser

#: The list must start in the top ~40 % of a 390×844 phone (the filters took ~60 % before).
LIST_TOP = 0.4


def sites_shown(n: int) -> str:
    return S.SITES_COUNT.format(n=n)


def test_filters_fold_and_sites_are_found_by_kind_and_by_two_words(seeded_app, make_page) -> None:
    server, _ = seeded_app(seed_demo_records)
    fp, net = make_page("390x844", OUT / "screenshots" / "390x844" / "lists")
    page = fp.page
    height = page.viewport_size["height"]

    with step("the site list starts high on the screen; 筛选 opens the filters (16)"):
        fp.open(server.url + "sites")
        fp.wait_text(sites_shown(8), timeout=30_000)
        # the list starts right under its count line
        assert fp.text(sites_shown(8)).first.bounding_box()["y"] < LIST_TOP * height
        fp.shot("sites")
        fp.click(S.FILTERS)
        page.get_by_role("checkbox", name="群租房", exact=True).click()
        fp.wait_text(sites_shown(2))
        fp.click(S.FILTERS_ACTIVE.format(n=1))  # folded again: the filter in force stays as a chip
        poll(lambda: page.get_by_role("checkbox", name=S.ALL_KINDS, exact=True).count() == 0)
        page.get_by_role("checkbox", name="群租房", exact=True).wait_for()  # the chip of the filter in force
        fp.shot("sites-filtered")
        fp.click(S.FILTERS_ACTIVE.format(n=1))
        page.get_by_role("checkbox", name=S.ALL_KINDS, exact=True).click()
        fp.wait_text(sites_shown(8))

    with step("found by kind and by two words; the clear button empties the search (19)"):
        fp.fill(S.SEARCH_SITES, "危废")
        fp.wait_text(sites_shown(2))
        fp.fill(S.SEARCH_SITES, "邹区镇 危废")
        fp.wait_text(sites_shown(1))
        assert fp.site_card("某环保科技危废经营单位").count() == 1
        fp.shot("sites-two-words")
        fp.click(S.CLEAR_SEARCH)
        fp.wait_text(sites_shown(8))

    with step("a site with one checklist that fits goes straight into it (13)"):
        fp.site_card("常州某汽修有限公司危废间").get_by_text("钟楼区五星街道工业园 17 号").click()
        poll(lambda: (fp.item_id() or "").startswith("HW-"))
        assert not fp.shows(S.CHOOSE_CHECKLIST_TITLE)
        fp.shot("straight-into-the-checklist")

    with step("the ledger's list starts high on the screen too, overdue first (16, 17)"):
        fp.open(server.url + "ledger")
        fp.button(S.FILTERS).wait_for(timeout=30_000)
        card = fp.page.get_by_role("button", name="逾期").first
        card.wait_for()
        assert card.bounding_box()["y"] < LIST_TOP * height
        fp.shot("ledger")
    assert net.unexpected_failures() == []


def largest_text(device: Any) -> str:
    device.settings.update(text_scale=1.4)
    site = device.sites.search("荷花池")[0]
    return device.inspections.start(site.id, "group_rental").id


def test_every_button_label_fits_on_one_line_at_the_largest_text_size(seeded_app, make_page) -> None:
    server, inspection_id = seeded_app(largest_text)
    fp, _ = make_page("360x800", OUT / "screenshots" / "360x800" / "largest-text")
    page = fp.page

    def fits(name: str, size: float, *, icon: bool = False) -> None:
        box = fp.button(name).last.bounding_box()
        assert box and box["width"] >= label_width(name, size, icon=icon) - 1, (name, box)
        assert box["height"] >= 48, (name, box)

    with step("是 / 否 / 不适用, 上一题 / 下一题 at 特大 on a 360 px phone (20)"):
        fp.open(server.url + f"run/{inspection_id}")
        fp.click("成套住宅", timeout=30_000)
        for unit, number in (("间", "6"), ("人", "8")):
            fp.fill(S.NUMBER_FIELD.format(unit=unit), number)  # this item's field, not the last one's
            page.keyboard.press("Enter")
        page.get_by_role("checkbox", name="无上述情形", exact=True).click()
        fp.button(YES_NO_NA[2]).wait_for()
        for name in ("是", "否", YES_NO_NA[2]):
            fits(name, 20 * 1.4, icon=name == "是")
        for name in (S.PREV_ITEM, S.NEXT_ITEM):
            fits(name, 17 * 1.4, icon=True)
        fp.shot("largest-text")


def test_a_new_sites_phone_number_is_checked_as_one(seeded_app, make_page) -> None:
    server, _ = seeded_app()
    fp, _ = make_page("390x844", OUT / "screenshots" / "390x844" / "new-site")
    page = fp.page

    def sites_named(name: str) -> int:
        db = sqlite3.connect(server.db)
        try:
            return db.execute("SELECT count(*) FROM sites WHERE name = ?", (name,)).fetchone()[0]
        finally:
            db.close()

    with step("a number that is neither a mobile nor a landline is said at once and not saved (21)"):
        fp.open(server.url + "sites/new")
        fp.fill(SITE_FIELDS["name"], "新村路 8 号出租屋")
        page.get_by_role("checkbox", name="群租房", exact=True).click()
        fp.fill(SITE_FIELDS["contact_phone"], "12345")
        page.keyboard.press("Tab")
        fp.wait_text("联系电话应为 11 位手机号（如 13812345678）或带区号的固定电话（如 0519-86681234）")
        fp.shot("phone-refused")
        fp.click(S.SAVE_SITE)
        page.wait_for_timeout(500)
        assert sites_named("新村路 8 号出租屋") == 0

    with step("a landline with its area code is saved"):
        fp.fill(SITE_FIELDS["contact_phone"], "0519-86681234")
        fp.click(S.SAVE_SITE)
        poll(lambda: sites_named("新村路 8 号出租屋") == 1)
