"""For each of the four checklists, at phone and tablet widths, through the real UI in Chromium:

create a site → choose the checklist → answer every visible item (one hazard, with a photo uploaded
through the file chooser) → sign on the pad → 完成检查 → in 隐患台账: 开始整改 → 提交复查 → 复查合格
with a photo → 已销号. Then the SQLite file must hold what was entered.

The test runs as named steps (``step``) on one app and one page, so a failure says which step broke.
"""

from __future__ import annotations

import io
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.domain.clock import local_today
from app.domain.prefill import prefill_answers
from app.services import AWAITING_REVIEW, CLOSED, HAZARD_FIELDS, REVIEW_FIELDS, REVIEW_RESULT, SITE_FIELDS
from app.ui import strings as S
from checklists import Checklist, Item
from checklists.loader import load_shipped

from .glyphs import GLYPHS, first_painted_state
from .harness import OUT, VIEWPORTS, AppServer, FlutterPage, NetLog, poll, step
from .plan import answered_value, hazard_answer, hazard_description, hazard_item, safe_answer, stored_value

CHECKLISTS = load_shipped().checklists

# checklist id → (site kind, site name)
CASES = {
    "lifeline": ("小区/单位消防车通道", "幸福里小区东门消防车道"),
    "group_rental": ("群租房", "新村路12号群租房"),
    "highrise": ("高层住宅", "锦绣华庭3号楼"),
    "hw_storage": ("危废产生单位", "恒达电镀厂危废仓库"),
}
#: Whether some semantics node shows ``t`` (text or accessible name contains it).
JS_SHOWS = """(t) => Array.from(document.querySelectorAll('flt-semantics'))
  .some(e => e.textContent.includes(t) || (e.getAttribute('aria-label') || '').includes(t))"""
JS_PROGRESS = """() => {
  for (const e of document.querySelectorAll('flt-semantics')) {
    const m = e.textContent.trim().match(/^已答 (\\d+)\\/(\\d+)$/);
    if (m) return [parseInt(m[1]), parseInt(m[2])];
  }
  return null;
}"""
NEVER_SYNCED = S.LAST_SYNC.format(when=S.NEVER_SYNCED)
#: The address the test types for each new site (some checklists prefill an item from it).
ADDRESS = "钟楼区测试路1号"

pytestmark = pytest.mark.browser


@dataclass
class Visit:
    """One inspector's visit in the browser: what the steps share."""

    fp: FlutterPage
    net: NetLog
    size: str
    checklist: Checklist
    kind: str
    site_name: str
    hazard: Item
    shots: Path
    #: item id -> answers.value (JSON text) for what the test entered or the site record prefilled
    expected: dict[str, str] = field(default_factory=dict)
    #: item id -> answer as the domain reads it (what safe answers are checked against)
    answers: dict[str, Any] = field(default_factory=dict)
    #: the answers the site record filled in when the inspection started
    prefilled: dict[str, Any] = field(default_factory=dict)

    @property
    def page(self) -> Any:
        return self.fp.page

    @property
    def phone(self) -> bool:
        return self.size != "820x1180"


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("checklist_id", list(CASES))
def test_inspection_with_hazard_photo_and_signature_is_stored_and_the_hazard_closes_after_review(
        checklist_id: str, size: str, app_server: AppServer, make_page, jpeg: Path) -> None:
    kind, site_name = CASES[checklist_id]
    checklist = CHECKLISTS[checklist_id]
    shots = OUT / "screenshots" / size / checklist_id
    for old in shots.glob("*.png"):
        old.unlink()
    fp, net = make_page(size, shots)
    visit = Visit(fp, net, size, checklist, kind, site_name, hazard_item(checklist), shots)

    with step("home shows the sync status, drawn in the bundled CJK font"):
        home_in_chinese(visit, app_server)
    with step("设置: the inspector's name and number are saved"):
        set_inspector(visit)
    with step("新建场所: the site is saved and its checklist offered"):
        create_site(visit)
    with step("every visible item answered, the hazard with a photo"):
        answer_every_item(visit, jpeg)
    with step("the representative signs on the pad and the inspection completes"):
        sign_and_complete(visit)
    with step("隐患台账: 开始整改 → 提交复查 → 复查合格 with a photo closes the hazard"):
        close_hazard_after_review(visit, jpeg)
    with step("no request failed"):
        assert net.unexpected_failures() == []
    with step("the SQLite file holds what was entered"):
        database_holds_the_visit(visit, app_server.db, checklist_id)


