"""Chinese is never drawn as boxes in the web app: not on the first frame, and not while the font is
still on its way (held back here, as a slow network would)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from app.ui import strings as S

from .glyphs import BLANK, GLYPHS, label_state
from .harness import OUT, AppServer

pytestmark = pytest.mark.browser

#: How long the font request is held back (from when the client asks for it) before it may go on.
HOLD_S = 2.0
LABEL = S.LAST_SYNC.format(when=S.NEVER_SYNCED)


def test_chinese_is_never_drawn_as_boxes_while_the_font_is_still_loading(app_server: AppServer, make_page) -> None:
    shots = OUT / "screenshots" / "first-frame-font"
    fp, net = make_page("390x844", shots)
    page = fp.page
    held: list[tuple[float, Any]] = []  # (when asked for, the request held back)
    page.route(re.compile(r"/fonts/NotoSansSC-AnXun\.otf$"), lambda route: held.append((time.monotonic(), route)))
    page.goto(app_server.url)
    probe = shots / "probe.png"
    probe.parent.mkdir(parents=True, exist_ok=True)
    placeholder = page.locator("flt-semantics-placeholder")
    label = page.get_by_text(LABEL, exact=True).first
    start = time.monotonic()
    deadline = start + HOLD_S + 40
    clicked = released = False
    seen: list[tuple[float, str, float]] = []
    while time.monotonic() < deadline:
        if not released and held and time.monotonic() >= held[0][0] + HOLD_S:
            for _, route in held:
                route.continue_()
            released = True
        if not clicked and placeholder.count():
            placeholder.dispatch_event("click")  # Flutter's semantics tree: how the label is found
            clicked = True
        box = label.bounding_box() if clicked and label.count() else None
        if box:
            page.screenshot(path=str(probe))
            state, diff = label_state(probe, box, len(LABEL))
            if state != BLANK:
                seen.append((round(time.monotonic() - start, 2), state, round(diff, 1)))
                if state != GLYPHS or released:
                    break
        page.wait_for_timeout(50)
    assert held, "the web client never asked for the bundled font"
    assert seen, f"the label {LABEL!r} was never painted"
    t, state, diff = seen[0]
    assert state == GLYPHS, (f"{LABEL!r} first painted as {state} {t} s after the page opened "
                             f"(font {'sent' if released else 'still held back'}; glyph difference {diff}); "
                             f"see {probe}")
    assert 200 in net.font_status()
    assert net.unexpected_failures() == []
    probe.unlink(missing_ok=True)
