"""For each of the four checklists, at phone and tablet widths, through the real UI in Chromium:

create a site → choose the checklist → answer every visible item (one hazard, with a photo uploaded
through the file chooser) → sign on the pad → 完成检查 → in 隐患台账: 开始整改 → 提交复查 → 复查合格
with a photo → 已销号. Then the SQLite file must hold what was entered.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

from checklists.loader import load_shipped

from .conftest import JS_ITEM, OUT, VIEWPORTS, FlutterPage
from .plan import hazard_answer, hazard_item, safe_answer, stored_value

CHECKLISTS = load_shipped().checklists

# checklist id → (site kind, site name)
CASES = {
    "lifeline": ("小区/单位消防车通道", "幸福里小区东门消防车道"),
    "group_rental": ("群租房", "新村路12号群租房"),
    "highrise": ("高层住宅", "锦绣华庭3号楼"),
    "hw_storage": ("危废产生单位", "恒达电镀厂危废仓库"),
}
ITEM_ID = re.compile(r"^(LC|GR|HR|HW)-[0-9A-Za-z]+$")
JS_HAS_TEXT = """(t) => Array.from(document.querySelectorAll('flt-semantics'))
  .some(e => e.textContent.trim() === t)"""
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

pytestmark = pytest.mark.browser


def poll(fn, timeout: float = 10.0, interval: float = 0.03):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(interval)


def reveal(fp: FlutterPage, locator) -> dict:  # noqa: ANN001
    """Scroll the Flutter page (mouse wheel) until ``locator`` is inside the viewport.

    After each wheel step, wait (bounded) until the target is in view or has moved, i.e. the
    scroll took effect; no fixed sleeps. At most 20 steps; stops early when scrolling no longer
    moves the target (end of the list)."""
    vh = fp.page.viewport_size["height"]
    vw = fp.page.viewport_size["width"]

    def in_view(box: dict | None) -> bool:
        return bool(box and box["y"] >= 60 and box["y"] + box["height"] <= vh - 10)

    box = locator.bounding_box()
    for _ in range(20):
        if in_view(box):
            return box
        fp.page.mouse.move(vw / 2, vh / 2)
        delta = (box["y"] - vh / 3) if box else 400
        fp.page.mouse.wheel(0, delta)
        before = box
        try:
            box = poll(lambda: (lambda b: b if (in_view(b) or (b and b != before)) else None)(
                locator.bounding_box()), timeout=5)
        except TimeoutError:
            break  # the wheel moved nothing: cannot scroll further
    box = locator.bounding_box()
    assert box, "element not found"
    assert in_view(box), f"could not scroll {locator} into view: {box}"
    return box


def glyphs_render(png: Path, box: dict, n_chars: int) -> tuple[bool, float]:
    """Chinese drawn with the bundled font: glyph cells are inked and differ from each other
    (tofu boxes would be identical rectangles)."""
    from PIL import Image, ImageChops, ImageStat

    img = Image.open(png).convert("L")
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    cell = w / n_chars
    cells = [img.crop((int(x + i * cell), int(y), int(x + (i + 1) * cell), int(y + h))).resize((24, 24))
             for i in range(n_chars)]
    inked = all(ImageStat.Stat(c).extrema[0][0] < 128 for c in cells)
    diffs = [ImageStat.Stat(ImageChops.difference(a, b)).mean[0] for a, b in zip(cells, cells[1:])]
    return inked and min(diffs) > 4, min(diffs)


def assert_drawn(png: bytes) -> None:
    """The signature PNG decodes and holds the drawn stroke (dark pixels on the white pad)."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(png))
    img.load()
    lo, _hi = img.convert("L").getextrema()
    assert lo < 128, "signature PNG is blank"
    dark = sum(img.convert("L").point(lambda v: 255 if v < 128 else 0).histogram()[255:])
    assert dark > 50, f"signature PNG has only {dark} dark pixels"


def check_ledger_layout(fp: FlutterPage, size: str, card, detail_el) -> None:  # noqa: ANN001
    """820×1180: list and detail side by side (two panes). 390×844: the detail replaces the list."""
    location = fp.text("隐患部位").last
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


