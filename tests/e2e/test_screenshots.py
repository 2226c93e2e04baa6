"""Every screen, photographed at 360×800, 390×844 and 820×1180 into
``test-output/screenshots/<size>/screens/`` (the README's pictures are chosen from these), each
checked to have drawn its screen rather than an error."""

from __future__ import annotations

from typing import Any

import pytest

from app.demo_records import seed_demo_records
from app.ui import strings as S
from tests.answers import finish_safely

from .harness import OUT, SCREEN_SIZES, poll, step

pytestmark = pytest.mark.browser


def records(device: Any) -> dict[str, str]:
    """Demo hazards in every status, a draft with a hazard on screen, a completed inspection."""
    seed_demo_records(device)
    rental = device.sites.search("荷花池")[0]
    draft = device.inspections.start(rental.id, "group_rental")
    for item_id, value in (("GR-00", "成套住宅"), ("GR-00b", 6), ("GR-00c", 8), ("GR-01a", ["无上述情形"]),
                           ("GR-01b", "否"), ("GR-03", "否")):
        device.inspections.answer(draft.id, item_id, value)
    device.inspections.set_position(draft.id, "GR-03")
    hazard = device.inspections.state(draft.id).hazards["GR-03"]
    lane = device.sites.search("清潭")[0]
    done = device.inspections.start(lane.id, "lifeline")
    finish_safely(device, done.id)
    overdue = next(h for h in device.hazards.ledger() if h.overdue)
    return {"site": rental.id, "draft": draft.id, "hazard": hazard.id, "done": done.id, "overdue": overdue.id}


#: (file name, route, what shows once the screen is drawn)
SCREENS = [
    ("home", "/", S.NEW_INSPECTION),
    ("settings", "/settings", S.INSPECTOR_SECTION),
    ("sites", "/sites", S.FILTERS),
    ("new-site", "/sites/new", S.SAVE_SITE),
    ("choose-checklist", "/site/{site}", S.CHECKLISTS_FOR_SITE),
    ("run-item", "/run/{draft}", S.NEXT_ITEM),
    ("hazard-sheet", "/hazard/{hazard}", S.BACK_TO_INSPECTION),
    ("other-hazard", "/hazard/new/{draft}", S.SAVE_HAZARD),
    ("finish", "/finish/{draft}", S.COMPLETE),
    ("finished", "/finish/{done}", S.COMPLETED_READ_ONLY),
    ("ledger", "/ledger", S.FILTERS),
    ("ledger-detail", "/ledger/{overdue}", S.RECTIFICATION),
]


@pytest.mark.parametrize("size", list(SCREEN_SIZES))
def test_every_screen_is_photographed_at_every_size(size: str, seeded_app, make_page) -> None:
    server, ids = seeded_app(records)
    shots = OUT / "screenshots" / size / "screens"
    for old in shots.glob("*.png"):
        old.unlink()
    fp, net = make_page(size, shots)
    for name, route, sign in SCREENS:
        with step(f"{name} at {size}"):
            fp.open(server.url + route.format(**ids).lstrip("/"))
            fp.text(sign).first.wait_for(timeout=30_000)
            assert not fp.shows(S.ERROR_TITLE)
            fp.shot(name)
            if name == "hazard-sheet":
                fp.click(S.PICK_DATE)
                fp.button(S.NEXT_MONTH).wait_for()
                fp.shot("date-picker")
                fp.click(S.CANCEL)
                poll(lambda: not fp.button(S.NEXT_MONTH).count())
    assert len(list(shots.glob("*.png"))) == len(SCREENS) + 1
    assert net.unexpected_failures() == []
