"""``python -m app.demo``: a device folder filled through the services with what a newcomer should
see — inspections done and in progress, hazards in every status, some overdue, 复查, photos — and
as much again on a second run, never a refusal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.demo import DEMO_SITES, fill, seed_demo
from app.demo_records import seed_demo_records
from app.services import STATUSES, LedgerFilter, open_device

REPO = Path(__file__).resolve().parents[1]


def test_the_demo_has_hazards_in_every_status_some_overdue_reviews_and_its_photos(tmp_path):
    device = open_device(tmp_path / "data")
    try:
        added = fill(device)
        ledger = device.hazards.ledger(limit=1000)
        assert {h.status for h in ledger} == set(STATUSES)
        assert device.hazards.ledger(LedgerFilter(overdue=True))  # inspected weeks ago, still open
        assert added.reviews and added.completed and added.inspections == 10 and added.sites == 8
        assert device.store.scalar("SELECT count(*) FROM photos") == added.photos == 10
        assert device.store.scalar("SELECT count(*) FROM reviews") == added.reviews
        # every visible item of a completed inspection is answered, and it was signed
        completed = device.store.rows("SELECT id FROM inspections WHERE status = 'completed'")
        assert len(completed) == added.completed
        for row in completed:
            state = device.inspections.state(row["id"])
            assert state.answered == state.total and state.inspection.signer_name
        first = device.store.scalar("SELECT count(*) FROM changes")

        again = fill(device, sites=2, inspections=3, photos=2)

        assert (again.sites, again.inspections) == (2, 3)
        assert device.store.scalar("SELECT count(*) FROM sites") == 10
        assert device.store.scalar("SELECT count(*) FROM inspections") == 13
        assert device.store.scalar("SELECT count(*) FROM changes") > first
    finally:
        device.close()


def test_the_demo_command_says_what_it_added(tmp_path):
    done = subprocess.run([sys.executable, "-m", "app.demo", str(tmp_path / "d"), "--sites", "2", "--inspections",
                           "2", "--photos", "1", "--seed", "7"], capture_output=True, text=True, cwd=REPO, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("演示数据：新增 2 个场所、2 项检查") and "1 张照片" in done.stdout


def test_a_folder_starts_with_the_demo_sites_once_whichever_demo_comes_first(tmp_path):
    names = [site[0] for site in DEMO_SITES]
    filled = open_device(tmp_path / "filled")
    seeded = open_device(tmp_path / "seeded")
    try:
        fill(filled, inspections=1, photos=0)
        assert [s.name for s in filled.sites.search(limit=100)][::-1] == names
        assert seed_demo(filled) == 0  # the field app's --demo adds nothing to a filled folder

        assert seed_demo(seeded) == len(DEMO_SITES) and seed_demo_records(seeded) == 5
        more = fill(seeded, sites=2, inspections=2, photos=1)
        site_names = [s.name for s in seeded.sites.search(limit=100)]
        assert more.sites == 2 and len(site_names) == len(DEMO_SITES) + 2
        assert sorted(site_names).count(names[0]) == 1  # made-up sites after the demo ones, none again
    finally:
        filled.close()
        seeded.close()