def answer_item(fp: FlutterPage, item, value) -> None:  # noqa: ANN001
    page = fp.page
    if item.kind in ("yes_no_na", "choice"):
        fp.click(str(value))
    elif item.kind == "multi_choice":
        for opt in value:
            page.get_by_role("checkbox", name=opt, exact=True).click()
            poll(lambda: page.get_by_role("checkbox", name=opt, exact=True).get_attribute("aria-checked") == "true")
        if fp.button("下一题").count():
            fp.click("下一题")
    elif item.kind in ("number", "date", "text"):
        label = {"number": f"数值（{item.unit}）", "date": "日期（年-月-日）", "text": "答案"}[item.kind]
        text = f"{value:g}" if isinstance(value, float) else str(value)
        fp.fill(label, text)
        if item.kind in ("number", "date"):
            page.keyboard.press("Enter")  # 提交: saves and moves on
        elif fp.button("下一题").count():
            fp.click("下一题")
        else:
            page.keyboard.press("Tab")  # last item: blur saves it
    elif item.kind == "photo":
        fp.click("不拍照，跳过")
    else:
        raise AssertionError(item.kind)


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("checklist_id", list(CASES))
def test_inspection_to_closed_hazard(checklist_id: str, size: str, app_server, make_page, jpeg: Path) -> None:
    checklist = CHECKLISTS[checklist_id]
    kind, site_name = CASES[checklist_id]
    hz = hazard_item(checklist)
    shots = OUT / "screenshots" / size / checklist_id
    for old in shots.glob("*.png"):
        old.unlink()
    fp, net = make_page(size, shots)
    page = fp.page

    # -- home, with the bundled CJK font -------------------------------------------------------
    fp.open(app_server.url)
    fp.button("新建检查").wait_for(timeout=30_000)
    fp.wait_text("上次同步：尚未同步")
    fp.wait_text("待同步 0 条")
    poll(lambda: 200 in net.font_status(), timeout=15)
    # The font arrives after the first frame (tofu until then): wait until the label's glyphs are
    # inked and distinct, i.e. drawn with the bundled font.
    label = "上次同步：尚未同步"
    probe = shots.parent / f"{checklist_id}-font-probe.png"
    deadline = time.monotonic() + 15
    while True:
        box = fp.text(label).first.bounding_box()
        page.screenshot(path=str(probe))
        ok, diff = glyphs_render(probe, box, len(label))
        if ok or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    probe.unlink(missing_ok=True)
    assert ok, f"Chinese label looks empty or tofu (min glyph difference {diff:.1f})"
    fp.shot("home")

    # -- settings: the inspector's name (used as 复查人 later) ------------------------------------
    fp.click("设置")
    fp.fill("检查员姓名", "张网格")
    fp.fill("检查员编号", "WG-0007")
    page.keyboard.press("Tab")
    fp.wait_text("已保存")
    fp.shot("settings")
    fp.click("返回")
    fp.wait_text("检查员：张网格")

    # -- site: create one -------------------------------------------------------------------------
    fp.click("新建检查")
    fp.button("新建场所").wait_for()
    fp.shot("sites")
    fp.click("新建场所")
    fp.fill("场所名称", site_name)
    page.get_by_role("checkbox", name=kind, exact=True).click()
    fp.fill("地址", "钟楼区测试路1号")
    fp.fill("所属网格", "一网格")
    fp.fill("联系人", "李经理")
    fp.shot("new-site")
    fp.click("保存场所")
    start = f"开始检查：{checklist.title}"
    fp.button(start).wait_for()
    fp.shot("choose-checklist")
    fp.click(start)

    # -- answer every visible item ----------------------------------------------------------------
    expected: dict[str, str] = {}  # item id -> answers.value (JSON text) for what the test entered
    hazard_done = False
    first = True
    for _ in range(300):
        iid = poll(lambda: page.evaluate(JS_ITEM))
        item = checklist.item(iid)
        if first:
            fp.shot("checklist-item")
            if not (size == "820x1180"):
                fp.click("查看说明与依据")
                fp.wait_text("说明与依据")
                fp.shot("checklist-basis")
                fp.click("隐藏说明与依据")
                # The item panel is rebuilt by the toggle: answer only once it is back.
                fp.button("查看说明与依据").last.wait_for(timeout=10_000)
            first = False
            # The sync status is visible on inner screens too, not only at home.
            fp.text(re.compile(r"^待同步")).first.wait_for(timeout=10_000)
        value = hazard_answer(hz) if (item.id == hz.id and not hazard_done) else safe_answer(item, checklist)
        answer_item(fp, item, value)
        expected[item.id] = stored_value(item, value)
        if item.id == hz.id and not hazard_done:
            # The hazard sheet opens by itself.
            fp.button("添加照片").wait_for()
            fp.fill("隐患部位", "东门入口处")
            fp.fill("整改责任单位", "幸福里物业服务中心")
            with page.expect_file_chooser() as chooser:
                fp.click("添加照片")
            chooser.value.set_files(str(jpeg))
            fp.wait_text("照片 1 张", timeout=20_000)
            page.get_by_role("img", name="照片").first.wait_for()
            fp.shot("hazard-sheet")
            fp.click("返回检查")
            hazard_done = True
            poll(lambda: page.evaluate(JS_ITEM) not in (None, iid))
            continue

        def moved() -> bool:
            now = page.evaluate(JS_ITEM)
            if now is not None and now != iid:
                return True
            prog = page.evaluate(JS_PROGRESS)
            return bool(prog and prog[0] == prog[1] and fp.button("去完成检查").count())

        poll(moved)
        prog = page.evaluate(JS_PROGRESS)
        if page.evaluate(JS_ITEM) == iid and prog and prog[0] == prog[1]:
            break
    else:
        raise AssertionError("checklist did not end")
    assert hazard_done
    fp.shot("checklist-done")

    # -- finish: summary, signature, complete -------------------------------------------------------
    fp.click("去完成检查")
    fp.button("完成检查").wait_for()
    fp.wait_text(re.compile(r"^已答 \d+/\d+ 项$"))
    fp.shot("finish")
    fp.fill("签名人姓名", "李经理")
    pad = page.get_by_text(re.compile("^签名板")).first
    box = reveal(fp, pad)
    assert page.evaluate(JS_SHOWS, "请在此处签名"), "the empty pad shows its placeholder"
    x0, y0 = box["x"] + 30, box["y"] + 40
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x0 + i * 10, y0 + (30 if i % 6 < 3 else 0) + i * 2, steps=2)
    page.mouse.up()
    # The stroke reached the app: it hid the pad's placeholder.
    poll(lambda: not page.evaluate(JS_SHOWS, "请在此处签名"), timeout=15)
    fp.shot("signed")
    fp.click("完成检查")
    fp.wait_text("检查已完成，记录只读", timeout=15_000)
    fp.shot("completed")

    # -- 隐患台账: 开始整改 → 提交复查 → 复查合格 (with photo) → 已销号 --------------------------------
    fp.click("查看隐患台账")
    card = page.get_by_role("button", name=re.compile(re.escape(hz.question))).first
    card.wait_for()
    fp.shot("ledger")
    card.click()
    start_btn = fp.button("开始整改").last
    start_btn.wait_for()
    check_ledger_layout(fp, size, card, start_btn)
    fp.click("开始整改")
    fp.button("提交复查").wait_for()
    fp.shot("ledger-rectifying")
    fp.click("提交复查")
    fp.button("复查合格").wait_for()
    fp.fill("复查意见", "车辆已清走，通道畅通")
    # On a phone the button is below the fold (Flutter does not scroll for a DOM click), and the
    # 3 s toast of the status change covers the bottom of the screen: scroll, let the toast go.
    reveal(fp, fp.button("添加复查照片").last)
    fp.text("已改为“待复查”").first.wait_for(state="hidden", timeout=15_000)
    with page.expect_file_chooser() as chooser:
        fp.click("添加复查照片")
    chooser.value.set_files(str(jpeg))
    fp.wait_text("复查照片 1 张", timeout=20_000)
    fp.shot("review")
    reveal(fp, fp.button("复查合格").last)
    fp.click("复查合格")
    # Not just any "已销号" (the status filter chip always shows it): the 复查 form goes away and
    # the detail itself shows 销号时间 with the 已销号 status pill above it, in its column.
    fp.button("复查合格").wait_for(state="detached", timeout=15_000)
    fp.wait_text("复查记录（1）")
    closed_label = fp.text("销号时间").last
    closed_label.wait_for(timeout=15_000)

    def detail_pill_closed() -> bool:
        lb = closed_label.bounding_box()
        if not lb:
            return False
        pills = fp.text("已销号")
        for i in range(pills.count()):
            b = pills.nth(i).bounding_box()
            if b and abs(b["x"] - lb["x"]) < 40 and b["y"] < lb["y"] and b["width"] > 0:
                return True
        return False

    poll(detail_pill_closed)
    fp.shot("closed")

    assert net.unexpected_failures() == []

    # -- the SQLite file holds what the user entered ----------------------------------------------
    db = sqlite3.connect(app_server.db)
    try:
        (site_id, site_kind), = db.execute("SELECT id, kind FROM sites WHERE name = ?", (site_name,)).fetchall()
        assert site_kind == kind
        (insp_id, status, cl), = db.execute(
            "SELECT id, status, checklist_id FROM inspections WHERE site_id = ?", (site_id,)).fetchall()
        assert (status, cl) == ("completed", checklist_id)
        stored = dict(db.execute("SELECT item_id, value FROM answers WHERE inspection_id = ?", (insp_id,)))
        assert stored == expected
        (signer, png), = db.execute("SELECT signer_name, png FROM signatures WHERE inspection_id = ?",
                                    (insp_id,)).fetchall()
        assert signer == "李经理" and png[:8] == b"\x89PNG\r\n\x1a\n"
        assert_drawn(png)
        (hid, hstatus, loc, unit, closed_at), = db.execute(
            "SELECT id, status, location, rect_unit, closed_at FROM hazards WHERE inspection_id = ? AND item_id = ?",
            (insp_id, hz.id)).fetchall()
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
        # Only the one planned hazard was raised.
        assert db.execute("SELECT count(*) FROM hazards WHERE inspection_id = ?", (insp_id,)).fetchone()[0] == 1
    finally:
        db.close()
