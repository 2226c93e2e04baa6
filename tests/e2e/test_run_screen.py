"""The checklist screens on the smallest phone (360×800) and a tablet, through the real UI in Chromium: the
answer that makes a finding is named before anything is tapped, item ids and source notes stay
off the screen (the legal basis is a citation, one tap away), prefilled answers show as answered,
a number field opens with the keypad and checks as it is typed, an exclusive option clears the
others (and the others clear it), the main actions never leave the screen, a hazard reads as its
finding, a written-up hazard is never withdrawn without a yes (and comes back with its details),
leaving a hazard without its photo is said plainly, and 记录其他隐患 exists only once saved. On a
tablet the item is read before the basis beside it, and a number field that took the focus keeps it.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest

from app.services import HAZARD_FIELDS
from app.ui import strings as S
from checklists.loader import load_shipped

from .harness import OUT, FlutterPage, poll, step

pytestmark = pytest.mark.browser

CHECKLIST = load_shipped().checklists["group_rental"]
#: What the checklist keeps for its editors and a field screen must not show.
EDITOR_NOTES = ("种子文件", "条号未读到", "二手来源", "待确认", "（检查结果：", "以本地规定为准")
ITEM_ID = re.compile(r"\b(LC|GR|HR|HW)-\d")


def a_draft(device: Any) -> str:
    site = device.sites.search("荷花池")[0]
    return device.inspections.start(site.id, "group_rental").id


def rows(db_path, sql: str, *params: Any) -> list[tuple]:
    db = sqlite3.connect(db_path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def at(fp: FlutterPage, item_id: str) -> None:
    poll(lambda: fp.item_id() == item_id)


def actions_in_view(fp: FlutterPage) -> None:
    """下一题 and 上一题 are on screen without scrolling (the bottom bar)."""
    for name in (S.PREV_ITEM, S.NEXT_ITEM):
        assert fp.in_viewport(fp.button(name).last), f"{name} is below the fold"


def no_editor_notes(fp: FlutterPage) -> None:
    shown = " ".join(fp.texts())
    assert not ITEM_ID.search(shown), ITEM_ID.search(shown)
    for note in EDITOR_NOTES:
        assert note not in shown, note


def test_the_run_screen_names_the_finding_answer_shows_no_codes_and_keeps_its_actions_in_view(
        seeded_app, make_page) -> None:
    server, inspection_id = seeded_app(a_draft)
    fp, net = make_page("360x800", OUT / "screenshots" / "360x800" / "run-screen")
    page = fp.page

    with step("the prefilled address shows as answered and can be changed (13)"):
        fp.open(server.url + f"run/{inspection_id}")
        at(fp, "GR-00")  # the first item still to answer
        fp.click(S.PREV_ITEM)
        at(fp, "GR-00a")
        fp.wait_text(S.PREFILLED)
        assert fp.shows("钟楼区荷花池街道 12 号")
        actions_in_view(fp)
        no_editor_notes(fp)
        fp.click(S.NEXT_ITEM)

    with step("GR-00 → GR-00b: the number field has the keypad, checks as typed, Enter moves on (11)"):
        at(fp, "GR-00")
        fp.click("成套住宅")
        at(fp, "GR-00b")
        fp.wait_focus(S.NUMBER_FIELD.format(unit="间"))
        page.keyboard.insert_text("6a")
        fp.wait_text(S.NEED_NUMBER)
        assert not any("收到" in t for t in fp.texts())
        fp.shot("number-checked")
        page.keyboard.press("Backspace")
        poll(lambda: not fp.shows(S.NEED_NUMBER))
        page.keyboard.press("Enter")
        at(fp, "GR-00c")
        fp.wait_focus(S.NUMBER_FIELD.format(unit="人"))  # not GR-00b's field, still focused a moment ago
        page.keyboard.insert_text("8")
        page.keyboard.press("Enter")

    with step("GR-01a: the exclusive option clears the others and the others clear it (12)"):
        at(fp, "GR-01a")
        fp.wait_text(S.MULTI_HINT_EXCLUSIVE.format(options="“无上述情形”"))
        box = lambda name: page.get_by_role("checkbox", name=name, exact=True)  # noqa: E731
        box("违法建筑").click()
        poll(lambda: box("违法建筑").get_attribute("aria-checked") == "true")
        box("无上述情形").click()
        at(fp, "GR-01b")  # a whole answer: moved on
        assert rows(server.db, "SELECT value FROM answers WHERE item_id = 'GR-01a'") == [('["无上述情形"]',)]
        fp.click(S.PREV_ITEM)
        at(fp, "GR-01a")
        poll(lambda: box("无上述情形").get_attribute("aria-checked") == "true")
        box("违法建筑").click()
        poll(lambda: box("无上述情形").get_attribute("aria-checked") == "false")
        assert box("违法建筑").get_attribute("aria-checked") == "true"
        box("无上述情形").click()
        at(fp, "GR-01b")

    with step("the answer that makes a hazard is named before tapping, whichever way round (14)"):
        fp.wait_text("选择“是”即为隐患")
        actions_in_view(fp)
        fp.shot("finding-answer-is")
        fp.click("否")
        at(fp, "GR-03")
        fp.wait_text("选择“否”即为隐患")
        actions_in_view(fp)
        fp.shot("finding-answer-no")

    with step("the basis is a citation, one tap away; no item ids or editors' notes anywhere (8)"):
        no_editor_notes(fp)
        fp.click(S.SHOW_BASIS)
        fp.wait_text(S.BASIS_HEADING)
        assert re.search(r"· [^·]{0,40}《", " ".join(fp.texts())), "no citation in the basis"
        no_editor_notes(fp)
        fp.shot("basis")
        fp.click(S.HIDE_BASIS)

    with step("the hazard reads as its finding, and the actions stay in view beside it (9, 15)"):
        finding = CHECKLIST.item("GR-03").finding
        fp.click("否")
        fp.button(S.ADD_PHOTO).wait_for()
        assert fp.in_viewport(fp.button(S.BACK_TO_INSPECTION).last)  # the sheet's way back, without scrolling
        description = rows(server.db, "SELECT description FROM hazards WHERE item_id = 'GR-03'")[0][0]
        assert description and "检查结果" not in description and description.startswith(finding[:4])
        fp.click(S.BACK_TO_INSPECTION)
        fp.click(S.PREV_ITEM)
        at(fp, "GR-03")
        fp.wait_text(description)
        actions_in_view(fp)
        fp.shot("hazard-on-item")
        no_editor_notes(fp)

    with step("完成检查 is on screen without scrolling past the summary and the signature (15)"):
        fp.click(S.FINISH_ACTION)
        fp.button(S.COMPLETE).wait_for()
        assert fp.in_viewport(fp.button(S.COMPLETE).last)
        no_editor_notes(fp)  # problems name questions by number, hazards by description
    assert net.unexpected_failures() == []


def with_a_hazard(device: Any) -> str:
    inspection_id = a_draft(device)
    for item_id, value in (("GR-00", "成套住宅"), ("GR-00b", 6), ("GR-00c", 8), ("GR-01a", ["无上述情形"]),
                           ("GR-01b", "否")):
        device.inspections.answer(inspection_id, item_id, value)
    device.inspections.set_position(inspection_id, "GR-03")
    return inspection_id


def test_a_written_up_hazard_goes_only_after_a_yes_and_comes_back_with_its_details(seeded_app, make_page) -> None:
    server, inspection_id = seeded_app(with_a_hazard)
    fp, _ = make_page("390x844", OUT / "screenshots" / "390x844" / "withdraw")

    def hazard() -> list[tuple]:
        return rows(server.db, "SELECT location FROM hazards WHERE item_id = 'GR-03'")

    with step("a hazard written up, left without its photo: the gap is said (4)"):
        fp.open(server.url + f"run/{inspection_id}")
        at(fp, "GR-03")
        fp.click("否")
        fp.fill(HAZARD_FIELDS["location"], "二楼东侧隔间")
        fp.click(S.BACK_TO_INSPECTION)
        fp.wait_text(S.PHOTO_STILL_NEEDED)
        fp.shot("photo-still-needed")
        poll(lambda: hazard() == [("二楼东侧隔间",)])

    with step("changing the answer asks first; 保留原答案 keeps answer and hazard (1)"):
        fp.click(S.PREV_ITEM)
        at(fp, "GR-03")
        fp.click("是")
        fp.wait_text(S.WITHDRAW_TITLE)
        description = rows(server.db, "SELECT description FROM hazards WHERE item_id = 'GR-03'")[0][0]
        assert fp.shows(description)  # the question names the hazard it would withdraw
        fp.shot("withdraw-asked")
        fp.click(S.KEEP_ANSWER)
        poll(lambda: not fp.shows(S.WITHDRAW_TITLE))
        assert rows(server.db, "SELECT value FROM answers WHERE item_id = 'GR-03'") == [('"否"',)]
        assert hazard() == [("二楼东侧隔间",)]

    with step("撤销隐患 withdraws it; the answer back brings its details back (1)"):
        fp.click("是")
        fp.click(S.WITHDRAW_CONFIRM)
        poll(lambda: hazard() == [])
        fp.click(S.PREV_ITEM)
        at(fp, "GR-03")
        fp.click("否")
        fp.button(S.ADD_PHOTO).wait_for()
        poll(lambda: hazard() == [("二楼东侧隔间",)])


def test_another_hazard_exists_only_once_saved_and_can_be_deleted_in_a_draft(seeded_app, make_page) -> None:
    server, inspection_id = seeded_app(a_draft)
    fp, _ = make_page("390x844", OUT / "screenshots" / "390x844" / "other-hazard")

    def manual() -> list[tuple]:
        return rows(server.db, "SELECT description FROM hazards WHERE source = 'manual'")

    with step("记录其他隐患, then back out: nothing is recorded (2)"):
        fp.open(server.url + f"run/{inspection_id}")
        fp.click(S.RECORD_OTHER_HAZARD)
        fp.fill(HAZARD_FIELDS["description"], "配电箱门缺失")
        fp.shot("other-hazard")
        fp.click(S.BACK)
        fp.button(S.NEXT_ITEM).wait_for()
        assert manual() == []

    with step("back again: what was typed is there; saved, it is recorded"):
        fp.click(S.RECORD_OTHER_HAZARD)
        fp.click(S.SAVE_HAZARD)
        poll(lambda: manual() == [("配电箱门缺失",)])
        fp.button(S.DELETE_HAZARD).wait_for()

    with step("deleted after a yes (2)"):
        fp.click(S.DELETE_HAZARD)
        fp.wait_text(S.DELETE_HAZARD_TITLE)
        fp.click(S.DELETE)
        poll(lambda: manual() == [])
        fp.button(S.NEXT_ITEM).wait_for()


def a_highrise_draft_at_the_hydrant(device: Any) -> str:
    site = device.sites.search("玉龙花园")[0]
    inspection_id = device.inspections.start(site.id, "highrise").id
    device.inspections.set_position(inspection_id, "HR-17a")
    return inspection_id


#: Every time focus leaves a text <input>, with the input's accessible name.
JS_RECORD_INPUT_BLURS = """() => {
  window.inputBlurs = [];
  document.addEventListener('focusout', (e) => {
    if (e.target.tagName === 'INPUT') window.inputBlurs.push(e.target.getAttribute('aria-label'));
  }, true);
}"""
#: Each semantics node's own text (not its children's), in the order a screen reader reads them
#: (document order); a text field as ``input:`` and its accessible name.
JS_READING_ORDER = """() => Array.from(document.querySelectorAll('flt-semantics')).map(e => {
  const input = e.querySelector(':scope > input');
  if (input) return 'input:' + (input.getAttribute('aria-label') || '');
  const own = Array.from(e.childNodes).filter(n => !n.nodeName.startsWith('FLT-SEMANTICS'))
    .map(n => n.textContent).join('').trim();
  return own || e.getAttribute('aria-label') || '';
}).filter(t => t)"""


def test_on_a_tablet_the_item_is_read_before_its_basis_and_a_number_field_keeps_its_focus(
        seeded_app, make_page) -> None:
    server, inspection_id = seeded_app(a_highrise_draft_at_the_hydrant)
    fp, _ = make_page("820x1180", OUT / "screenshots" / "820x1180" / "run-screen")
    page = fp.page
    label = S.NUMBER_FIELD.format(unit="MPa")

    with step("是 on HR-17a: the number field of HR-17b takes the focus by itself"):
        fp.open(server.url + f"run/{inspection_id}")
        at(fp, "HR-17a")
        page.evaluate(JS_RECORD_INPUT_BLURS)
        fp.click("是")
        at(fp, "HR-17b")
        fp.wait_focus(label)

    with step("the item column is read before the basis column beside it"):
        order: list[str] = page.evaluate(JS_READING_ORDER)
        field = next(i for i, t in enumerate(order) if t.startswith(f"input:{label}"))
        other = next(i for i, t in enumerate(order) if t == S.RECORD_OTHER_HAZARD)
        basis = next(i for i, t in enumerate(order) if t.startswith(S.BASIS_TITLE))
        assert field < other < basis, order

    with step("the focused field's unit shows, and the field keeps its focus"):
        # The unit beside a focused number fades in: on the tablet this once reordered the
        # screen-reader tree, and the browser blurred the moved <input> (typing then went nowhere).
        poll(lambda: page.get_by_text("MPa", exact=True).count())
        assert page.evaluate("() => window.inputBlurs") == []
        assert page.evaluate("() => document.activeElement.tagName") == "INPUT"

    with step("what is typed is saved and Enter moves on"):
        page.keyboard.insert_text("0.4")
        page.keyboard.press("Enter")
        at(fp, "HR-17e")
        assert rows(server.db, "SELECT value FROM answers WHERE inspection_id = ? AND item_id = 'HR-17b'",
                    inspection_id) == [("0.4",)]
