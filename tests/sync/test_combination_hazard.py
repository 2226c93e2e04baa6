"""A 综合判定 hazard travels like any other: the device's change log, pushed as it is, is accepted;
the server keeps its source and its links to the element hazards, and takes its withdrawal."""

from __future__ import annotations

import json
from pathlib import Path

from app.services import open_device
from checklists import Checklist
from sync.hlc import HlcClock
from tests.factories import V2_SAMPLE, jpeg_bytes


def change_log(device, clock: HlcClock) -> list[dict]:
    """The device's ``changes`` rows as push entries (issue 9's engine adds the HLC the same way)."""
    return [{"seq": r["seq"], "entity": r["entity"], "entity_id": r["entity_id"], "op": r["op"],
             "payload": json.loads(r["payload"]), "at": r["at"], "hlc": str(clock.now())}
            for r in device.store.rows("SELECT * FROM changes ORDER BY seq")]


def test_a_combination_hazard_is_pushed_kept_with_its_links_and_withdrawn(server, tmp_path: Path):
    device = open_device(tmp_path / "device", checklists={"v2": Checklist.model_validate(V2_SAMPLE)})
    site = device.sites.create(name="南大街商业步行街", kind="人员密集场所", grid="荷花池-01")
    inspection = device.inspections.start(site.id, "v2")
    for item_id in ("E1", "E2", "E3"):
        state = device.inspections.answer(inspection.id, item_id, "是")
    (combined,) = state.combined
    device.evidence.add_to_hazard(combined.id, jpeg_bytes())
    clock = HlcClock(device.device_id)
    wang = server.sign_in("wang", device_id=device.device_id)
    results = wang.push_ok(change_log(device, clock))
    assert [(r["seq"], r["code"]) for r in results if r["status"] != "applied"] == []

    fields = wang.record("hazard", combined.id)["fields"]
    assert (fields["source"], fields["item_id"], fields["severity"]) == ("combination", combined.item_id, "重大")
    assert fields["element_items"] == ["E1", "E2", "E3"]

    pushed = device.store.scalar("SELECT max(seq) FROM changes")
    # the rule no longer holds: withdrawn (it has a photo, so the inspector confirms the withdrawal)
    device.inspections.answer(inspection.id, "E2", "否", withdraw=True)
    later = [e for e in change_log(device, clock) if e["seq"] > pushed]
    assert ("hazard", combined.id, "delete") in [(e["entity"], e["entity_id"], e["op"]) for e in later]
    assert {r["status"] for r in wang.push_ok(later)} == {"applied"}
    assert wang.record("hazard", combined.id)["deleted"] is True
    device.close()