def home_in_chinese(visit: Visit, app_server: AppServer) -> None:
    fp, page = visit.fp, visit.page
    fp.open(app_server.url)
    fp.button(S.NEW_INSPECTION).wait_for(timeout=30_000)
    fp.wait_text(NEVER_SYNCED)
    fp.wait_text(S.NOTHING_PENDING)
    # The web client loads the font before its first frame: the first time the label is painted,
    # its glyphs are drawn with the bundled font (never boxes first, never a wait for the font).
    assert 200 in visit.net.font_status()
    probe = visit.shots.parent / f"{visit.checklist.id}-font-probe.png"
    state, diff = first_painted_state(page, NEVER_SYNCED, probe)
    assert state == GLYPHS, (f"Chinese label first painted as {state} (min glyph difference {diff:.1f}); "
                             f"see {probe}")
    probe.unlink(missing_ok=True)
    fp.shot("home")


def set_inspector(visit: Visit) -> None:
    fp = visit.fp
    fp.click(S.SETTINGS)
    fp.fill(S.INSPECTOR_NAME, "张网格")
    fp.fill(S.INSPECTOR_ID, "WG-0007")
    visit.page.keyboard.press("Tab")
    fp.wait_text(S.SAVED)
    fp.shot("settings")
    fp.click(S.BACK)
    fp.wait_text(S.INSPECTOR.format(name="张网格"))


def create_site(visit: Visit) -> None:
    fp = visit.fp
    fp.click(S.NEW_INSPECTION)
    fp.button(S.NEW_SITE).wait_for()
    fp.click(S.NEW_SITE)
    fp.fill(SITE_FIELDS["name"], visit.site_name)
    visit.page.get_by_role("checkbox", name=visit.kind, exact=True).click()
    fp.fill(SITE_FIELDS["address"], ADDRESS)
    fp.fill(SITE_FIELDS["grid"], "一网格")
    fp.fill(SITE_FIELDS["contact_name"], "李经理")
    fp.click(S.SAVE_SITE)
    # A kind with one fitting checklist goes straight into it; otherwise it is chosen.
    start = S.START_CHECKLIST.format(title=visit.checklist.title)
    poll(lambda: fp.button(start).count() or fp.item_id())
    if fp.button(start).count():
        fp.click(start)


def answer_every_item(visit: Visit, jpeg: Path) -> None:
    fp, checklist, hz = visit.fp, visit.checklist, visit.hazard
    visit.prefilled = prefill_answers(checklist, {"kind": visit.kind, "address": ADDRESS, "name": visit.site_name})
    visit.answers = dict(visit.prefilled)
    visit.expected = {item_id: stored_value(checklist.item(item_id), value) for item_id, value in visit.prefilled.items()}
    hazard_done = False
    first = True
    for _ in range(300):
        iid = poll(fp.item_id)
        item = checklist.item(iid)
        if first:
            assert iid not in visit.prefilled, "the inspection opens at the first item still to answer"
            first_item_shows_basis_and_sync_status(visit)
            first = False
        if item.computed is not None or iid in visit.prefilled:
            # Worked out from earlier answers, or given by the site record: shown, kept, passed over.
            if item.computed is not None:
                fp.wait_text(S.COMPUTED_NOTE)  # read-only: no field to type into
                fp.shot(f"computed-{iid}")
            fp.click(S.NEXT_ITEM)
            poll(lambda: fp.item_id() not in (None, iid))
            continue
        planned = item.id == hz.id and not hazard_done
        value = hazard_answer(hz) if planned else safe_answer(item, checklist, visit.answers, local_today())
        answer_item(fp, item, value)
        visit.expected[item.id] = stored_value(item, value)
        visit.answers[item.id] = answered_value(item, value)
        if planned:
            fill_hazard_sheet(visit, jpeg)
            hazard_done = True
            poll(lambda: fp.item_id() not in (None, iid))
            continue

        def moved() -> bool:
            now = fp.item_id()
            return (now is not None and now != iid) or bool(fp.button(S.COMPLETE).count())

        poll(moved)
        if fp.button(S.COMPLETE).count():  # after the last item comes the finish screen
            break
    else:
        raise AssertionError("checklist did not end")
    assert hazard_done


