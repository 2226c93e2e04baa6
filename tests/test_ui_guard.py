"""An error a screen did not expect never crashes the inspector's session: it is logged with its
traceback and the inspector reads a plain Chinese message; a refusal reads as its own message.

Flet 1.0.5 sends an exception that escapes an event handler to the client as SESSION_CRASHED,
traceback included. These tests run the screens in a real Flet ``Session`` whose connection
records what would go to the browser (no Flutter client needed), on a real device store.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date
from pathlib import Path

import flet as ft
import pytest

from app.services import AWAITING_REVIEW, RECTIFYING, Checklist, InvalidAnswer, open_device
from app.ui import strings as S
from app.ui import widgets as W
from app.ui.calendar import CalendarDialog
from app.ui.errors import is_guarded
from app.ui.routes import ROUTES
from app.ui.shell import AppUI
from app.ui.signature import strokes_to_png
from tests.ui_session import controls_in, open_session, run, snack_texts, tap, texts_of

BASIS = [{"doc": "《中华人民共和国消防法》（2021修正）", "article": "第二十八条", "status": "confirmed"}]

#: One item of every answer kind, so the run screen shows every kind of answer control.
EVERY_KIND = {
    "id": "every_kind", "title": "全部题型", "version": 1, "scope": ["群租房"],
    "sections": [{"id": "s1", "title": "题型", "items": [
        {"id": "Y1", "question": "疏散通道是否堆放物品？", "kind": "yes_no_na", "hazard_when": {"equals": "是"},
         "photo_required": True, "status": "confirmed", "basis": BASIS},
        {"id": "C1", "question": "房屋属于哪一类？", "kind": "choice", "options": ["成套住宅", "非成套住宅"],
         "hazard_when": {"equals": "非成套住宅"}, "status": "confirmed", "basis": BASIS},
        {"id": "M1", "question": "缺少哪些消防设施？", "kind": "multi_choice", "options": ["灭火器", "应急照明"],
         "hazard_when": {"in": ["灭火器", "应急照明"]}, "required": False, "status": "confirmed", "basis": BASIS},
        {"id": "N1", "question": "最多一间住了几人？", "kind": "number", "unit": "人", "min": 0, "max": 50,
         "hazard_when": {"gt": 10}, "status": "confirmed", "basis": BASIS},
        {"id": "D1", "question": "最近一次消防检测日期", "kind": "date", "hazard_when": {"older_than_days": 365},
         "status": "confirmed", "basis": BASIS},
        {"id": "T1", "question": "现场情况补充说明", "kind": "text", "informational": True, "status": "confirmed",
         "basis": BASIS},
        {"id": "P1", "question": "现场全景照片", "kind": "photo", "informational": True, "required": False,
         "status": "confirmed", "basis": BASIS},
    ]}],
}


def test_unexpected_error_in_a_handler_is_logged_and_shown_plainly_and_the_session_lives_on(caplog) -> None:
    async def scenario() -> None:
        session, conn = open_session()

        async def broken(_e: ft.Event) -> None:
            raise ZeroDivisionError("a bug in a screen")

        button = W.button("保存", broken)
        session.page.add(button)
        with caplog.at_level(logging.INFO, logger="app.ui"):
            await tap(session, button)
        assert conn.crashes() == []
        assert snack_texts(session.page) == [S.UNEXPECTED_ERROR]
        # The traceback is in the log, pointing at the handler that failed.
        [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert record.name == "app.ui.errors" and record.exc_info is not None
        assert record.exc_info[0] is ZeroDivisionError and "broken" in record.getMessage()
        assert "a bug in a screen" in caplog.text and "Traceback" in caplog.text
        # The session still works: the next tap is handled, not ignored.
        await tap(session, button)
        assert snack_texts(session.page) == [S.UNEXPECTED_ERROR, S.UNEXPECTED_ERROR]

    run(scenario)


def test_without_the_guard_flet_would_crash_the_session() -> None:
    """Why the guard exists: the same handler on a bare Flet button sends SESSION_CRASHED."""

    async def scenario() -> None:
        session, conn = open_session()

        async def broken(_e: ft.Event) -> None:
            raise ZeroDivisionError("a bug in a screen")

        button = ft.Button("保存", on_click=broken)
        session.page.add(button)
        await tap(session, button)
        [crash] = conn.crashes()
        assert "ZeroDivisionError" in crash.body.message

    logging.getLogger("flet").disabled = True  # Flet logs the crash itself; not this test's output
    try:
        run(scenario)
    finally:
        logging.getLogger("flet").disabled = False


def test_a_refusal_no_screen_caught_reads_as_its_own_message_without_a_traceback(caplog) -> None:
    async def scenario() -> None:
        session, conn = open_session()

        def refuse() -> None:
            raise InvalidAnswer("deadline", "整改期限不是有效日期")

        button = W.button("保存", refuse)
        session.page.add(button)
        with caplog.at_level(logging.INFO, logger="app.ui"):
            await tap(session, button)
        assert conn.crashes() == []
        assert snack_texts(session.page) == ["整改期限不是有效日期"]
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]

    run(scenario)


@pytest.fixture
def device(tmp_path: Path):
    opened = open_device(tmp_path / "data", checklists={"every_kind": Checklist.model_validate(EVERY_KIND)})
    yield opened
    opened.close()


def test_a_screen_that_fails_to_build_shows_a_plain_message_and_logs_the_traceback(device, tmp_path, caplog) -> None:
    async def broken_screen(ui: AppUI) -> ft.View:
        raise KeyError("bug while building the screen")

    async def scenario() -> None:
        session, conn = open_session()
        ui = AppUI(session.page, device, [("/", broken_screen)], upload_dir=tmp_path / "uploads")
        with caplog.at_level(logging.INFO, logger="app.ui"):
            await ui.render()
        assert conn.crashes() == []
        assert S.UNEXPECTED_ERROR in texts_of(session.page.views[-1])
        assert "bug while building the screen" not in " ".join(texts_of(session.page.views[-1]))
        assert any(r.exc_info and r.exc_info[0] is KeyError for r in caplog.records)

    run(scenario)


def test_a_missing_record_reads_as_not_found_not_as_a_crash(device, tmp_path) -> None:
    async def scenario() -> None:
        session, conn = open_session()
        ui = AppUI(session.page, device, ROUTES, upload_dir=tmp_path / "uploads")
        session.page.route = "/hazard/no-such-hazard"
        await ui.render()
        assert conn.crashes() == []
        shown = " ".join(texts_of(session.page.views[-1]))
        assert "找不到" in shown or "不存在" in shown, shown

    run(scenario)


def unguarded_handlers(view: ft.View) -> list[str]:
    found = []
    for control in controls_in(view):
        for f in dataclasses.fields(control):
            handler = getattr(control, f.name, None) if f.name.startswith("on_") else None
            if handler is not None and not is_guarded(handler):
                found.append(f"{type(control).__name__}.{f.name} = {getattr(handler, '__qualname__', handler)}")
    return found


def handler_count(view: ft.View) -> int:
    return sum(1 for c in controls_in(view) for f in dataclasses.fields(c)
               if f.name.startswith("on_") and getattr(c, f.name, None) is not None)


def seed(device) -> dict[str, str]:  # noqa: ANN001 - the device fixture
    """A draft inspection with a hazard awaiting 复查, and a completed one; their ids."""
    site = device.sites.create(name="荷花池街道 12 号群租房", address="钟楼区荷花池街道 12 号", kind="群租房",
                               grid="荷花池-01")
    draft = device.inspections.start(site.id, "every_kind")
    device.inspections.answer(draft.id, "Y1", "是")
    hazard = device.inspections.state(draft.id).hazards["Y1"]
    device.hazards.transition(hazard.id, RECTIFYING)
    device.hazards.transition(hazard.id, AWAITING_REVIEW)
    other = device.sites.create(name="西林苑 3 幢出租屋", kind="群租房")  # one draft per site and checklist
    done = device.inspections.start(other.id, "every_kind")
    for item_id, value in [("Y1", "否"), ("C1", "成套住宅"), ("M1", []), ("N1", 2), ("D1", device.today().isoformat()),
                           ("T1", "无"), ("P1", [])]:
        device.inspections.answer(done.id, item_id, value)
    device.signoff.sign(done.id, signer_name="李经理", png=strokes_to_png([[(1, 1), (50, 40)]], 100, 60))
    device.signoff.complete(done.id)
    return {"site": site.id, "draft": draft.id, "done": done.id, "hazard": hazard.id}


@pytest.mark.parametrize("width", [390, 1000], ids=["phone", "tablet"])
def test_every_control_on_every_screen_reports_errors_instead_of_crashing(device, tmp_path, width) -> None:
    ids = seed(device)
    routes = ["/", "/sites", "/sites/new", f"/site/{ids['site']}", f"/hazard/{ids['hazard']}",
              f"/hazard/new/{ids['draft']}",
              f"/finish/{ids['draft']}", f"/finish/{ids['done']}", f"/run/{ids['done']}", "/ledger",
              f"/ledger/{ids['hazard']}", "/settings"]
    # The run screen shows one item at a time: visit each, so every kind of answer control is seen.
    item_ids = [i.id for i in device.catalog.get("every_kind").items]

    async def scenario() -> dict[str, list[str]]:
        session, conn = open_session(width=width)
        ui = AppUI(session.page, device, ROUTES, upload_dir=tmp_path / "uploads")
        ui.install()
        problems: dict[str, list[str]] = {}
        shown: list[tuple[str, ft.View]] = []
        for route in routes:
            session.page.route = route
            await ui.render()
            shown.append((route, session.page.views[-1]))
        for item_id in item_ids:
            device.inspections.set_position(ids["draft"], item_id)
            session.page.route = f"/run/{ids['draft']}"
            await ui.render()
            shown.append((f"/run/{ids['draft']} at {item_id}", session.page.views[-1]))
        for route, view in shown:
            assert S.ERROR_TITLE not in texts_of(view.appbar), f"{route} failed to build: {texts_of(view)}"
            assert handler_count(view) >= 2, f"{route}: no handlers found, the walk sees nothing"
            if bad := unguarded_handlers(view):
                problems[route] = bad
        page_handlers = [session.page.on_route_change, session.page.on_view_pop, session.page.on_resize,
                         ui.photos.picker.on_upload]
        if not all(is_guarded(h) for h in page_handlers):
            problems["page and services"] = [repr(h) for h in page_handlers if not is_guarded(h)]
        assert conn.crashes() == []
        return problems

    assert run(scenario) == {}


def test_the_date_picker_dialog_reports_errors_too() -> None:
    async def scenario() -> tuple[int, list[str]]:
        session, _ = open_session()
        day = date(2026, 11, 29)
        picker = CalendarDialog(session.page, lambda picked: None, value=day, today=day)
        return handler_count(picker.dialog), unguarded_handlers(picker.dialog)

    count, bad = run(scenario)
    assert count >= 30 and bad == []  # the days, the arrows, 今天, 取消


def test_the_date_picker_offers_no_deadline_before_today_and_no_storage_date_after_today() -> None:
    today = date(2026, 11, 18)

    async def pickable_days(**bounds: date) -> list[int]:
        picker = CalendarDialog(open_session()[0].page, lambda picked: None, value=today, today=today, **bounds)
        return [int(c.label.removeprefix("11月").removesuffix("日")) for c in controls_in(picker.dialog)
                if isinstance(c, ft.Semantics) and c.label and c.label.startswith("11月") and c.button]

    assert run(lambda: pickable_days(first=today)) == list(range(18, 31))  # a 整改期限
    assert run(lambda: pickable_days(last=today)) == list(range(1, 19))  # a 最早入库日期
    assert run(pickable_days) == list(range(1, 31))
