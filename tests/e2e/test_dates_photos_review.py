"""Dates, photos and 复查 through the real UI in Chromium: in a browser whose zone is UTC the
date picker still speaks Chinese, starts weeks on Monday and keeps the day picked however often
it opens; a day that does not exist and a 整改期限 in the past are refused; times read as UTC+8;
a photo opens full screen and the tablet's detail pane shows photos at its width; a 复查 without
its photo or its reason is refused on screen."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from typing import Any

import pytest

from app.demo_records import seed_demo_records
from app.domain.clock import format_local, local_today
from app.services import REVIEW_RESULT
from app.ui import strings as S

from .harness import OUT, poll, step

pytestmark = pytest.mark.browser


def value(db_path, sql: str, *params: Any) -> Any:
    db = sqlite3.connect(db_path)
    try:
        row = db.execute(sql, params).fetchone()
        return row[0] if row else None
    finally:
        db.close()


def draft_hazard(device: Any) -> str:
    site = device.sites.search("荷花池")[0]
    inspection = device.inspections.start(site.id, "group_rental")
    return device.inspections.answer(inspection.id, "GR-03", "否").hazards["GR-03"].id


def test_in_a_utc_browser_the_picker_keeps_the_inspectors_day_in_chinese_weeks_from_monday(
        seeded_app, make_page) -> None:
    server, hazard_id = seeded_app(draft_hazard)
    fp, net = make_page("390x844", OUT / "screenshots" / "390x844" / "dates", timezone_id="UTC")
    page = fp.page
    target = local_today() + timedelta(days=10)

    def deadline() -> str:
        return value(server.db, "SELECT deadline FROM hazards WHERE id = ?", hazard_id)

    def pick(day) -> None:  # noqa: ANN001
        fp.click(S.PICK_DATE)
        fp.wait_text(S.WEEKDAYS[0])
        for _ in range(3):
            if fp.shows(S.MONTH_TITLE.format(year=day.year, month=day.month)):
                break
            fp.click(S.NEXT_MONTH)
        page.get_by_role("button", name=re.compile("^" + S.DAY_LABEL.format(month=day.month, day=day.day))).first.click()
        poll(lambda: not fp.shows(S.MONTH_TITLE.format(year=day.year, month=day.month)))

    with step("the picker is Chinese and starts its weeks on Monday"):
        fp.open(server.url + f"hazard/{hazard_id}")
        fp.click(S.PICK_DATE)
        current = datetime.fromisoformat(deadline()).date()
        fp.wait_text(S.MONTH_TITLE.format(year=current.year, month=current.month))
        monday, sunday = (page.get_by_text(d, exact=True).last.bounding_box() for d in (S.WEEKDAYS[0], S.WEEKDAYS[6]))
        assert monday and sunday and monday["x"] < sunday["x"] and abs(monday["y"] - sunday["y"]) < 5
        fp.shot("picker")
        fp.click(S.CANCEL)

    with step("the day picked is stored, and stays the same on every open"):
        for _ in range(3):
            pick(target)
            poll(lambda: deadline() == target.isoformat())
        fp.click(S.PICK_DATE)
        fp.wait_text(S.MONTH_TITLE.format(year=target.year, month=target.month))  # opens on the day kept
        fp.click(S.CANCEL)

    with step("a day that does not exist, and one in the past, are refused with what is wrong (3)"):
        fp.fill(S.DEADLINE_FIELD, "2025-02-30")
        page.keyboard.press("Tab")
        fp.wait_text("日期不存在：2025年2月30日")
        fp.fill(S.DEADLINE_FIELD, (local_today() - timedelta(days=1)).isoformat())
        page.keyboard.press("Tab")
        fp.wait_text(f"整改期限不能早于今天（{local_today().isoformat()}）")
        assert deadline() == target.isoformat()
        fp.shot("deadline-refused")
        fp.fill(S.DEADLINE_FIELD, target.isoformat())  # leaves with a valid value
        page.keyboard.press("Tab")

    with step("times read as the inspector's (UTC+8), not the browser's UTC"):
        created = datetime.fromisoformat(value(server.db, "SELECT created_at FROM hazards WHERE id = ?", hazard_id)
                                         .replace("Z", "+00:00"))
        fp.open(server.url + f"ledger/{hazard_id}")
        fp.button(S.EDIT_HAZARD).wait_for(timeout=30_000)
        local = format_local(created)  # 发现时间, in UTC+8
        for _ in range(8):
            if fp.shows(local):
                break
            page.mouse.move(195, 400)
            page.mouse.wheel(0, 300)
            page.wait_for_timeout(200)
        assert fp.shows(local), f"发现时间 {local} not shown"
    assert net.unexpected_failures() == []


def awaiting_review(device: Any) -> str:
    seed_demo_records(device)
    return next(h.id for h in device.hazards.ledger() if h.status == "待复查")


def test_a_photo_opens_full_screen_the_tablet_pane_uses_its_width_and_a_bare_review_is_refused(
        seeded_app, make_page) -> None:
    server, hazard_id = seeded_app(awaiting_review)
    fp, _ = make_page("820x1180", OUT / "screenshots" / "820x1180" / "photos-review")
    page = fp.page

    with step("the detail pane shows its photo wide; a tap opens it full screen (18)"):
        fp.open(server.url + f"ledger/{hazard_id}")
        thumb = page.get_by_role("img", name=S.PHOTO, exact=True).last
        thumb.wait_for(timeout=30_000)
        assert thumb.bounding_box()["width"] >= 180
        thumb.click(force=True)  # the tap lands on the picture's tappable frame
        full = page.get_by_role("img", name=S.PHOTO_FULL, exact=True)
        full.wait_for()
        assert full.bounding_box()["width"] >= 0.8 * page.viewport_size["width"]
        fp.shot("photo-full-screen")
        fp.click(S.CLOSE)
        full.wait_for(state="detached")

    with step("复查合格 without a photo, 复查不合格 without a reason: refused, nothing recorded (3)"):
        fp.reveal(fp.button(REVIEW_RESULT[True]).last)
        fp.click(REVIEW_RESULT[True])
        fp.wait_text("复查合格需要至少一张复查照片")
        fp.click(REVIEW_RESULT[False])
        fp.wait_text("复查不合格请填写复查意见（还有哪些问题）")
        fp.shot("review-refused")
        assert value(server.db, "SELECT count(*) FROM reviews WHERE hazard_id = ?", hazard_id) == 0
        assert value(server.db, "SELECT status FROM hazards WHERE id = ?", hazard_id) == "待复查"