def first_item_shows_basis_and_sync_status(visit: Visit) -> None:
    fp = visit.fp
    fp.shot("checklist-item")
    if visit.phone:
        fp.click(S.SHOW_BASIS)
        fp.wait_text(S.BASIS_TITLE)
        fp.shot("checklist-basis")
        fp.click(S.HIDE_BASIS)
        # The item panel is rebuilt by the toggle: answer only once it is back.
        fp.button(S.SHOW_BASIS).last.wait_for(timeout=10_000)
    # The sync status is visible on inner screens too, not only at home.
    fp.text(re.compile(f"^.+{S.PENDING_WORDS.format(parts='')} · ")).first.wait_for(timeout=10_000)


def fill_hazard_sheet(visit: Visit, jpeg: Path) -> None:
    """The hazard sheet opens by itself: 部位, 责任单位 and a photo through the file chooser."""
    fp, page = visit.fp, visit.page
    fp.button(S.ADD_PHOTO).wait_for()
    fp.fill(HAZARD_FIELDS["location"], "东门入口处")
    fp.fill(HAZARD_FIELDS["rect_unit"], "幸福里物业服务中心")
    with page.expect_file_chooser() as chooser:
        fp.click(S.ADD_PHOTO)
    chooser.value.set_files(str(jpeg))
    fp.wait_text(S.PHOTO_COUNT.format(n=1), timeout=20_000)
    page.get_by_role("img", name=S.PHOTO).first.wait_for()
    fp.shot("hazard-sheet")
    fp.click(S.BACK_TO_INSPECTION)


def answer_item(fp: FlutterPage, item: Item, value: object) -> None:
    page = fp.page
    if item.kind in ("yes_no_na", "choice"):
        fp.click(str(value))
    elif item.kind == "multi_choice":
        assert isinstance(value, list)
        if len(value) == 1 and value[0] in item.exclusive_options:
            # An exclusive option (无上述情形) is a whole answer: ticking it moves on.
            page.get_by_role("checkbox", name=value[0], exact=True).click()
            return
        for opt in value:
            page.get_by_role("checkbox", name=opt, exact=True).click()
            poll(lambda: page.get_by_role("checkbox", name=opt, exact=True).get_attribute("aria-checked") == "true")
        if fp.button(S.NEXT_ITEM).count():
            fp.click(S.NEXT_ITEM)
    elif item.kind in ("number", "date", "text"):
        label = {"number": S.NUMBER_FIELD.format(unit=item.unit), "date": S.DATE_FIELD, "text": S.TEXT_FIELD}[item.kind]
        text = f"{value:g}" if isinstance(value, float) else str(value)
        fp.fill(label, text)
        if item.kind in ("number", "date"):
            page.keyboard.press("Enter")  # 提交: saves and moves on
        elif fp.button(S.NEXT_ITEM).count():
            fp.click(S.NEXT_ITEM)
        else:
            page.keyboard.press("Tab")  # last item: blur saves it
    elif item.kind == "photo":
        fp.click(S.SKIP_PHOTO)
    else:
        raise AssertionError(item.kind)


