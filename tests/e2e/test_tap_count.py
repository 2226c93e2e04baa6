"""How many taps one complete 群租房 inspection with one hazard takes, through the real UI on a
390×844 phone: from home, 新建检查 → an existing 群租房 demo site → every visible item answered so
that exactly one hazard is raised → one photo on it → the representative signs → 完成检查.

A tap is what a finger does: a tap on a button, a box or a field, the keyboard's Enter, picking
the file in the photo chooser, one stroke on the signature pad. Typing characters and scrolling
are not taps. The test adapts to what the screen asks (a field that is not focused is tapped
first; an answer that does not move on needs 下一题), so it counts the same way on any version.
Prints ``taps_qunzufang_one_hazard: N taps`` (and the questions answered: each takes at least one
tap, so what the screens add beyond that — getting there, the hazard's photo, signing — is what
they can cut).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.demo import seed_demo
from app.domain.clock import local_today
from app.domain.prefill import prefill_answers
from app.services import open_device
from app.ui import strings as S
from checklists.loader import load_shipped

from .harness import OUT, FlutterPage, poll, running_app, step
from .plan import answered_value, hazard_answer, hazard_item, safe_answer

pytestmark = pytest.mark.browser

CHECKLIST = load_shipped().checklists["group_rental"]
#: Taps beyond one per question answered: 新建检查, site and checklist, the photo (添加照片 and the
#: file), back from the hazard sheet, the signature stroke, 完成检查. (Issue 12 measured 55 taps
#: for 31 questions, 24 beyond them; its aim of 40 assumed those 31 questions.)
OVERHEAD = 7
#: An empty text input has the focus (the field of the item on screen: answered fields are not empty).
JS_EMPTY_INPUT_FOCUSED = """() => !!document.activeElement && document.activeElement.tagName === 'INPUT'
  && document.activeElement.value === ''"""
#: Whether any node on screen shows ``t``.
JS_SHOWS = "(t) => Array.from(document.querySelectorAll('flt-semantics')).some(e => e.textContent.includes(t))"


@dataclass
class Taps:
    """The taps of one visit, by what they were for."""

    fp: FlutterPage
    log: list[str] = field(default_factory=list)

    @property
    def page(self) -> Any:
        return self.fp.page

    def tap(self, what: str, locator: Any) -> None:
        locator.wait_for()
        locator.click()
        self.log.append(what)

    def button(self, name: str) -> None:
        self.tap(name, self.fp.button(name).last)

    def enter(self, what: str) -> None:
        self.page.keyboard.press("Enter")
        self.log.append(f"Enter ({what})")

    def count(self) -> int:
        return len(self.log)


@pytest.fixture()
def demo_server(tmp_path: Path):  # noqa: ANN201
    data = tmp_path / "data"
    device = open_device(data)
    seed_demo(device)
    site = next(s for s in device.sites.search(kind="群租房"))
    device.close()
    with running_app(data, tmp_path / "app.log") as server:
        yield server, site


def test_one_qunzufang_inspection_with_one_hazard_takes_one_tap_per_question_and_seven_more(
        demo_server, make_page, jpeg: Path, capsys) -> None:
    server, site = demo_server
    fp, net = make_page("390x844", OUT / "screenshots" / "390x844" / "tap-count")
    taps = Taps(fp)
    page = fp.page
    hazard = hazard_item(CHECKLIST)
    answers: dict[str, Any] = prefill_answers(CHECKLIST, site)

    with step("home → 新建检查 → the 群租房 demo site → its checklist"):
        fp.open(server.url)
        fp.button(S.NEW_INSPECTION).wait_for(timeout=30_000)
        taps.button(S.NEW_INSPECTION)
        card = fp.site_card(site.name)
        card.wait_for()
        fp.reveal(card)
        start = S.START_CHECKLIST.format(title=CHECKLIST.title)
        on_card = card.get_by_role("button", name=start, exact=True)
        if on_card.count():  # the site's checklists are offered on its card
            taps.tap(start, on_card)
        else:
            taps.tap("site", card)
            poll(lambda: fp.button(start).count() or fp.item_id())
            if fp.button(start).count():
                taps.button(start)

    questions = 0
    with step("every visible item answered, one hazard with one photo"):
        raised = False
        for _ in range(200):
            iid = poll(fp.item_id)
            item = CHECKLIST.item(iid)
            if item.computed is not None or iid in answers:
                taps.button(S.NEXT_ITEM)  # shown, worked out or given by the site record: passed over
            elif item.id == hazard.id and not raised:
                questions += 1
                answer(taps, item, hazard_answer(item))
                answers[item.id] = hazard_answer(item)
                photo_on_the_hazard(taps, jpeg)
                raised = True
            else:
                questions += 1
                value = safe_answer(item, CHECKLIST, answers, local_today())
                answer(taps, item, value)
                answers[item.id] = answered_value(item, value)
            if not moves_on(fp, iid):
                break
        assert raised

    with step("sign and complete"):
        if fp.button(S.GO_FINISH).count():  # the last answer did not lead on by itself
            taps.button(S.GO_FINISH)
        fp.button(S.COMPLETE).wait_for()
        if not page.evaluate(JS_SHOWS, getattr(S, "SIGNER_FROM_CONTACT", "\x00")):  # no name there yet
            taps.tap("signer", page.get_by_label(S.SIGNER_FIELD, exact=True).last)
            fp.wait_focus(S.SIGNER_FIELD)
            page.keyboard.insert_text(site.contact_name)
        sign(taps, fp)
        taps.button(S.COMPLETE)
        fp.wait_text(S.COMPLETED_READ_ONLY, timeout=15_000)
        fp.shot("completed")

    with step("exactly one hazard, with its photo, and a completed inspection"):
        db = sqlite3.connect(server.db)
        try:
            (status,), = db.execute("SELECT status FROM inspections").fetchall()
            rows = db.execute("SELECT id, item_id FROM hazards").fetchall()
            assert status == "completed" and [r[1] for r in rows] == [hazard.id]
            assert db.execute("SELECT count(*) FROM photo_links WHERE owner_kind = 'hazard'").fetchone()[0] == 1
            assert db.execute("SELECT signer_name FROM signatures").fetchone()[0] == site.contact_name
        finally:
            db.close()
        assert net.unexpected_failures() == []

    n = taps.count()
    with capsys.disabled():
        print(f"\ntaps_qunzufang_one_hazard: {n} taps\nquestions_qunzufang_one_hazard: {questions} questions")
    (OUT / "taps_qunzufang_one_hazard.txt").write_text(
        "\n".join(taps.log) + f"\n{n} taps, {questions} questions\n", encoding="utf-8")
    assert n - questions <= OVERHEAD, f"{n} taps for {questions} questions: " + ", ".join(taps.log)


def answer(taps: Taps, item: Any, value: Any) -> None:
    fp, page = taps.fp, taps.page
    if item.kind in ("yes_no_na", "choice"):
        taps.button(str(value))
    elif item.kind == "multi_choice":
        for opt in value:
            taps.tap(opt, page.get_by_role("checkbox", name=opt, exact=True))
        whole = len(value) == 1 and value[0] in item.exclusive_options
        if not (whole and moved_within(fp, item.id, 3)):
            taps.button(S.NEXT_ITEM)
    elif item.kind in ("number", "text", "date"):
        label = {"number": S.NUMBER_FIELD.format(unit=item.unit), "date": S.DATE_FIELD, "text": S.TEXT_FIELD}[item.kind]
        field_ = page.get_by_label(label, exact=True).last
        field_.wait_for()
        try:
            page.wait_for_function(JS_EMPTY_INPUT_FOCUSED, timeout=1_500)  # the keypad opened by itself
        except Exception:  # noqa: BLE001 - Playwright's timeout: the field needs a tap
            taps.tap(f"{item.kind} field", field_)
            page.wait_for_function(JS_EMPTY_INPUT_FOCUSED)
        page.keyboard.insert_text(f"{value:g}" if isinstance(value, float) else str(value))
        if item.kind == "text":
            taps.button(S.NEXT_ITEM)
        else:
            taps.enter(item.id)
    elif item.kind == "photo":
        taps.button(S.SKIP_PHOTO)
    else:
        raise AssertionError(item.kind)


def photo_on_the_hazard(taps: Taps, jpeg: Path) -> None:
    """The hazard sheet opens by itself: one photo, then back to the checklist."""
    fp, page = taps.fp, taps.page
    fp.button(S.ADD_PHOTO).wait_for()
    with page.expect_file_chooser() as chooser:
        taps.button(S.ADD_PHOTO)
    chooser.value.set_files(str(jpeg))
    taps.log.append("the photo, in the file chooser")
    fp.wait_text(S.PHOTO_COUNT.format(n=1), timeout=20_000)
    fp.shot("hazard-sheet")
    taps.button(S.BACK_TO_INSPECTION)


def sign(taps: Taps, fp: FlutterPage) -> None:
    page = fp.page
    pad = page.get_by_text(re.compile(f"^{S.SIGNATURE_PAD}")).first
    bar_top = fp.button(S.COMPLETE).last.bounding_box()["y"]
    box = fp.reveal(pad, above=page.viewport_size["height"] - bar_top, need=140)
    x0, y0 = box["x"] + 30, box["y"] + 40
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x0 + i * 10, y0 + (30 if i % 6 < 3 else 0) + i * 2, steps=2)
    page.mouse.up()
    taps.log.append("signature stroke")
    poll(lambda: not page.evaluate(JS_SHOWS, S.SIGN_HERE), timeout=15)


def moved_within(fp: FlutterPage, item_id: str, seconds: float) -> bool:
    try:
        poll(lambda: fp.item_id() not in (None, item_id), timeout=seconds)
    except TimeoutError:
        return False
    return True


def moves_on(fp: FlutterPage, item_id: str) -> bool:
    """True when the screen went to another item; False after the last one (the finish screen,
    or the same item still on screen with its 去完成检查)."""
    try:
        poll(lambda: fp.item_id() not in (None, item_id) or fp.button(S.COMPLETE).count(), timeout=5)
    except TimeoutError:
        assert fp.button(S.GO_FINISH).count(), f"stuck on {item_id}"
        return False
    return fp.item_id() not in (None, item_id)
