"""``--demo`` shows a ledger with work in it: past hazards at the demo sites in every status,
one overdue, recorded through the services on their own days; seeding twice adds nothing."""

from __future__ import annotations

from app.demo import seed_demo
from app.demo_records import seed_demo_records
from app.services import STATUSES, open_device
from tests.factories import TODAY


def test_demo_records_hold_every_status_and_one_overdue_hazard(tmp_path):
    device = open_device(tmp_path / "data", today=lambda: TODAY)
    try:
        seed_demo(device)
        assert seed_demo_records(device) == 5
        ledger = device.hazards.ledger()
        assert {h.status for h in ledger} == set(STATUSES)
        assert [h.overdue for h in ledger].count(True) == 1 and ledger[0].overdue  # listed first
        assert "重大" in {h.severity for h in ledger}
        closed = next(h for h in ledger if h.status == "已销号")
        assert len(device.reviews.of(closed.id)[0].photo_shas) == 1
        assert seed_demo_records(device) == 0
        assert len(device.hazards.ledger()) == 5
    finally:
        device.close()
