"""Pull: changes after a cursor, within the user's scope, paged; nothing skipped under concurrent pushes."""

from __future__ import annotations

import threading
from pathlib import Path

from sync_support import jpeg

from checklists.loader import SHIPPED_DIR
from sync.server.publish import publish_checklist


def ids(records, entity=None) -> set[str]:
    return {r["id"] for r in records if entity is None or r["entity"] == entity}


def test_a_grid_worker_pulls_only_their_grids_and_a_manager_everything(server):
    wang, zhao, li = server.sign_in("wang"), server.sign_in("zhao"), server.sign_in("li")
    mine = wang.device.site(grid="荷花池-01")
    theirs = zhao.device.site(grid="青果巷-02")
    wang.push_ok([mine, wang.device.hazard(mine["entity_id"])])
    zhao.push_ok([theirs, zhao.device.hazard(theirs["entity_id"])])
    other_wang_device = server.sign_in("wang")
    assert ids(other_wang_device.pull_all(), "site") == {mine["entity_id"]}
    assert ids(li.pull_all(), "site") == {mine["entity_id"], theirs["entity_id"]}
    # and a record outside the grid is 403 when asked for directly
    assert wang.http.get(f"/v1/records/site/{theirs['entity_id']}").status_code == 403


def test_a_device_does_not_pull_back_its_own_writes_unless_it_asks(server):
    phone = server.sign_in("wang")
    site = phone.device.site()
    phone.push_ok([site])
    assert phone.pull_all() == []
    assert ids(phone.pull_all(cursor="0", own="true")) == {site["entity_id"]}
    assert ids(server.sign_in("wang").pull_all()) == {site["entity_id"]}


def test_pages_follow_the_cursor_and_together_hold_every_record_once(server):
    phone = server.sign_in("wang")
    site = phone.device.site()
    hazards = [phone.device.hazard(site["entity_id"]) for _ in range(6)]
    phone.push_ok([site, *hazards])
    tablet = server.sign_in("wang")
    reply = tablet.http.get("/v1/pull", params={"cursor": "0", "limit": 2}).json()
    assert reply["server"] == "anxun" and reply["more"] is True and len(reply["records"]) == 2
    assert reply["records"][0]["entity"] == "site"  # oldest change first: the site before its hazards
    records = tablet.pull_all(cursor="0", limit=2)
    assert len(records) == 7 and len(ids(records)) == 7
    assert tablet.pull_all() == []  # nothing new after the last cursor


def test_paging_while_others_push_never_skips_a_committed_record(server):
    reader = server.sign_in("li")
    writers = [server.sign_in("wang") for _ in range(3)]
    pushed: list[str] = []
    lock = threading.Lock()

    def write(signed):
        site = signed.device.site()
        signed.push_ok([site])
        for _ in range(8):
            batch = [signed.device.hazard(site["entity_id"]) for _ in range(3)]
            signed.push_ok(batch)
            with lock:
                pushed.extend(e["entity_id"] for e in batch)

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    seen: set[str] = set()
    while any(t.is_alive() for t in threads):
        seen |= ids(reader.pull_all(limit=5), "hazard")
    for thread in threads:
        thread.join()
    seen |= ids(reader.pull_all(limit=5), "hazard")
    assert len(pushed) == 72 and seen == set(pushed)


def test_a_managers_decision_appears_in_the_grid_workers_pull(server):
    wang, li = server.sign_in("wang"), server.sign_in("li")
    site = wang.device.site()
    hazard = wang.device.hazard(site["entity_id"])
    wang.push_ok([site, hazard])
    wang.pull_all()
    reply = li.http.post(f"/v1/hazards/{hazard['entity_id']}/decisions",
                         json={"deadline": "2027-03-01", "severity": "重大", "listed": True, "note": "挂牌督办"})
    assert reply.status_code == 201
    records = {r["entity"]: r for r in wang.pull_all()}
    assert set(records) == {"hazard", "decision"}
    assert records["hazard"]["fields"]["deadline"] == "2027-03-01"
    assert records["hazard"]["fields"]["severity"] == "重大" and records["hazard"]["fields"]["listed"] is True
    decision = records["decision"]["fields"]
    assert (decision["hazard_id"], decision["decided_by"], decision["note"]) == (hazard["entity_id"], "li", "挂牌督办")


def test_a_withdrawn_hazard_arrives_as_a_delete(server):
    phone, tablet = server.sign_in("wang"), server.sign_in("wang")
    site = phone.device.site()
    hazard = phone.device.hazard(site["entity_id"])
    phone.push_ok([site, hazard])
    tablet.pull_all()
    phone.push_ok([phone.device.entry("hazard", hazard["entity_id"], "delete", {"id": hazard["entity_id"]})])
    [record] = tablet.pull_all()
    assert record == {"entity": "hazard", "id": hazard["entity_id"], "op": "delete",
                      "fields": {"id": hazard["entity_id"]}}


def test_another_device_pulls_a_hazard_with_its_photo_hashes_for_a_review(server):
    phone, tablet = server.sign_in("wang"), server.sign_in("wang")
    site = phone.device.site()
    hazard = phone.device.hazard(site["entity_id"])
    photo = phone.device.photo(jpeg())
    link = phone.device.link(photo["entity_id"], "hazard", hazard["entity_id"])
    phone.push_ok([site, hazard, photo, link])
    records = tablet.pull_all()
    assert ids(records, "photo") == {photo["entity_id"]}
    assert ids(records, "photo_link") == {link["entity_id"]}
    # another grid sees neither the hazard nor its photo
    assert server.sign_in("zhao").pull_all() == []


def test_a_published_checklist_is_pulled_by_every_device(server):
    publish_checklist(server.storage, Path(SHIPPED_DIR) / "lifeline.yaml")
    for name in ("wang", "zhao"):
        [record] = server.sign_in(name).pull_all()
        assert (record["entity"], record["id"]) == ("checklist", "lifeline")
        assert record["fields"]["version"] >= 1 and "sections:" in record["fields"]["yaml"]


def test_a_cursor_ahead_of_the_server_asks_the_device_to_start_over(server):
    reply = server.sign_in("wang").http.get("/v1/pull", params={"cursor": "999999"})
    assert reply.status_code == 409 and reply.json()["code"] == "cursor_ahead"


def test_a_site_moved_to_another_grid_goes_with_its_records_to_that_grids_devices(server):
    wang, li, zhao = server.sign_in("wang"), server.sign_in("li"), server.sign_in("zhao")
    site = wang.device.site(grid="荷花池-01")
    hazard = wang.device.hazard(site["entity_id"])
    wang.push_ok([site, hazard])
    assert zhao.pull_all() == []
    li.pull_all()
    moved = li.device.entry("site", site["entity_id"], "update", {"id": site["entity_id"], "grid": "青果巷-02"})
    assert li.push_ok([moved])[0]["status"] == "applied"
    assert ids(zhao.pull_all()) == {site["entity_id"], hazard["entity_id"]}
    # and the old grid's worker may no longer change it
    [result] = wang.push_ok([wang.device.hazard_update(hazard["entity_id"], location="三楼")])
    assert result["code"] == "forbidden"