def sign_and_complete(visit: Visit) -> None:
    fp, page = visit.fp, visit.page
    fp.button(S.COMPLETE).wait_for()
    fp.wait_text(re.compile(r"^已答 \d+/\d+ 项$"))
    fp.shot("finish")
    fp.fill(S.SIGNER_FIELD, "李经理")
    pad = page.get_by_text(re.compile(f"^{S.SIGNATURE_PAD}")).first
    bar_top = fp.button(S.COMPLETE).bounding_box()["y"]
    box = fp.reveal(pad, above=page.viewport_size["height"] - bar_top, need=140)
    assert page.evaluate(JS_SHOWS, S.SIGN_HERE), "the empty pad shows its placeholder"
    x0, y0 = box["x"] + 30, box["y"] + 40
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x0 + i * 10, y0 + (30 if i % 6 < 3 else 0) + i * 2, steps=2)
    page.mouse.up()
    # The stroke reached the app: it hid the pad's placeholder.
    poll(lambda: not page.evaluate(JS_SHOWS, S.SIGN_HERE), timeout=15)
    fp.shot("signed")
    fp.click(S.COMPLETE)
    fp.wait_text(S.COMPLETED_READ_ONLY, timeout=15_000)
    fp.shot("completed")


def close_hazard_after_review(visit: Visit, jpeg: Path) -> None:
    fp, page = visit.fp, visit.page
    fp.click(S.VIEW_LEDGER)
    # The ledger shows the finding text a 隐患告知单 prints, not the question.
    description = hazard_description(visit.checklist, visit.hazard)
    card = page.get_by_role("button", name=re.compile(re.escape(description))).first
    card.wait_for()
    fp.shot("ledger")
    card.click()
    start_btn = fp.button("开始整改").last
    start_btn.wait_for()
    check_ledger_layout(fp, visit.size, card, start_btn)
    fp.click("开始整改")
    fp.button("提交复查").wait_for()
    fp.shot("ledger-rectifying")
    fp.click("提交复查")
    fp.button(REVIEW_RESULT[True]).wait_for()
    # On a phone the form is below the fold (Flutter does not scroll for a DOM click), and the
    # 3 s toast of the status change covers the bottom of the screen: scroll, let the toast go.
    # Text typed into a field under the toast reaches the DOM's textarea but never Flutter
    # (the 复查意见 then saved as ''), so the note is typed only once the field is clear.
    fp.reveal(fp.button(S.ADD_REVIEW_PHOTO).last)
    fp.text(S.STATUS_CHANGED.format(status=AWAITING_REVIEW)).first.wait_for(state="hidden", timeout=15_000)
    fp.fill(REVIEW_FIELDS["note"], "车辆已清走，通道畅通")
    with page.expect_file_chooser() as chooser:
        fp.click(S.ADD_REVIEW_PHOTO)
    chooser.value.set_files(str(jpeg))
    fp.wait_text(S.REVIEW_PHOTO_COUNT.format(n=1), timeout=20_000)
    fp.shot("review")
    fp.reveal(fp.button(REVIEW_RESULT[True]).last)
    fp.click(REVIEW_RESULT[True])
    # Not just any "已销号" (the status filter chip always shows it): the 复查 form goes away and
    # the detail itself shows 销号时间 with the 已销号 status pill above it, in its column.
    fp.button(REVIEW_RESULT[True]).wait_for(state="detached", timeout=15_000)
    fp.wait_text(S.REVIEW_HISTORY.format(n=1))
    closed_label = fp.text(HAZARD_FIELDS["closed_at"]).last
    closed_label.wait_for(timeout=15_000)

    def detail_pill_closed() -> bool:
        lb = closed_label.bounding_box()
        if not lb:
            return False
        pills = fp.text(CLOSED)
        for i in range(pills.count()):
            b = pills.nth(i).bounding_box()
            if b and abs(b["x"] - lb["x"]) < 40 and b["y"] < lb["y"] and b["width"] > 0:
                return True
        return False

    poll(detail_pill_closed)
    fp.shot("closed")


def check_ledger_layout(fp: FlutterPage, size: str, card: Any, detail_el: Any) -> None:
    """820×1180: list and detail side by side (two panes). 390×844: the detail replaces the list."""
    location = fp.text(HAZARD_FIELDS["location"]).last
    location.wait_for()
    if size == "820x1180":
        lb = card.bounding_box()
        boxes = [b for b in (location.bounding_box(), detail_el.bounding_box()) if b]
        assert lb and len(boxes) == 2, (lb, boxes)
        top = min(b["y"] for b in boxes)
        bottom = max(b["y"] + b["height"] for b in boxes)
        left = min(b["x"] for b in boxes)
        assert card.is_visible() and location.is_visible()
        assert left > lb["x"] + lb["width"] / 2, f"detail not right of the list: list {lb}, detail x {left}"
        assert top < lb["y"] + lb["height"] and lb["y"] < bottom, \
            f"list {lb} and detail {top}..{bottom} do not overlap vertically"
    else:
        poll(lambda: not card.is_visible())  # the list is gone: single column
        db = detail_el.bounding_box()
        assert db and location.is_visible()
        vw = fp.page.viewport_size["width"]
        assert db["x"] < vw / 2, f"detail not in the single column: {db}"


def database_holds_the_visit(visit: Visit, db_path: Path, checklist_id: str) -> None:
    db = sqlite3.connect(db_path)
    try:
        (site_id, site_kind), = db.execute("SELECT id, kind FROM sites WHERE name = ?", (visit.site_name,)).fetchall()
        assert site_kind == visit.kind
        (insp_id, status, cl), = db.execute(
            "SELECT id, status, checklist_id FROM inspections WHERE site_id = ?", (site_id,)).fetchall()
        assert (status, cl) == ("completed", checklist_id)
        stored = dict(db.execute("SELECT item_id, value FROM answers WHERE inspection_id = ?", (insp_id,)))
        assert stored == visit.expected
        (signer, png), = db.execute("SELECT signer_name, png FROM signatures WHERE inspection_id = ?",
                                    (insp_id,)).fetchall()
        assert signer == "李经理" and png[:8] == b"\x89PNG\r\n\x1a\n"
        assert_drawn(png)
        (hid, hstatus, loc, unit, closed_at), = db.execute(
            "SELECT id, status, location, rect_unit, closed_at FROM hazards WHERE inspection_id = ? AND item_id = ?",
            (insp_id, visit.hazard.id)).fetchall()
        assert (hstatus, loc, unit) == ("已销号", "东门入口处", "幸福里物业服务中心")
        assert closed_at is not None
        assert db.execute("SELECT count(*) FROM photo_links WHERE owner_kind = 'hazard' AND owner_id = ?",
                          (hid,)).fetchone()[0] == 1
        (rid, passed, note, reviewer), = db.execute(
            "SELECT id, passed, note, reviewer FROM reviews WHERE hazard_id = ?", (hid,)).fetchall()
        assert passed and note == "车辆已清走，通道畅通"
        assert reviewer == "张网格"  # the inspector name set in 设置
        assert db.execute("SELECT count(*) FROM photo_links WHERE owner_kind = 'review' AND owner_id = ?",
                          (rid,)).fetchone()[0] == 1
        # Only the one planned hazard was raised, with its finding text; no 预警 or 记录并报告 either.
        assert db.execute("SELECT count(*) FROM hazards WHERE inspection_id = ?", (insp_id,)).fetchone()[0] == 1
        assert db.execute("SELECT description FROM hazards WHERE id = ?", (hid,)).fetchone()[0] == \
            hazard_description(visit.checklist, visit.hazard)
        assert db.execute("SELECT count(*) FROM findings WHERE inspection_id = ?", (insp_id,)).fetchone()[0] == 0
    finally:
        db.close()


def assert_drawn(png: bytes) -> None:
    """The signature PNG decodes and holds the drawn stroke (dark pixels on the white pad)."""
    from PIL import Image

    img = Image.open(io.BytesIO(png))
    img.load()
    lo, _hi = img.convert("L").getextrema()
    assert lo < 128, "signature PNG is blank"
    dark = sum(img.convert("L").point(lambda v: 255 if v < 128 else 0).histogram()[255:])
    assert dark > 50, f"signature PNG has only {dark} dark pixels"
